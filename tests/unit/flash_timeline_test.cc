// The NAND timing model, on the model's own clock.
#include <catch2/catch.hpp>

#include <array>

#include "flash/timeline.h"

using namespace salix::flash;

namespace {

// Round numbers so expectations read as arithmetic: tR 50 us, tPROG 500 us,
// tBERS 3 ms, and a 4 KiB page crosses a 512 MB/s bus in 8 us.
constexpr uint64_t kTr = 50'000;
constexpr uint64_t kTprog = 500'000;
constexpr uint64_t kTbers = 3'000'000;

Geometry TestGeometry() {
  Geometry g;
  g.channels = 2;
  g.dies_per_channel = 2;
  g.planes_per_die = 2;
  g.blocks_per_plane = 8;
  g.pages_per_block = 16;
  g.page_size = 4096;
  g.cell_type = CellType::kSlc;
  return g;
}

Timing TestTiming() {
  Timing t;
  t.read_ns = {kTr};
  t.program_ns = {kTprog};
  t.erase_ns = kTbers;
  t.channel_mbps = 512;
  return t;
}

uint64_t Xfer(const Timeline& tl) {
  uint64_t x = TransferNs(tl.geometry().page_size, tl.timing().channel_mbps);
  REQUIRE(x == 8'000);
  return x;
}

}  // namespace

TEST_CASE("one read costs tR plus the page transfer") {
  Timeline tl(TestGeometry(), TestTiming());
  const uint64_t x = Xfer(tl);
  CHECK(tl.Read(Ppa{0, 0, 0, 0, 0}, 1000) == 1000 + kTr + x);
  CHECK(tl.die_stats(0).reads == 1);
  CHECK(tl.die_stats(0).array_ns == kTr);
  CHECK(tl.channel_stats(0).busy_ns == x);
  CHECK(tl.channel_stats(0).bytes == 4096);
}

TEST_CASE("a partial read transfers only the bytes asked for") {
  Timeline tl(TestGeometry(), TestTiming());
  CHECK(tl.Read(Ppa{0, 0, 0, 0, 0}, 0, 1024) ==
        kTr + TransferNs(1024, tl.timing().channel_mbps));
}

TEST_CASE("reads on dies of different channels overlap completely") {
  Timeline tl(TestGeometry(), TestTiming());
  const uint64_t x = Xfer(tl);
  CHECK(tl.Read(Ppa{0, 0, 0, 0, 0}, 0) == kTr + x);
  CHECK(tl.Read(Ppa{1, 0, 0, 0, 0}, 0) == kTr + x);
}

TEST_CASE("the channel bus serialises transfers of two dies on one channel") {
  Timeline tl(TestGeometry(), TestTiming());
  const uint64_t x = Xfer(tl);
  // Both array reads overlap; the second die's data waits for the bus.
  CHECK(tl.Read(Ppa{0, 0, 0, 0, 0}, 0) == kTr + x);
  CHECK(tl.Read(Ppa{0, 1, 0, 0, 0}, 0) == kTr + 2 * x);
  CHECK(tl.channel_stats(0).busy_ns == 2 * x);
  CHECK(tl.die_stats(1).busy_ns == kTr + 2 * x);  // held its data for the bus
}

TEST_CASE("a read behind a program on the same die waits for tPROG") {
  Timeline tl(TestGeometry(), TestTiming());
  const uint64_t x = Xfer(tl);
  const uint64_t programmed = tl.Program(Ppa{0, 0, 0, 0, 0}, 0);
  CHECK(programmed == x + kTprog);  // data in over the bus, then tPROG
  CHECK(tl.Read(Ppa{0, 0, 0, 0, 1}, 1) == programmed + kTr + x);
  // Another die on the same channel is not held up by that program.
  CHECK(tl.Read(Ppa{0, 1, 0, 0, 0}, 1) == 1 + kTr + x);
}

TEST_CASE("an early transfer uses the bus before a later-booked one") {
  Timeline tl(TestGeometry(), TestTiming());
  const uint64_t x = Xfer(tl);
  // The read books the bus for after tR; a program issued meanwhile on a
  // sibling die moves its data in the idle bus time before that.
  CHECK(tl.Read(Ppa{0, 0, 0, 0, 0}, 0) == kTr + x);
  CHECK(tl.Program(Ppa{0, 1, 0, 0, 0}, 0) == x + kTprog);
}

TEST_CASE("erase occupies the die for tBERS") {
  Timeline tl(TestGeometry(), TestTiming());
  CHECK(tl.Erase(BlockAddr{1, 1, 0, 3}, 7) == 7 + kTbers);
  CHECK(tl.die_free_at(3) == 7 + kTbers);
  CHECK(tl.die_stats(3).erases == 1);
  CHECK(tl.channel_stats(1).busy_ns == 0);
}

TEST_CASE("a multi-plane read costs one tR and one transfer per plane") {
  Timeline tl(TestGeometry(), TestTiming());
  const uint64_t x = Xfer(tl);
  std::array<Ppa, 2> group{Ppa{0, 0, 0, 2, 5}, Ppa{0, 0, 1, 6, 5}};
  REQUIRE_FALSE(Timeline::CheckMultiPlane(tl.geometry(), group));
  CHECK(tl.ReadMultiPlane(group, 0) == kTr + 2 * x);
  CHECK(tl.die_stats(0).array_ns == kTr);
  CHECK(tl.die_stats(0).reads == 2);
}

TEST_CASE("a multi-plane program costs one tPROG after both transfers") {
  Timeline tl(TestGeometry(), TestTiming());
  const uint64_t x = Xfer(tl);
  std::array<Ppa, 2> group{Ppa{1, 1, 0, 0, 0}, Ppa{1, 1, 1, 0, 0}};
  CHECK(tl.ProgramMultiPlane(group, 0) == 2 * x + kTprog);
  std::array<BlockAddr, 2> blocks{BlockAddr{1, 1, 0, 0}, BlockAddr{1, 1, 1, 0}};
  CHECK(tl.EraseMultiPlane(blocks, 0) == 2 * x + kTprog + kTbers);
}

TEST_CASE("multi-plane groups must be one die, one page index, distinct planes") {
  Geometry g = TestGeometry();
  std::array<Ppa, 2> other_die{Ppa{0, 0, 0, 0, 0}, Ppa{0, 1, 1, 0, 0}};
  std::array<Ppa, 2> other_page{Ppa{0, 0, 0, 0, 0}, Ppa{0, 0, 1, 0, 1}};
  std::array<Ppa, 2> same_plane{Ppa{0, 0, 1, 0, 0}, Ppa{0, 0, 1, 1, 0}};
  CHECK(Timeline::CheckMultiPlane(g, other_die));
  CHECK(Timeline::CheckMultiPlane(g, other_page));
  CHECK(Timeline::CheckMultiPlane(g, same_plane));
}

TEST_CASE("read and program latency depend on the page type") {
  Geometry g = TestGeometry();
  g.cell_type = CellType::kTlc;
  g.pages_per_block = 12;
  Timing t = Timing::Defaults(CellType::kTlc);
  t.channel_mbps = 0;  // isolate the array time
  Timeline tl(g, t);
  CHECK(tl.Read(Ppa{0, 0, 0, 0, 0}, 0) == 56'500);             // LSB
  CHECK(tl.Read(Ppa{0, 1, 0, 0, 4}, 0) == 77'500);             // CSB
  CHECK(tl.Read(Ppa{1, 0, 0, 0, 2}, 0) == 106'000);            // MSB
  CHECK(tl.Program(Ppa{1, 1, 0, 0, 5}, 0) == 5'734'000);       // MSB
}

TEST_CASE("a transfer-free bus makes a read cost exactly tR") {
  Timing t = TestTiming();
  t.channel_mbps = 0;
  Timeline tl(TestGeometry(), t);
  CHECK(tl.Read(Ppa{0, 0, 0, 0, 0}, 0) == kTr);
  CHECK(tl.Read(Ppa{0, 1, 0, 0, 0}, 0) == kTr);
}

TEST_CASE("a bus timeline books the first gap that fits") {
  BusTimeline bus(1000);  // 1 byte/ns
  CHECK(bus.Reserve(0, 100, 50).start == 100);   // [100,150)
  CHECK(bus.Reserve(0, 0, 60).start == 0);       // [0,60) fits before
  CHECK(bus.Reserve(0, 70, 40).start == 150);    // gap [60,100) too short
  CHECK(bus.Reserve(0, 60, 40).start == 60);     // exactly fills [60,100)
  CHECK(bus.idle_at() == 190);
  CHECK(bus.busy_ns() == 190);
  CHECK(bus.Reserve(500, 500, 10).start == 500);  // history forgotten
}

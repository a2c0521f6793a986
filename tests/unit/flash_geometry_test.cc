// Geometry, cell types, timing parameters and profiles.
#include <catch2/catch.hpp>

#include "flash/geometry.h"
#include "flash/profiles.h"
#include "flash/timing.h"

using namespace salix::flash;

namespace {

Geometry Small() {
  Geometry g;
  g.channels = 2;
  g.dies_per_channel = 3;
  g.planes_per_die = 2;
  g.blocks_per_plane = 5;
  g.pages_per_block = 12;
  g.cell_type = CellType::kTlc;
  return g;
}

}  // namespace

TEST_CASE("the default geometry is valid and its counts multiply out") {
  Geometry g;
  REQUIRE_FALSE(g.Validate());
  CHECK(g.dies() == 32);
  CHECK(g.total_pages() == 8ull * 4 * 2 * 256 * 384);
  CHECK(g.capacity_bytes() == g.total_pages() * 4096);
}

TEST_CASE("geometry validation messages name the property") {
  auto message = [](auto mutate) {
    Geometry g;
    mutate(g);
    auto e = g.Validate();
    REQUIRE(e);
    return *e;
  };
  CHECK(message([](Geometry& g) { g.channels = 0; }) ==
        "flash.channels: must be 1..64 (got 0)");
  CHECK_THAT(message([](Geometry& g) { g.dies_per_channel = 65; }),
             Catch::StartsWith("flash.dies-per-channel:"));
  CHECK_THAT(message([](Geometry& g) { g.planes_per_die = 0; }),
             Catch::StartsWith("flash.planes-per-die:"));
  CHECK_THAT(message([](Geometry& g) { g.blocks_per_plane = 0; }),
             Catch::StartsWith("flash.blocks-per-plane:"));
  CHECK_THAT(message([](Geometry& g) { g.pages_per_block = 100; }),
             Catch::StartsWith("flash.pages-per-block: must be a multiple of 3"));
  CHECK_THAT(message([](Geometry& g) { g.page_size = 3000; }),
             Catch::StartsWith("flash.page-size:"));
  CHECK_THAT(message([](Geometry& g) { g.oob_size = 16; }),
             Catch::StartsWith("flash.oob-size:"));
  CHECK_THAT(message([](Geometry& g) { g.cell_type = static_cast<CellType>(7); }),
             Catch::StartsWith("flash.cell-type:"));
  CHECK_THAT(message([](Geometry& g) {
               g.channels = 64;
               g.dies_per_channel = 64;
               g.blocks_per_plane = 1 << 20;
             }),
             Catch::Contains("more than 2^32"));
}

TEST_CASE("a physical page address packs to a flat page number and back") {
  Geometry g = Small();
  REQUIRE_FALSE(g.Validate());
  uint64_t expected = 0;
  g.ForEachBlock([&](const BlockAddr& b) {
    g.ForEachPageOfBlock(b, [&](const Ppa& p) {
      REQUIRE(g.PageNumber(p) == expected);
      REQUIRE(g.PpaOf(expected) == p);
      ++expected;
    });
  });
  CHECK(expected == g.total_pages());
}

TEST_CASE("the pages of a block are contiguous and dies are channel-major") {
  Geometry g = Small();
  Ppa p{1, 2, 1, 4, 7};
  CHECK(g.DieIndex(p) == 1 * 3 + 2);
  CHECK(g.ChannelOfDie(g.DieIndex(p)) == 1);
  uint64_t block = g.BlockIndex(p);
  CHECK(g.BlockAddrOf(block) == p.block_addr());
  CHECK(g.FirstPageOfBlock(block) + 7 == g.PageNumber(p));
  CHECK(g.BlockOfPage(g.PageNumber(p)) == block);
  CHECK(g.DieOfBlock(block) == g.DieIndex(p));
  CHECK_FALSE(g.Contains(Ppa{2, 0, 0, 0, 0}));
}

TEST_CASE("page i of a block has type i % bits per cell") {
  CHECK(PageType(CellType::kSlc, 5) == 0);
  CHECK(PageType(CellType::kTlc, 0) == 0);
  CHECK(PageType(CellType::kTlc, 4) == 1);
  CHECK(PageType(CellType::kQlc, 7) == 3);
  CHECK(PageTypeName(CellType::kTlc, 2) == "MSB");
  CHECK(ParseCellType("qlc") == CellType::kQlc);
  CHECK_FALSE(ParseCellType("plc"));
}

TEST_CASE("default timing for every cell type is valid and slower for upper pages") {
  for (CellType c : {CellType::kSlc, CellType::kMlc, CellType::kTlc, CellType::kQlc}) {
    Timing t = Timing::Defaults(c);
    REQUIRE_FALSE(t.Validate(c));
    for (uint32_t i = 1; i < BitsPerCell(c); ++i) {
      CHECK(t.read_ns[i] > t.read_ns[i - 1]);
      CHECK(t.program_ns[i] > t.program_ns[i - 1]);
    }
  }
}

TEST_CASE("a latency property takes one base value or one value per page type") {
  LatencyTable tlc = Timing::Defaults(CellType::kTlc).read_ns;
  SECTION("a list gives each page type") {
    auto r = ParseLatencies("timing.read-ns", "10,20,30", CellType::kTlc, tlc);
    REQUIRE(r.ok());
    CHECK(r.value()[0] == 10);
    CHECK(r.value()[2] == 30);
  }
  SECTION("one value is the LSB latency, scaled by the default ratios") {
    auto r = ParseLatencies("timing.read-ns", "113000", CellType::kTlc, tlc);
    REQUIRE(r.ok());
    CHECK(r.value()[0] == 113000);
    CHECK(r.value()[1] == 155000);  // 77.5/56.5 * 113
    CHECK(r.value()[2] == 212000);  // 106/56.5 * 113
  }
  SECTION("a wrong count or a bad number is refused, naming the property") {
    auto r = ParseLatencies("timing.program-ns", "1,2", CellType::kTlc, tlc);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::StartsWith("timing.program-ns:"));
    auto bad = ParseLatencies("timing.read-ns", "fast", CellType::kSlc, tlc);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error(), Catch::StartsWith("timing.read-ns:"));
  }
  auto v = ParseTimingValue("timing.channel-mbps", "x", kMaxMbps);
  REQUIRE_FALSE(v.ok());
  CHECK_THAT(v.error(), Catch::StartsWith("timing.channel-mbps:"));
}

TEST_CASE("timing validation names the property") {
  Timing t = Timing::Defaults(CellType::kMlc);
  t.program_ns[1] = 0;
  auto e = t.Validate(CellType::kMlc);
  REQUIRE(e);
  CHECK_THAT(*e, Catch::StartsWith("timing.program-ns: MSB"));
}

TEST_CASE("transfer time is bytes over bandwidth, rounded up") {
  CHECK(TransferNs(4096, 800) == 5120);
  CHECK(TransferNs(1, 3) == 334);
  CHECK(TransferNs(4096, 0) == 0);
}

TEST_CASE("named profiles exist and are consistent") {
  for (auto name : ProfileNames()) {
    auto p = FindProfile(name);
    REQUIRE(p);
    CHECK(p->name == name);
    CHECK_FALSE(p->geometry.Validate());
    CHECK_FALSE(p->timing.Validate(p->geometry.cell_type));
  }
  CHECK(FindProfile("slc-lowlatency")->timing.read_ns[0] == 3000);
  CHECK_FALSE(FindProfile("nonesuch"));
}

// The NAND page store: program/read/erase rules, backends, persistence.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "flash/page_store.h"

using namespace salix::flash;

namespace {

Geometry SmallGeometry() {
  Geometry g;
  g.channels = 2;
  g.dies_per_channel = 2;
  g.planes_per_die = 1;
  g.blocks_per_plane = 4;
  g.pages_per_block = 8;
  g.page_size = 4096;
  g.cell_type = CellType::kSlc;
  return g;
}

std::vector<uint8_t> PageOf(uint8_t fill) { return std::vector<uint8_t>(4096, fill); }

Oob OobFor(uint64_t lpa, uint64_t seq) {
  Oob o;
  o.lpa = lpa;
  o.seq = seq;
  o.tag.fill(0);
  o.tag[0] = static_cast<uint8_t>(lpa);
  return o;
}

std::unique_ptr<PageStore> OpenOrDie(const Geometry& g,
                                     const PageStore::Options& o = {}) {
  auto s = PageStore::Open(g, o);
  if (!s.ok()) FAIL(s.error());
  return std::move(s.value());
}

// A fresh path under /tmp, removed when the test ends.
struct TempPath {
  std::string path;
  TempPath() {
    char tmpl[] = "/tmp/salix-flash-test-XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    close(fd);
    unlink(tmpl);  // Open must create it
    path = tmpl;
  }
  ~TempPath() { unlink(path.c_str()); }
};

}  // namespace

TEST_CASE("a new store reads erased: all 0xFF data and an erased OOB") {
  auto store = OpenOrDie(SmallGeometry());
  auto buf = PageOf(0);
  Oob oob = OobFor(1, 1);
  auto r = store->Read(5, buf, &oob);
  REQUIRE(r.ok());
  CHECK(r.value() == PageState::kErased);
  CHECK(buf == PageOf(0xFF));
  CHECK(oob.lpa == Oob::kErasedLpa);
  CHECK(oob == Oob{});
  CHECK(store->State(5) == PageState::kErased);
}

TEST_CASE("a programmed page reads back its data and OOB") {
  auto store = OpenOrDie(SmallGeometry());
  REQUIRE(store->Program(0, PageOf(0xAB), OobFor(42, 7)) == FlashError::kNone);
  auto buf = PageOf(0);
  Oob oob;
  auto r = store->Read(0, buf, &oob);
  REQUIRE(r.ok());
  CHECK(r.value() == PageState::kProgrammed);
  CHECK(buf == PageOf(0xAB));
  CHECK(oob == OobFor(42, 7));
  CHECK(store->WritePointer(0) == 1);
}

TEST_CASE("a page cannot be programmed twice without an erase") {
  auto store = OpenOrDie(SmallGeometry());
  REQUIRE(store->Program(8, PageOf(1), OobFor(1, 1)) == FlashError::kNone);
  CHECK(store->Program(8, PageOf(2), OobFor(1, 2)) == FlashError::kNotErased);
  auto buf = PageOf(0);
  REQUIRE(store->Read(8, buf, nullptr).ok());
  CHECK(buf == PageOf(1));  // the refused program changed nothing
}

TEST_CASE("pages of a block are programmed in order") {
  auto store = OpenOrDie(SmallGeometry());
  CHECK(store->Program(2, PageOf(1), OobFor(1, 1)) == FlashError::kOutOfOrder);
  REQUIRE(store->Program(0, PageOf(1), OobFor(1, 1)) == FlashError::kNone);
  REQUIRE(store->Program(1, PageOf(1), OobFor(2, 2)) == FlashError::kNone);
  CHECK(store->Program(2, PageOf(1), OobFor(3, 3)) == FlashError::kNone);

  PageStore::Options relaxed;
  relaxed.sequential_program = false;
  auto free_order = OpenOrDie(SmallGeometry(), relaxed);
  CHECK(free_order->Program(2, PageOf(1), OobFor(1, 1)) == FlashError::kNone);
  CHECK(free_order->Program(0, PageOf(1), OobFor(1, 1)) == FlashError::kNone);
  CHECK(free_order->Program(2, PageOf(1), OobFor(1, 1)) == FlashError::kNotErased);
}

TEST_CASE("erase resets every page of the block and counts the erase") {
  auto store = OpenOrDie(SmallGeometry());
  const Geometry& g = store->geometry();
  for (uint32_t p = 0; p < g.pages_per_block; ++p) {
    REQUIRE(store->Program(g.FirstPageOfBlock(3) + p, PageOf(p), OobFor(p, p)) ==
            FlashError::kNone);
  }
  REQUIRE(store->Program(g.FirstPageOfBlock(4), PageOf(9), OobFor(9, 9)) ==
          FlashError::kNone);
  REQUIRE(store->Erase(3) == FlashError::kNone);
  CHECK(store->EraseCount(3) == 1);
  CHECK(store->WritePointer(3) == 0);
  for (uint32_t p = 0; p < g.pages_per_block; ++p) {
    auto buf = PageOf(0);
    auto r = store->Read(g.FirstPageOfBlock(3) + p, buf, nullptr);
    REQUIRE(r.ok());
    CHECK(r.value() == PageState::kErased);
    CHECK(buf == PageOf(0xFF));
  }
  // The neighbouring block is untouched, and the erased one is writable.
  CHECK(store->State(g.FirstPageOfBlock(4)) == PageState::kProgrammed);
  CHECK(store->Program(g.FirstPageOfBlock(3), PageOf(5), OobFor(5, 50)) ==
        FlashError::kNone);
}

TEST_CASE("bad addresses and buffer lengths are errors, not crashes") {
  auto store = OpenOrDie(SmallGeometry());
  const uint64_t pages = store->geometry().total_pages();
  CHECK(store->Program(pages, PageOf(0), Oob{}) == FlashError::kAddressOutOfRange);
  CHECK(store->Erase(store->geometry().total_blocks()) ==
        FlashError::kAddressOutOfRange);
  auto r = store->Read(pages, {}, nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == FlashError::kAddressOutOfRange);
  std::vector<uint8_t> small(100);
  CHECK(store->Program(0, small, Oob{}) == FlashError::kBadLength);
  CHECK(store->Program(0, {}, Oob{}) == FlashError::kBadLength);
}

TEST_CASE("metadata-only mode keeps OOB and states but not payloads") {
  PageStore::Options o;
  o.metadata_only = true;
  auto store = OpenOrDie(SmallGeometry(), o);
  CHECK(store->metadata_only());
  REQUIRE(store->Program(0, {}, OobFor(77, 1234)) == FlashError::kNone);
  REQUIRE(store->Program(1, PageOf(3), OobFor(78, 1235)) == FlashError::kNone);
  CHECK(store->Program(0, {}, OobFor(77, 1)) == FlashError::kNotErased);

  Oob oob;
  auto buf = PageOf(0);
  REQUIRE(store->Read(0, buf, &oob).ok());
  CHECK(oob == OobFor(77, 1234));
  auto expected = PageOf(0);
  PageStore::PatternFor(77, 1234, expected);
  CHECK(buf == expected);  // deterministic pattern, not stored data
  PageStore::PatternFor(78, 1235, expected);
  REQUIRE(store->Read(1, buf, nullptr).ok());
  CHECK(buf == expected);

  // No data region: the mapping is much smaller than the capacity.
  CHECK(store->mapped_bytes() < store->geometry().capacity_bytes() / 4);
}

TEST_CASE("a file-backed store survives close and reopen") {
  TempPath tmp;
  PageStore::Options o;
  o.backing_file = tmp.path;
  const Geometry g = SmallGeometry();
  {
    auto store = OpenOrDie(g, o);
    CHECK(store->persistent());
    REQUIRE(store->Program(0, PageOf(0x11), OobFor(10, 100)) == FlashError::kNone);
    REQUIRE(store->Program(1, PageOf(0x22), OobFor(11, 101)) == FlashError::kNone);
    REQUIRE(store->Erase(5) == FlashError::kNone);
    CHECK(store->SyncPage(1));
  }
  auto store = OpenOrDie(g, o);
  auto buf = PageOf(0);
  Oob oob;
  REQUIRE(store->Read(1, buf, &oob).ok());
  CHECK(buf == PageOf(0x22));
  CHECK(oob == OobFor(11, 101));
  CHECK(store->WritePointer(0) == 2);
  CHECK(store->EraseCount(5) == 1);
  CHECK(store->State(2) == PageState::kErased);
  CHECK(store->Program(1, PageOf(0), Oob{}) == FlashError::kNotErased);
  CHECK(store->Program(2, PageOf(0x33), OobFor(12, 102)) == FlashError::kNone);
}

TEST_CASE("a reopen with a different geometry is refused with a message") {
  TempPath tmp;
  PageStore::Options o;
  o.backing_file = tmp.path;
  Geometry g = SmallGeometry();
  { auto store = OpenOrDie(g, o); }

  Geometry other = g;
  other.channels = 4;
  auto r = PageStore::Open(other, o);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error(), Catch::Contains("flash.channels=2, not 4"));
  CHECK_THAT(r.error(), Catch::Contains(tmp.path));

  other = g;
  other.page_size = 8192;
  r = PageStore::Open(other, o);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error(), Catch::Contains("flash.page-size=4096, not 8192"));

  PageStore::Options meta = o;
  meta.metadata_only = true;
  r = PageStore::Open(g, meta);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error(), Catch::Contains("flash.store=data, not metadata"));
}

TEST_CASE("a file that is not a flash image is refused") {
  TempPath tmp;
  FILE* f = std::fopen(tmp.path.c_str(), "w");
  REQUIRE(f);
  std::string junk(8192, 'x');
  std::fwrite(junk.data(), 1, junk.size(), f);
  std::fclose(f);
  PageStore::Options o;
  o.backing_file = tmp.path;
  auto r = PageStore::Open(SmallGeometry(), o);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error(), Catch::Contains("not a Salix flash image"));
}

TEST_CASE("opening an invalid geometry reports the property") {
  Geometry g = SmallGeometry();
  g.pages_per_block = 0;
  auto r = PageStore::Open(g, {});
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error(), Catch::StartsWith("flash.pages-per-block:"));
}

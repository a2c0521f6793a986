// Host tags: stored by every command that programs pages, read back with
// Read Tags, kept by FTL garbage collection and across restarts.
#include <map>
#include <random>

#include "array_util.h"

namespace salix::test {
namespace {

TEST_CASE("Read Tags returns the tag and program order of each block's last write") {
  for (auto& [name, opts] : BothPersonalities()) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    REQUIRE(TaggedWrite(*h, 10, Pattern(4 * bs, 1), Tag(0xA1, 2, 3, 4)).ok());
    REQUIRE(TaggedWrite(*h, 12, Pattern(1 * bs, 2), Tag(0xB2, 0, 0, 0xFFFFFFFF)).ok());
    std::vector<salix_tag_entry> t;
    REQUIRE(ReadTags(*h, 8, 8, &t).ok());
    // 8, 9: never written; 10, 11, 13: first write; 12: second; 14, 15: none.
    for (int i : {0, 1, 6, 7}) {
      INFO("block " << 8 + i);
      CHECK(t[i].flags == 0);
      CHECK(SameTag(t[i].tag, Tag(0)));
      CHECK(t[i].seq == 0);
    }
    for (int i : {2, 3, 5}) {
      INFO("block " << 8 + i);
      CHECK(t[i].flags == SALIX_TAG_MAPPED);
      CHECK(SameTag(t[i].tag, Tag(0xA1, 2, 3, 4)));
    }
    CHECK(t[4].flags == SALIX_TAG_MAPPED);
    CHECK(SameTag(t[4].tag, Tag(0xB2, 0, 0, 0xFFFFFFFF)));
    CHECK(t[4].seq > t[2].seq);
    CHECK(t[2].seq > 0);
  }
}

TEST_CASE("Untagged writes, Write Zeroes and Deallocate replace or clear tags") {
  for (auto& [name, opts] : BothPersonalities()) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    REQUIRE(TaggedWrite(*h, 0, Pattern(8 * bs, 3), Tag(7, 7, 7, 7)).ok());
    REQUIRE(h->Write(1, 1, Pattern(bs, 4)).ok());           // untagged
    REQUIRE(TaggedWriteZeroes(*h, 3, 2, Tag(9)).ok());      // zeroes: unmapped
    nvme::DsmRange r{0, 1, 6};
    REQUIRE(h->Deallocate(1, std::span(&r, 1)).ok());
    std::vector<salix_tag_entry> t;
    REQUIRE(ReadTags(*h, 0, 8, &t).ok());
    CHECK(SameTag(t[0].tag, Tag(7, 7, 7, 7)));
    CHECK(t[1].flags == SALIX_TAG_MAPPED);
    CHECK(SameTag(t[1].tag, Tag(0)));
    CHECK(SameTag(t[2].tag, Tag(7, 7, 7, 7)));
    CHECK(t[3].flags == 0);
    CHECK(t[4].flags == 0);
    CHECK(SameTag(t[5].tag, Tag(7, 7, 7, 7)));
    CHECK(t[6].flags == 0);
    CHECK(SameTag(t[7].tag, Tag(7, 7, 7, 7)));
  }
}

TEST_CASE("Read Tags checks its LBA range and MDTS") {
  for (auto& [name, opts] : BothPersonalities({{"mdts", "1"}})) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    std::vector<salix_tag_entry> t;
    const uint64_t cap = h->capacity_blocks();
    CHECK(ReadTags(*h, cap - 2, 2, &t).ok());
    CHECK(ReadTags(*h, cap - 2, 3, &t) == Status::LbaOutOfRange());
    CHECK(ReadTags(*h, ~0ull - 1, 4, &t) == Status::LbaOutOfRange());
    // MDTS 1 = 8 KiB = 256 entries of 32 bytes.
    CHECK(ReadTags(*h, 0, 256, &t).ok());
    CHECK(ReadTags(*h, 0, 257, &t) == Status::InvalidField());
  }
}

TEST_CASE("ftl with 512-byte blocks tags whole pages: a partial write tags its page") {
  auto h = MakeHostFrom(SmallDevice(SmallFlash({{"lba-size", "512"}})));
  REQUIRE(TaggedWrite(*h, 8, Pattern(8 * 512, 5), Tag(1)).ok());  // page 1
  REQUIRE(TaggedWrite(*h, 10, Pattern(512, 6), Tag(2)).ok());     // part of it
  std::vector<salix_tag_entry> t;
  REQUIRE(ReadTags(*h, 8, 8, &t).ok());
  for (int i = 0; i < 8; i++) CHECK(SameTag(t[i].tag, Tag(2)));
  // The merge kept the page's other blocks.
  auto back = ReadBack(*h, 8, 8);
  auto first = Pattern(8 * 512, 5);
  CHECK(std::equal(back.begin(), back.begin() + 1024, first.begin()));
  // A partial Deallocate keeps the page's tag.
  nvme::DsmRange r{0, 1, 12};
  REQUIRE(h->Deallocate(1, std::span(&r, 1)).ok());
  REQUIRE(ReadTags(*h, 8, 8, &t).ok());
  for (int i = 0; i < 8; i++) CHECK(SameTag(t[i].tag, Tag(2)));
}

TEST_CASE("ftl garbage collection keeps every page's tag") {
  const uint64_t seed = TestSeed();
  INFO("SALIX_SEED=" << seed);
  auto h = MakeHostFrom(SmallDevice(SmallFlash()));
  const uint32_t bs = h->lba_size();
  const uint64_t blocks = h->capacity_blocks();
  std::mt19937_64 rng(seed);
  std::map<uint64_t, uint32_t> oracle;  // LBA -> tag dw0
  // Fill, then overwrite at random several times the capacity.
  for (uint64_t op = 0; op < 6 * blocks; op++) {
    const uint64_t lba = op < blocks ? op : rng() % blocks;
    const uint32_t tag = static_cast<uint32_t>(op + 1);
    REQUIRE(TaggedWrite(*h, lba, Pattern(bs, tag), Tag(tag, ~tag, 0, tag)).ok());
    oracle[lba] = tag;
  }
  salix_stats_log log{};
  std::vector<uint8_t> page(sizeof(log));
  REQUIRE(h->GetLogPage(SALIX_LOG_STATS, page).ok());
  std::memcpy(&log, page.data(), sizeof(log));
  REQUIRE(log.gc_pages_moved > 0);
  std::vector<salix_tag_entry> t;
  for (uint64_t lba = 0; lba < blocks; lba += 128) {
    REQUIRE(ReadTags(*h, lba, 128, &t).ok());
    for (uint32_t i = 0; i < 128; i++) {
      const uint32_t want = oracle.at(lba + i);
      INFO("LBA " << lba + i);
      REQUIRE(SameTag(t[i].tag, Tag(want, ~want, 0, want)));
    }
  }
}

TEST_CASE("ftl tags survive a restart, from the checkpoint and from the OOB scan") {
  for (bool clean : {true, false}) {
    INFO((clean ? "clean shutdown (checkpoint)" : "no shutdown (OOB scan)"));
    TempDir dir;
    auto opts = SmallDevice(SmallFlash({{"backing-file", dir.File("flash.img")}}));
    std::vector<salix_tag_entry> before;
    {
      auto h = MakeHostFrom(opts);
      const uint32_t bs = h->lba_size();
      for (uint64_t lba = 0; lba < 64; lba++) {
        REQUIRE(TaggedWrite(*h, lba, Pattern(bs, 1), Tag(100 + lba, 1, 2, 3)).ok());
      }
      REQUIRE(TaggedWrite(*h, 5, Pattern(bs, 2), Tag(555)).ok());
      REQUIRE(ReadTags(*h, 0, 64, &before).ok());
      if (clean) REQUIRE(h->Shutdown());
    }
    auto h = MakeHostFrom(opts);
    std::vector<salix_tag_entry> after;
    REQUIRE(ReadTags(*h, 0, 64, &after).ok());
    CHECK(SameTag(after[5].tag, Tag(555)));
    CHECK(SameTag(after[6].tag, Tag(106, 1, 2, 3)));
    for (uint32_t i = 0; i < 64; i++) {
      INFO("LBA " << i);
      CHECK(std::memcmp(&after[i], &before[i], sizeof(after[i])) == 0);
    }
  }
}

}  // namespace
}  // namespace salix::test

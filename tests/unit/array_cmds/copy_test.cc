// Copy (19h, descriptor format 0) through the embedded host: data moved
// inside the device, limits advertised and enforced, tags per the header.
#include "array_util.h"

namespace salix::test {
namespace {

TEST_CASE("Copy is advertised in ONCS and OCFS with its limits in Identify Namespace") {
  for (auto& [name, opts] : BothPersonalities()) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    nvme::IdentifyController id{};
    REQUIRE(h->IdentifyController(&id).ok());
    CHECK((id.oncs & (1u << 8)) != 0);
    CHECK(id.ocfs == 1);
    nvme::IdentifyNamespace ns{};
    REQUIRE(h->IdentifyNamespace(1, &ns).ok());
    CHECK(ns.msrc == 127);
    CHECK(ns.mcl == (4u << 20) / h->lba_size());
    CHECK(ns.mssrl == ns.mcl);
  }
}

TEST_CASE("Copy concatenates its source ranges at SDLBA") {
  for (auto& [name, opts] : BothPersonalities()) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    auto a = Pattern(3 * bs, 1), b = Pattern(2 * bs, 2);
    REQUIRE(h->Write(1, 10, a).ok());
    REQUIRE(h->Write(1, 50, b).ok());
    REQUIRE(StatusOf(Copy(*h, 100, {{50, 2}, {10, 3}, {51, 1}})).ok());
    std::vector<uint8_t> want;
    want.insert(want.end(), b.begin(), b.end());
    want.insert(want.end(), a.begin(), a.end());
    want.insert(want.end(), b.begin() + bs, b.end());
    CHECK(ReadBack(*h, 100, 6) == want);
    CHECK(ReadBack(*h, 10, 3) == a);  // a copy, not a move
    // Overlapping source and destination copy the old data.
    REQUIRE(StatusOf(Copy(*h, 11, {{10, 3}})).ok());
    auto shifted = ReadBack(*h, 10, 4);
    CHECK(std::equal(shifted.begin(), shifted.begin() + bs, a.begin()));
    CHECK(std::equal(shifted.begin() + bs, shifted.end(), a.begin()));
    // Never-written sources copy as zeroes.
    REQUIRE(StatusOf(Copy(*h, 100, {{450, 2}})).ok());
    CHECK(ReadBack(*h, 100, 2) == std::vector<uint8_t>(2 * bs, 0));
  }
}

TEST_CASE("Copy keeps each source's tag unless the command carries one") {
  for (auto& [name, opts] : BothPersonalities()) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    REQUIRE(TaggedWrite(*h, 0, Pattern(2 * bs, 1), Tag(11, 1)).ok());
    REQUIRE(TaggedWrite(*h, 2, Pattern(2 * bs, 2), Tag(22, 2)).ok());
    REQUIRE(StatusOf(Copy(*h, 40, {{0, 4}})).ok());
    std::vector<salix_tag_entry> src, dst;
    REQUIRE(ReadTags(*h, 0, 4, &src).ok());
    REQUIRE(ReadTags(*h, 40, 4, &dst).ok());
    for (int i = 0; i < 4; i++) {
      INFO("block " << i);
      CHECK(SameTag(dst[i].tag, i < 2 ? Tag(11, 1) : Tag(22, 2)));
      CHECK(dst[i].flags == SALIX_TAG_MAPPED);
      CHECK(dst[i].seq > src[i].seq);  // written later
    }
    REQUIRE(StatusOf(Copy(*h, 60, {{0, 4}}, Tag(0, 0, 0, 99))).ok());
    REQUIRE(ReadTags(*h, 60, 4, &dst).ok());
    for (auto& e : dst) CHECK(SameTag(e.tag, Tag(0, 0, 0, 99)));
  }
}

TEST_CASE("Malformed Copy commands fail with their status and write nothing") {
  for (auto& [name, opts] : BothPersonalities()) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    const uint64_t cap = h->capacity_blocks();
    const uint32_t mcl = (4u << 20) / bs;
    auto old = Pattern(4 * bs, 7);
    REQUIRE(h->Write(1, 200, old).ok());
    CHECK(StatusOf(Copy(*h, 200, {{0, 4}}, {}, 1)) == Status::InvalidField());
    std::vector<CopyRange> many(129, CopyRange{0, 1});
    CHECK(StatusOf(Copy(*h, 200, many)) == Status::CommandSizeLimitExceeded());
    CHECK(StatusOf(Copy(*h, 200, std::vector<CopyRange>(128, CopyRange{0, 1}))).ok());
    REQUIRE(h->Write(1, 200, old).ok());
    if (mcl < 65536 && mcl + 1 <= cap) {
      // One range longer than MSSRL (= MCL here).
      CHECK(StatusOf(Copy(*h, 200, {{0, mcl + 1}})) ==
            Status::CommandSizeLimitExceeded());
    }
    // Ranges within MSSRL that add up past MCL.
    CHECK(StatusOf(Copy(*h, 200, std::vector<CopyRange>(8, CopyRange{0, mcl / 8 + 1}))) ==
          Status::CommandSizeLimitExceeded());
    CHECK(StatusOf(Copy(*h, 200, {{0, 1}, {cap - 1, 2}})) == Status::LbaOutOfRange());
    CHECK(StatusOf(Copy(*h, cap - 1, {{0, 2}})) == Status::LbaOutOfRange());
    CHECK(ReadBack(*h, 200, 4) == old);
    CHECK(StatusOf(Copy(*h, cap - 2, {{0, 2}})).ok());
  }
}

}  // namespace
}  // namespace salix::test

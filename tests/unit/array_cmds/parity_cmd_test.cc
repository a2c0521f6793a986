// Parity Compute (81h) through the embedded host, on nossd and ftl: P and Q
// byte for byte as the parity library computes them, the destination's
// tag, deallocation of the sources, and every malformed case.
#include <random>

#include "array_util.h"
#include "parity/parity.h"

namespace salix::test {
namespace {

salix_stats_log Stats(EmbeddedHost& h) {
  salix_stats_log log{};
  std::vector<uint8_t> page(sizeof(log));
  REQUIRE(h.GetLogPage(SALIX_LOG_STATS, page).ok());
  std::memcpy(&log, page.data(), sizeof(log));
  return log;
}

TEST_CASE("Parity Compute writes the XOR (P) or the Reed-Solomon Q of its sources") {
  const uint64_t seed = TestSeed();
  INFO("SALIX_SEED=" << seed);
  std::mt19937_64 rng(seed);
  for (auto& [name, opts] : BothPersonalities()) {
    for (uint32_t kind : {SALIX_PARITY_P, SALIX_PARITY_Q}) {
      INFO("personality " << name << " kind " << kind);
      auto h = MakeHostFrom(opts);
      const uint32_t bs = h->lba_size();
      const uint32_t k = 2 + rng() % 6;
      // 40 blocks: more than one 128 KiB slice inside the device.
      const uint32_t nlb = 40;
      std::vector<std::vector<uint8_t>> data;
      ParityArgs a;
      a.kind = kind;
      a.nlb = nlb;
      a.dslba = 400;
      a.tag = Tag(0xC0FFEE, kind, k, 42);
      std::vector<parity::Source> expect;
      for (uint32_t i = 0; i < k; i++) {
        data.push_back(Pattern(nlb * bs, static_cast<uint32_t>(rng())));
        const uint64_t slba = 1 + i * 45;  // sources in any order, any place
        REQUIRE(h->Write(1, slba, data.back()).ok());
        const uint8_t coef = static_cast<uint8_t>((k - 1 - i) * 3);
        a.sources.push_back(Src(slba, coef));
      }
      for (uint32_t i = 0; i < k; i++) expect.push_back({data[i], a.sources[i].coef});
      std::vector<uint8_t> want(nlb * bs);
      REQUIRE((kind == SALIX_PARITY_P ? parity::ComputeP(expect, want)
                                      : parity::ComputeQ(expect, want)));
      auto cqe = ParityCompute(*h, a);
      REQUIRE(StatusOf(cqe).ok());
      CHECK(ReadBack(*h, 400, nlb) == want);
      std::vector<salix_tag_entry> t;
      REQUIRE(ReadTags(*h, 400, nlb, &t).ok());
      for (auto& e : t) CHECK(SameTag(e.tag, a.tag));
      // Sources are untouched without the deallocate bit.
      CHECK(ReadBack(*h, a.sources[0].slba, nlb) == data[0]);
      salix_stats_log log = Stats(*h);
      CHECK(log.parity_commands == 1);
      CHECK(log.parity_source_bytes == uint64_t{k} * nlb * bs);
    }
  }
}

TEST_CASE("Parity Compute with the deallocate bit frees the sources after writing") {
  for (auto& [name, opts] : BothPersonalities()) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    auto d0 = Pattern(4 * bs, 1), d1 = Pattern(4 * bs, 2);
    REQUIRE(TaggedWrite(*h, 0, d0, Tag(1)).ok());
    REQUIRE(TaggedWrite(*h, 8, d1, Tag(2)).ok());
    ParityArgs a;
    a.dslba = 16;
    a.nlb = 4;
    a.sources = {Src(0), Src(8)};
    a.deallocate = true;
    REQUIRE(StatusOf(ParityCompute(*h, a)).ok());
    std::vector<uint8_t> want(4 * bs);
    for (size_t i = 0; i < want.size(); i++) want[i] = d0[i] ^ d1[i];
    CHECK(ReadBack(*h, 16, 4) == want);
    CHECK(ReadBack(*h, 0, 4) == std::vector<uint8_t>(4 * bs, 0));
    CHECK(ReadBack(*h, 8, 4) == std::vector<uint8_t>(4 * bs, 0));
    std::vector<salix_tag_entry> t;
    REQUIRE(ReadTags(*h, 0, 4, &t).ok());
    for (auto& e : t) CHECK(e.flags == 0);
  }
}

TEST_CASE("Malformed Parity Compute commands fail with their status and write nothing") {
  for (auto& [name, opts] : BothPersonalities()) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    const uint64_t cap = h->capacity_blocks();
    auto old = Pattern(4 * bs, 9);
    REQUIRE(h->Write(1, 100, old).ok());
    REQUIRE(h->Write(1, 0, Pattern(4 * bs, 1)).ok());
    REQUIRE(h->Write(1, 8, Pattern(4 * bs, 2)).ok());
    auto base = [] {
      ParityArgs a;
      a.dslba = 100;
      a.nlb = 4;
      a.sources = {Src(0, 0), Src(8, 1)};
      a.deallocate = true;
      return a;
    };
    struct Case {
      const char* what;
      ParityArgs args;
      Status want;
    };
    std::vector<Case> cases;
    {
      auto a = base();
      a.kind = 2;
      cases.push_back({"unknown kind", a, Status::InvalidField()});
    }
    {
      auto a = base();
      a.nr_override = SALIX_PARITY_MAX_SOURCES;  // 33 sources
      cases.push_back({"too many sources", a, Status::InvalidField()});
    }
    {
      auto a = base();
      a.sources[1].slba = 98;  // 98..101 overlaps 100..103
      cases.push_back({"source overlaps destination", a, Status::InvalidField()});
    }
    {
      auto a = base();
      a.kind = SALIX_PARITY_Q;
      a.sources[1].coef = 255;  // g^255 = g^0: same as source 0
      cases.push_back({"repeated Q coefficient", a, Status::InvalidField()});
    }
    {
      auto a = base();
      a.sources[1].slba = cap - 3;
      cases.push_back({"source past the end", a, Status::LbaOutOfRange()});
    }
    {
      auto a = base();
      a.sources[1].slba = ~0ull - 1;
      cases.push_back({"source LBA wraps", a, Status::LbaOutOfRange()});
    }
    {
      auto a = base();
      a.dslba = cap - 2;
      cases.push_back({"destination past the end", a, Status::LbaOutOfRange()});
    }
    for (auto& c : cases) {
      INFO(c.what);
      CHECK(StatusOf(ParityCompute(*h, c.args)) == c.want);
      CHECK(ReadBack(*h, 100, 4) == old);
      CHECK(ReadBack(*h, 0, 4) == Pattern(4 * bs, 1));  // not deallocated
    }
    CHECK(Stats(*h).parity_commands == 0);
    // The largest source count is accepted.
    ParityArgs most = base();
    most.dslba = 200;
    most.nlb = 1;
    most.sources.clear();
    for (uint32_t i = 0; i < SALIX_PARITY_MAX_SOURCES; i++) {
      most.sources.push_back(Src(300 + i, static_cast<uint8_t>(i)));
    }
    most.kind = SALIX_PARITY_Q;
    CHECK(StatusOf(ParityCompute(*h, most)).ok());
  }
}

TEST_CASE("Parity Compute's completion waits for the parity engine on a timed ftl") {
  auto run = [](const char* mbps) {
    auto h = MakeHostFrom(SmallDevice(SmallFlash(
        {{"timing.mode", "realtime"}, {"parity.engine-mbps", mbps}})));
    const uint32_t bs = h->lba_size();
    for (uint64_t s = 0; s < 4; s++) REQUIRE(h->Write(1, s * 32, Pattern(32 * bs, 1)).ok());
    ParityArgs a;
    a.dslba = 256;
    a.nlb = 32;
    a.sources = {Src(0), Src(32), Src(64), Src(96)};
    const uint64_t t0 = h->now_ns();
    REQUIRE(StatusOf(ParityCompute(*h, a)).ok());
    return h->now_ns() - t0;
  };
  // 4 x 128 KiB at 10 MB/s is 52 ms of engine time; free is far less.
  const uint64_t slow = run("10"), free = run("0");
  INFO("slow " << slow << " ns, free " << free << " ns");
  CHECK(slow >= 52'000'000);
  CHECK(free < 52'000'000);
}

// Stripes laid out as NS > 0 wants them: stripe j's source i at
// base + (j * k + i) * nlb, each filled with its own pattern.
void WriteStripes(EmbeddedHost& h, uint64_t base, uint32_t k, uint32_t nlb,
                  uint32_t stripes, uint32_t seed) {
  const uint32_t bs = h.lba_size();
  for (uint32_t c = 0; c < k * stripes; c++) {
    REQUIRE(TaggedWrite(h, base + uint64_t{c} * nlb, Pattern(nlb * bs, seed + c),
                        Tag(seed + c))
                .ok());
  }
}

TEST_CASE("Multi-stripe Parity Compute equals one single command per stripe") {
  for (auto& [name, opts] : BothPersonalities()) {
    for (uint32_t kind : {SALIX_PARITY_P, SALIX_PARITY_Q}) {
      INFO("personality " << name << " kind " << kind);
      auto multi = MakeHostFrom(opts);
      auto single = MakeHostFrom(opts);
      const uint32_t k = 3, nlb = 20, stripes = 4;
      for (auto* h : {multi.get(), single.get()}) WriteStripes(*h, 0, k, nlb, stripes, 10);
      ParityArgs a;
      a.kind = kind;
      a.nlb = nlb;
      a.dslba = 300;
      a.tag = Tag(0x5717E, kind);
      a.sources = {Src(nlb, 7), Src(0, 1), Src(2 * nlb, 4)};  // any order
      a.stripes = stripes;
      REQUIRE(StatusOf(ParityCompute(*multi, a)).ok());
      for (uint32_t j = 0; j < stripes; j++) {
        ParityArgs one = a;
        one.stripes = 1;
        one.dslba = a.dslba + j * nlb;
        for (auto& src : one.sources) src.slba += uint64_t{j} * k * nlb;
        REQUIRE(StatusOf(ParityCompute(*single, one)).ok());
      }
      const uint32_t all = stripes * nlb;
      const auto parity = ReadBack(*multi, 300, all);
      CHECK(parity == ReadBack(*single, 300, all));
      // Not trivially equal: stripes differ from each other.
      const uint32_t bs = multi->lba_size();
      CHECK(!std::equal(parity.begin(), parity.begin() + nlb * bs,
                        parity.begin() + nlb * bs));
      std::vector<salix_tag_entry> t;
      REQUIRE(ReadTags(*multi, 300, all, &t).ok());
      for (auto& e : t) {
        CHECK(e.flags == SALIX_TAG_MAPPED);
        CHECK(SameTag(e.tag, a.tag));
      }
      // Untouched around the destinations and at the sources.
      CHECK(ReadBack(*multi, 300 + all, 4) == std::vector<uint8_t>(4 * bs, 0));
      for (uint32_t j = 0; j < stripes; j++) {  // one stripe per read: MDTS
        CHECK(ReadBack(*multi, j * k * nlb, k * nlb) ==
              ReadBack(*single, j * k * nlb, k * nlb));
      }
      CHECK(Stats(*multi).parity_commands == 1);
      CHECK(Stats(*multi).parity_source_bytes == uint64_t{stripes} * k * nlb * bs);
    }
  }
}

TEST_CASE("Multi-stripe Parity Compute with SSTEP 1 reads sources interleaved stripe by stripe") {
  // The array engine's band runs: source i of stripe j at base + i * NS + j
  // (index-major), so stripe j's sources are stripe 0's shifted by 1 chunk.
  for (auto& [name, opts] : BothPersonalities()) {
    for (uint32_t kind : {SALIX_PARITY_P, SALIX_PARITY_Q}) {
      INFO("personality " << name << " kind " << kind);
      auto multi = MakeHostFrom(opts);
      auto single = MakeHostFrom(opts);
      const uint32_t k = 3, nlb = 8, stripes = 4;
      for (auto* h : {multi.get(), single.get()}) WriteStripes(*h, 0, k, nlb, stripes, 30);
      ParityArgs a;
      a.kind = kind;
      a.nlb = nlb;
      a.dslba = 200;
      a.tag = Tag(0x57E9, kind);
      for (uint32_t i = 0; i < k; i++) {
        a.sources.push_back(Src(uint64_t{i} * stripes * nlb, static_cast<uint8_t>(i)));
      }
      a.stripes = stripes;
      a.step = 1;
      a.deallocate = true;
      REQUIRE(StatusOf(ParityCompute(*multi, a)).ok());
      for (uint32_t j = 0; j < stripes; j++) {
        ParityArgs one = a;
        one.stripes = 1;
        one.step = 0;
        one.dslba = a.dslba + j * nlb;
        for (auto& src : one.sources) src.slba += uint64_t{j} * nlb;
        REQUIRE(StatusOf(ParityCompute(*single, one)).ok());
      }
      const uint32_t all = stripes * nlb;
      CHECK(ReadBack(*multi, 200, all) == ReadBack(*single, 200, all));
      // Stripe 1 differs from what SSTEP 0 (shift by k chunks) would give.
      ParityArgs grouped = a;
      grouped.step = 0;
      grouped.stripes = 2;
      grouped.dslba = 300;
      grouped.deallocate = false;
      auto other = MakeHostFrom(opts);
      WriteStripes(*other, 0, k, nlb, stripes, 30);
      REQUIRE(StatusOf(ParityCompute(*other, grouped)).ok());
      const uint32_t bs = multi->lba_size();
      auto mine = ReadBack(*multi, 200 + nlb, nlb);
      CHECK(mine != ReadBack(*other, 300 + nlb, nlb));
      CHECK(mine.size() == nlb * bs);
      // Every stripe's sources deallocated: all k * NS chunks.
      for (uint32_t c = 0; c < k * stripes; c++) {  // a chunk per read: MDTS
        CHECK(ReadBack(*multi, c * nlb, nlb) == std::vector<uint8_t>(nlb * bs, 0));
      }
    }
  }
}

TEST_CASE("Multi-stripe Parity Compute with the deallocate bit frees every stripe's sources") {
  for (auto& [name, opts] : BothPersonalities()) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    const uint32_t k = 2, nlb = 4, stripes = 3;
    WriteStripes(*h, 0, k, nlb, stripes, 1);
    REQUIRE(TaggedWrite(*h, 24, Pattern(4 * bs, 99), Tag(99)).ok());  // past the last
    ParityArgs a;
    a.dslba = 100;
    a.nlb = nlb;
    a.sources = {Src(0), Src(nlb)};
    a.deallocate = true;
    a.stripes = stripes;
    REQUIRE(StatusOf(ParityCompute(*h, a)).ok());
    for (uint32_t j = 0; j < stripes; j++) {
      INFO("stripe " << j);
      std::vector<uint8_t> want(nlb * bs);
      auto d0 = Pattern(nlb * bs, 1 + j * k), d1 = Pattern(nlb * bs, 2 + j * k);
      for (size_t i = 0; i < want.size(); i++) want[i] = d0[i] ^ d1[i];
      CHECK(ReadBack(*h, 100 + j * nlb, nlb) == want);
    }
    CHECK(ReadBack(*h, 0, 24) == std::vector<uint8_t>(24 * bs, 0));
    std::vector<salix_tag_entry> t;
    REQUIRE(ReadTags(*h, 0, 28, &t).ok());
    for (uint32_t i = 0; i < 24; i++) CHECK(t[i].flags == 0);
    CHECK(SameTag(t[24].tag, Tag(99)));
    CHECK(ReadBack(*h, 24, 4) == Pattern(4 * bs, 99));
  }
}

TEST_CASE("Multi-stripe Parity Compute checks every stripe's ranges first") {
  for (auto& [name, opts] : BothPersonalities()) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    const uint64_t cap = h->capacity_blocks();
    // Stripes of 2 sources x 4 blocks: stripe j's sources at 40 + 8j and
    // 44 + 8j, 4 stripes cover 40..71.
    WriteStripes(*h, 40, 2, 4, 4, 1);
    const auto sources = ReadBack(*h, 40, 32);
    const auto old = Pattern(16 * bs, 50);
    REQUIRE(h->Write(1, 100, old).ok());
    REQUIRE(h->Write(1, 20, old).ok());
    REQUIRE(h->Write(1, 72, old).ok());
    REQUIRE(h->Write(1, cap - 16, old).ok());
    auto base = [] {
      ParityArgs a;
      a.dslba = 100;
      a.nlb = 4;
      a.sources = {Src(40, 0), Src(44, 1)};
      a.stripes = 4;
      a.deallocate = true;
      return a;
    };
    struct Case {
      const char* what;
      ParityArgs args;
      Status want;
    };
    std::vector<Case> cases;
    {
      auto a = base();
      a.dslba = 28;  // destinations 28..43: stripe 3's meets stripe 0's source
      cases.push_back({"last destination overlaps the first stripe", a,
                       Status::InvalidField()});
    }
    {
      auto a = base();
      a.dslba = 72 - 4 * 4 + 2;  // 58..73: overlaps stripes 2 and 3
      cases.push_back({"destinations overlap later stripes", a, Status::InvalidField()});
    }
    {
      auto a = base();
      // Stripe 0's sources at 36..39 and 44..47, its destination 40..43
      // between them (fine for NS = 0); stripe 1's source 0 is 44..47, the
      // same as stripe 0's source 1 (allowed), and the later destinations
      // 44..55 lie on sources.
      a.sources = {Src(36, 0), Src(44, 1)};
      a.dslba = 40;
      cases.push_back({"destination between the sources", a, Status::InvalidField()});
    }
    {
      auto a = base();
      a.dslba = cap - 12;  // 4 stripes of 4 blocks need 16
      cases.push_back({"last destination past the end", a, Status::LbaOutOfRange()});
    }
    {
      auto a = base();
      a.sources[1].slba = cap - 4 - 3 * 8;  // stripe 0..2 fit, stripe 3 ends past cap
      a.sources[1].slba += 1;
      a.dslba = 100;
      cases.push_back({"last stripe's source past the end", a, Status::LbaOutOfRange()});
    }
    {
      auto a = base();
      a.stripes = 65536;  // NS = 0xFFFF
      cases.push_back({"largest NS runs past the end", a, Status::LbaOutOfRange()});
    }
    for (auto& c : cases) {
      INFO(c.what);
      CHECK(StatusOf(ParityCompute(*h, c.args)) == c.want);
      CHECK(ReadBack(*h, 100, 16) == old);
      CHECK(ReadBack(*h, 20, 16) == old);
      CHECK(ReadBack(*h, 72, 16) == old);
      CHECK(ReadBack(*h, cap - 16, 16) == old);
      CHECK(ReadBack(*h, 40, 32) == sources);  // not deallocated
    }
    CHECK(Stats(*h).parity_commands == 0);
    // Just clear of the sources on both sides works.
    auto a = base();
    a.dslba = 72;
    a.deallocate = false;
    CHECK(StatusOf(ParityCompute(*h, a)).ok());
    a.dslba = 24;
    CHECK(StatusOf(ParityCompute(*h, a)).ok());
  }
}

TEST_CASE("Parity Compute with NS = 0 writes one chunk only") {
  for (auto& [name, opts] : BothPersonalities()) {
    INFO("personality " << name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    WriteStripes(*h, 0, 2, 4, 2, 1);  // a second stripe exists, unused
    ParityArgs a;
    a.dslba = 100;
    a.nlb = 4;
    a.sources = {Src(0), Src(4)};
    a.deallocate = true;
    REQUIRE(StatusOf(ParityCompute(*h, a)).ok());
    CHECK(ReadBack(*h, 104, 4) == std::vector<uint8_t>(4 * bs, 0));
    CHECK(ReadBack(*h, 8, 4) == Pattern(4 * bs, 3));
    CHECK(ReadBack(*h, 12, 4) == Pattern(4 * bs, 4));
    CHECK(ReadBack(*h, 0, 8) == std::vector<uint8_t>(8 * bs, 0));
  }
}

TEST_CASE("Multi-stripe Parity Compute is timed as its single commands arriving together") {
  auto run = [](uint32_t stripes) {
    auto h = MakeHostFrom(SmallDevice(SmallFlash(
        {{"timing.mode", "realtime"}, {"parity.engine-mbps", "10"}})));
    const uint32_t bs = h->lba_size();
    for (uint64_t s = 0; s < 4 * stripes; s++) {
      REQUIRE(h->Write(1, s * 32, Pattern(32 * bs, 1)).ok());
    }
    ParityArgs a;
    a.dslba = 300;
    a.nlb = 32;
    a.sources = {Src(0), Src(32), Src(64), Src(96)};
    a.stripes = stripes;
    h->AdvanceClock(h->now_ns() + 1'000'000'000);
    h->Poll();
    const uint64_t t0 = h->now_ns();
    REQUIRE(StatusOf(ParityCompute(*h, a)).ok());
    return h->now_ns() - t0;
  };
  // 4 x 128 KiB at 10 MB/s is 52 ms of engine time per stripe, one engine.
  const uint64_t one = run(1), two = run(2);
  INFO("1 stripe " << one << " ns, 2 stripes " << two << " ns");
  CHECK(one >= 52'000'000);
  CHECK(two >= one + 52'000'000);
  CHECK(two < 2 * one + 1'000'000);
}

}  // namespace
}  // namespace salix::test

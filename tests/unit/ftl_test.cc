// The page-mapping FTL against an oracle (a map of LPA -> version): writes,
// overwrites, trims and GC at high fill, every GC policy, the smallest
// over-provisioning allowed, and power loss at random points. Randomized
// tests print their seed; SALIX_SEED=<n> replays one.
#include <map>
#include <random>

#include "ftl_util.h"

namespace salix::test {
namespace {

using ftl::Ftl;

// What the oracle knows: the newest acknowledged version of each LPA
// (absent: never written or trimmed, reads as zeroes).
using Oracle = std::map<uint64_t, uint64_t>;

void CheckAgainst(Ftl& f, const Oracle& oracle) {
  const uint32_t ps = f.page_size();
  std::vector<uint8_t> got(ps), zero(ps, 0);
  for (uint64_t lpa = 0; lpa < f.user_pages(); ++lpa) {
    REQUIRE(f.ReadPage(lpa, got, 0).ok());
    auto it = oracle.find(lpa);
    if (it == oracle.end()) {
      INFO("LPA " << lpa << " should read as zeroes");
      REQUIRE(got == zero);
    } else {
      INFO("LPA " << lpa << " should hold version " << it->second);
      REQUIRE(got == PagePattern(lpa, it->second, ps));
    }
  }
}

void RequireConsistent(const Ftl& f) {
  auto why = f.CheckConsistency();
  INFO(why.value_or(""));
  REQUIRE(!why.has_value());
}

// Random writes (mostly), trims and idle time for background GC;
// 'passes' device capacities of operations.
void RandomOps(Ftl& f, Oracle& oracle, std::mt19937_64& rng, uint64_t version,
               double passes, int check_every) {
  const uint64_t n = f.user_pages();
  const uint64_t ops = static_cast<uint64_t>(passes * n);
  std::uniform_int_distribution<uint64_t> lpa_of(0, n - 1);
  std::uniform_int_distribution<int> kind(0, 99);
  for (uint64_t i = 0; i < ops; ++i) {
    const uint64_t lpa = lpa_of(rng);
    const int k = kind(rng);
    // Idle moments: background GC jobs advance between host commands.
    if (k >= 90) f.Background(0);
    if (k < 5) {
      const uint64_t count = std::min<uint64_t>(n - lpa, 1 + rng() % 8);
      REQUIRE(f.Trim(lpa, count, 0).ok());
      for (uint64_t k = lpa; k < lpa + count; ++k) oracle.erase(k);
    } else {
      const uint64_t v = ++version;
      REQUIRE(f.WritePage(lpa, PagePattern(lpa, v, f.page_size()), 0).ok());
      oracle[lpa] = v;
    }
    if (check_every > 0 && i % check_every == 0) RequireConsistent(f);
  }
}

MediaStats StatsOf(const Ftl& f) {
  MediaStats m;
  f.GetStats(&m);
  return m;
}

TEST_CASE("FTL returns the newest data of every page through overwrites, "
          "trims and GC at high fill, for every GC policy") {
  for (const char* policy : {"greedy", "cost-benefit", "fifo"}) {
    const uint64_t seed = TestSeed();
    INFO("policy " << policy << ", SALIX_SEED=" << seed);
    std::mt19937_64 rng(seed);
    auto f = MustOpen(MustOptions(SmallFlash({{"ftl.gc-policy", policy}})));
    Oracle oracle;
    RandomOps(*f, oracle, rng, 0, 6.0, 97);
    RequireConsistent(*f);
    CheckAgainst(*f, oracle);
    MediaStats m = StatsOf(*f);
    CHECK(m.gc_runs > 0);
    CHECK(m.gc_pages_moved > 0);
    // GC copies pages: flash sees more writes than the host asked for
    // (host pages + moved pages + tombstones on persistent stores only).
    CHECK(m.nand_pages_written == m.host_pages_written + m.gc_pages_moved);
    CHECK(m.erases == m.gc_runs);
  }
}

TEST_CASE("FTL at the smallest allowed over-provisioning keeps serving when "
          "written full, many times over") {
  // Find the smallest op-percent the options accept for this geometry.
  uint32_t op = 0;
  while (!OptionsFrom(SmallFlash({{"ftl.op-percent", std::to_string(op)}})).ok()) {
    REQUIRE(op < 100);
    op++;
  }
  INFO("smallest op-percent " << op);
  auto o = MustOptions(SmallFlash({{"ftl.op-percent", std::to_string(op)}}));
  auto f = MustOpen(o);
  const uint64_t seed = TestSeed();
  INFO("SALIX_SEED=" << seed);
  std::mt19937_64 rng(seed);
  Oracle oracle;
  // Fill every page, then overwrite at random: 8 capacities in total.
  uint64_t v = 0;
  for (uint64_t lpa = 0; lpa < f->user_pages(); ++lpa) {
    REQUIRE(f->WritePage(lpa, PagePattern(lpa, ++v, f->page_size()), 0).ok());
    oracle[lpa] = v;
  }
  std::uniform_int_distribution<uint64_t> lpa_of(0, f->user_pages() - 1);
  for (uint64_t i = 0; i < 7 * f->user_pages(); ++i) {
    const uint64_t lpa = lpa_of(rng);
    REQUIRE(f->WritePage(lpa, PagePattern(lpa, ++v, f->page_size()), 0).ok());
    oracle[lpa] = v;
  }
  RequireConsistent(*f);
  CheckAgainst(*f, oracle);
  CHECK(StatsOf(*f).free_blocks >= 1);
}

TEST_CASE("FTL recovers the newest acknowledged data after power loss at "
          "random points, by OOB scan") {
  TempDir dir;
  const uint64_t seed = TestSeed();
  INFO("SALIX_SEED=" << seed);
  std::mt19937_64 rng(seed);
  auto o = MustOptions(SmallFlash({{"backing-file", dir.File("flash.img")}}));
  Oracle oracle;
  uint64_t version = 0;
  for (int round = 0; round < 6; ++round) {
    auto f = MustOpen(o);
    CHECK_FALSE(f->recovered_from_checkpoint());
    RequireConsistent(*f);
    CheckAgainst(*f, oracle);
    // Each power cut lands at a random operation; no Shutdown.
    const double passes = 0.2 + (rng() % 100) / 40.0;
    RandomOps(*f, oracle, rng, version, passes, 0);
    version += 1 << 20;
  }
  auto f = MustOpen(o);
  CheckAgainst(*f, oracle);
}

TEST_CASE("FTL loads a clean shutdown's checkpoint instead of scanning, once") {
  TempDir dir;
  auto o = MustOptions(SmallFlash({{"backing-file", dir.File("flash.img")}}));
  Oracle oracle;
  std::mt19937_64 rng(7);
  {
    auto f = MustOpen(o);
    RandomOps(*f, oracle, rng, 0, 3.0, 0);
    f->Shutdown();
  }
  {
    auto f = MustOpen(o);
    CHECK(f->recovered_from_checkpoint());
    RequireConsistent(*f);
    CheckAgainst(*f, oracle);
    RandomOps(*f, oracle, rng, 1 << 20, 1.0, 0);
    // Power loss now: the checkpoint describes an older state and must not
    // be used again.
  }
  auto f = MustOpen(o);
  CHECK_FALSE(f->recovered_from_checkpoint());
  RequireConsistent(*f);
  CheckAgainst(*f, oracle);
}

TEST_CASE("FTL trims survive power loss: tombstones keep old copies dead") {
  TempDir dir;
  auto o = MustOptions(SmallFlash({{"backing-file", dir.File("flash.img")}}));
  const uint32_t ps = o.geometry.page_size;
  {
    auto f = MustOpen(o);
    for (uint64_t lpa = 0; lpa < 64; ++lpa) {
      REQUIRE(f->WritePage(lpa, PagePattern(lpa, 1, ps), 0).ok());
    }
    REQUIRE(f->Trim(8, 16, 0).ok());
    REQUIRE(f->WritePage(10, PagePattern(10, 2, ps), 0).ok());
  }
  Oracle oracle;
  for (uint64_t lpa = 0; lpa < 64; ++lpa) {
    if (lpa < 8 || lpa >= 24) oracle[lpa] = 1;
  }
  oracle[10] = 2;
  auto f = MustOpen(o);
  CheckAgainst(*f, oracle);
  // Tombstones survive garbage collection too.
  std::mt19937_64 rng(11);
  for (int i = 0; i < 4000; ++i) {
    uint64_t lpa = 64 + rng() % (f->user_pages() - 64);
    REQUIRE(f->WritePage(lpa, PagePattern(lpa, 3, ps), 0).ok());
    oracle[lpa] = 3;
  }
  CHECK(StatsOf(*f).gc_runs > 0);
  RequireConsistent(*f);
  f.reset();
  f = MustOpen(o);
  CheckAgainst(*f, oracle);
}

TEST_CASE("FTL wear-aware allocation takes the least-erased free block of "
          "the die") {
  for (bool aware : {true, false}) {
    auto o = MustOptions(SmallFlash());
    flash::PageStore::Options so;
    auto store = flash::PageStore::Open(o.geometry, so);
    REQUIRE(store.ok());
    flash::PageStore& ps = *store.value();
    // Die 0 owns blocks 0..3 (one plane of 4 blocks). Wear them unevenly.
    const uint32_t erases[] = {5, 2, 7, 3};
    for (uint64_t b = 0; b < 4; ++b) {
      for (uint32_t i = 0; i < erases[b]; ++i) REQUIRE(ps.Erase(b) == flash::FlashError::kNone);
    }
    ftl::BlockTable table(ps, aware);
    auto first = table.Allocate(0);
    auto second = table.Allocate(0);
    REQUIRE(first);
    REQUIRE(second);
    if (aware) {
      CHECK(*first == 1);   // 2 erases
      CHECK(*second == 3);  // 3 erases
    } else {
      CHECK(*first == 3);   // last listed
    }
    CHECK(table.free_blocks_on(0) == 2);
    CHECK(table.free_blocks() == o.geometry.total_blocks() - 2);
  }
}

TEST_CASE("FTL timing: a read costs tR plus the channel transfer; dies "
          "overlap; a read waits behind a program on its die") {
  // Enough spare blocks for a write point on every die (see
  // Ftl::WritePointBudget), so writes stripe over all four.
  auto o = MustOptions(SmallFlash({{"ftl.op-percent", "150"},
                                   {"timing.mode", "realtime"},
                                   {"timing.read-ns", "40000"},
                                   {"timing.program-ns", "200000"},
                                   {"timing.channel-mbps", "400"},
                                   {"flash.cell-type", "slc"}}));
  auto f = MustOpen(o);
  const uint32_t ps = f->page_size();
  const uint64_t xfer = flash::TransferNs(ps, 400);
  // Writes stripe over the 4 dies: LPAs 0..3 land on dies 0..3.
  uint64_t t = 1'000'000;
  for (uint64_t lpa = 0; lpa < 4; ++lpa) {
    REQUIRE(f->WritePage(lpa, PagePattern(lpa, 1, ps), t).ok());
  }
  t = 10'000'000;  // long after every program
  auto r0 = f->ReadPage(0, {}, t);
  REQUIRE(r0.ok());
  CHECK(r0.value() - t == 40'000 + xfer);
  // Another die on the other channel overlaps completely.
  auto r3 = f->ReadPage(3, {}, t);
  REQUIRE(r3.ok());
  CHECK(r3.value() == r0.value());
  // Same die again: the second read waits for the first.
  auto r0b = f->ReadPage(0, {}, t);
  REQUIRE(r0b.ok());
  CHECK(r0b.value() >= r0.value() + 40'000);
  // A program on die 0 (LPA 4 goes to die 0 next) delays a read of LPA 0.
  t = 20'000'000;
  auto w = f->WritePage(4, PagePattern(4, 1, ps), t);
  REQUIRE(w.ok());
  CHECK(w.value() - t == xfer + 200'000);
  auto behind = f->ReadPage(0, {}, t);
  REQUIRE(behind.ok());
  CHECK(behind.value() == w.value() + 40'000 + xfer);
}

}  // namespace
}  // namespace salix::test

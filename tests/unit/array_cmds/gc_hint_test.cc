// The GC hint in CQE DW0 of I/O completions (SALIX_CQE_GC_*).
#include <random>

#include "array_util.h"

namespace salix::test {
namespace {

TEST_CASE("I/O completions say when GC runs and when host writes pay for it") {
  // Background GC starts only below 3 free blocks, foreground at 2: host
  // writes soon pay for copies.
  auto h = MakeHostFrom(SmallDevice(SmallFlash({{"ftl.gc-bg-blocks", "3"}})));
  const uint32_t bs = h->lba_size();
  const uint64_t blocks = h->capacity_blocks();
  auto one = Pattern(bs, 1);
  auto first = h->ExecuteWithData(1, IoSqe(SALIX_IO_WRITE, 0, 1), one);
  REQUIRE(StatusOf(first).ok());
  CHECK(first->dw0 == 0);  // a new drive does not collect
  // Random overwrites leave valid pages in every victim, which GC copies.
  const uint64_t seed = TestSeed();
  INFO("SALIX_SEED=" << seed);
  std::mt19937_64 rng(seed);
  uint64_t busy = 0, foreground = 0;
  for (uint64_t op = 0; op < 4 * blocks; op++) {
    auto data = Pattern(bs, static_cast<uint32_t>(op));
    const uint64_t lba = op < blocks ? op : rng() % blocks;
    auto c = h->ExecuteWithData(1, IoSqe(SALIX_IO_WRITE, lba, 1), data);
    REQUIRE(StatusOf(c).ok());
    if (c->dw0 & SALIX_CQE_GC_BUSY) busy++;
    if (c->dw0 & SALIX_CQE_GC_FOREGROUND) {
      foreground++;
      CHECK((c->dw0 & SALIX_CQE_GC_BUSY) != 0);
    }
    CHECK((c->dw0 & ~3u) == 0);
  }
  INFO(busy << " busy, " << foreground << " foreground of " << 4 * blocks);
  CHECK(busy > 0);
  CHECK(foreground > 0);
  // Reads carry the hint too; admin completions do not.
  std::vector<uint8_t> back(bs);
  auto r = h->ExecuteWithData(1, IoSqe(SALIX_IO_READ, 0, 1), back);
  REQUIRE(StatusOf(r).ok());
  nvme::Sqe id = AdminSqe(SALIX_ADMIN_FAULT_INJECTION, 0);
  CHECK(h->Execute(0, id)->dw0 == 0);
}

TEST_CASE("nossd never reports GC") {
  auto h = MakeHost();
  for (int i = 0; i < 50; i++) {
    auto data = Pattern(4096, i);
    auto c = h->ExecuteWithData(1, IoSqe(SALIX_IO_WRITE, i, 1), data);
    REQUIRE(StatusOf(c).ok());
    CHECK(c->dw0 == 0);
  }
}

}  // namespace
}  // namespace salix::test

// Randomized: the nossd namespace behaves like a map of LBA -> bytes under
// writes, reads, write zeroes, deallocate and compare, over every buffer
// layout. Set SALIX_SEED to replay a run.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

#include "test_util.h"

namespace salix::test {
namespace {

void RunOracle(const char* lba_size, uint64_t seed, int ops) {
  auto h = MakeHost({{"size", "8M"}, {"lba-size", lba_size}, {"mdts", "5"}});
  const uint32_t bs = h->lba_size();
  const uint64_t blocks = h->capacity_blocks();
  const uint32_t max_nlb = (128 * 1024) / bs;
  std::mt19937_64 rng(seed);
  auto uni = [&](uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };
  std::map<uint64_t, std::vector<uint8_t>> oracle;  // absent: zeroes
  auto expected = [&](uint64_t lba) {
    auto it = oracle.find(lba);
    return it == oracle.end() ? std::vector<uint8_t>(bs, 0) : it->second;
  };
  auto layout = [&] {
    BufferLayout l;
    if (uni(0, 1)) {
      l.kind = DataLayout::kSgl;
      l.sgl_block_bytes = static_cast<uint32_t>(uni(1, 3) * 1000);
      l.sgl_descriptors_per_segment = static_cast<uint32_t>(uni(2, 9));
      l.first_offset = static_cast<uint32_t>(uni(0, 4095));
    } else {
      l.first_offset = static_cast<uint32_t>(uni(0, 1023) * 4);
    }
    return l;
  };

  for (int op = 0; op < ops; op++) {
    uint32_t nlb = static_cast<uint32_t>(uni(1, max_nlb));
    uint64_t slba = uni(0, blocks - nlb);
    int kind = static_cast<int>(uni(0, 9));
    INFO("op " << op << " kind " << kind << " slba " << slba << " nlb " << nlb);
    if (kind <= 3) {
      auto data = Pattern(size_t{nlb} * bs, static_cast<uint32_t>(rng()));
      REQUIRE(h->Write(1, slba, data, layout()).ok());
      for (uint32_t i = 0; i < nlb; i++) {
        oracle[slba + i].assign(data.begin() + i * bs,
                                data.begin() + (i + 1) * bs);
      }
    } else if (kind <= 6) {
      std::vector<uint8_t> back(size_t{nlb} * bs);
      REQUIRE(h->Read(1, slba, back, layout()).ok());
      for (uint32_t i = 0; i < nlb; i++) {
        auto want = expected(slba + i);
        if (!std::equal(want.begin(), want.end(), back.begin() + i * bs)) {
          FAIL("block " << slba + i << " differs (seed " << seed << ")");
        }
      }
    } else if (kind == 7) {
      REQUIRE(h->WriteZeroes(1, slba, nlb).ok());
      for (uint32_t i = 0; i < nlb; i++) oracle.erase(slba + i);
    } else if (kind == 8) {
      std::vector<nvme::DsmRange> ranges;
      for (uint64_t r = uni(1, 4); r > 0; r--) {
        uint32_t n = static_cast<uint32_t>(uni(0, max_nlb));
        uint64_t s = uni(0, blocks - std::max<uint32_t>(n, 1));
        ranges.push_back({0, n, s});
        for (uint32_t i = 0; i < n; i++) oracle.erase(s + i);
      }
      REQUIRE(h->Deallocate(1, ranges).ok());
    } else {
      std::vector<uint8_t> want;
      for (uint32_t i = 0; i < nlb; i++) {
        auto b = expected(slba + i);
        want.insert(want.end(), b.begin(), b.end());
      }
      bool flip = uni(0, 1);
      if (flip) want[uni(0, want.size() - 1)] ^= 0x40;
      Status s = h->Compare(1, slba, want, layout());
      CHECK(s == (flip ? Status::CompareFailure() : Status()));
    }
  }
}

uint64_t Seed() {
  if (const char* s = std::getenv("SALIX_SEED")) return std::strtoull(s, nullptr, 0);
  return std::random_device{}();
}

}  // namespace

TEST_CASE("nossd matches a map oracle under random I/O (4 KiB blocks)") {
  uint64_t seed = Seed();
  std::printf("nossd oracle (4096): SALIX_SEED=%llu\n",
              static_cast<unsigned long long>(seed));
  CAPTURE(seed);
  RunOracle("4096", seed, 1500);
}

TEST_CASE("nossd matches a map oracle under random I/O (512-byte blocks)") {
  uint64_t seed = Seed();
  std::printf("nossd oracle (512): SALIX_SEED=%llu\n",
              static_cast<unsigned long long>(seed));
  CAPTURE(seed);
  RunOracle("512", seed, 1500);
}

}  // namespace salix::test

// The ftl personality through the embedded host (the C ABI and the NVMe
// queue protocol): partial-page writes, deallocate, the write cache, the
// statistics page and the read latency the model promises, on the virtual
// clock.
#include <salix/stats_log.h>

#include <cstring>
#include <map>
#include <random>

#include "ftl_util.h"
#include "test_util.h"

namespace salix::test {
namespace {

salix_stats_log StatsPage(EmbeddedHost& h) {
  salix_stats_log log{};
  std::vector<uint8_t> page(sizeof(log));
  REQUIRE(h.GetLogPage(SALIX_LOG_STATS, page).ok());
  std::memcpy(&log, page.data(), sizeof(log));
  return log;
}

TEST_CASE("ftl namespace with 512-byte blocks behaves like a map of LBA -> "
          "bytes through partial-page writes, deallocates and GC") {
  const uint64_t seed = TestSeed();
  INFO("SALIX_SEED=" << seed);
  auto h = MakeHostFrom(SmallDevice(SmallFlash({{"lba-size", "512"}})));
  const uint32_t bs = h->lba_size();
  REQUIRE(bs == 512);
  const uint64_t blocks = h->capacity_blocks();
  REQUIRE(blocks == 4096);
  std::mt19937_64 rng(seed);
  std::map<uint64_t, std::vector<uint8_t>> oracle;
  for (int op = 0; op < 6000; ++op) {
    const uint32_t nlb = 1 + rng() % 24;
    const uint64_t slba = rng() % (blocks - nlb);
    if (rng() % 10 == 0) {
      nvme::DsmRange r{};
      r.slba = slba;
      r.nlb = nlb;
      REQUIRE(h->Deallocate(1, std::span(&r, 1)).ok());
      for (uint64_t l = slba; l < slba + nlb; ++l) oracle.erase(l);
      continue;
    }
    std::vector<uint8_t> data(uint64_t{nlb} * bs);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    REQUIRE(h->Write(1, slba, data).ok());
    for (uint32_t i = 0; i < nlb; ++i) {
      oracle[slba + i].assign(data.begin() + i * bs, data.begin() + (i + 1) * bs);
    }
  }
  std::vector<uint8_t> got(64 * bs);
  for (uint64_t slba = 0; slba < blocks; slba += 64) {
    REQUIRE(h->Read(1, slba, got).ok());
    for (uint32_t i = 0; i < 64; ++i) {
      auto it = oracle.find(slba + i);
      std::vector<uint8_t> want = it == oracle.end() ? std::vector<uint8_t>(bs, 0)
                                                     : it->second;
      INFO("LBA " << slba + i);
      REQUIRE(std::memcmp(got.data() + i * bs, want.data(), bs) == 0);
    }
  }
  salix_stats_log log = StatsPage(*h);
  CHECK((log.flags & SALIX_STATS_MEDIA_VALID) != 0);
  CHECK(std::string(log.personality) == "ftl");
  CHECK(log.gc_runs > 0);
  CHECK(log.waf_milli > 1000);
  CHECK(log.metadata_bytes > 0);
}

TEST_CASE("ftl advertises a volatile write cache exactly when it has a "
          "write buffer, and completes buffered writes early") {
  auto latency_of_write = [](const char* buffer) {
    auto h = MakeHostFrom(SmallDevice(SmallFlash({{"ftl.write-buffer", buffer},
                                                  {"timing.mode", "realtime"}})));
    nvme::IdentifyController id{};
    REQUIRE(h->IdentifyController(&id).ok());
    const bool vwc = id.vwc & 1;
    std::vector<uint8_t> page(4096, 0x5a);
    const uint64_t t0 = h->now_ns();
    REQUIRE(h->Write(1, 0, page).ok());
    const uint64_t write_ns = h->now_ns() - t0;
    const uint64_t t1 = h->now_ns();
    REQUIRE(h->Flush(1).ok());
    return std::tuple(vwc, write_ns, h->now_ns() - t1);
  };
  auto [vwc_buf, write_buf, flush_buf] = latency_of_write("64K");
  auto [vwc_none, write_none, flush_none] = latency_of_write("0");
  CHECK(vwc_buf);
  CHECK_FALSE(vwc_none);
  // tlc-datacenter: tPROG 23.4 us per page; a buffered write only waits for
  // PCIe and firmware time, and its Flush for the program.
  CHECK(write_buf < write_none);
  CHECK(flush_buf > flush_none);
}

TEST_CASE("ftl QD1 read latency on the virtual clock is the model's: "
          "firmware + tR + channel + PCIe") {
  auto h = MakeHostFrom(SmallDevice(SmallFlash({{"timing.mode", "realtime"}})));
  // tlc-datacenter: fw 20 us, tR 50 us, channel 450 MB/s, PCIe 3050 MB/s.
  const uint64_t model = 20'000 + 50'000 + flash::TransferNs(4096, 450) +
                         flash::TransferNs(4096, 3050);
  std::vector<uint8_t> page(4096, 1);
  REQUIRE(h->Write(1, 7, page).ok());
  h->AdvanceClock(10'000'000);
  h->Poll();
  const uint64_t t0 = h->now_ns();
  REQUIRE(h->Read(1, 7, page).ok());
  CHECK(h->now_ns() - t0 == model);
}

}  // namespace
}  // namespace salix::test

// The host driver's decoder and report of the statistics page agree with
// what the firmware publishes (pages produced by the embedded host and by a
// controller over a personality with media statistics).
#include <salix/stats_log.h>

#include <cstring>

#include "manual_host.h"
#include "personality_wrapper.h"
#include "salix/host/stats.h"
#include "salix/host/stats_report.h"
#include "test_util.h"

namespace salix::test {
namespace {

std::vector<uint8_t> PageOf(EmbeddedHost& h) {
  std::vector<uint8_t> page(SALIX_STATS_LOG_SIZE);
  REQUIRE(h.GetLogPage(SALIX_LOG_STATS, page).ok());
  return page;
}

host::SalixStats Parse(const std::vector<uint8_t>& page) {
  auto s = host::parse_salix_stats(page.data(), page.size());
  if (!s) FAIL(s.error().message);
  return s.value();
}

}  // namespace

TEST_CASE("salixctl's stats decoder reads host counters from a nossd page") {
  auto h = MakeHost();
  uint32_t lba = h->lba_size();
  auto data = Pattern(4 * lba, 7);
  REQUIRE(h->Write(1, 0, data).ok());
  REQUIRE(h->Write(1, 8, data).ok());
  REQUIRE(h->Read(1, 0, data).ok());
  host::SalixStats s = Parse(PageOf(*h));
  CHECK(s.version == SALIX_STATS_LOG_VERSION);
  CHECK(s.personality == "nossd");
  CHECK(s.host_write_commands == 2);
  CHECK(s.host_bytes_written == 8 * lba);
  CHECK(s.host_read_commands == 1);
  CHECK(s.host_bytes_read == 4 * lba);
  CHECK_FALSE(s.media.has_value());
  CHECK(s.lateness.samples == 3);
  CHECK(s.lateness.histogram[0] == 3);

  std::string text = host::format_stats_text(s, "/dev/nvme0");
  CHECK(text.find("personality nossd") != std::string::npos);
  CHECK(text.find("not modelled") != std::string::npos);
  CHECK(text.find("3 completions") != std::string::npos);
  std::string json = host::format_stats_json(s, "/dev/nvme0");
  CHECK(json.find("\"media\": null") != std::string::npos);
  CHECK(json.find("\"host_write_commands\": 2") != std::string::npos);
}

TEST_CASE("salixctl's stats decoder reads media counters and lateness") {
  auto knobs = std::make_shared<PersonalityKnobs>();
  MediaStats m;
  m.page_size = 4096;
  m.host_pages_written = 1000;
  m.nand_pages_written = 2345;
  m.gc_runs = 3;
  m.gc_pages_moved = 1345;
  m.erase_count_min = 2;
  m.erase_count_max = 9;
  m.erase_count_avg = 4.5;
  m.rated_pe_cycles = 3000;
  m.free_blocks = 10;
  m.total_blocks = 128;
  m.spare_blocks = 8;
  m.metadata_bytes = 3 * 1024 * 1024;
  knobs->media = m;
  knobs->delay_ns = 50'000;
  ManualHost h(std::make_unique<WrappedNossd>(knobs));
  h.Start();
  nvme::Sqe r = IoSqe(SALIX_IO_READ, 0, 1);
  r.dptr[0] = h.data;
  h.Io(r);
  h.platform.now = 0;
  h.Run();
  h.platform.now = 50'000 + 3'000;  // 3 us late: bucket [2 us, 4 us)
  h.Run();
  REQUIRE(h.ReapIo() == 1);
  std::vector<uint8_t> page(SALIX_STATS_LOG_SIZE);
  REQUIRE(h.GetLogPage(SALIX_LOG_STATS, page.data(), page.size()).ok());

  host::SalixStats s = Parse(page);
  REQUIRE(s.media.has_value());
  CHECK(s.media->waf == Approx(2.345));
  CHECK(s.media->nand_pages_written == 2345);
  CHECK(s.media->gc_pages_moved == 1345);
  CHECK(s.media->erase_count_avg == Approx(4.5));
  CHECK(s.media->rated_pe_cycles == 3000);
  CHECK(s.media->total_blocks == 128);
  CHECK(s.media->metadata_bytes == 3 * 1024 * 1024);
  CHECK(s.lateness.samples == 1);
  CHECK(s.lateness.max_ns == 3'000);
  CHECK(s.lateness.histogram[2] == 1);
  CHECK(host::LatenessCounters::bucket_low_ns(2) == 2'000);
  CHECK(host::LatenessCounters::bucket_high_ns(2) == 4'000);
  CHECK(host::LatenessCounters::bucket_high_ns(31) == UINT64_MAX);

  std::string text = host::format_stats_text(s, "nvme1");
  CHECK(text.find("WAF 2.345") != std::string::npos);
  CHECK(text.find("1345 pages moved") != std::string::npos);
  CHECK(text.find("metadata    3.00 MiB in controller DRAM") != std::string::npos);
  CHECK(text.find("p50 ~3 us, p99 ~3 us") != std::string::npos);
  CHECK(text.find("2 us - 4 us |####") != std::string::npos);
  std::string json = host::format_stats_json(s, "nvme1");
  CHECK(json.find("\"waf\": 2.345") != std::string::npos);
  CHECK(json.find("\"metadata_bytes\": 3145728}") != std::string::npos);
  CHECK(json.find("\"p50_ns\": 3000, \"p99_ns\": 3000,") != std::string::npos);
  CHECK(json.find("{\"low_ns\": 2000, \"high_ns\": 4000, \"count\": 1}") !=
        std::string::npos);
}

TEST_CASE("lateness quantiles are estimated inside the histogram bucket that holds them") {
  host::LatenessCounters l;
  CHECK(l.quantile_ns(0.5) == 0);  // no samples
  l.histogram[0] = 50;  // < 1 us
  l.histogram[4] = 40;  // [8 us, 16 us)
  l.histogram[7] = 10;  // [64 us, 128 us)
  l.samples = 100;
  l.max_ns = 100'000;
  CHECK(l.quantile_ns(0.25) == Approx(500));     // halfway through bucket 0
  CHECK(l.quantile_ns(0.50) == Approx(1'000));   // bucket 0's top
  CHECK(l.quantile_ns(0.70) == Approx(12'000));  // halfway through [8, 16) us
  CHECK(l.quantile_ns(0.95) == Approx(96'000));  // halfway through [64, 128) us
  CHECK(l.quantile_ns(0.99) == Approx(100'000)); // capped at the maximum seen
  host::LatenessCounters tail;
  tail.histogram[31] = 2;  // the open-ended last bucket ends at max_ns
  tail.samples = 2;
  tail.max_ns = host::LatenessCounters::bucket_low_ns(31) * 3;
  CHECK(tail.quantile_ns(0.5) == Approx(host::LatenessCounters::bucket_low_ns(31) * 2.0));
}

TEST_CASE("salixctl's stats decoder rejects pages that are not Salix stats") {
  std::vector<uint8_t> page(SALIX_STATS_LOG_SIZE, 0);
  CHECK_FALSE(host::parse_salix_stats(page.data(), page.size()).ok());  // no magic
  salix_stats_log raw{};
  std::memcpy(raw.magic, SALIX_STATS_LOG_MAGIC, 8);
  raw.version = SALIX_STATS_LOG_VERSION + 1;
  std::memcpy(page.data(), &raw, sizeof(raw));
  auto newer = host::parse_salix_stats(page.data(), page.size());
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.error().message.find("version") != std::string::npos);
  raw.version = SALIX_STATS_LOG_VERSION;
  std::memset(raw.personality, 'p', sizeof(raw.personality));  // unterminated
  std::memcpy(page.data(), &raw, sizeof(raw));
  auto ok = host::parse_salix_stats(page.data(), page.size());
  REQUIRE(ok.ok());
  CHECK(ok.value().personality == std::string(sizeof(raw.personality), 'p'));
  CHECK_FALSE(host::parse_salix_stats(page.data(), 512).ok());  // truncated
  CHECK_FALSE(host::parse_salix_stats(nullptr, page.size()).ok());
}

}  // namespace salix::test

// The Salix statistics log page (vendor LID C0h, <salix/stats_log.h>): host
// counters kept by the HIL for every personality, media counters from the
// personality, completion lateness, and Get Log Page's offset rules.
#include <salix/stats_log.h>

#include <cstring>

#include "hil/lateness.h"
#include "manual_host.h"
#include "personality_wrapper.h"
#include "test_util.h"

namespace salix::test {
namespace {

salix_stats_log Stats(EmbeddedHost& h) {
  salix_stats_log s;
  REQUIRE(h.GetLogPage(SALIX_LOG_STATS,
                       {reinterpret_cast<uint8_t*>(&s), sizeof(s)})
              .ok());
  return s;
}

salix_stats_log Stats(ManualHost& h) {
  salix_stats_log s;
  REQUIRE(h.GetLogPage(SALIX_LOG_STATS, &s, sizeof(s)).ok());
  return s;
}

// The header's bucket rule, written out independently of Lateness::BucketOf.
unsigned ExpectedBucket(uint64_t lateness_ns) {
  uint64_t us = lateness_ns / 1000;
  if (us == 0) return 0;
  unsigned i = 1;
  while (i < SALIX_STATS_LATENESS_BUCKETS - 1 && us >= (uint64_t{1} << i)) i++;
  return i;
}

}  // namespace

TEST_CASE("The statistics page identifies itself and the personality") {
  auto h = MakeHost();
  salix_stats_log s = Stats(*h);
  CHECK(std::memcmp(s.magic, SALIX_STATS_LOG_MAGIC, 8) == 0);
  CHECK(s.version == SALIX_STATS_LOG_VERSION);
  CHECK(std::string(s.personality) == "nossd");
  // nossd has no flash model: the media fields are marked invalid and zero.
  CHECK((s.flags & SALIX_STATS_MEDIA_VALID) == 0);
  CHECK(s.nand_pages_written == 0);
  CHECK(s.waf_milli == 0);
}

TEST_CASE("The statistics page counts host reads, writes and bytes exactly") {
  auto h = MakeHost();
  uint32_t lba = h->lba_size();
  auto data = Pattern(8 * lba, 1);
  for (int i = 0; i < 3; i++) REQUIRE(h->Write(1, 16 * i, data).ok());
  std::vector<uint8_t> small(lba);
  REQUIRE(h->Write(1, 100, small).ok());
  std::vector<uint8_t> back(8 * lba);
  REQUIRE(h->Read(1, 0, back).ok());
  REQUIRE(h->Read(1, 16, back).ok());
  // Failed commands move no data and are not counted.
  CHECK(h->Read(1, h->capacity_blocks(), small) == Status::LbaOutOfRange());

  salix_stats_log s = Stats(*h);
  CHECK(s.host_write_commands == 4);
  CHECK(s.host_bytes_written == 3 * 8 * lba + lba);
  CHECK(s.host_read_commands == 2);
  CHECK(s.host_bytes_read == 2 * 8 * lba);
}

TEST_CASE("Statistics survive Format and controller reset") {
  auto h = MakeHost();
  std::vector<uint8_t> block(h->lba_size());
  REQUIRE(h->Write(1, 0, block).ok());
  REQUIRE(h->Format(0).ok());
  REQUIRE(h->Restart());
  CHECK(Stats(*h).host_write_commands == 1);
}

TEST_CASE("The statistics page honours offsets and rejects bad ones") {
  auto h = MakeHost();
  std::vector<uint8_t> whole(SALIX_STATS_LOG_SIZE);
  REQUIRE(h->GetLogPage(SALIX_LOG_STATS, whole).ok());
  std::vector<uint8_t> part(64);
  REQUIRE(h->GetLogPage(SALIX_LOG_STATS, part, 512).ok());
  CHECK(std::equal(part.begin(), part.end(), whole.begin() + 512));
  std::vector<uint8_t> last(4);
  CHECK(h->GetLogPage(SALIX_LOG_STATS, last, SALIX_STATS_LOG_SIZE - 4).ok());
  CHECK(h->GetLogPage(SALIX_LOG_STATS, part, 2) == Status::InvalidField());
  CHECK(h->GetLogPage(SALIX_LOG_STATS, part, SALIX_STATS_LOG_SIZE + 4) ==
        Status::InvalidField());
  CHECK(h->GetLogPage(SALIX_LOG_STATS, part, uint64_t{1} << 40) ==
        Status::InvalidField());
}

TEST_CASE("Media statistics come from the personality") {
  auto knobs = std::make_shared<PersonalityKnobs>();
  MediaStats m;
  m.page_size = 16384;
  m.host_pages_written = 200;
  m.nand_pages_written = 300;
  m.nand_pages_read = 77;
  m.gc_runs = 4;
  m.gc_pages_moved = 100;
  m.erases = 9;
  m.erase_count_min = 1;
  m.erase_count_max = 5;
  m.erase_count_avg = 2.25;
  m.rated_pe_cycles = 3000;
  m.free_blocks = 12;
  m.total_blocks = 64;
  m.spare_blocks = 6;
  m.spare_blocks_initial = 8;
  m.gc_active = true;
  knobs->media = m;
  ManualHost h(std::make_unique<WrappedNossd>(knobs));
  h.Start();
  salix_stats_log s = Stats(h);
  CHECK(s.flags == (SALIX_STATS_MEDIA_VALID | SALIX_STATS_GC_ACTIVE));
  CHECK(std::string(s.personality) == "wrapped");
  CHECK(s.flash_page_size == 16384);
  CHECK(s.waf_milli == 1500);
  CHECK(s.host_pages_written == 200);
  CHECK(s.nand_pages_written == 300);
  CHECK(s.nand_pages_read == 77);
  CHECK(s.gc_runs == 4);
  CHECK(s.gc_pages_moved == 100);
  CHECK(s.erases == 9);
  CHECK(s.erase_count_min == 1);
  CHECK(s.erase_count_max == 5);
  CHECK(s.erase_count_avg_milli == 2250);
  CHECK(s.rated_pe_cycles == 3000);
  CHECK(s.free_blocks == 12);
  CHECK(s.total_blocks == 64);
  CHECK(s.spare_blocks == 6);

  // No host writes yet: WAF is undefined, reported as 0, not a division.
  knobs->media->host_pages_written = 0;
  knobs->media->gc_active = false;
  s = Stats(h);
  CHECK(s.waf_milli == 0);
  CHECK(s.flags == SALIX_STATS_MEDIA_VALID);
}

TEST_CASE("Lateness is the overshoot of a host that polls late") {
  constexpr uint64_t kDelay = 40'000;  // the personality's modelled latency
  auto knobs = std::make_shared<PersonalityKnobs>();
  knobs->delay_ns = kDelay;
  ManualHost h(std::make_unique<WrappedNossd>(knobs));
  h.Start();

  // Batches of reads submitted at 'start'; the host runs the controller
  // only 'overshoot' after they were due.
  struct Batch {
    unsigned commands;
    uint64_t overshoot_ns;
  };
  const Batch batches[] = {{3, 0}, {2, 999}, {4, 5'000}, {1, 300'000},
                           {2, 2'000'000'000'000}};
  // 12 commands in all: one pass over the 16-entry rings.
  uint64_t samples = 0, sum = 0, max = 0;
  uint64_t hist[SALIX_STATS_LATENESS_BUCKETS] = {};
  unsigned posted = 0;
  h.platform.now = 1'000'000;
  for (const Batch& b : batches) {
    for (unsigned i = 0; i < b.commands; i++) {
      nvme::Sqe r = IoSqe(SALIX_IO_READ, i, 1);
      r.dptr[0] = h.data;
      h.Io(r);
    }
    uint64_t start = h.platform.now;
    CHECK(h.Run() == start + kDelay);
    CHECK(h.ReapIo() == 0);  // nothing before its due time
    h.platform.now = start + kDelay + b.overshoot_ns;
    h.Run();
    CHECK(h.ReapIo() == b.commands);
    posted += b.commands;
    samples += b.commands;
    sum += b.commands * b.overshoot_ns;
    max = std::max(max, b.overshoot_ns);
    hist[ExpectedBucket(b.overshoot_ns)] += b.commands;
  }

  salix_stats_log s = Stats(h);
  // One sample per I/O completion; admin completions are not sampled.
  CHECK(s.lateness_samples == posted);
  CHECK(s.lateness_samples == samples);
  CHECK(s.lateness_sum_ns == sum);
  CHECK(s.lateness_max_ns == max);
  for (unsigned i = 0; i < SALIX_STATS_LATENESS_BUCKETS; i++) {
    INFO("bucket " << i);
    CHECK(s.lateness_hist[i] == hist[i]);
  }
  CHECK(s.lateness_hist[0] == 3 + 2);  // < 1 us
  CHECK(s.lateness_hist[3] == 4);      // [4, 8) us
  CHECK(s.lateness_hist[9] == 1);      // [256, 512) us
  CHECK(s.lateness_hist[SALIX_STATS_LATENESS_BUCKETS - 1] == 2);  // 33 min
}

TEST_CASE("Lateness buckets follow the header's log2 rule") {
  CHECK(Lateness::BucketOf(0) == 0);
  CHECK(Lateness::BucketOf(999) == 0);
  CHECK(Lateness::BucketOf(1'000) == 1);
  CHECK(Lateness::BucketOf(1'999) == 1);
  CHECK(Lateness::BucketOf(2'000) == 2);
  CHECK(Lateness::BucketOf(1'023'999) == 10);
  CHECK(Lateness::BucketOf(1'024'000) == 11);
  CHECK(Lateness::BucketOf(UINT64_MAX) == SALIX_STATS_LATENESS_BUCKETS - 1);
  Lateness l;
  l.Record(/*posted=*/100, /*due=*/500);  // early (clock skew) counts as 0
  CHECK(l.samples() == 1);
  CHECK(l.max_ns() == 0);
  CHECK(l.histogram()[0] == 1);
}

TEST_CASE("Completions of a nossd device under the embedded host are on time") {
  auto h = MakeHost();
  std::vector<uint8_t> block(h->lba_size());
  for (int i = 0; i < 10; i++) REQUIRE(h->Write(1, i, block).ok());
  salix_stats_log s = Stats(*h);
  CHECK(s.lateness_samples == 10);
  CHECK(s.lateness_max_ns == 0);  // virtual clock: posted the moment it is due
  CHECK(s.lateness_hist[0] == 10);
}

}  // namespace salix::test

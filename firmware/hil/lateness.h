// lateness.h - how late completions reach the host, as the statistics log
// page (<salix/stats_log.h>) publishes it.
//
// Lateness of one completion = platform time when its CQE was written to
// host memory minus its due time (what the personality's timing model
// said). It covers everything between the two: a worker that woke late, a
// batch of commands executed before posting, a CQ the host had not drained.
// A completion posted before its due time (impossible unless the platform
// clock runs behind the time passed to Run) counts as 0.
//
// Thread-safety: worker thread only.
#ifndef SALIX_HIL_LATENESS_H
#define SALIX_HIL_LATENESS_H

#include <salix/stats_log.h>

#include <array>
#include <cstdint>

namespace salix {

class Lateness {
 public:
  static constexpr unsigned kBuckets = SALIX_STATS_LATENESS_BUCKETS;

  void Record(uint64_t posted_ns, uint64_t due_ns);
  void Clear() { *this = Lateness(); }

  // Bucket 0: < 1 us; bucket i >= 1: [2^(i-1), 2^i) us; the last bucket
  // also takes everything above.
  static unsigned BucketOf(uint64_t lateness_ns);

  uint64_t samples() const { return samples_; }
  uint64_t sum_ns() const { return sum_ns_; }
  uint64_t max_ns() const { return max_ns_; }
  const std::array<uint64_t, kBuckets>& histogram() const { return hist_; }

 private:
  uint64_t samples_ = 0;
  uint64_t sum_ns_ = 0;
  uint64_t max_ns_ = 0;
  std::array<uint64_t, kBuckets> hist_{};
};

}  // namespace salix

#endif  // SALIX_HIL_LATENESS_H

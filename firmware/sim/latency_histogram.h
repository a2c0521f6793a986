// latency_histogram.h - a log-linear histogram of latencies in ns.
//
// Values below 256 are counted exactly; above, each power of two is split
// into 128 equal buckets, so a percentile is off from the true order
// statistic by at most 1/256 of its value (reported as the bucket's middle,
// clamped to the exact minimum and maximum). Fixed size (~60 KiB), no
// allocation per sample: Record is a few instructions on the hot path.
//
// Thread-safety: not synchronized.
#ifndef SALIX_SIM_LATENCY_HISTOGRAM_H
#define SALIX_SIM_LATENCY_HISTOGRAM_H

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace salix::sim {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBits = 7;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;  // 128
  static constexpr size_t kBuckets = 2 * kSub + (63 - kSubBits) * kSub;

  void Record(uint64_t ns) {
    buckets_[Index(ns)]++;
    count_++;
    sum_ += ns;
    if (ns < min_) min_ = ns;
    if (ns > max_) max_ = ns;
  }
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? double(sum_) / double(count_) : 0; }
  // The value at quantile q (0 < q <= 1): the ceil(q * count)-th smallest
  // sample, to within the bucket resolution. 0 when empty.
  uint64_t Percentile(double q) const;

  static size_t Index(uint64_t v) {
    if (v < 2 * kSub) return static_cast<size_t>(v);
    unsigned msb = 63 - static_cast<unsigned>(std::countl_zero(v));
    unsigned shift = msb - kSubBits;
    return static_cast<size_t>(2 * kSub + (shift - 1) * kSub +
                               ((v >> shift) - kSub));
  }
  // The smallest value and the width of bucket i.
  static uint64_t BucketLow(size_t i);
  static uint64_t BucketWidth(size_t i);

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace salix::sim

#endif  // SALIX_SIM_LATENCY_HISTOGRAM_H

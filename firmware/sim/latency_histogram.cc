#include "sim/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace salix::sim {

uint64_t LatencyHistogram::BucketLow(size_t i) {
  if (i < 2 * kSub) return i;
  size_t shift = (i - 2 * kSub) / kSub + 1;
  uint64_t top = kSub + (i - 2 * kSub) % kSub;
  return top << shift;
}

uint64_t LatencyHistogram::BucketWidth(size_t i) {
  if (i < 2 * kSub) return 1;
  return uint64_t{1} << ((i - 2 * kSub) / kSub + 1);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; i++) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<uint64_t>(std::ceil(q * double(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; i++) {
    seen += buckets_[i];
    if (seen >= rank) {
      uint64_t mid = BucketLow(i) + (BucketWidth(i) - 1) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace salix::sim

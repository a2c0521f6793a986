#include "hil/lateness.h"

#include <algorithm>
#include <bit>

namespace salix {

unsigned Lateness::BucketOf(uint64_t lateness_ns) {
  uint64_t us = lateness_ns / 1000;
  // us in [2^(i-1), 2^i) has bit_width i; 0 us has bit_width 0.
  return std::min<unsigned>(static_cast<unsigned>(std::bit_width(us)),
                            kBuckets - 1);
}

void Lateness::Record(uint64_t posted_ns, uint64_t due_ns) {
  uint64_t late = posted_ns > due_ns ? posted_ns - due_ns : 0;
  samples_++;
  sum_ns_ += late;
  max_ns_ = std::max(max_ns_, late);
  hist_[BucketOf(late)]++;
}

}  // namespace salix

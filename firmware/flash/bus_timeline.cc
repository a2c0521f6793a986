#include "flash/bus_timeline.h"

#include <algorithm>
#include <iterator>

#include "flash/timing.h"

namespace salix::flash {

Interval BusTimeline::Reserve(uint64_t now, uint64_t ready, uint64_t bytes) {
  // Forget what is over; the array stays as long as the transfers booked.
  while (head_ < busy_.size() && busy_[head_].end <= now) {
    last_end_ = std::max(last_end_, busy_[head_].end);
    head_++;
  }
  if (head_ == busy_.size() || (head_ >= 64 && head_ * 2 >= busy_.size())) {
    busy_.erase(busy_.begin(), busy_.begin() + static_cast<ptrdiff_t>(head_));
    head_ = 0;
  }

  const uint64_t dur = TransferNs(bytes, mbps_);
  ++transfers_;
  bytes_ += bytes;
  if (dur == 0) return {ready, ready};
  busy_ns_ += dur;

  // First interval still busy at 'ready' or later.
  auto first = busy_.begin() + static_cast<ptrdiff_t>(head_);
  auto it = std::partition_point(
      first, busy_.end(), [ready](const Interval& i) { return i.end <= ready; });
  uint64_t start = ready;
  for (int tried = 0; it != busy_.end(); ++it, ++tried) {
    if (it->start >= start + dur) break;  // fits in the gap before *it
    start = it->end;
    if (tried == kMaxGapsTried) {  // give up on gaps: queue at the end
      start = std::max(start, busy_.back().end);
      it = busy_.end();
      break;
    }
  }
  const Interval booked{start, start + dur};
  // Merge with touching neighbours (or ones behind a gap too short to use)
  // so back-to-back transfers stay one entry.
  const bool join_prev =
      it != first && std::prev(it)->end + min_gap_ns_ > booked.start;
  const bool join_next =
      it != busy_.end() && booked.end + min_gap_ns_ > it->start;
  if (join_prev && join_next) {
    std::prev(it)->end = it->end;
    busy_.erase(it);
  } else if (join_prev) {
    std::prev(it)->end = booked.end;
  } else if (join_next) {
    it->start = booked.start;
  } else {
    busy_.insert(it, booked);
  }
  return booked;
}

}  // namespace salix::flash

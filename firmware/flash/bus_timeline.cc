#include "flash/bus_timeline.h"

#include <algorithm>

#include "flash/timing.h"

namespace salix::flash {

Interval BusTimeline::Reserve(uint64_t now, uint64_t ready, uint64_t bytes) {
  // Forget what is over; the list stays as short as the transfers in flight.
  auto over = std::find_if(busy_.begin(), busy_.end(),
                           [now](const Interval& i) { return i.end > now; });
  if (over != busy_.begin()) {
    last_end_ = std::max(last_end_, std::prev(over)->end);
    busy_.erase(busy_.begin(), over);
  }

  const uint64_t dur = TransferNs(bytes, mbps_);
  ++transfers_;
  bytes_ += bytes;
  if (dur == 0) return {ready, ready};
  busy_ns_ += dur;

  uint64_t start = ready;
  auto it = busy_.begin();
  for (; it != busy_.end(); ++it) {
    if (it->end <= start) continue;
    if (it->start >= start + dur) break;  // fits in the gap before *it
    start = it->end;
  }
  Interval booked{start, start + dur};
  // Merge with touching neighbours so back-to-back transfers stay one entry.
  if (it != busy_.begin() && std::prev(it)->end == booked.start) {
    auto prev = std::prev(it);
    prev->end = booked.end;
    if (it != busy_.end() && it->start == prev->end) {
      prev->end = it->end;
      busy_.erase(it);
    }
  } else if (it != busy_.end() && it->start == booked.end) {
    it->start = booked.start;
  } else {
    busy_.insert(it, booked);
  }
  return booked;
}

}  // namespace salix::flash

#include "flash/bus_timeline.h"

#include <algorithm>
#include <iterator>

#include "flash/timing.h"

namespace salix::flash {

Interval BusTimeline::Reserve(uint64_t now, uint64_t ready, uint64_t bytes) {
  // Forget what is over; the set stays as long as the transfers booked.
  while (!busy_.empty() && busy_.begin()->second <= now) {
    last_end_ = std::max(last_end_, busy_.begin()->second);
    busy_.erase(busy_.begin());
  }

  const uint64_t dur = TransferNs(bytes, mbps_);
  ++transfers_;
  bytes_ += bytes;
  if (dur == 0) return {ready, ready};
  busy_ns_ += dur;

  // First interval that could overlap [ready, ...): the one starting at or
  // before 'ready' if it is still busy then, else the next one.
  uint64_t start = ready;
  auto it = busy_.upper_bound(ready);
  if (it != busy_.begin() && std::prev(it)->second > ready) --it;
  for (int tried = 0; it != busy_.end(); ++it, ++tried) {
    if (it->second <= start) continue;
    if (it->first >= start + dur) break;  // fits in the gap before *it
    start = it->second;
    if (tried == kMaxGapsTried) {  // give up on gaps: queue at the end
      start = std::max(start, std::prev(busy_.end())->second);
      it = busy_.end();
      break;
    }
  }
  const Interval booked{start, start + dur};
  // Merge with touching neighbours so back-to-back transfers stay one entry.
  auto prev = it == busy_.begin() ? busy_.end() : std::prev(it);
  const bool join_prev = prev != busy_.end() && prev->second == booked.start;
  const bool join_next = it != busy_.end() && it->first == booked.end;
  if (join_prev && join_next) {
    prev->second = it->second;
    busy_.erase(it);
  } else if (join_prev) {
    prev->second = booked.end;
  } else if (join_next) {
    const uint64_t end = it->second;
    busy_.erase(it);
    busy_.emplace(booked.start, end);
  } else {
    busy_.emplace_hint(it, booked.start, booked.end);
  }
  return booked;
}

}  // namespace salix::flash

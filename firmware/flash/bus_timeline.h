// bus_timeline.h - a shared link that moves bytes at a fixed bandwidth.
//
// Models one flash channel bus (or the PCIe link): a transfer occupies the
// bus exclusively for bytes / bandwidth. Reservations are kept as an
// ordered set of busy intervals, so a transfer that becomes ready early can
// use a gap before a transfer reserved for later (a read reserves its
// transfer for after tR; a program issued meanwhile may use the idle bus
// first). A saturated device books far ahead (garbage collection queues
// whole blocks of copies), so the search for a gap is bounded: after
// kMaxGapsTried gaps too short for it, a transfer queues after the last
// booking. Cost per reservation: O(log n + kMaxGapsTried) plus moving the
// intervals booked after the new one (few: bookings mostly append).
//
// Clock: nanoseconds of the model clock, never wall time.
// REQUIRES: the 'now' passed to successive Reserve calls never decreases;
// intervals that ended before 'now' are forgotten.
// Thread-safety: none; owned by one flash model instance.
#ifndef SALIX_FLASH_BUS_TIMELINE_H
#define SALIX_FLASH_BUS_TIMELINE_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace salix::flash {

struct Interval {
  uint64_t start = 0;
  uint64_t end = 0;  // exclusive
};

class BusTimeline {
 public:
  // mbps = 0 makes every transfer instantaneous (bus not modelled).
  // Gaps shorter than 'min_gap_ns' left between two bookings are counted as
  // busy (merged away): when every transfer is at least that long (a flash
  // channel moving whole pages), such gaps could never be used, and
  // dropping them keeps the array short.
  explicit BusTimeline(uint64_t mbps = 0, uint64_t min_gap_ns = 0)
      : mbps_(mbps), min_gap_ns_(min_gap_ns) {}

  // Books the earliest gap at or after 'ready' (>= now) long enough for
  // 'bytes'; returns the booked interval.
  Interval Reserve(uint64_t now, uint64_t ready, uint64_t bytes);

  // The end of the last booked transfer (0 if none): when the bus goes idle
  // if nothing else is booked.
  uint64_t idle_at() const {
    return busy_.size() == head_ ? last_end_ : busy_.back().end;
  }
  static constexpr int kMaxGapsTried = 32;
  uint64_t mbps() const { return mbps_; }

  // Utilisation counters for statistics.
  uint64_t busy_ns() const { return busy_ns_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t transfers() const { return transfers_; }

 private:
  uint64_t mbps_;
  uint64_t min_gap_ns_;
  // Sorted, disjoint, not touching; entries before head_ are over (dropped
  // in batches so the front is not erased one by one).
  std::vector<Interval> busy_;
  size_t head_ = 0;
  uint64_t last_end_ = 0;
  uint64_t busy_ns_ = 0;
  uint64_t bytes_ = 0;
  uint64_t transfers_ = 0;
};

}  // namespace salix::flash

#endif  // SALIX_FLASH_BUS_TIMELINE_H

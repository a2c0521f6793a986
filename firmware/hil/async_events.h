// async_events.h - Asynchronous Event Requests held by the controller and the
// events waiting for one.
//
// Up to kLimit AERs are held (Identify AERL = kLimit - 1). An event completes
// the oldest held AER, or waits until one arrives. Once an event type has
// been reported it is masked until the host reads its log page with RAE
// cleared (NVMe 1.4, 5.2), so a misbehaving guest hammering a bad doorbell
// produces one event, not thousands.
//
// Thread-safety: worker thread only.
#ifndef SALIX_HIL_ASYNC_EVENTS_H
#define SALIX_HIL_ASYNC_EVENTS_H

#include <cstdint>
#include <optional>
#include <vector>

namespace salix {

class AsyncEvents {
 public:
  static constexpr unsigned kLimit = 4;
  static constexpr unsigned kMaxQueuedEvents = 16;

  struct Delivery {
    uint16_t cid;
    uint32_t dw0;
  };

  // False when kLimit AERs are already held (AER Limit Exceeded).
  bool Hold(uint16_t cid);
  // Queues an event (type, info, associated log page). Duplicates of a
  // queued event are dropped.
  void Post(uint8_t type, uint8_t info, uint8_t log_page);
  // An AER completion to post, if an event and an AER are both available.
  std::optional<Delivery> TakeReady();
  // The host read 'log_page' with RAE = 0: unmask the types it clears.
  void LogPageRead(uint8_t log_page);
  // Abort of a held AER. False if cid is not held.
  bool Cancel(uint16_t cid);
  // Controller reset: held AERs and queued events vanish.
  void Reset();

  size_t held() const { return held_.size(); }

 private:
  struct Event {
    uint8_t type, info, log_page;
  };
  std::vector<uint16_t> held_;
  std::vector<Event> queued_;
  uint8_t masked_types_ = 0;  // bit per event type
};

}  // namespace salix

#endif  // SALIX_HIL_ASYNC_EVENTS_H

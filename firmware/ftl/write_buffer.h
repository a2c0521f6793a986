// write_buffer.h - timing model of the controller's DRAM write buffer.
//
// A host write is acknowledged once its data sits in one of N buffer
// slots; the slot stays taken until the page's program on the die is done.
// A full buffer admits the next page when the earliest of the buffered
// programs completes (any slot, not the oldest: a page stuck behind a busy
// die does not hold up pages bound for idle ones). Sustained writes then
// complete at flash speed, bursts at DRAM/PCIe speed (early completion).
// The data itself is always in the page store at once; the model only
// decides when completions are due, and what Flush has to wait for.
//
// Thread-safety: none.
#ifndef SALIX_FTL_WRITE_BUFFER_H
#define SALIX_FTL_WRITE_BUFFER_H

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace salix::ftl {

class WriteBuffer {
 public:
  explicit WriteBuffer(uint32_t slots) : slots_(slots) {
    std::vector<uint64_t> storage;
    storage.reserve(slots);
    busy_ = Heap(std::greater<uint64_t>(), std::move(storage));
  }

  uint32_t slots() const { return slots_; }

  // A page whose data is in the controller at 'ready' and whose program
  // completes at 'programmed'. Returns when the write may be acknowledged.
  // REQUIRES: slots() > 0.
  uint64_t Admit(uint64_t ready, uint64_t programmed) {
    // Slots whose programs are over by 'ready' are free again.
    while (!busy_.empty() && busy_.top() <= ready) busy_.pop();
    uint64_t accepted = ready;
    if (busy_.size() == slots_) {
      accepted = busy_.top();
      busy_.pop();
    }
    busy_.push(std::max(programmed, accepted));
    drained_at_ = std::max(drained_at_, programmed);
    return accepted;
  }

  // When every admitted page is on flash (what a Flush waits for).
  uint64_t drained_at() const { return drained_at_; }

 private:
  using Heap = std::priority_queue<uint64_t, std::vector<uint64_t>,
                                   std::greater<uint64_t>>;
  uint32_t slots_;
  Heap busy_;  // drain times of the occupied slots, earliest on top
  uint64_t drained_at_ = 0;
};

}  // namespace salix::ftl

#endif  // SALIX_FTL_WRITE_BUFFER_H

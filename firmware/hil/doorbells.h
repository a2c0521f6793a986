// doorbells.h - SQ tail / CQ head doorbell slots, written lock-free by the bus.
//
// Slot 2*qid is SQ qid's tail, 2*qid+1 is CQ qid's head (CAP.DSTRD = 0). A
// slot is "live" while its queue exists; writes to dead slots are refused so
// the caller can report an invalid doorbell. The worker validates values
// against queue sizes when it consumes them: the bus side never trusts them.
//
// Thread-safety: Write from any thread; SetLive/Load from the worker.
#ifndef SALIX_HIL_DOORBELLS_H
#define SALIX_HIL_DOORBELLS_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace salix {

class Doorbells {
 public:
  explicit Doorbells(uint16_t max_qid)
      : count_(2 * (size_t{max_qid} + 1)),
        values_(new std::atomic<uint32_t>[count_]),
        live_(new std::atomic<bool>[count_]) {
    for (size_t i = 0; i < count_; i++) {
      values_[i].store(0);
      live_[i].store(false);
    }
  }

  size_t count() const { return count_; }
  static size_t SqSlot(uint16_t qid) { return 2 * size_t{qid}; }
  static size_t CqSlot(uint16_t qid) { return 2 * size_t{qid} + 1; }

  // Returns false when the slot is out of range or its queue does not exist.
  bool Write(size_t slot, uint32_t value) {
    if (slot >= count_ || !live_[slot].load(std::memory_order_acquire)) {
      return false;
    }
    values_[slot].store(value, std::memory_order_release);
    return true;
  }

  uint32_t Load(size_t slot) const {
    return values_[slot].load(std::memory_order_acquire);
  }

  // Queue created (live, value 0) or deleted.
  void SetLive(size_t slot, bool live) {
    values_[slot].store(0, std::memory_order_relaxed);
    live_[slot].store(live, std::memory_order_release);
  }

 private:
  size_t count_;
  std::unique_ptr<std::atomic<uint32_t>[]> values_;
  std::unique_ptr<std::atomic<bool>[]> live_;
};

}  // namespace salix

#endif  // SALIX_HIL_DOORBELLS_H

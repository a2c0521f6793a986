// write_buffer.h - timing model of the controller's DRAM write buffer.
//
// A host write is acknowledged once its data sits in one of N buffer
// slots; the slot stays taken until the page's program on the die is done.
// Slots are reused in FIFO order, so the k-th write since start waits for
// the program of write k - N when the buffer is full: sustained writes then
// complete at flash speed, bursts at DRAM/PCIe speed (early completion).
// The data itself is always in the page store at once; the model only
// decides when completions are due, and what Flush has to wait for.
//
// Thread-safety: none.
#ifndef SALIX_FTL_WRITE_BUFFER_H
#define SALIX_FTL_WRITE_BUFFER_H

#include <algorithm>
#include <cstdint>
#include <vector>

namespace salix::ftl {

class WriteBuffer {
 public:
  explicit WriteBuffer(uint32_t slots) : drain_at_(slots, 0) {}

  uint32_t slots() const { return static_cast<uint32_t>(drain_at_.size()); }

  // A page whose data is in the controller at 'ready' and whose program
  // completes at 'programmed'. Returns when the write may be acknowledged.
  // REQUIRES: slots() > 0.
  uint64_t Admit(uint64_t ready, uint64_t programmed) {
    uint64_t& slot = drain_at_[next_];
    const uint64_t accepted = std::max(ready, slot);
    slot = programmed;
    next_ = next_ + 1 == drain_at_.size() ? 0 : next_ + 1;
    drained_at_ = std::max(drained_at_, programmed);
    return accepted;
  }

  // When every admitted page is on flash (what a Flush waits for).
  uint64_t drained_at() const { return drained_at_; }

 private:
  std::vector<uint64_t> drain_at_;
  size_t next_ = 0;
  uint64_t drained_at_ = 0;
};

}  // namespace salix::ftl

#endif  // SALIX_FTL_WRITE_BUFFER_H

// registers.h - the controller register file in BAR0 (below the doorbells).
//
// Bus threads write registers; the worker applies their effects. Every
// register is an atomic so mmio_read/mmio_write never take a lock: a CC write
// only records the new value (and whether EN went 1 -> 0, so a quick 1-0-1
// toggle between two runs still resets the controller) and the worker, in
// Controller::Run, carries the change out and publishes CSTS.
//
// Thread-safety: Read/Write from any thread; the worker-side accessors from
// the worker only.
#ifndef SALIX_HIL_REGISTERS_H
#define SALIX_HIL_REGISTERS_H

#include <atomic>
#include <cstdint>

namespace salix {

struct CapFields {
  uint16_t mqes;        // max queue entries, 0-based
  uint8_t timeout_500ms;
};

class Registers {
 public:
  explicit Registers(CapFields cap);

  // ---- bus side ----
  // Undefined offsets read 0. REQUIRES: size is 4 or 8.
  uint64_t Read(uint64_t offset, unsigned size) const;
  enum class WriteEffect { kNone, kControl, kIgnored };
  // kControl: CC changed, the worker must run. kIgnored: not a writable
  // register (the caller logs a guest error).
  WriteEffect Write(uint64_t offset, uint64_t value, unsigned size);

  // ---- worker side ----
  uint64_t cap() const { return cap_; }
  uint32_t cc() const { return cc_.load(std::memory_order_acquire); }
  uint32_t aqa() const { return aqa_.load(std::memory_order_acquire); }
  uint64_t asq() const { return asq_.load(std::memory_order_acquire); }
  uint64_t acq() const { return acq_.load(std::memory_order_acquire); }
  uint32_t csts() const { return csts_.load(std::memory_order_acquire); }
  void set_csts(uint32_t v) { csts_.store(v, std::memory_order_release); }
  // True once per EN 1 -> 0 transition recorded since the last call.
  bool TakeDisableRequest() {
    return disable_requested_.exchange(false, std::memory_order_acq_rel);
  }
  // Every register to its power-on value (bus-level reset).
  void PowerOn();

 private:
  static void WriteHalf(std::atomic<uint64_t>& reg, uint64_t offset_in_reg,
                        uint64_t value, unsigned size);

  const uint64_t cap_;
  std::atomic<uint32_t> cc_{0};
  std::atomic<uint32_t> csts_{0};
  std::atomic<uint32_t> aqa_{0};
  std::atomic<uint32_t> intms_{0};
  std::atomic<uint64_t> asq_{0};
  std::atomic<uint64_t> acq_{0};
  std::atomic<bool> disable_requested_{false};
};

}  // namespace salix

#endif  // SALIX_HIL_REGISTERS_H

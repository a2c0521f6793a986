#include "hil/registers.h"

#include "hil/nvme_defs.h"

namespace salix {
namespace {

constexpr uint32_t kVersion14 = 0x00010400;

uint64_t BuildCap(CapFields f) {
  uint64_t cap = f.mqes;
  cap |= uint64_t{1} << 16;                // CQR: queues must be contiguous
  cap |= uint64_t{f.timeout_500ms} << 24;  // TO
  // DSTRD = 0 (4-byte doorbell stride), NSSRS = 0.
  cap |= uint64_t{1} << 37;  // CSS: NVM command set
  // MPSMIN = MPSMAX = 0: 4 KiB pages only.
  return cap;
}

uint64_t Slice(uint64_t reg, uint64_t offset_in_reg, unsigned size) {
  uint64_t v = reg >> (8 * offset_in_reg);
  return size == 4 ? (v & 0xFFFFFFFFu) : v;
}

}  // namespace

Registers::Registers(CapFields cap) : cap_(BuildCap(cap)) {}

uint64_t Registers::Read(uint64_t offset, unsigned size) const {
  using namespace nvme::reg;
  switch (offset) {
    case kCap: return Slice(cap_, 0, size);
    case kCap + 4: return Slice(cap_, 4, 4);
    case kVs: return kVersion14;
    case kIntms:
    case kIntmc: return intms_.load(std::memory_order_relaxed);
    case kCc: return cc_.load(std::memory_order_acquire);
    case kCsts: return csts_.load(std::memory_order_acquire);
    case kAqa: return aqa_.load(std::memory_order_relaxed);
    case kAsq: return Slice(asq_.load(std::memory_order_relaxed), 0, size);
    case kAsq + 4: return Slice(asq_.load(std::memory_order_relaxed), 4, 4);
    case kAcq: return Slice(acq_.load(std::memory_order_relaxed), 0, size);
    case kAcq + 4: return Slice(acq_.load(std::memory_order_relaxed), 4, 4);
    default: return 0;
  }
}

void Registers::WriteHalf(std::atomic<uint64_t>& reg, uint64_t offset_in_reg,
                          uint64_t value, unsigned size) {
  // One writer at a time is the guest's business; a torn 2x32-bit update is
  // what real hardware would see too.
  uint64_t cur = reg.load(std::memory_order_relaxed);
  if (size == 8) {
    cur = value;
  } else if (offset_in_reg == 0) {
    cur = (cur & ~uint64_t{0xFFFFFFFF}) | (value & 0xFFFFFFFF);
  } else {
    cur = (cur & 0xFFFFFFFF) | ((value & 0xFFFFFFFF) << 32);
  }
  reg.store(cur, std::memory_order_release);
}

Registers::WriteEffect Registers::Write(uint64_t offset, uint64_t value,
                                        unsigned size) {
  using namespace nvme::reg;
  uint32_t v32 = static_cast<uint32_t>(value);
  switch (offset) {
    case kIntms:
      intms_.fetch_or(v32, std::memory_order_relaxed);
      return WriteEffect::kNone;
    case kIntmc:
      intms_.fetch_and(~v32, std::memory_order_relaxed);
      return WriteEffect::kNone;
    case kCc: {
      uint32_t old = cc_.exchange(v32, std::memory_order_acq_rel);
      if ((old & nvme::cc::kEn) && !(v32 & nvme::cc::kEn)) {
        disable_requested_.store(true, std::memory_order_release);
      }
      return WriteEffect::kControl;
    }
    case kAqa:
      aqa_.store(v32 & 0x0FFF0FFF, std::memory_order_release);
      return WriteEffect::kNone;
    case kAsq:
    case kAsq + 4:
      WriteHalf(asq_, offset - kAsq, value, size);
      return WriteEffect::kNone;
    case kAcq:
    case kAcq + 4:
      WriteHalf(acq_, offset - kAcq, value, size);
      return WriteEffect::kNone;
    case kNssr:  // NSSRS = 0: subsystem reset not supported, ignore quietly
      return WriteEffect::kNone;
    default:
      return WriteEffect::kIgnored;
  }
}

void Registers::PowerOn() {
  cc_.store(0);
  csts_.store(0);
  aqa_.store(0);
  intms_.store(0);
  asq_.store(0);
  acq_.store(0);
  disable_requested_.store(false);
}

}  // namespace salix

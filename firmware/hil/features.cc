#include "hil/features.h"

#include <algorithm>

namespace salix {
namespace {

constexpr uint32_t kDefaultArbitration = 3;  // AB = 3: bursts of 8 commands
constexpr unsigned kSelCurrent = 0, kSelDefault = 1, kSelSaved = 2,
                   kSelCapabilities = 3;
constexpr uint32_t kCapChangeable = 1u << 2;

bool Known(uint8_t fid, const Personality& p) {
  switch (fid) {
    case nvme::fid::kArbitration:
    case nvme::fid::kPowerManagement:
    case nvme::fid::kTemperatureThreshold:
    case nvme::fid::kNumberOfQueues:
    case nvme::fid::kInterruptCoalescing:
    case nvme::fid::kInterruptVectorConfig:
    case nvme::fid::kAsyncEventConfig:
      return true;
    case nvme::fid::kVolatileWriteCache:
      return p.has_volatile_write_cache();
    default:
      return false;
  }
}

}  // namespace

Features::Features(FeatureLimits limits)
    : limits_(limits), vector_cd_(limits.msix_vectors, false) {
  arbitration_ = kDefaultArbitration;
  power_state_ = 0;
  temp_over_ = limits_.warning_temp_kelvin;
  temp_under_ = 0;
  nsqa_ = ncqa_ = limits_.max_io_queues;
  coalescing_ = 0;
  async_config_ = 0;
}

void Features::Reset(Personality& p) {
  *this = Features(limits_);
  if (p.has_volatile_write_cache()) p.set_write_cache_enabled(true);
}

unsigned Features::arbitration_burst() const {
  unsigned ab = arbitration_ & 0x7;
  return ab == 7 ? 1u << 16 : 1u << ab;  // 111b: no limit
}

Features::Outcome Features::Current(uint8_t fid, uint32_t cdw11,
                                    Personality& p) const {
  switch (fid) {
    case nvme::fid::kArbitration: return {Status(), arbitration_};
    case nvme::fid::kPowerManagement: return {Status(), power_state_};
    case nvme::fid::kTemperatureThreshold: {
      unsigned tmpsel = (cdw11 >> 16) & 0xF;
      unsigned thsel = (cdw11 >> 20) & 0x3;
      if (tmpsel != 0 || thsel > 1) return {Status::InvalidField(), 0};
      return {Status(), thsel == 0 ? temp_over_ : temp_under_};
    }
    case nvme::fid::kVolatileWriteCache:
      return {Status(), p.write_cache_enabled() ? 1u : 0u};
    case nvme::fid::kNumberOfQueues:
      return {Status(), uint32_t(nsqa_ - 1) | (uint32_t(ncqa_ - 1) << 16)};
    case nvme::fid::kInterruptCoalescing: return {Status(), coalescing_};
    case nvme::fid::kInterruptVectorConfig: {
      uint32_t iv = cdw11 & 0xFFFF;
      if (iv >= limits_.msix_vectors) return {Status::InvalidField(), 0};
      return {Status(), iv | (vector_cd_[iv] ? 1u << 16 : 0u)};
    }
    case nvme::fid::kAsyncEventConfig: return {Status(), async_config_};
    default: return {Status::InvalidField(), 0};
  }
}

Features::Outcome Features::Get(const nvme::Sqe& sqe, Personality& p) const {
  uint8_t fid = sqe.cdw10 & 0xFF;
  unsigned sel = (sqe.cdw10 >> 8) & 0x7;
  if (!Known(fid, p)) return {Status::InvalidField(), 0};
  switch (sel) {
    case kSelCurrent:
      return Current(fid, sqe.cdw11, p);
    case kSelDefault:
    case kSelSaved: {  // nothing is saveable: saved == default
      Features defaults(limits_);
      if (fid == nvme::fid::kVolatileWriteCache) return {Status(), 1};
      return defaults.Current(fid, sqe.cdw11, p);
    }
    case kSelCapabilities:
      return {Status(), kCapChangeable};
    default:
      return {Status::InvalidField(), 0};
  }
}

Features::Outcome Features::Set(const nvme::Sqe& sqe, Personality& p,
                                bool io_queues_exist) {
  uint8_t fid = sqe.cdw10 & 0xFF;
  bool save = sqe.cdw10 >> 31;
  uint32_t v = sqe.cdw11;
  if (!Known(fid, p)) return {Status::InvalidField(), 0};
  if (save) return {Status::FeatureNotSaveable(), 0};
  switch (fid) {
    case nvme::fid::kArbitration:
      arbitration_ = v;
      return {Status(), 0};
    case nvme::fid::kPowerManagement:
      if ((v & 0x1F) != 0) return {Status::InvalidField(), 0};  // NPSS = 0
      power_state_ = v & 0xFF;
      return {Status(), 0};
    case nvme::fid::kTemperatureThreshold: {
      unsigned tmpsel = (v >> 16) & 0xF;
      unsigned thsel = (v >> 20) & 0x3;
      if (tmpsel != 0 || thsel > 1) return {Status::InvalidField(), 0};
      (thsel == 0 ? temp_over_ : temp_under_) = static_cast<uint16_t>(v);
      return {Status(), 0};
    }
    case nvme::fid::kVolatileWriteCache:
      p.set_write_cache_enabled(v & 1);
      return {Status(), 0};
    case nvme::fid::kNumberOfQueues: {
      uint32_t nsqr = v & 0xFFFF, ncqr = v >> 16;
      if (nsqr == 0xFFFF || ncqr == 0xFFFF) return {Status::InvalidField(), 0};
      if (io_queues_exist) return {Status::CommandSequenceError(), 0};
      nsqa_ = static_cast<uint16_t>(
          std::min<uint32_t>(nsqr + 1, limits_.max_io_queues));
      ncqa_ = static_cast<uint16_t>(
          std::min<uint32_t>(ncqr + 1, limits_.max_io_queues));
      return {Status(), uint32_t(nsqa_ - 1) | (uint32_t(ncqa_ - 1) << 16)};
    }
    case nvme::fid::kInterruptCoalescing:
      coalescing_ = v & 0xFFFF;
      return {Status(), 0};
    case nvme::fid::kInterruptVectorConfig: {
      uint32_t iv = v & 0xFFFF;
      if (iv >= limits_.msix_vectors) return {Status::InvalidField(), 0};
      vector_cd_[iv] = (v >> 16) & 1;
      return {Status(), 0};
    }
    case nvme::fid::kAsyncEventConfig:
      async_config_ = v;
      return {Status(), 0};
    default:
      return {Status::InvalidField(), 0};
  }
}

}  // namespace salix

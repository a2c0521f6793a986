#include "hil/async_events.h"

#include <algorithm>

#include "hil/nvme_defs.h"

namespace salix {

bool AsyncEvents::Hold(uint16_t cid) {
  if (held_.size() >= kLimit) return false;
  held_.push_back(cid);
  return true;
}

void AsyncEvents::Post(uint8_t type, uint8_t info, uint8_t log_page) {
  for (const Event& e : queued_) {
    if (e.type == type && e.info == info) return;
  }
  if (queued_.size() >= kMaxQueuedEvents) return;
  queued_.push_back({type, info, log_page});
}

std::optional<AsyncEvents::Delivery> AsyncEvents::TakeReady() {
  if (held_.empty()) return std::nullopt;
  for (auto it = queued_.begin(); it != queued_.end(); ++it) {
    if (masked_types_ & (1u << (it->type & 7))) continue;
    Delivery d;
    d.cid = held_.front();
    d.dw0 = uint32_t{it->type} | (uint32_t{it->info} << 8) |
            (uint32_t{it->log_page} << 16);
    masked_types_ |= static_cast<uint8_t>(1u << (it->type & 7));
    held_.erase(held_.begin());
    queued_.erase(it);
    return d;
  }
  return std::nullopt;
}

void AsyncEvents::LogPageRead(uint8_t log_page) {
  if (log_page == nvme::lid::kErrorInfo) {
    masked_types_ &= static_cast<uint8_t>(~(1u << nvme::aer::kTypeError));
  } else if (log_page == nvme::lid::kSmartHealth) {
    masked_types_ &= static_cast<uint8_t>(~(1u << nvme::aer::kTypeSmart));
  }
}

bool AsyncEvents::Cancel(uint16_t cid) {
  auto it = std::find(held_.begin(), held_.end(), cid);
  if (it == held_.end()) return false;
  held_.erase(it);
  return true;
}

void AsyncEvents::Reset() {
  held_.clear();
  queued_.clear();
  masked_types_ = 0;
}

}  // namespace salix

#include "hil/error_log.h"

#include <cstring>

namespace salix {

void ErrorLog::Record(uint16_t sqid, uint16_t cid, Status status, uint64_t lba,
                      uint32_t nsid, uint16_t param_location) {
  count_++;
  nvme::ErrorLogEntry& e = ring_[count_ % kEntries];
  e = nvme::ErrorLogEntry{};
  e.error_count = count_;
  e.sqid = sqid;
  e.cid = cid;
  e.status = status.cqe_field();
  e.param_error_location = param_location;
  e.lba = lba;
  e.nsid = nsid;
}

void ErrorLog::Fill(nvme::ErrorLogEntry (&out)[kEntries]) const {
  std::memset(out, 0, sizeof(out));
  uint64_t n = count_ < kEntries ? count_ : kEntries;
  for (uint64_t i = 0; i < n; i++) out[i] = ring_[(count_ - i) % kEntries];
}

}  // namespace salix

// error_log.h - the Error Information log (LID 01h): a ring of the most
// recent failed commands, newest first, each with a unique increasing count.
//
// Thread-safety: worker thread only.
#ifndef SALIX_HIL_ERROR_LOG_H
#define SALIX_HIL_ERROR_LOG_H

#include <array>
#include <cstdint>

#include "core/status.h"
#include "hil/nvme_defs.h"

namespace salix {

class ErrorLog {
 public:
  static constexpr unsigned kEntries = 64;  // Identify ELPE = kEntries - 1

  void Record(uint16_t sqid, uint16_t cid, Status status, uint64_t lba,
              uint32_t nsid, uint16_t param_location);

  // Total errors ever recorded (SMART "Number of Error Information Log
  // Entries").
  uint64_t count() const { return count_; }

  // Fills kEntries entries, newest first; unused entries are zero.
  void Fill(nvme::ErrorLogEntry (&out)[kEntries]) const;

 private:
  std::array<nvme::ErrorLogEntry, kEntries> ring_{};
  uint64_t count_ = 0;
};

}  // namespace salix

#endif  // SALIX_HIL_ERROR_LOG_H

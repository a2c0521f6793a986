// command.h - what executing one command produces, before it becomes a CQE.
#ifndef SALIX_HIL_COMMAND_H
#define SALIX_HIL_COMMAND_H

#include <cstdint>

#include "core/status.h"

namespace salix {

struct CommandResult {
  Status status;
  uint32_t dw0 = 0;
  uint32_t dw1 = 0;
  // DW0 is the command's result (Invoke): no completion-hint bits in it.
  bool result_in_dw0 = false;
  // Platform time at which the completion may be posted.
  uint64_t due_ns = 0;
  // The command completes later by other means (a held AER).
  bool deferred = false;
  // For the Error Information log when status is not Success.
  uint64_t error_lba = 0;
  uint16_t param_location = 0xFFFF;  // byte/bit in the SQE, 0xFFFF: unknown

  static CommandResult Of(Status s, uint64_t now) {
    CommandResult r;
    r.status = s;
    r.due_ns = now;
    return r;
  }
};

// Parameter Error Location: byte offset in the SQE (bits 7:0) plus bit
// (10:8), so tools can point at the offending field.
constexpr uint16_t ParamLocation(unsigned byte, unsigned bit = 0) {
  return static_cast<uint16_t>((byte & 0xFF) | ((bit & 0x7) << 8));
}

}  // namespace salix

#endif  // SALIX_HIL_COMMAND_H

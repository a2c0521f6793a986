// Fault Injection (Salix admin C0h, <salix/array_commands.h>): makes the
// controller fail like a broken drive so the layers above can be tested.
//   IO_ERROR      every I/O command: Internal Error, DNR
//   UNRESPONSIVE  I/O commands are fetched and never completed. Nothing is
//                 kept for them (no CQE, no buffer), so a controller reset,
//                 disable, shutdown or destruction has nothing to drop; the
//                 host sees timeouts, as with a hung drive.
//   READ_ERROR    commands that read the media (Read, Compare, Copy, Parity
//                 Compute): Unrecovered Read Error; the rest works.
// Admin commands are never affected, so a test can revive the drive. The
// mode is controller state that ResetQueues() leaves alone: it survives
// CC.EN 0 -> 1, not a new controller (a power cycle).
#include <salix/array_commands.h>
#include <salix/opcodes.h>

#include "hil/controller.h"

namespace salix {
namespace {

const char* FaultName(uint32_t mode) {
  switch (mode) {
    case SALIX_FAULT_NONE: return "none";
    case SALIX_FAULT_IO_ERROR: return "io-error";
    case SALIX_FAULT_UNRESPONSIVE: return "unresponsive";
    case SALIX_FAULT_READ_ERROR: return "read-error";
    default: return "unknown";
  }
}

}  // namespace

CommandResult Controller::FaultInjection(const nvme::Sqe& sqe, uint64_t now) {
  const uint32_t mode = sqe.cdw10 & 0xF;
  if (mode > SALIX_FAULT_READ_ERROR) {
    log_.GuestError("Fault Injection: unknown mode {} (CDW10 bits 3:0)", mode);
    CommandResult r = CommandResult::Of(Status::InvalidField(), now);
    r.param_location = ParamLocation(40);
    return r;
  }
  CommandResult r = CommandResult::Of(Status(), now);
  r.dw0 = fault_mode_;
  if (mode != fault_mode_) {
    if (fault_mode_ == SALIX_FAULT_UNRESPONSIVE) {
      log_.Info("fault injection: {} -> {} ({} I/O commands were never "
                "completed)",
                FaultName(fault_mode_), FaultName(mode), fault_swallowed_);
    } else {
      log_.Info("fault injection: {} -> {}", FaultName(fault_mode_),
                FaultName(mode));
    }
    fault_mode_ = mode;
    fault_swallowed_ = 0;
  }
  return r;
}

std::optional<CommandResult> Controller::InjectIoFault(const nvme::Sqe& sqe,
                                                       uint64_t now) {
  switch (fault_mode_) {
    case SALIX_FAULT_IO_ERROR:
      return CommandResult::Of(Status::InternalError(), now);
    case SALIX_FAULT_UNRESPONSIVE: {
      fault_swallowed_++;
      CommandResult r;
      r.deferred = true;
      return r;
    }
    case SALIX_FAULT_READ_ERROR:
      switch (sqe.opcode) {
        case SALIX_IO_READ:
        case SALIX_IO_COMPARE:
        case SALIX_IO_COPY:
        case SALIX_IO_PARITY_COMPUTE:
          return CommandResult::Of(Status::UnrecoveredReadError(), now);
        default: return std::nullopt;
      }
    default: return std::nullopt;
  }
}

}  // namespace salix

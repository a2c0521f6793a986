// Invoke (Salix I/O 83h, <salix/app_commands.h>): runs one function of an
// app with the caller's domain. One data buffer carries the input in and
// the output back; CQE DW0 is the return value, DW1 the output length.
//
// The app's flash accesses book device time through PersonalityFlash; the
// completion is due when the last of them is done. eBPF apps run on the
// worker thread with an instruction budget (CDW13, capped by the
// registry), so a program that never ends stops after at most
// RegistryOptions::max_budget instructions.
#include <salix/app_commands.h>

#include <algorithm>
#include <cstring>

#include "hil/app_flash.h"
#include "hil/controller.h"
#include "hil/io_helpers.h"

namespace salix {

CommandResult Controller::Invoke(const nvme::Sqe& sqe, uint64_t now) {
  apps::InvokeRequest req;
  req.slot = sqe.cdw10 & 0xFFFF;
  req.function = sqe.cdw10 >> 16;
  req.token.dw = {sqe.cdw2, sqe.cdw3, sqe.cdw14, sqe.cdw15};
  req.budget = uint64_t{sqe.cdw13} * SALIX_APP_BUDGET_UNIT;
  const uint32_t in_len = sqe.cdw11;
  const uint32_t out_cap = sqe.cdw12;
  const uint64_t buf_len = std::max(in_len, out_cap);
  if (buf_len > MaxTransferBytes()) {
    log_.GuestError("Invoke: {} input / {} output bytes, at most {} (MDTS)", in_len, out_cap,
                    MaxTransferBytes());
    return io::Fail(Status::InvalidField(), now,
                    ParamLocation(in_len > out_cap ? io::kByteCdw10 + 4 : io::kByteCdw12));
  }
  Status s = buffer_.Build(sqe, buf_len, XferDir::kFromHost);
  app_input_.resize(in_len);
  if (s.ok() && in_len > 0) s = buffer_.FromHost(0, app_input_.data(), in_len);
  if (!s.ok()) return io::Fail(s, now, ParamLocation(io::kByteDptr));
  app_output_.assign(out_cap, 0);
  req.input = app_input_;
  req.output = app_output_;

  PersonalityFlash flash(*personality_, now);
  // Other apps' writes settle the transaction app's commits first.
  SettlingFlash settling(flash, txn_settler_);
  apps::Outcome o = apps_.Invoke(req, settling);
  // The Invoke is one host command: one firmware overhead, then the app's
  // flash accesses (media time only, one after another).
  CommandResult r =
      io::Done(o.status, now, flash.now_ns() + personality_->command_overhead_ns());
  r.dw0 = static_cast<uint32_t>(o.value);
  r.result_in_dw0 = true;
  if (!o.status.ok()) {
    log_.GuestError("Invoke slot {} function {}: {} ({})", req.slot, req.function,
                    o.reason.empty() ? "refused" : o.reason, o.status.ToString());
    r.param_location = ParamLocation(io::kByteCdw10);
    return r;
  }
  if (o.output_len > 0) {
    s = buffer_.ToHost(0, app_output_.data(), o.output_len);
    if (!s.ok()) {
      r.status = s;
      return r;
    }
  }
  r.dw1 = o.output_len;
  return r;
}

}  // namespace salix

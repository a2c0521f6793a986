// Load Program (85h) and Program Activation Management (88h), NVMe 2.1
// computational programs as Salix shapes them (<salix/app_commands.h>):
// eBPF programs into slots, parsed and verified when the last chunk
// arrives, activated as apps with a name and a scratch size. The registry
// (apps/registry.h) checks everything before it changes anything; a refusal
// is logged with its reason and answered with its status.
#include <salix/app_commands.h>

#include <cstring>

#include "hil/controller.h"
#include "hil/io_helpers.h"

namespace salix {

CommandResult Controller::AppRefused(const char* command, const apps::AppError& e,
                                     uint64_t now, uint16_t param) {
  log_.GuestError("{}: {} ({})", command, e.reason, e.status.ToString());
  return io::Fail(e.status, now, param);
}

CommandResult Controller::LoadProgram(const nvme::Sqe& sqe, uint64_t now) {
  const uint32_t type = sqe.cdw10 & 0xFF;
  const bool unload = (sqe.cdw10 & SALIX_LOAD_PROGRAM_UNLOAD) != 0;
  const uint32_t slot = sqe.cdw10 >> 16;
  if (unload) {
    if (auto e = apps_.Unload(slot)) {
      return AppRefused("Load Program (unload)", *e, now, ParamLocation(io::kByteCdw10));
    }
    log_.Info("apps: slot {} unloaded", slot);
    return CommandResult::Of(Status(), now);
  }
  const uint32_t total = sqe.cdw11;
  const uint32_t numb = sqe.cdw12;
  const uint32_t offset = sqe.cdw13;
  if (numb == 0 || numb > MaxTransferBytes()) {
    return AppRefused("Load Program",
                      {Status::InvalidField(),
                       fmt::format("chunk of {} bytes: 1..{} (MDTS) allowed", numb,
                                   MaxTransferBytes())},
                      now, ParamLocation(io::kByteCdw12));
  }
  Status s = buffer_.Build(sqe, numb, XferDir::kFromHost);
  if (s.ok()) {
    bounce_.resize(numb);
    s = buffer_.FromHost(0, bounce_.data(), numb);
  }
  if (!s.ok()) return io::Fail(s, now, ParamLocation(io::kByteDptr));
  auto r = apps_.LoadChunk(slot, type, total, offset, bounce_);
  if (!r.ok()) return AppRefused("Load Program", r.error(), now, ParamLocation(io::kByteCdw10));
  if (r.value() > 0) {
    log_.Info("apps: slot {} loaded, {} instructions verified", slot, r.value());
  }
  CommandResult ok = CommandResult::Of(Status(), now);
  ok.dw0 = r.value();
  return ok;
}

CommandResult Controller::ProgramActivation(const nvme::Sqe& sqe, uint64_t now) {
  const uint32_t sel = sqe.cdw10 & 0xF;
  const uint32_t slot = sqe.cdw10 >> 16;
  if (sel == SALIX_PROGRAM_DEACTIVATE) {
    if (auto e = apps_.Deactivate(slot)) {
      return AppRefused("Program Activation", *e, now, ParamLocation(io::kByteCdw10));
    }
    log_.Info("apps: slot {} deactivated", slot);
    return CommandResult::Of(Status(), now);
  }
  if (sel != SALIX_PROGRAM_ACTIVATE) {
    return AppRefused("Program Activation",
                      {Status::InvalidField(), fmt::format("unknown SEL {}", sel)}, now,
                      ParamLocation(io::kByteCdw10));
  }
  const uint32_t scratch_kib = sqe.cdw11 & 0xFFFF;
  const bool exported = (sqe.cdw11 & SALIX_PROGRAM_PRIVATE) == 0;
  const uint32_t dw[4] = {sqe.cdw12, sqe.cdw13, sqe.cdw14, sqe.cdw15};
  char raw[SALIX_APP_NAME_LEN];
  std::memcpy(raw, dw, sizeof(raw));
  std::string name(raw, strnlen(raw, sizeof(raw)));
  if (auto e = apps_.Activate(slot, name, scratch_kib * 1024u, exported)) {
    return AppRefused("Program Activation", *e, now, ParamLocation(io::kByteCdw10));
  }
  log_.Info("apps: slot {} active as '{}'", slot, apps_.app(slot)->name());
  return CommandResult::Of(Status(), now);
}

}  // namespace salix

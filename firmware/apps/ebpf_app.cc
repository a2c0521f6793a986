#include "apps/ebpf_app.h"

#include <salix/app_commands.h>

#include <fmt/format.h>

namespace salix::apps {
namespace {

// The helpers' view of an app's Flash (already checked against the domain).
class FlashEnv final : public ebpf::AppEnv {
 public:
  explicit FlashEnv(Flash* flash) : flash_(flash) {}
  uint32_t lba_size() const override { return flash_ ? flash_->lba_size() : 512; }
  uint64_t lba_count() const override { return flash_ ? flash_->lba_count() : 0; }
  Status ReadLbas(uint64_t lba, uint32_t count, std::span<uint8_t> dst) override {
    return flash_ ? flash_->Read(lba, count, dst) : Status::AppAccessDenied();
  }
  Status WriteLbas(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    return flash_ ? flash_->Write(lba, count, src) : Status::AppAccessDenied();
  }

 private:
  Flash* flash_;
};

const char* ErrnoName(int64_t e) {
  switch (e) {
    case SALIX_EPERM: return "EPERM (outside the caller's domain)";
    case SALIX_EIO: return "EIO (flash error)";
    case SALIX_EFAULT: return "EFAULT (bad buffer)";
    case SALIX_EINVAL: return "EINVAL (bad argument)";
    case SALIX_ENOSPC: return "ENOSPC (output full)";
    default: return "an error";
  }
}

}  // namespace

EbpfApp::EbpfApp(std::string name, std::unique_ptr<ebpf::Interpreter> interpreter,
                 bool exported)
    : name_(std::move(name)), interpreter_(std::move(interpreter)) {
  function_.id = kMainFunction;
  function_.name = "main";
  function_.min_input = 0;
  function_.max_input = SALIX_APP_MAX_INPUT;
  function_.exported = exported;
}

Outcome EbpfApp::Call(const struct Call& call) {
  ebpf::Invocation inv;
  inv.input = call.input;
  inv.output = call.output;
  inv.domain = call.domain;
  inv.budget = budget_;
  FlashEnv env(call.flash);
  auto r = interpreter_->Run(inv, env);
  Outcome o;
  if (!r.ok()) {
    const ebpf::RunError& e = r.error();
    o.status = e.kind == ebpf::RunError::Kind::kBudgetExhausted ? Status::AppBudgetExhausted()
                                                                : Status::AppMemoryFault();
    o.reason = e.ToString();
    o.stats.instructions = e.stats.insns;
    o.stats.lbas_read = e.stats.lbas_read;
    o.stats.lbas_written = e.stats.lbas_written;
    return o;
  }
  const ebpf::RunResult& rr = r.value();
  o.value = rr.r0;
  o.output_len = rr.output_len;
  o.stats.instructions = rr.stats.insns;
  o.stats.lbas_read = rr.stats.lbas_read;
  o.stats.lbas_written = rr.stats.lbas_written;
  const auto v = static_cast<int64_t>(rr.r0);
  if (v < 0 && v >= -4095) {
    o.status = v == -SALIX_EPERM ? Status::AppAccessDenied() : Status::AppFailed();
    o.reason = fmt::format("the program returned -{}, {}", -v, ErrnoName(-v));
  }
  return o;
}

}  // namespace salix::apps

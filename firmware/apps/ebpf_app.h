// ebpf_app.h - a loaded, verified eBPF program as an App.
//
// One function, id 0 ("main"), whose input may be 0 .. SALIX_APP_MAX_INPUT
// bytes. A call runs the interpreter with the call's domain and with the
// call's (checked) Flash behind the helpers, so an eBPF app reaches flash
// exactly as a built-in app does: helpers check the domain (returning
// -SALIX_EPERM to the program), and CheckedFlash checks it again.
//
// Outcomes: r0 in -4095..-1 is an error the app returned: -SALIX_EPERM
// becomes AppAccessDenied, anything else AppFailed. A spent budget is
// AppBudgetExhausted, a load or store outside the regions AppMemoryFault;
// the reason names the instruction.
//
// Thread-safety: one Call at a time (the interpreter owns its memory).
#ifndef SALIX_APPS_EBPF_APP_H
#define SALIX_APPS_EBPF_APP_H

#include <cstdint>
#include <memory>
#include <string>

#include "apps/app.h"
#include "apps/ebpf/interpreter.h"

namespace salix::apps {

class EbpfApp final : public App {
 public:
  static constexpr uint32_t kMainFunction = 0;

  EbpfApp(std::string name, std::unique_ptr<ebpf::Interpreter> interpreter, bool exported);

  std::string_view name() const override { return name_; }
  std::span<const FunctionInfo> functions() const override { return {&function_, 1}; }
  Outcome Call(const struct Call& call) override;

  // Instruction budget of the next calls (the registry sets it per call).
  void set_budget(uint64_t budget) { budget_ = budget; }
  uint32_t scratch_size() const { return interpreter_->scratch_size(); }

 private:
  std::string name_;
  std::unique_ptr<ebpf::Interpreter> interpreter_;
  FunctionInfo function_;
  uint64_t budget_ = ebpf::Invocation::kDefaultBudget;
};

}  // namespace salix::apps

#endif  // SALIX_APPS_EBPF_APP_H

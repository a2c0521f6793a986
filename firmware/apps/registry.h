// registry.h - the apps of one controller: program slots, built-in apps,
// domains, dispatch and statistics (<salix/app_commands.h>).
//
// Slots 0 .. SALIX_APP_PROGRAM_SLOTS - 1 hold loaded programs, which move
// empty -> loading (chunks) -> loaded (parsed and verified) -> active (an
// EbpfApp) and back. Built-in apps sit at SALIX_APP_BUILTIN_SLOT_BASE + i,
// always active. Every operation checks everything before it changes
// anything, so a refused command leaves the registry as it was.
//
// Dispatch (Invoke, and app-to-app calls through AppCaller): the token
// names the caller's Domain; the function must exist (and be exported, for
// calls from another app); the input size must be within its bounds. The
// app gets a CheckedFlash over the namespace for that Domain, so a callee
// never has more rights than its caller. Calls nest at most kMaxCallDepth
// deep.
//
// Private regions: a built-in app with private_lbas() > 0 gets that many
// LBAs carved from the top of the namespace, downwards in registration
// order. Domains may not include them (DomainTable::Create refuses), so no
// invocation reaches them except through the owner's private_flash. Host
// I/O is not fenced off from them: a privileged host process can still
// write there (documented in docs/APPS.md).
//
// Thread-safety: worker thread only.
#ifndef SALIX_APPS_REGISTRY_H
#define SALIX_APPS_REGISTRY_H

#include <salix/app_commands.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "apps/app.h"
#include "apps/domain_table.h"
#include "apps/ebpf/program.h"
#include "apps/ebpf_app.h"
#include "core/result.h"

namespace salix::apps {

struct RegistryOptions {
  uint64_t default_budget = uint64_t{1} << 24;  // eBPF instructions per call
  uint64_t max_budget = uint64_t{1} << 26;      // cap of CDW13
  uint32_t verifier_max_insns = 4096;
};

// What an invocation asks for.
struct InvokeRequest {
  uint32_t slot = 0;
  uint32_t function = 0;
  Token token;                     // zero: no domain, no flash access
  std::span<const uint8_t> input;
  std::span<uint8_t> output;
  uint64_t budget = 0;             // eBPF instructions; 0: default
};

struct AppStats {
  uint64_t calls = 0;
  uint64_t errors = 0;
  uint64_t instructions = 0;
  uint64_t lbas_read = 0;
  uint64_t lbas_written = 0;
  uint64_t device_ns = 0;
};

class Registry {
 public:
  static constexpr uint32_t kMaxCallDepth = 4;

  explicit Registry(const RegistryOptions& options = {}) : options_(options) {}

  // ---- programs (admin) ----
  // One Load Program chunk. Returns the instruction count when this chunk
  // completed the program, 0 when more chunks are expected.
  Result<uint32_t, AppError> LoadChunk(uint32_t slot, uint32_t type, uint32_t total,
                                       uint32_t offset, std::span<const uint8_t> bytes);
  std::optional<AppError> Unload(uint32_t slot);
  // name empty: "slot<N>". scratch_bytes 0: 64 KiB.
  std::optional<AppError> Activate(uint32_t slot, std::string name, uint32_t scratch_bytes,
                                   bool exported);
  std::optional<AppError> Deactivate(uint32_t slot);

  // ---- built-in apps ----
  // Registers 'app' at the next built-in slot; gives it a private region
  // below the ones already handed out and calls Recover() on it. 'ns' is
  // the namespace (unchecked). Returns the slot.
  Result<uint32_t, AppError> RegisterBuiltin(std::unique_ptr<App> app, Flash& ns);

  // ---- domains (admin) ----
  DomainTable& domains() { return domains_; }
  // Private regions of built-in apps (for DomainTable::Create).
  std::span<const LbaRange> reserved() const { return reserved_; }
  // LBAs the private regions take off the top of the namespace.
  uint64_t reserved_lbas() const { return reserved_lbas_; }

  // ---- invocation (I/O) ----
  // 'ns' is the namespace (unchecked, booking device time). The outcome's
  // status is the NVMe status of the command.
  Outcome Invoke(const InvokeRequest& req, Flash& ns);

  // ---- log pages ----
  void FillLog(salix_app_log* out) const;
  // False if the slot holds no active app.
  bool FillFunctions(uint32_t slot, salix_app_functions_log* out) const;

  // For tests.
  const AppStats* stats(uint32_t slot) const;
  App* app(uint32_t slot);

 private:
  struct Slot {
    uint8_t state = 0;  // 0 empty, SALIX_APP_STATE_*
    uint32_t type = 0;
    uint32_t total = 0;
    std::vector<uint8_t> bytes;  // loading: chunks so far
    std::optional<ebpf::Program> program;
    uint32_t insns = 0;
    std::unique_ptr<App> app;    // active or built-in
    EbpfApp* ebpf = nullptr;     // app as an EbpfApp, if it is one
    bool exported = true;
    uint64_t private_first = 0;
    uint64_t private_lbas = 0;
    AppStats stats;
  };
  class Caller;
  friend class Caller;

  Slot* Find(uint32_t slot);
  const Slot* Find(uint32_t slot) const;
  Slot* FindByName(std::string_view name);
  Outcome Dispatch(Slot& s, uint32_t slot, uint32_t function, const Domain* domain,
                   std::span<const uint8_t> input, std::span<uint8_t> output,
                   uint64_t budget, Flash& ns, uint32_t depth, bool from_app);

  RegistryOptions options_;
  std::array<Slot, SALIX_APP_PROGRAM_SLOTS> programs_;
  std::vector<Slot> builtins_;
  std::vector<LbaRange> reserved_;
  uint64_t reserved_lbas_ = 0;
  DomainTable domains_;
};

}  // namespace salix::apps

#endif  // SALIX_APPS_REGISTRY_H

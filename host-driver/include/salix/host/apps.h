// apps.h - the host library for SSD apps (<salix/app_commands.h>): load and
// activate eBPF programs, create and destroy protection domains, invoke
// apps, read their statistics. Works over any Device backend (Linux
// passthrough, embedded firmware).
//
// Every failure comes back as an AppStatus holding the NVMe status and a
// readable reason (AppStatusReason), so tools can print why a device said
// no. Buffers of the bidirectional commands (Invoke, Domain Management) are
// page aligned and fully written before submission, as Linux passthrough
// needs for the device's output to reach them (see app_commands.h).
//
// Thread-safety: as the Device (one thread at a time).
#ifndef SALIX_HOST_APPS_H
#define SALIX_HOST_APPS_H

#include <salix/app_commands.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "salix/host/device.h"
#include "salix/host/error.h"

namespace salix::host {

// A 128-bit domain token; as text, 32 hex digits (dw[0] first, each dword
// big-endian hex), which is what salixctl prints and reads.
struct AppToken {
  salix_app_token t{};
  std::string ToHex() const;
  static std::optional<AppToken> FromHex(std::string_view hex);
  bool zero() const { return (t.dw[0] | t.dw[1] | t.dw[2] | t.dw[3]) == 0; }
};

// Readable explanation of an NVMe status an app command returned
// ((SCT << 8) | SC), e.g. 0x708 -> "Domain Token Invalid: the token is
// forged, or its domain was destroyed".
std::string AppStatusReason(uint16_t status);

struct AppStatus {
  uint16_t status = 0;  // NVMe (SCT << 8) | SC
  int errno_ = 0;       // transport failure
  std::string message;  // "Load Program slot 2: Program Invalid (0x701): ..."
  bool ok() const { return status == 0 && errno_ == 0; }
  static AppStatus From(std::string_view what, const DeviceCompletion& c);
};

struct InvokeOutcome {
  AppStatus status;
  uint32_t value = 0;            // CQE DW0: the function's return value
  std::vector<uint8_t> output;   // CQE DW1 bytes of output
};

struct DomainGrant {
  uint32_t id = 0;
  AppToken token;
};

struct AppInfo {
  salix_app_log_entry entry{};
  std::string name;  // NUL-trimmed entry.name
  std::vector<salix_app_function_entry> functions;  // active apps only
};

class AppClient {
 public:
  explicit AppClient(Device& device) : dev_(device) {}

  // Loads 'program' (an ELF object or raw instructions) into 'slot' in
  // chunks no larger than the device's MDTS. DW0 of the last chunk (the
  // instruction count) in *insns.
  AppStatus Load(uint32_t slot, std::span<const uint8_t> program,
                 uint32_t type = SALIX_PROGRAM_EBPF_ELF, uint32_t* insns = nullptr);
  AppStatus Unload(uint32_t slot);
  AppStatus Activate(uint32_t slot, std::string_view name, uint32_t scratch_kib = 0,
                     bool host_only = false);
  AppStatus Deactivate(uint32_t slot);

  AppStatus CreateDomain(std::span<const salix_domain_range> ranges, DomainGrant* out);
  AppStatus DestroyDomain(uint32_t id);

  // Invokes 'function' of the app in 'slot' with 'input'; up to
  // 'output_cap' bytes come back. budget_units: SALIX_APP_BUDGET_UNIT
  // instructions each, 0 = device default.
  InvokeOutcome Invoke(uint32_t slot, uint32_t function, const AppToken& token,
                       std::span<const uint8_t> input, uint32_t output_cap,
                       uint32_t budget_units = 0);

  // The App log page, with the function list of each active app.
  Result<std::vector<AppInfo>> List();
  // The slot of the app named 'name', or of the slot number given as text.
  Result<uint32_t> ResolveSlot(std::string_view name_or_slot);

 private:
  DeviceCompletion GetLog(uint8_t lid, uint16_t lsi, void* buf, uint32_t len);
  Device& dev_;
};

}  // namespace salix::host

#endif  // SALIX_HOST_APPS_H

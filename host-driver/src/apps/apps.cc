#include "salix/host/apps.h"

#include <fmt/format.h>
#include <salix/opcodes.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/status.h"

namespace salix::host {
namespace {

constexpr size_t kPage = 4096;

// A page-aligned buffer, every byte written (zero) before the device sees
// it: Linux maps it without a bounce copy, so the device's output lands
// here even for a "write" opcode (app_commands.h).
struct AlignedBuffer {
  explicit AlignedBuffer(size_t n) : size(n) {
    const size_t alloc = std::max<size_t>(kPage, (n + kPage - 1) / kPage * kPage);
    data = static_cast<uint8_t*>(std::aligned_alloc(kPage, alloc));
    if (data) std::memset(data, 0, alloc);
  }
  ~AlignedBuffer() { std::free(data); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  uint8_t* data = nullptr;
  size_t size = 0;
};

// The firmware's own names (core/status.h), from the 16-bit value nvme-cli
// prints: (SCT << 8) | SC is the CQE status field shifted right by one.
const char* StatusName(uint16_t s) {
  return salix::Status::FromCqeField(static_cast<uint16_t>((s & 0x7FF) << 1)).name();
}

const char* StatusWhy(uint16_t s) {
  switch (s) {
    case 0x001: return "the device does not support this command (not a Salix device?)";
    case 0x002: return "a field of the command is invalid (slot, type, size or range); the "
                       "device log says which";
    case 0x080: return "an LBA range passes the end of the namespace";
    case 0x700 | SALIX_SC_PROGRAM_INVALID:
      return "the loader or the verifier refused the program (the device log gives the "
             "instruction and the reason)";
    case 0x700 | SALIX_SC_SLOT_OCCUPIED:
      return "the slot already holds a program (unload it first) or is already active";
    case 0x700 | SALIX_SC_SLOT_EMPTY: return "no program or app in that slot";
    case 0x700 | SALIX_SC_PROGRAM_ACTIVE: return "the program is active: deactivate it first";
    case 0x700 | SALIX_SC_APP_NOT_ACTIVE: return "the program is loaded but not activated";
    case 0x700 | SALIX_SC_FUNCTION_INVALID:
      return "the app has no such function, or does not export it to other apps";
    case 0x700 | SALIX_SC_INPUT_SIZE:
      return "the input size is outside what the function accepts";
    case 0x700 | SALIX_SC_TOKEN_INVALID:
      return "the token is forged, or its domain was destroyed (revoked)";
    case 0x700 | SALIX_SC_ACCESS_DENIED:
      return "the app touched LBAs outside the caller's domain; that access did nothing";
    case 0x700 | SALIX_SC_BUDGET_EXHAUSTED:
      return "the program ran out of instructions (a loop that does not end?)";
    case 0x700 | SALIX_SC_MEMORY_FAULT:
      return "the program loaded or stored outside its memory regions";
    case 0x700 | SALIX_SC_APP_FAILED: return "the app returned an error (see the value)";
    case 0x700 | SALIX_SC_DOMAIN_LIMIT: return "too many domains: destroy some";
    case 0x700 | SALIX_SC_NAME_IN_USE: return "another app already has that name";
    case 0x700 | SALIX_SC_CALL_DEPTH: return "app-to-app calls nested too deep";
    default: return "";
  }
}

}  // namespace

std::string AppStatusReason(uint16_t status) {
  const char* why = StatusWhy(status);
  return *why ? fmt::format("{} (0x{:03x}): {}", StatusName(status), status, why)
              : fmt::format("{} (0x{:03x})", StatusName(status), status);
}

AppStatus AppStatus::From(std::string_view what, const DeviceCompletion& c) {
  AppStatus s;
  s.status = c.errno_ ? 0 : c.status;
  s.errno_ = c.errno_;
  if (c.errno_) {
    s.message = fmt::format("{}: {}", what, std::strerror(-c.errno_));
    if (c.errno_ == -EACCES || c.errno_ == -EPERM) {
      s.message += " (NVMe passthrough of this command needs root, CAP_SYS_ADMIN)";
    }
  } else if (c.status) {
    s.message = fmt::format("{}: {}", what, AppStatusReason(c.status));
  }
  return s;
}

std::string AppToken::ToHex() const {
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", t.dw[0], t.dw[1], t.dw[2], t.dw[3]);
}

std::optional<AppToken> AppToken::FromHex(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  AppToken a;
  for (int i = 0; i < 4; i++) {
    auto part = hex.substr(i * 8, 8);
    auto r = std::from_chars(part.data(), part.data() + 8, a.t.dw[i], 16);
    if (r.ec != std::errc() || r.ptr != part.data() + 8) return std::nullopt;
  }
  return a;
}

AppStatus AppClient::Load(uint32_t slot, std::span<const uint8_t> program, uint32_t type,
                          uint32_t* insns) {
  uint32_t chunk = dev_.info().max_transfer_bytes ? dev_.info().max_transfer_bytes : 65536;
  chunk = std::min<uint32_t>(chunk, 65536);
  AppStatus s;
  for (size_t off = 0; off < program.size() || off == 0; off += chunk) {
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(chunk, program.size() - off));
    AlignedBuffer buf(n);
    if (n) std::memcpy(buf.data, program.data() + off, n);
    DeviceCommand c;
    c.opcode = SALIX_ADMIN_LOAD_PROGRAM;
    c.cdw10 = (type & 0xFF) | (slot << 16);
    c.cdw11 = static_cast<uint32_t>(program.size());
    c.cdw12 = n;
    c.cdw13 = static_cast<uint32_t>(off);
    c.data = buf.data;
    c.data_len = n;
    DeviceCompletion r = dev_.Admin(c);
    s = AppStatus::From(fmt::format("Load Program slot {} (bytes {}..{})", slot, off, off + n), r);
    if (!s.ok()) return s;
    if (insns) *insns = r.dw0;
    if (program.empty()) break;
  }
  return s;
}

AppStatus AppClient::Unload(uint32_t slot) {
  DeviceCommand c;
  c.opcode = SALIX_ADMIN_LOAD_PROGRAM;
  c.cdw10 = SALIX_LOAD_PROGRAM_UNLOAD | (slot << 16);
  return AppStatus::From(fmt::format("unload slot {}", slot), dev_.Admin(c));
}

AppStatus AppClient::Activate(uint32_t slot, std::string_view name, uint32_t scratch_kib,
                              bool host_only) {
  if (name.size() > SALIX_APP_NAME_LEN) {
    return AppStatus{0x002, 0, fmt::format("app name '{}' is longer than {} bytes", name,
                                           SALIX_APP_NAME_LEN)};
  }
  DeviceCommand c;
  c.opcode = SALIX_ADMIN_PROGRAM_ACTIVATION;
  c.cdw10 = SALIX_PROGRAM_ACTIVATE | (slot << 16);
  c.cdw11 = (scratch_kib & 0xFFFF) | (host_only ? SALIX_PROGRAM_PRIVATE : 0);
  uint32_t dw[4] = {};
  std::memcpy(dw, name.data(), name.size());
  c.cdw12 = dw[0];
  c.cdw13 = dw[1];
  c.cdw14 = dw[2];
  c.cdw15 = dw[3];
  return AppStatus::From(fmt::format("activate slot {} as '{}'", slot, name), dev_.Admin(c));
}

AppStatus AppClient::Deactivate(uint32_t slot) {
  DeviceCommand c;
  c.opcode = SALIX_ADMIN_PROGRAM_ACTIVATION;
  c.cdw10 = SALIX_PROGRAM_DEACTIVATE | (slot << 16);
  return AppStatus::From(fmt::format("deactivate slot {}", slot), dev_.Admin(c));
}

AppStatus AppClient::CreateDomain(std::span<const salix_domain_range> ranges,
                                  DomainGrant* out) {
  const size_t bytes = SALIX_DOMAIN_CREATE_BYTES(ranges.size());
  AlignedBuffer buf(bytes);
  if (!ranges.empty()) {
    std::memcpy(buf.data + sizeof(salix_domain_create), ranges.data(),
                ranges.size() * sizeof(salix_domain_range));
  }
  DeviceCommand c;
  c.opcode = SALIX_ADMIN_DOMAIN_MANAGEMENT;
  c.cdw10 = SALIX_DOMAIN_CREATE;
  c.cdw11 = static_cast<uint32_t>(ranges.size());
  c.data = buf.data;
  c.data_len = static_cast<uint32_t>(bytes);
  DeviceCompletion r = dev_.Admin(c);
  AppStatus s = AppStatus::From("create domain", r);
  if (s.ok()) {
    out->id = r.dw0;
    std::memcpy(&out->token.t, buf.data, sizeof(out->token.t));
    if (out->token.zero()) {
      return AppStatus{0x004, 0,
                       "create domain: the device's token did not reach this buffer "
                       "(bounced passthrough buffer?)"};
    }
  }
  return s;
}

AppStatus AppClient::DestroyDomain(uint32_t id) {
  DeviceCommand c;
  c.opcode = SALIX_ADMIN_DOMAIN_MANAGEMENT;
  c.cdw10 = SALIX_DOMAIN_DESTROY;
  c.cdw11 = id;
  return AppStatus::From(fmt::format("destroy domain {}", id), dev_.Admin(c));
}

InvokeOutcome AppClient::Invoke(uint32_t slot, uint32_t function, const AppToken& token,
                                std::span<const uint8_t> input, uint32_t output_cap,
                                uint32_t budget_units) {
  const size_t len = std::max<size_t>(input.size(), output_cap);
  AlignedBuffer buf(len);
  if (!input.empty()) std::memcpy(buf.data, input.data(), input.size());
  DeviceCommand c;
  c.opcode = SALIX_IO_INVOKE;
  c.cdw2 = token.t.dw[0];
  c.cdw3 = token.t.dw[1];
  c.cdw14 = token.t.dw[2];
  c.cdw15 = token.t.dw[3];
  c.cdw10 = (slot & 0xFFFF) | (function << 16);
  c.cdw11 = static_cast<uint32_t>(input.size());
  c.cdw12 = output_cap;
  c.cdw13 = budget_units;
  c.data = len ? buf.data : nullptr;
  c.data_len = static_cast<uint32_t>(len);
  DeviceCompletion r = dev_.Execute(c);
  InvokeOutcome o;
  o.status = AppStatus::From(fmt::format("invoke slot {} function {}", slot, function), r);
  o.value = r.dw0;
  if (o.status.ok()) {
    const uint32_t n = std::min<uint32_t>(r.dw1, output_cap);
    o.output.assign(buf.data, buf.data + n);
  }
  return o;
}

DeviceCompletion AppClient::GetLog(uint8_t lid, uint16_t lsi, void* buf, uint32_t len) {
  DeviceCommand c;
  c.opcode = SALIX_ADMIN_GET_LOG_PAGE;
  c.nsid = 0xFFFFFFFF;
  const uint32_t numd = len / 4 - 1;
  c.cdw10 = lid | ((numd & 0xFFFF) << 16);
  c.cdw11 = (numd >> 16) | (uint32_t{lsi} << 16);
  c.data = buf;
  c.data_len = len;
  return dev_.Admin(c);
}

Result<std::vector<AppInfo>> AppClient::List() {
  AlignedBuffer buf(sizeof(salix_app_log));
  DeviceCompletion r = GetLog(SALIX_LOG_APPS, 0, buf.data, sizeof(salix_app_log));
  AppStatus s = AppStatus::From("read the app log (C1h)", r);
  if (!s.ok()) return Error{s.message};
  salix_app_log log;
  std::memcpy(&log, buf.data, sizeof(log));
  if (std::memcmp(log.magic, SALIX_APP_LOG_MAGIC, 8) != 0) {
    return Error{"the app log page has no Salix magic (not a Salix device?)"};
  }
  std::vector<AppInfo> out;
  for (uint32_t i = 0; i < std::min(log.count, SALIX_APP_LOG_MAX_ENTRIES); i++) {
    AppInfo a;
    a.entry = log.entries[i];
    a.name.assign(a.entry.name, strnlen(a.entry.name, sizeof(a.entry.name)));
    if (a.entry.state == SALIX_APP_STATE_ACTIVE || a.entry.state == SALIX_APP_STATE_BUILTIN) {
      AlignedBuffer fb(sizeof(salix_app_functions_log));
      if (GetLog(SALIX_LOG_APP_FUNCTIONS, a.entry.slot, fb.data, sizeof(salix_app_functions_log))
              .ok()) {
        salix_app_functions_log fl;
        std::memcpy(&fl, fb.data, sizeof(fl));
        for (uint32_t k = 0; k < std::min<uint32_t>(fl.count, SALIX_APP_FUNCTIONS_MAX); k++) {
          a.functions.push_back(fl.entries[k]);
        }
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

Result<uint32_t> AppClient::ResolveSlot(std::string_view s) {
  uint32_t slot = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), slot, 10);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return slot;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    r = std::from_chars(s.data() + 2, s.data() + s.size(), slot, 16);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return slot;
  }
  auto apps = List();
  if (!apps.ok()) return apps.error();
  for (const AppInfo& a : apps.value()) {
    if (a.name == s) return static_cast<uint32_t>(a.entry.slot);
  }
  return Error{fmt::format("no app named '{}' on {}", s, dev_.info().name)};
}

}  // namespace salix::host

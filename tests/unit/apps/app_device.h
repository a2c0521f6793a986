// app_device.h - the SSD-app commands (<salix/app_commands.h>) as raw SQEs
// through the embedded host, for the tests in this directory.
#ifndef SALIX_TESTS_UNIT_APPS_APP_DEVICE_H
#define SALIX_TESTS_UNIT_APPS_APP_DEVICE_H

#include <salix/app_commands.h>
#include <salix/opcodes.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "test_util.h"

namespace salix::test {

struct DeviceToken {
  salix_app_token t{};
  uint32_t id = 0;
};

struct InvokeResult {
  Status status;
  uint32_t dw0 = 0;
  uint32_t dw1 = 0;  // output length
  std::vector<uint8_t> output;
};

// Loads 'object' into 'slot' in chunks of 'chunk' bytes; the status of the
// last chunk sent (stops at the first failure). *insns: DW0 of the last.
inline Status LoadProgram(EmbeddedHost& h, uint32_t slot, std::span<const uint8_t> object,
                          uint32_t type = SALIX_PROGRAM_EBPF_ELF, size_t chunk = 4096,
                          uint32_t* insns = nullptr) {
  Status st;
  for (size_t off = 0; off < object.size(); off += chunk) {
    const size_t n = std::min(chunk, object.size() - off);
    nvme::Sqe s = AdminSqe(SALIX_ADMIN_LOAD_PROGRAM, type | (slot << 16),
                           static_cast<uint32_t>(object.size()));
    s.cdw12 = static_cast<uint32_t>(n);
    s.cdw13 = static_cast<uint32_t>(off);
    std::vector<uint8_t> data(object.begin() + off, object.begin() + off + n);
    auto cqe = h.ExecuteWithData(0, s, data);
    st = StatusOf(cqe);
    if (!st.ok()) return st;
    if (insns && cqe) *insns = cqe->dw0;
  }
  return st;
}

inline Status UnloadProgram(EmbeddedHost& h, uint32_t slot) {
  return StatusOf(h.Execute(0, AdminSqe(SALIX_ADMIN_LOAD_PROGRAM,
                                        SALIX_LOAD_PROGRAM_UNLOAD | (slot << 16))));
}

inline Status Activate(EmbeddedHost& h, uint32_t slot, const std::string& name,
                       uint32_t scratch_kib = 0, bool exported = true) {
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_PROGRAM_ACTIVATION, SALIX_PROGRAM_ACTIVATE | (slot << 16),
                         scratch_kib | (exported ? 0 : SALIX_PROGRAM_PRIVATE));
  uint32_t dw[4] = {};
  std::memcpy(dw, name.data(), std::min<size_t>(name.size(), sizeof(dw)));
  s.cdw12 = dw[0];
  s.cdw13 = dw[1];
  s.cdw14 = dw[2];
  s.cdw15 = dw[3];
  return StatusOf(h.Execute(0, s));
}

inline Status Deactivate(EmbeddedHost& h, uint32_t slot) {
  return StatusOf(h.Execute(
      0, AdminSqe(SALIX_ADMIN_PROGRAM_ACTIVATION, SALIX_PROGRAM_DEACTIVATE | (slot << 16))));
}

inline Status CreateDomain(EmbeddedHost& h, const std::vector<salix_domain_range>& ranges,
                           DeviceToken* out) {
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_DOMAIN_MANAGEMENT, SALIX_DOMAIN_CREATE,
                         static_cast<uint32_t>(ranges.size()));
  std::vector<uint8_t> buf(SALIX_DOMAIN_CREATE_BYTES(ranges.size()), 0);
  if (!ranges.empty()) {
    std::memcpy(buf.data() + sizeof(salix_domain_create), ranges.data(),
                ranges.size() * sizeof(salix_domain_range));
  }
  auto cqe = h.ExecuteWithData(0, s, buf);
  Status st = StatusOf(cqe);
  if (st.ok()) {
    std::memcpy(&out->t, buf.data(), sizeof(out->t));
    out->id = cqe->dw0;
  }
  return st;
}

inline Status DestroyDomain(EmbeddedHost& h, uint32_t id) {
  return StatusOf(h.Execute(0, AdminSqe(SALIX_ADMIN_DOMAIN_MANAGEMENT, SALIX_DOMAIN_DESTROY, id)));
}

inline InvokeResult Invoke(EmbeddedHost& h, uint32_t slot, uint32_t function,
                           const salix_app_token& token, std::span<const uint8_t> input,
                           uint32_t output_cap, uint32_t budget_units = 0) {
  nvme::Sqe s{};
  s.opcode = SALIX_IO_INVOKE;
  s.nsid = 1;
  s.cdw2 = token.dw[0];
  s.cdw3 = token.dw[1];
  s.cdw14 = token.dw[2];
  s.cdw15 = token.dw[3];
  s.cdw10 = (slot & 0xFFFF) | (function << 16);
  s.cdw11 = static_cast<uint32_t>(input.size());
  s.cdw12 = output_cap;
  s.cdw13 = budget_units;
  std::vector<uint8_t> buf(std::max<size_t>(input.size(), output_cap), 0);
  std::copy(input.begin(), input.end(), buf.begin());
  auto cqe = buf.empty() ? h.Execute(1, s) : h.ExecuteWithData(1, s, buf);
  InvokeResult r;
  r.status = StatusOf(cqe);
  if (cqe) {
    r.dw0 = cqe->dw0;
    r.dw1 = cqe->dw1;
  }
  if (r.status.ok()) r.output.assign(buf.begin(), buf.begin() + std::min<size_t>(r.dw1, buf.size()));
  return r;
}

template <typename Params>
std::vector<uint8_t> Bytes(const Params& p) {
  std::vector<uint8_t> v(sizeof(p));
  std::memcpy(v.data(), &p, sizeof(p));
  return v;
}

inline salix_app_log AppLog(EmbeddedHost& h) {
  salix_app_log log;
  REQUIRE(h.GetLogPage(SALIX_LOG_APPS, {reinterpret_cast<uint8_t*>(&log), sizeof(log)}).ok());
  return log;
}

}  // namespace salix::test

#endif  // SALIX_TESTS_UNIT_APPS_APP_DEVICE_H

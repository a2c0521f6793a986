// linux_array.cc - opening an array from Linux device paths (linux_device.h).
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

#include "salix/host/discovery.h"
#include "salix/host/linux_device.h"
#include "salix/opcodes.h"

namespace salix::host {
namespace {

// One-block read of LBA 0: does the drive still serve I/O?
std::string probe(Device* d) {
  const DeviceInfo& info = d->info();
  void* buf = aligned_alloc(4096, (info.lba_size + 4095) / 4096 * 4096);
  DeviceCommand cmd;
  cmd.opcode = SALIX_IO_READ;
  cmd.data = buf;
  cmd.data_len = info.lba_size;
  DeviceCompletion c = d->Execute(cmd);
  free(buf);
  if (c.ok()) return "";
  return c.errno_ ? fmt::format("errno {} ({})", -c.errno_, strerror(-c.errno_))
                  : fmt::format("NVMe status {:#x}", c.status);
}

Result<std::vector<std::unique_ptr<Device>>> OpenAll(const std::vector<std::string>& paths,
                                                     const LinuxDeviceOptions& options) {
  std::vector<std::unique_ptr<Device>> out;
  for (const auto& p : paths) {
    auto d = OpenLinuxDevice(p, options);
    if (!d) return d.error();
    out.push_back(std::move(d.value()));
  }
  return out;
}

}  // namespace

std::vector<std::string> SplitDeviceList(const std::string& list) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= list.size()) {
    size_t end = list.find(':', at);
    if (end == std::string::npos) end = list.size();
    if (end > at) out.push_back(list.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

Result<std::vector<std::string>> ScanSalixNamespaces() {
  auto found = discover_controllers();
  if (!found) return found.error();
  std::vector<std::string> out;
  for (const auto& c : found.value()) {
    if (!c.salix) continue;
    for (const auto& ns : c.namespaces) {
      out.push_back(!ns.generic_path.empty() ? ns.generic_path : ns.block_path);
    }
  }
  if (out.empty()) return Error{"no Salix NVMe namespaces found (salixctl list --all)"};
  return out;
}

Result<std::unique_ptr<LinuxArray>> LinuxArray::Open(const std::vector<std::string>& members,
                                                     const std::vector<std::string>& spares,
                                                     const LinuxDeviceOptions& options) {
  std::unique_ptr<LinuxArray> a(new LinuxArray);
  auto m = OpenAll(members, options);
  if (!m) return m.error();
  auto s = OpenAll(spares, options);
  if (!s) return s.error();
  std::vector<Device*> given;
  for (auto& d : m.value()) {
    std::string why = probe(d.get());
    if (why.empty()) {
      given.push_back(d.get());
    } else {
      a->notes_.push_back(fmt::format("/dev/{}: does not answer I/O ({}): opened as failed",
                                      d->info().name, why));
      given.push_back(nullptr);
    }
    a->owned_.push_back(std::move(d));
  }
  for (auto& d : s.value()) {
    a->spares_.push_back(d.get());
    a->owned_.push_back(std::move(d));
  }
  auto r = OpenArray(given, a->spares_);
  if (!r) return r.error();
  a->array_ = std::move(r.value());
  a->members_ = given;
  return a;
}

Result<std::unique_ptr<LinuxArray>> LinuxArray::Create(const std::vector<std::string>& members,
                                                       const std::vector<std::string>& spares,
                                                       const ArrayOptions& array_options,
                                                       const LinuxDeviceOptions& options) {
  std::unique_ptr<LinuxArray> a(new LinuxArray);
  auto m = OpenAll(members, options);
  if (!m) return m.error();
  auto s = OpenAll(spares, options);
  if (!s) return s.error();
  for (auto& d : m.value()) {
    a->members_.push_back(d.get());
    a->owned_.push_back(std::move(d));
  }
  for (auto& d : s.value()) {
    a->spares_.push_back(d.get());
    a->owned_.push_back(std::move(d));
  }
  auto r = CreateArray(a->members_, array_options, a->spares_);
  if (!r) return r.error();
  a->array_ = std::move(r.value());
  return a;
}

Result<bool> LinuxArray::Close() {
  closed_ = true;
  return array_->Sync();
}

LinuxArray::~LinuxArray() {
  if (array_ && !closed_) (void)array_->Sync();
  array_.reset();  // before the devices it uses
}

}  // namespace salix::host

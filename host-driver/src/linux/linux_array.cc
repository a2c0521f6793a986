// linux_array.cc - opening an array from Linux device paths (linux_device.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "salix/host/discovery.h"
#include "salix/host/linux_device.h"
#include "salix/opcodes.h"
#include "uring_ring.h"

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

// The ring every member and spare of an array shares, polled when asked
// (every device then needs NVMe poll queues); the note says which.
Result<LinuxDeviceOptions> ShareRing(const std::vector<std::string>& members,
                                     const std::vector<std::string>& spares,
                                     const LinuxDeviceOptions& options,
                                     std::string* note, bool* polled) {
  LinuxDeviceOptions o = options;
  if (o.ring) {
    *polled = o.ring->polled();
    return o;
  }
  std::vector<std::string> without;
  size_t count = 0;
  for (const auto* list : {&members, &spares}) {
    for (const auto& p : *list) {
      count++;
      auto r = ResolveLinuxDevice(p);
      if (!r) return r.error();
      if (!LinuxHasPollQueues(r.value())) without.push_back(r.value().block);
    }
  }
  *polled = o.polling == LinuxPolling::kOn;
  if (*polled && !without.empty()) {
    std::string list;
    for (const auto& b : without) list += (list.empty() ? "" : ", ") + b;
    return Error{fmt::format("polling asked for, but {} {} no NVMe poll queues (boot the kernel "
                             "with nvme.poll_queues=1)",
                             list, without.size() == 1 ? "has" : "have")};
  }
  unsigned depth = std::max(1u, o.queue_depth);
  auto ring = CreateLinuxRing(static_cast<unsigned>(std::min<size_t>(count * depth, 32768)),
                              *polled, o.submit_thread);
  if (!ring) return ring.error();
  o.ring = std::move(ring.value());
  *note = *polled ? "completions polled (io_uring IOPOLL on the NVMe poll queues)"
                  : "completions by interrupt";
  if (o.submit_thread) *note += ", submitted by a kernel thread (SQPOLL)";
  return o;
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
                                                     const LinuxDeviceOptions& given_options) {
  std::unique_ptr<LinuxArray> a(new LinuxArray);
  a->register_staging_ = given_options.register_staging;
  auto shared = ShareRing(members, spares, given_options, &a->completion_note_, &a->polled_);
  if (!shared) return shared.error();
  const LinuxDeviceOptions& options = shared.value();
  a->ring_ = options.ring;
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
  (void)a->Register();  // a kernel without fixed buffers: staging_note() says so
  return a;
}

Result<std::unique_ptr<LinuxArray>> LinuxArray::Create(const std::vector<std::string>& members,
                                                       const std::vector<std::string>& spares,
                                                       const ArrayOptions& array_options,
                                                       const LinuxDeviceOptions& given_options) {
  std::unique_ptr<LinuxArray> a(new LinuxArray);
  a->register_staging_ = given_options.register_staging;
  auto shared = ShareRing(members, spares, given_options, &a->completion_note_, &a->polled_);
  if (!shared) return shared.error();
  const LinuxDeviceOptions& options = shared.value();
  a->ring_ = options.ring;
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
  (void)a->Register();  // a kernel without fixed buffers: staging_note() says so
  return a;
}

uint64_t LinuxArray::ring_enters() const { return ring_ ? ring_->enters() : 0; }

Result<bool> LinuxArray::RegisterBuffer(void* base, size_t len) {
  caller_base_ = base;
  caller_len_ = len;
  auto r = Register();
  if (!r && len != 0) {
    // Keep the staging registered without the caller's region.
    caller_base_ = nullptr;
    caller_len_ = 0;
    (void)Register();
  }
  return r;
}

Result<bool> LinuxArray::Register() {
  if (!ring_) return Error{"no shared ring to register a buffer with"};
  Array::StagingMemory staging;
  if (register_staging_) staging = array_->staging_memory();
  std::vector<LinuxRing::Region> regions = {
      {staging.base, staging.bytes, staging.slot_bytes},
      {caller_base_, caller_len_, 0},
  };
  staging_note_ = register_staging_ ? "staging not registered" : "staging not registered (off)";
  int rc = ring_->RegisterBuffers(regions);
  if (rc < 0) {
    // ENOMEM: registered buffers count against RLIMIT_MEMLOCK without
    // CAP_IPC_LOCK.
    std::string why = fmt::format("io_uring buffer registration failed: {}", strerror(-rc));
    if (register_staging_) staging_note_ = "staging not registered: " + why;
    return Error{why};
  }
  if (!ring_->fixed()) return true;
  Device* probe_dev = nullptr;
  for (Device* d : members_) {
    if (d != nullptr) probe_dev = d;
  }
  if (probe_dev == nullptr) return true;
  DeviceCommand cmd;
  cmd.opcode = SALIX_IO_READ;
  cmd.data = ring_->probe_buffer();
  cmd.data_len = std::min<uint32_t>(probe_dev->info().lba_size, 4096);
  cmd.cdw12 = 0;  // one block at LBA 0
  DeviceCompletion c = probe_dev->Execute(cmd);
  if (!c.ok()) {
    ring_->UnregisterBuffers();
    staging_note_ = "staging not registered: the kernel refused a fixed-buffer command";
    return Error{fmt::format("/dev/{}: a fixed-buffer passthrough read failed ({}): the kernel "
                             "does not take registered buffers for NVMe commands",
                             probe_dev->info().name,
                             c.errno_ ? strerror(-c.errno_) : fmt::format("status {:#x}", c.status))};
  }
  if (staging.bytes != 0) {
    staging_note_ = fmt::format("staging registered ({} fixed buffers of {} KiB)",
                                staging.bytes / staging.slot_bytes, staging.slot_bytes / 1024);
  }
  return true;
}

Result<bool> LinuxArray::Close() {
  closed_ = true;
  return array_->Sync();
}

LinuxArray::~LinuxArray() {
  if (array_ && !closed_) (void)array_->Sync();
  array_.reset();  // before the devices it uses
  owned_.clear();  // before the ring they share
  if (ring_) ring_->UnregisterBuffers();
}

}  // namespace salix::host

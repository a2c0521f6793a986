// array_bridge.cc - array_bridge.h over salix::host::LinuxArray.
#include "array_bridge.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "salix/host/linux_device.h"

using salix::host::LinuxArray;

struct salix_fio_array {
  std::unique_ptr<LinuxArray> array;
  uint64_t requests;  // submitted through the bridge
  // Counters when the array had opened (the I/O phase starts there).
  uint64_t open_enters;
  uint64_t open_commands;
};

namespace {

uint64_t member_commands(LinuxArray& a) {
  uint64_t n = 0;
  for (const auto& m : a.array().Status().members) n += m.commands;
  return n;
}

}  // namespace

namespace {

void set_error(char* err, size_t errlen, const std::string& msg) {
  if (err == nullptr || errlen == 0) return;
  std::snprintf(err, errlen, "%s", msg.c_str());
}

}  // namespace

extern "C" salix_fio_array* salix_fio_open(const char* members, const char* spares,
                                           const char* name, const char* polling,
                                           int submit_thread, int staging, char* err,
                                           size_t errlen) {
  salix::host::LinuxDeviceOptions options;
  options.submit_thread = submit_thread != 0;
  options.register_staging = staging != 0;
  if (polling == nullptr || !*polling || std::strcmp(polling, "off") == 0) {
    options.polling = salix::host::LinuxPolling::kOff;
  } else if (std::strcmp(polling, "on") == 0) {
    options.polling = salix::host::LinuxPolling::kOn;
  } else {
    set_error(err, errlen, fmt::format("polling={}: want on or off", polling));
    return nullptr;
  }
  std::vector<std::string> spare_paths =
      spares ? salix::host::SplitDeviceList(spares) : std::vector<std::string>{};
  std::vector<std::string> paths;
  if (members && *members) {
    paths = salix::host::SplitDeviceList(members);
  } else {
    auto all = salix::host::ScanSalixNamespaces();
    if (!all) {
      set_error(err, errlen, all.error().message);
      return nullptr;
    }
    for (const auto& p : all.value()) {
      bool spare = false;
      for (const auto& s : spare_paths) {
        auto r = salix::host::ResolveLinuxDevice(s);
        spare |= r && r.value().generic == p;
      }
      if (!spare) paths.push_back(p);
    }
  }
  auto opened = LinuxArray::Open(paths, spare_paths, options);
  if (!opened) {
    set_error(err, errlen, opened.error().message);
    return nullptr;
  }
  for (const auto& n : opened.value()->notes()) fmt::print(stderr, "salix fio engine: {}\n", n);
  if (name && *name && opened.value()->array().Status().name != name) {
    set_error(err, errlen, fmt::format("the array on these devices is '{}', not '{}'",
                                       opened.value()->array().Status().name, name));
    return nullptr;
  }
  // One line per open (fio opens in setup for the size, then in the job):
  // tests wait for it before failing a member under a running job.
  auto st = opened.value()->array().Status();
  fmt::print(stderr, "salix fio engine: opened array '{}' ({}+{}, {} bytes){}; {}; {}\n",
             st.name, st.k, st.m, st.capacity_bytes, st.degraded ? ", degraded" : "",
             opened.value()->completion_note(), opened.value()->staging_note());
  uint64_t enters = opened.value()->ring_enters();
  uint64_t commands = member_commands(*opened.value());
  return new salix_fio_array{std::move(opened.value()), 0, enters, commands};
}

extern "C" uint64_t salix_fio_capacity(const salix_fio_array* a) {
  return a->array->array().capacity_bytes();
}

extern "C" uint32_t salix_fio_block(const salix_fio_array* a) {
  return a->array->array().block_bytes();
}

extern "C" int salix_fio_submit(salix_fio_array* a, enum salix_fio_op op, uint64_t offset,
                                uint64_t len, void* buf, void (*fn)(void*, int), void* ctx) {
  salix::host::Array& arr = a->array->array();
  bool ok = false;
  switch (op) {
    case SALIX_FIO_READ:
      ok = len <= UINT32_MAX && arr.SubmitRead(offset, static_cast<uint32_t>(len), buf, fn, ctx);
      break;
    case SALIX_FIO_WRITE:
      ok = len <= UINT32_MAX && arr.SubmitWrite(offset, static_cast<uint32_t>(len), buf, fn, ctx);
      break;
    case SALIX_FIO_FLUSH:
      ok = arr.SubmitFlush(fn, ctx);
      break;
    case SALIX_FIO_TRIM:
      ok = arr.SubmitTrim(offset, len, fn, ctx);
      break;
  }
  if (!ok) return -EINVAL;
  a->requests++;
  return 0;
}

extern "C" int salix_fio_register(salix_fio_array* a, void* base, size_t len, char* err,
                                  size_t errlen) {
  auto r = a->array->RegisterBuffer(base, len);
  if (!r) {
    set_error(err, errlen, r.error().message);
    fmt::print(stderr, "salix fio engine: fixed buffers off: {}\n", r.error().message);
    return -1;
  }
  fmt::print(stderr, "salix fio engine: fixed buffers on ({} bytes registered)\n", len);
  return 0;
}

extern "C" size_t salix_fio_poll(salix_fio_array* a, unsigned wait_us) {
  return a->array->array().Poll(wait_us);
}

extern "C" void salix_fio_coalesce(salix_fio_array* a, int on) {
  a->array->array().SetWriteCoalescing(on != 0);
}

extern "C" int salix_fio_close(salix_fio_array* a, char* err, size_t errlen) {
  // What the job's engine saw, for the log (tests check that a member
  // failed under a running job was noticed by the job itself).
  auto st = a->array->array().Status();
  std::string failed;
  for (size_t i = 0; i < st.members.size(); i++) {
    if (st.members[i].state != salix::host::MemberStatus::State::kFailed) continue;
    failed += fmt::format("{}member {} ({}, {} errors)", failed.empty() ? "" : ", ", i,
                          st.members[i].name, st.members[i].errors);
  }
  fmt::print(stderr, "salix fio engine: closing array '{}': {}{}{}, {} degraded reads\n", st.name,
             st.degraded ? "degraded" : "healthy", failed.empty() ? "" : ", failed: ", failed,
             st.degraded_reads);
  fmt::print(stderr, "salix fio engine: coalescing: {} chunk writes went out merged, in {} "
             "Write Tagged commands; {} band runs ({} chunks)\n", st.coalesced_writes,
             st.coalesced_commands, st.band_runs, st.band_run_chunks);
  // What the I/O phase cost in member commands and system calls (the
  // bench's per-I/O accounting), then what the open and the sync cost.
  uint64_t enters = a->array->ring_enters() - a->open_enters;
  uint64_t commands = member_commands(*a->array) - a->open_commands;
  double per = a->requests ? 1.0 / static_cast<double>(a->requests) : 0.0;
  fmt::print(stderr,
             "salix fio engine: I/O: {} requests, {} member commands ({:.2f} per request), {} "
             "io_uring_enter calls ({:.2f} per request); open: {} commands, {} io_uring_enter\n",
             a->requests, commands, commands * per, enters, enters * per, a->open_commands,
             a->open_enters);
  uint64_t before_sync = a->array->ring_enters();
  uint64_t commands_before_sync = member_commands(*a->array);
  auto r = a->array->Close();
  fmt::print(stderr, "salix fio engine: sync: {} commands, {} io_uring_enter\n",
             member_commands(*a->array) - commands_before_sync,
             a->array->ring_enters() - before_sync);
  int rc = 0;
  if (!r) {
    set_error(err, errlen, r.error().message);
    rc = -1;
  }
  delete a;
  return rc;
}

// salix_plugin.cc - nbdkit plugin serving a Salix array as an NBD export,
// so the array is a real block device through the kernel's nbd client:
//
//   nbdkit --unix /run/salix.sock /usr/lib/nbdkit-salix-plugin.so
//       members=/dev/ng0n1:/dev/ng1n1:... [spares=...] [array=NAME]
//   nbd-client -unix /run/salix.sock /dev/nbd0 -b 4096
//
// Thread model: serialize_all_requests. The array engine is single-threaded
// (one polling thread, Array contract), so every request submits and polls
// the array to completion on the calling nbdkit thread, one at a time. That
// gives up queue depth across NBD requests (the kernel's nbd client sends
// one connection's requests in order anyway); the engine still spreads each
// request over the members in parallel. A poll thread with a request queue
// would be the next step for throughput.
//
// The array is opened in after_fork (nbdkit daemonizes by forking; the
// io_uring rings and locks must belong to the serving process) and synced
// and closed in unload. Requests not aligned to the array's block are
// served with read-modify-write of the covering blocks.
#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "salix/host/linux_device.h"

#define THREAD_MODEL NBDKIT_THREAD_MODEL_SERIALIZE_ALL_REQUESTS

namespace {

using salix::host::Array;
using salix::host::LinuxArray;

// Plugin-wide state (nbdkit's plugin model has no instance object to hang
// it on): the configuration, then the one opened array.
struct State {
  std::string members, spares, name;
  std::unique_ptr<LinuxArray> array;
};
State* state() {
  static State s;
  return &s;
}

struct Waiter {
  bool done = false;
  int result = 0;
  static void Done(void* ctx, int result) {
    auto* w = static_cast<Waiter*>(ctx);
    w->result = result;
    w->done = true;
  }
};

// Runs one array request to completion; 0 or -1 with nbdkit_set_error.
template <typename SubmitFn>
int run(const char* what, uint64_t offset, uint64_t len, SubmitFn submit) {
  Array& a = state()->array->array();
  Waiter w;
  if (!submit(a, &w)) {
    nbdkit_error("salix: %s of %llu bytes at %llu refused by the array (capacity %llu, "
                 "block %u)",
                 what, static_cast<unsigned long long>(len),
                 static_cast<unsigned long long>(offset),
                 static_cast<unsigned long long>(a.capacity_bytes()), a.block_bytes());
    nbdkit_set_error(EINVAL);
    return -1;
  }
  while (!w.done) a.Poll(1000);
  if (w.result < 0) {
    nbdkit_error("salix: %s of %llu bytes at %llu failed: %s", what,
                 static_cast<unsigned long long>(len), static_cast<unsigned long long>(offset),
                 strerror(-w.result));
    nbdkit_set_error(-w.result);
    return -1;
  }
  return 0;
}

int aligned_read(void* buf, uint32_t count, uint64_t offset) {
  return run("read", offset, count, [&](Array& a, Waiter* w) {
    return a.SubmitRead(offset, count, buf, &Waiter::Done, w);
  });
}

int aligned_write(const void* buf, uint32_t count, uint64_t offset) {
  return run("write", offset, count, [&](Array& a, Waiter* w) {
    return a.SubmitWrite(offset, count, buf, &Waiter::Done, w);
  });
}

// The block-aligned span covering [offset, offset + count).
struct Span {
  uint64_t start;
  uint32_t len;
};
Span cover(uint64_t offset, uint32_t count, uint32_t block) {
  uint64_t start = offset / block * block;
  uint64_t end = (offset + count + block - 1) / block * block;
  return Span{start, static_cast<uint32_t>(end - start)};
}

int salix_config(const char* key, const char* value) {
  State* s = state();
  if (strcmp(key, "members") == 0) {
    s->members = value;
  } else if (strcmp(key, "spares") == 0) {
    s->spares = value;
  } else if (strcmp(key, "array") == 0) {
    s->name = value;
  } else {
    nbdkit_error("salix: unknown parameter '%s' (members=, spares=, array=)", key);
    return -1;
  }
  return 0;
}

int salix_after_fork() {
  State* s = state();
  std::vector<std::string> members = salix::host::SplitDeviceList(s->members);
  std::vector<std::string> spares = salix::host::SplitDeviceList(s->spares);
  if (members.empty()) {
    auto all = salix::host::ScanSalixNamespaces();
    if (!all) {
      nbdkit_error("salix: %s", all.error().message.c_str());
      return -1;
    }
    for (const auto& p : all.value()) {
      bool spare = false;
      for (const auto& sp : spares) {
        auto r = salix::host::ResolveLinuxDevice(sp);
        spare |= r && r.value().generic == p;
      }
      if (!spare) members.push_back(p);
    }
  }
  auto opened = LinuxArray::Open(members, spares);
  if (!opened) {
    nbdkit_error("salix: %s", opened.error().message.c_str());
    return -1;
  }
  for (const auto& n : opened.value()->notes()) nbdkit_debug("salix: %s", n.c_str());
  std::string name = opened.value()->array().Status().name;
  if (!s->name.empty() && name != s->name) {
    nbdkit_error("salix: the array on these devices is '%s', not '%s'", name.c_str(),
                 s->name.c_str());
    return -1;
  }
  s->array = std::move(opened.value());
  nbdkit_debug("salix: serving array '%s', %llu bytes", name.c_str(),
               static_cast<unsigned long long>(s->array->array().capacity_bytes()));
  return 0;
}

void salix_unload() {
  State* s = state();
  if (!s->array) return;
  auto r = s->array->Close();
  if (!r) nbdkit_error("salix: syncing the array: %s", r.error().message.c_str());
  s->array.reset();
}

void* salix_open(int /*readonly*/) {
  if (!state()->array) {
    nbdkit_error("salix: the array is not open");
    return nullptr;
  }
  return state();
}

int64_t salix_get_size(void*) {
  return static_cast<int64_t>(state()->array->array().capacity_bytes());
}

int salix_block_size(void*, uint32_t* minimum, uint32_t* preferred, uint32_t* maximum) {
  uint32_t b = state()->array->array().block_bytes();
  *minimum = 1;  // smaller requests are served by read-modify-write
  *preferred = std::max<uint32_t>(b, 4096);
  *maximum = 0xffffffff;
  return 0;
}

int salix_pread(void*, void* buf, uint32_t count, uint64_t offset, uint32_t) {
  uint32_t block = state()->array->array().block_bytes();
  if (offset % block == 0 && count % block == 0) return aligned_read(buf, count, offset);
  Span sp = cover(offset, count, block);
  std::vector<uint8_t> tmp(sp.len);
  if (aligned_read(tmp.data(), sp.len, sp.start) != 0) return -1;
  memcpy(buf, tmp.data() + (offset - sp.start), count);
  return 0;
}

int salix_pwrite(void*, const void* buf, uint32_t count, uint64_t offset, uint32_t flags) {
  uint32_t block = state()->array->array().block_bytes();
  int rc;
  if (offset % block == 0 && count % block == 0) {
    rc = aligned_write(buf, count, offset);
  } else {
    // Requests are serialized, so nothing races the read-modify-write.
    Span sp = cover(offset, count, block);
    std::vector<uint8_t> tmp(sp.len);
    rc = aligned_read(tmp.data(), sp.len, sp.start);
    if (rc == 0) {
      memcpy(tmp.data() + (offset - sp.start), buf, count);
      rc = aligned_write(tmp.data(), sp.len, sp.start);
    }
  }
  if (rc == 0 && (flags & NBDKIT_FLAG_FUA)) {
    rc = run("flush", 0, 0, [](Array& a, Waiter* w) { return a.SubmitFlush(&Waiter::Done, w); });
  }
  return rc;
}

int salix_flush(void*, uint32_t) {
  return run("flush", 0, 0, [](Array& a, Waiter* w) { return a.SubmitFlush(&Waiter::Done, w); });
}

int salix_trim(void*, uint32_t count, uint64_t offset, uint32_t flags) {
  // Only whole blocks are deallocated; trim is advisory, so the edges stay.
  uint32_t block = state()->array->array().block_bytes();
  uint64_t start = (offset + block - 1) / block * block;
  uint64_t end = (offset + count) / block * block;
  int rc = 0;
  if (end > start) {
    rc = run("trim", start, end - start, [&](Array& a, Waiter* w) {
      return a.SubmitTrim(start, end - start, &Waiter::Done, w);
    });
  }
  if (rc == 0 && (flags & NBDKIT_FLAG_FUA)) rc = salix_flush(nullptr, 0);
  return rc;
}

int salix_can_write(void*) { return 1; }
int salix_can_flush(void*) { return 1; }
int salix_can_trim(void*) { return 1; }
int salix_can_fua(void*) { return NBDKIT_FUA_NATIVE; }
// One array, one engine: a second connection would share it from another
// thread only under serialize_all_requests, which holds; but flush does not
// cover other connections' writes in flight, so no multi-conn.
int salix_can_multi_conn(void*) { return 0; }

nbdkit_plugin make_plugin() {
  nbdkit_plugin p{};
  p.name = "salix";
  p.longname = "Salix all-flash array";
  p.version = "0.1.0";
  p.description = "Serves a Salix array (parity computed inside the devices) over NBD";
  p.config = salix_config;
  p.config_help =
      "members=DEV:DEV:...   member devices (/dev/ngXnY), any order; default: every Salix "
      "namespace that is not a spare\n"
      "spares=DEV:...        hot spares\n"
      "array=NAME            refuse to serve unless the array has this name";
  p.after_fork = salix_after_fork;
  p.unload = salix_unload;
  p.open = salix_open;
  p.get_size = salix_get_size;
  p.block_size = salix_block_size;
  p.pread = salix_pread;
  p.pwrite = salix_pwrite;
  p.flush = salix_flush;
  p.trim = salix_trim;
  p.can_write = salix_can_write;
  p.can_flush = salix_can_flush;
  p.can_trim = salix_can_trim;
  p.can_fua = salix_can_fua;
  p.can_multi_conn = salix_can_multi_conn;
  return p;
}

nbdkit_plugin plugin = make_plugin();

}  // namespace

NBDKIT_REGISTER_PLUGIN(plugin)

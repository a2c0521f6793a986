// app.h - an SSD app: named functions the device runs on an invocation
// (Willow's RPC handlers, OSDI'14). Built-in apps (trusted C++:
// transactions, key-value store, append) and loaded eBPF programs both
// implement App; the registry holds them, dispatches invocations, lets one
// app call another's exported functions, and keeps per-app statistics.
//
// Protection: an invocation carries the caller's Domain (resolved from its
// token by the registry). Call::flash is already checked against it, so an
// app can only reach the caller's data. A built-in app may also own a
// private LBA region (its log, its metadata) reached through
// Call::private_flash; loaded apps never get one.
//
// Thread-safety: Call() runs on the controller's worker thread, one at a
// time per device.
#ifndef SALIX_APPS_APP_H
#define SALIX_APPS_APP_H

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "apps/domain.h"
#include "apps/flash.h"
#include "core/status.h"

namespace salix::apps {

// One exported function. The registry refuses a call whose input size is
// outside [min_input, max_input] before the app runs.
struct FunctionInfo {
  uint32_t id = 0;
  std::string_view name;
  uint32_t min_input = 0;
  uint32_t max_input = 0;
  // Other apps may call it (app-to-app calls); else only the host.
  bool exported = true;
};

// What one call did, added into the app's statistics by the registry.
struct CallStats {
  uint64_t instructions = 0;  // eBPF instructions (0 for built-in apps)
  uint64_t lbas_read = 0;
  uint64_t lbas_written = 0;
};

class AppCaller;

// One invocation as the app sees it.
struct Call {
  uint32_t function = 0;
  std::span<const uint8_t> input;
  std::span<uint8_t> output;         // capacity; Outcome::output_len is used
  const Domain* domain = nullptr;    // the caller's rights
  Flash* flash = nullptr;            // checked against *domain
  Flash* private_flash = nullptr;    // the app's own region, or nullptr
  AppCaller* caller = nullptr;       // for calls to other apps
};

struct Outcome {
  Status status;          // NVMe status of the invocation
  uint64_t value = 0;     // returned in the completion (CQE DW0/DW1)
  uint32_t output_len = 0;
  std::string reason;     // why it failed, for the log and salixctl
  CallStats stats;
};

// Calls another app's function with the same domain (Willow: apps share
// functions; a callee never gets more rights than its caller).
class AppCaller {
 public:
  virtual ~AppCaller() = default;
  virtual Outcome CallApp(std::string_view app, uint32_t function,
                          std::span<const uint8_t> input,
                          std::span<uint8_t> output) = 0;
};

class App {
 public:
  virtual ~App() = default;

  virtual std::string_view name() const = 0;
  virtual std::span<const FunctionInfo> functions() const = 0;

  // REQUIRES: call.function is one of functions(), input size within its
  // bounds (the registry checks both).
  virtual Outcome Call(const struct Call& call) = 0;

  // LBAs of private region this app needs (0: none); fixed for its life.
  virtual uint64_t private_lbas() const { return 0; }
  // At power-on, before any call: recover state from the private region
  // (replay or discard logs). Also called after a power cut in tests.
  virtual Status Recover(Flash& /*private_flash*/) { return Status(); }
  // The same, for apps whose recovery must write outside their private
  // region: the transaction app replays committed transactions to their
  // home LBAs, which the committing caller's domain allowed at commit time.
  // 'device' is the whole namespace, unchecked (built-in apps only). The
  // runtime calls this one; the default forwards to Recover(private_flash).
  virtual Status Recover(Flash& private_flash, Flash& /*device*/) {
    return Recover(private_flash);
  }
};

}  // namespace salix::apps

#endif  // SALIX_APPS_APP_H

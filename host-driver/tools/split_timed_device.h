// split_timed_device.h - a Device wrapper for benchmarks that splits one
// thread's time between "device" (the wrapped backend: for embedded
// devices, the firmware and its emulated DMA) and "engine" (everything
// else: the array engine and the load generator).
//
// The embedded firmware runs inside Submit() and Poll() on the caller's
// thread, and completion functions run inside Poll(), so the split follows
// the call nesting: entering the backend switches the clock to "device",
// entering a completion function switches it back to "engine". The clock
// is the TSC, calibrated against steady_clock over the run, so a switch
// costs ~10 ns instead of a clock_gettime.
//
// All wrappers made from one SplitClock share it. Not thread-safe: one
// thread drives all of them, as the array engine does.
#ifndef SALIX_TOOLS_SPLIT_TIMED_DEVICE_H
#define SALIX_TOOLS_SPLIT_TIMED_DEVICE_H

#include <x86intrin.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

#include "salix/host/device.h"

namespace salix::host::bench {

class SplitClock {
 public:
  enum Bucket { kEngine = 0, kDevice = 1 };

  void Start() {
    wall0_ = std::chrono::steady_clock::now();
    last_ = tsc0_ = __rdtsc();
    ticks_[0] = ticks_[1] = 0;
    current_ = kEngine;
  }
  // Switches to 'b'; returns the bucket that was current.
  Bucket Switch(Bucket b) {
    const uint64_t now = __rdtsc();
    ticks_[current_] += now - last_;
    last_ = now;
    const Bucket prev = current_;
    current_ = b;
    return prev;
  }
  // Seconds spent in each bucket since Start(), up to now.
  double Seconds(Bucket b) {
    Switch(current_);
    const double wall = std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - wall0_)
                            .count();
    const double per_tick = wall / static_cast<double>(last_ - tsc0_);
    return static_cast<double>(ticks_[b]) * per_tick;
  }

 private:
  std::chrono::steady_clock::time_point wall0_;
  uint64_t tsc0_ = 0, last_ = 0;
  uint64_t ticks_[2] = {0, 0};
  Bucket current_ = kEngine;
};

class SplitTimedDevice final : public Device {
 public:
  SplitTimedDevice(Device& inner, SplitClock& clock)
      : inner_(inner), clock_(clock) {}

  const DeviceInfo& info() const override { return inner_.info(); }
  unsigned queue_depth() const override { return inner_.queue_depth(); }
  size_t in_flight() const override { return inner_.in_flight(); }

  bool Submit(const DeviceCommand& cmd, CompletionFn fn, void* ctx) override {
    uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<uint32_t>(pending_.size());
      pending_.push_back({});
    } else {
      slot = free_.back();
      free_.pop_back();
    }
    pending_[slot] = {this, fn, ctx, slot};
    const auto prev = clock_.Switch(SplitClock::kDevice);
    const bool ok = inner_.Submit(cmd, &Trampoline, &pending_[slot]);
    clock_.Switch(prev);
    if (!ok) free_.push_back(slot);
    if (ok) opcodes_[cmd.opcode]++;
    return ok;
  }
  size_t Poll(unsigned wait_us) override {
    const auto prev = clock_.Switch(SplitClock::kDevice);
    const size_t n = inner_.Poll(wait_us);
    clock_.Switch(prev);
    return n;
  }
  // Commands accepted so far, by opcode.
  const uint64_t* opcode_counts() const { return opcodes_; }

  DeviceCompletion Admin(const DeviceCommand& cmd) override {
    const auto prev = clock_.Switch(SplitClock::kDevice);
    DeviceCompletion c = inner_.Admin(cmd);
    clock_.Switch(prev);
    return c;
  }

 private:
  struct Pending {
    SplitTimedDevice* self;
    CompletionFn fn;
    void* ctx;
    uint32_t slot;
  };
  static void Trampoline(void* p, const DeviceCompletion& c) {
    // Copy out first: fn may submit, and a submit may grow pending_.
    const Pending rec = *static_cast<Pending*>(p);
    rec.self->free_.push_back(rec.slot);
    const auto prev = rec.self->clock_.Switch(SplitClock::kEngine);
    rec.fn(rec.ctx, c);
    rec.self->clock_.Switch(prev);
  }

  Device& inner_;
  SplitClock& clock_;
  std::deque<Pending> pending_;  // by slot; push_back keeps pointers valid
  std::vector<uint32_t> free_;
  uint64_t opcodes_[256] = {};
};

}  // namespace salix::host::bench

#endif  // SALIX_TOOLS_SPLIT_TIMED_DEVICE_H

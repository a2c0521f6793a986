// array_fixture.h - members for array engine tests: embedded Salix devices
// behind a wrapper that can kill a member (as a dead drive: every command
// fails) and an oracle of the newest acknowledged data.
#ifndef SALIX_TESTS_UNIT_HOST_ARRAY_FIXTURE_H
#define SALIX_TESTS_UNIT_HOST_ARRAY_FIXTURE_H

#include <salix/array_commands.h>
#include <salix/opcodes.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "salix/host/array.h"
#include "salix/host/embedded_device.h"

namespace salix::host::test {

inline uint64_t ArraySeed() {
  if (const char* s = std::getenv("SALIX_SEED")) return std::strtoull(s, nullptr, 0);
  return std::random_device{}();
}

// A member that can die. Dead: every command completes (from Poll) with
// Internal Error, as a controller in SALIX_FAULT_IO_ERROR mode does.
// With a read delay, reads reach the device some polls late, so commands
// sent after them overtake them (real devices reorder; embedded ones are
// FIFO).
class KillableDevice final : public Device {
 public:
  explicit KillableDevice(std::unique_ptr<EmbeddedDevice> inner)
      : inner_(std::move(inner)), info_(inner_->info()) {}
  const DeviceInfo& info() const override { return info_; }
  // As a Linux device says: gather lists are not cheap, so the engine
  // copies merged writes into one buffer (before the array is created).
  void SetCheapSegments(bool on) { info_.cheap_segments = on; }
  bool Submit(const DeviceCommand& cmd, CompletionFn fn, void* ctx) override {
    if (frozen_) return true;  // the host died before this reached the device
    if (dead_) {
      dead_queue_.push_back({fn, ctx});
      return true;
    }
    if (read_delay_ > 0 && cmd.opcode == SALIX_IO_READ) {
      delayed_.push_back({cmd, fn, ctx, read_delay_});
      return true;
    }
    return inner_->Submit(cmd, fn, ctx);
  }
  size_t Poll(unsigned wait_us) override {
    if (frozen_) return 0;
    size_t n = 0;
    for (auto it = delayed_.begin(); it != delayed_.end();) {
      if (--it->polls > 0 || !inner_->Submit(it->cmd, it->fn, it->ctx)) {
        ++it;
        continue;
      }
      it = delayed_.erase(it);
    }
    while (!dead_queue_.empty()) {
      auto [fn, ctx] = dead_queue_.front();
      dead_queue_.pop_front();
      DeviceCompletion c;
      c.status = 0x4006;  // DNR | Internal Error
      fn(ctx, c);
      n++;
    }
    return n + inner_->Poll(wait_us);
  }
  size_t in_flight() const override {
    return inner_->in_flight() + dead_queue_.size() + delayed_.size();
  }
  unsigned queue_depth() const override { return inner_->queue_depth(); }
  DeviceCompletion Admin(const DeviceCommand& cmd) override {
    return inner_->Admin(cmd);
  }
  void Kill() { dead_ = true; }
  void SetReadDelay(unsigned polls) { read_delay_ = polls; }
  // The host process dies at this instant: from now on nothing it submits
  // reaches the device and nothing completes, until Crash().
  void Freeze() { frozen_ = true; }
  // The host process died: nothing in flight reports back.
  void Crash() {
    inner_->AbandonInFlight();
    dead_queue_.clear();
    delayed_.clear();
    frozen_ = false;
  }
  EmbeddedDevice& inner() { return *inner_; }

 private:
  std::unique_ptr<EmbeddedDevice> inner_;
  DeviceInfo info_;
  bool dead_ = false;
  bool frozen_ = false;
  std::deque<std::pair<CompletionFn, void*>> dead_queue_;
  struct Delayed {
    DeviceCommand cmd;
    CompletionFn fn;
    void* ctx;
    unsigned polls;
  };
  unsigned read_delay_ = 0;
  std::deque<Delayed> delayed_;
};

inline std::vector<std::unique_ptr<KillableDevice>> MakeMembers(
    unsigned n, const std::string& size = "16M",
    const std::string& personality = "nossd") {
  std::vector<std::unique_ptr<KillableDevice>> out;
  for (unsigned i = 0; i < n; i++) {
    EmbeddedDeviceOptions o;
    o.name = "emb" + std::to_string(i);
    o.config = {{"personality", personality},
                {"size", size},
                {"serial", "SALIXTEST" + std::to_string(i)}};
    if (personality == "ftl") o.config.push_back({"timing.mode", "off"});
    auto d = EmbeddedDevice::Create(o);
    if (!d.ok()) {
      std::fprintf(stderr, "MakeMembers: %s\n", d.error().message.c_str());
      return {};
    }
    out.push_back(std::make_unique<KillableDevice>(std::move(d.value())));
  }
  return out;
}

inline std::vector<Device*> Ptrs(
    const std::vector<std::unique_ptr<KillableDevice>>& v) {
  std::vector<Device*> p;
  for (auto& d : v) p.push_back(d.get());
  return p;
}

// Drives an Array with many requests in flight and checks every read
// against the newest acknowledged write of each block.
class Oracle {
 public:
  Oracle(Array* a, uint64_t seed) : array_(a), rng_(seed) {
    bs_ = a->block_bytes();
    blocks_ = a->capacity_bytes() / bs_;
  }
  void set_array(Array* a) { array_ = a; }

  // Requests of 1..max_blocks blocks (uniform) from Run; 1 by default.
  // Multi-block writes are what the engine may coalesce into fewer device
  // commands (a whole stripe's backups in one).
  void set_max_blocks(unsigned n) { max_blocks_ = std::max(1u, n); }
  // Runs after each acknowledged write (from the array's Poll).
  void set_on_write_ack(std::function<void()> f) { on_write_ack_ = std::move(f); }

  // Issues 'ops' random reads and writes (70% writes) with up to 'depth' in
  // flight over the first 'span' blocks (0: all).
  // drain = false leaves requests in flight (for crash tests).
  void Run(unsigned ops, unsigned depth, uint64_t span = 0,
           const std::function<void(unsigned op)>& at_op = {},
           bool drain = true) {
    uint64_t range = span ? std::min(span, blocks_) : blocks_;
    for (unsigned op = 0; op < ops; op++) {
      if (at_op) at_op(op);
      while (inflight_ >= depth) array_->Poll(0);
      uint64_t count = 1 + rng_() % max_blocks_;
      count = std::min(count, range);
      uint64_t b = rng_() % (range - count + 1);
      if (rng_() % 10 < 7) {
        Write(b, static_cast<unsigned>(count));
      } else {
        Read(b, static_cast<unsigned>(count));
      }
    }
    if (drain) Drain();
  }

  void Drain() {
    while (inflight_ > 0) array_->Poll(0);
  }

  // One request writing blocks [b, b + count), all with one new version.
  void Write(uint64_t b, unsigned count = 1) {
    auto* r = new Req{this, b, true, std::vector<uint8_t>(uint64_t{bs_} * count),
                      ++version_};
    r->count = count;
    for (unsigned x = 0; x < count; x++) {
      Fill(r->buf.data() + uint64_t{x} * bs_, b + x, r->version);
      pending_writes_[b + x].push_back(r->version);
    }
    inflight_++;
    bool ok = array_->SubmitWrite(b * bs_, bs_ * count, r->buf.data(), &Done, r);
    if (!ok) {
      failures_.push_back("write refused");
      inflight_--;
      for (unsigned x = 0; x < count; x++) {
        auto& pw = pending_writes_[b + x];
        pw.erase(std::find(pw.begin(), pw.end(), r->version));
      }
      delete r;
    }
  }

  void Read(uint64_t b, unsigned count = 1) {
    auto* r = new Req{this, b, false, std::vector<uint8_t>(uint64_t{bs_} * count), 0};
    r->count = count;
    // Acceptable versions per block: the acked one at submission, or any in
    // flight.
    r->acceptable.resize(count);
    for (unsigned x = 0; x < count; x++) {
      r->acceptable[x].push_back(acked_.count(b + x) ? acked_[b + x] : 0);
      for (uint64_t v : pending_writes_[b + x]) r->acceptable[x].push_back(v);
    }
    inflight_++;
    if (!array_->SubmitRead(b * bs_, bs_ * count, r->buf.data(), &Done, r)) {
      failures_.push_back("read refused");
      inflight_--;
      delete r;
    }
  }

  // Reads every block synchronously and compares; with 'crashed', versions
  // written but not acknowledged before the crash are accepted too.
  void VerifyAll(bool crashed = false) {
    std::vector<uint8_t> buf(bs_);
    for (uint64_t b = 0; b < blocks_; b++) {
      int res = 1;
      auto fn = [](void* p, int r) { *static_cast<int*>(p) = r; };
      if (!array_->SubmitRead(b * bs_, bs_, buf.data(), fn, &res)) {
        failures_.push_back("verify read refused");
        return;
      }
      while (res == 1) array_->Poll(0);
      if (res != 0) {
        failures_.push_back("block " + std::to_string(b) + ": read error " +
                            std::to_string(res));
        continue;
      }
      std::vector<uint64_t> ok{acked_.count(b) ? acked_[b] : 0};
      if (crashed) {
        for (uint64_t v : unacked_at_crash_[b]) ok.push_back(v);
      }
      uint64_t got = VersionOf(buf.data(), b);
      if (std::find(ok.begin(), ok.end(), got) == ok.end()) {
        failures_.push_back("block " + std::to_string(b) + ": version " +
                            std::to_string(got) + ", expected " +
                            std::to_string(ok[0]));
      } else if (crashed && got != ok[0]) {
        acked_[b] = got;  // the device kept an unacknowledged write
      }
    }
  }

  // The engine is gone: forget requests in flight (their buffers leak on
  // purpose, the devices may still DMA from them).
  void Crash() {
    for (auto& [b, vs] : pending_writes_) {
      for (uint64_t v : vs) unacked_at_crash_[b].push_back(v);
    }
    pending_writes_.clear();
    inflight_ = 0;
    generation_++;
  }

  const std::vector<std::string>& failures() const { return failures_; }
  uint64_t blocks() const { return blocks_; }
  uint64_t acked_writes() const { return acked_count_; }

 private:
  struct Req {
    Oracle* o;
    uint64_t block;
    bool write;
    std::vector<uint8_t> buf;
    uint64_t version;
    std::vector<std::vector<uint64_t>> acceptable;  // per block (reads)
    uint64_t generation = 0;
    unsigned count = 1;
  };

  static void Done(void* p, int res) {
    auto* r = static_cast<Req*>(p);
    Oracle* o = r->o;
    o->inflight_--;
    if (res != 0) {
      o->failures_.push_back((r->write ? "write " : "read ") +
                             std::to_string(r->block) + " failed: " +
                             std::to_string(res));
    } else if (r->write) {
      for (unsigned x = 0; x < r->count; x++) {
        const uint64_t b = r->block + x;
        auto& pw = o->pending_writes_[b];
        pw.erase(std::find(pw.begin(), pw.end(), r->version));
        // Newest acknowledged = the highest version among acknowledged ones
        // (writes issued later win even if they complete first).
        if (!o->acked_.count(b) || o->acked_[b] < r->version) {
          o->acked_[b] = r->version;
        }
      }
      o->acked_count_++;
      if (o->on_write_ack_) o->on_write_ack_();
    } else {
      for (unsigned x = 0; x < r->count; x++) {
        const uint64_t b = r->block + x;
        const auto& acceptable = r->acceptable[x];
        uint64_t got = o->VersionOf(r->buf.data() + uint64_t{x} * o->bs_, b);
        bool ok = std::find(acceptable.begin(), acceptable.end(), got) !=
                  acceptable.end();
        // A write acknowledged after the read was submitted may also show.
        if (!ok && got > acceptable[0] && got <= o->version_ &&
            got != ~uint64_t{0}) {
          ok = true;
        }
        if (!ok) {
          o->failures_.push_back("read " + std::to_string(b) + ": version " +
                                 std::to_string(got));
        }
      }
    }
    delete r;
  }

  void Fill(uint8_t* p, uint64_t b, uint64_t v) const {
    std::mt19937_64 g(b * 0x9E3779B97F4A7C15ull ^ v);
    std::memcpy(p, &b, 8);
    std::memcpy(p + 8, &v, 8);
    for (uint32_t i = 16; i + 8 <= bs_; i += 8) {
      uint64_t x = g();
      std::memcpy(p + i, &x, 8);
    }
  }
  // The version a block holds (0 = never written, all zeroes); a block
  // whose contents are not exactly a version we wrote reads as ~0.
  uint64_t VersionOf(const uint8_t* p, uint64_t b) const {
    uint64_t tag_b, v;
    std::memcpy(&tag_b, p, 8);
    std::memcpy(&v, p + 8, 8);
    if (tag_b == 0 && v == 0) {
      for (uint32_t i = 0; i < bs_; i++) {
        if (p[i]) return ~uint64_t{0};
      }
      return 0;
    }
    if (tag_b != b) return ~uint64_t{0};
    std::vector<uint8_t> expect(bs_);
    Fill(expect.data(), b, v);
    return std::memcmp(expect.data(), p, bs_) == 0 ? v : ~uint64_t{0};
  }

  Array* array_;
  std::mt19937_64 rng_;
  uint32_t bs_;
  uint64_t blocks_;
  uint64_t version_ = 0;
  unsigned inflight_ = 0;
  uint64_t generation_ = 0;
  uint64_t acked_count_ = 0;
  unsigned max_blocks_ = 1;
  std::function<void()> on_write_ack_;
  std::map<uint64_t, uint64_t> acked_;
  std::map<uint64_t, std::vector<uint64_t>> pending_writes_;
  std::map<uint64_t, std::vector<uint64_t>> unacked_at_crash_;
  std::vector<std::string> failures_;
};

}  // namespace salix::host::test

#endif  // SALIX_TESTS_UNIT_HOST_ARRAY_FIXTURE_H

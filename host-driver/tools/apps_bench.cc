// apps_bench.cc - benchmarks of the SSD apps (issue 5, part 7), each against
// its host-side equivalent on the same device in the same run:
//   tpcb    TPC-B-like transactions: the built-in "txn" app, as BEGIN,
//           WRITEs, COMMIT ("txn app") and as one EXEC Invoke ("txn EXEC"),
//           against host write-ahead logging (redo log write with FUA or +
//           Flush, in-place writes, periodic checkpoint); prints the mean
//           device time of each phase of a transaction;
//   btree   pointer-chasing lookups in an on-flash B+-tree: one Invoke of
//           the btree_lookup eBPF app against one host Read per level;
//   scan    scan-and-filter: the scan_filter app against the host reading
//           every record and filtering; bytes moved to the host and time;
//   interp  interpreter speed: the checksum app's instructions per wall
//           second (app log page C1h), against the same CRC32C natively.
//
// The device is an embedded Salix firmware (in this process) with the ftl
// personality, its NAND timing model on (timing.mode=realtime) and a
// virtual clock: device time is modelled, advances only when the device
// waits for its next event, and is the same on every run. Host software
// costs no device time unless --host-us charges some per host round trip.
// The app interpreter's own execution costs no device time either (only
// the flash operations an app makes are booked); wall times show it.
//
//   salix-apps-bench [--only tpcb,btree,scan,interp] [--size 512M]
//                    [--profile tlc-datacenter] [--set key=value ...]
//                    [--txns 2000] [--streams 8] [--accounts 8192]
//                    [--wal-sync fua|flush] [--checkpoint 64]
//                    [--keys 1000000] [--fanout 0] [--lookups 2000]
//                    [--scan-lbas 4096] [--select-pct 1]
//                    [--checksum-lbas 4096] [--host-us 0] [--seed 1]
#include <fmt/format.h>
#include <salix/app_commands.h>
#include <salix/builtin_apps.h>
#include <salix/opcodes.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "apps/examples/app_examples.h"
#include "apps/examples/btree.h"
#include "apps/examples/checksum.h"
#include "apps/examples/scan_filter.h"
#include "salix/host/embedded_device.h"

namespace {

using namespace salix::host;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kFua = 1u << 30;       // Write CDW12
constexpr uint32_t kMaxIoLbas = 32;       // 128 KiB per command (MDTS)

struct Args {
  std::vector<std::string> only;
  std::string size = "512M";
  std::string profile = "tlc-datacenter";
  std::vector<std::pair<std::string, std::string>> set;
  uint64_t txns = 2000;
  unsigned streams = 8;
  uint64_t accounts = 8192;
  std::string wal_sync = "fua";
  uint64_t checkpoint = 64;
  uint64_t keys = 1000000;
  uint32_t fanout = 0;
  uint64_t lookups = 2000;
  uint64_t scan_lbas = 4096;
  uint32_t select_pct = 1;
  uint64_t checksum_lbas = 4096;
  double host_us = 0;
  uint64_t seed = 1;
  std::string cmdline;

  bool Want(const std::string& name) const {
    return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
  }
};

[[noreturn]] void Die(const std::string& why) {
  fmt::print(stderr, "salix-apps-bench: {}\n", why);
  std::exit(1);
}

double WallNow() {
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

std::string StatusName(const DeviceCompletion& c) {
  if (c.errno_ != 0) return fmt::format("transport error {}", c.errno_);
  if (c.status >> 8 == SALIX_SCT_VENDOR) {
    static const char* const kNames[] = {
        "?", "PROGRAM_INVALID", "SLOT_OCCUPIED", "SLOT_EMPTY", "PROGRAM_ACTIVE",
        "APP_NOT_ACTIVE", "FUNCTION_INVALID", "INPUT_SIZE", "TOKEN_INVALID",
        "ACCESS_DENIED", "BUDGET_EXHAUSTED", "MEMORY_FAULT", "APP_FAILED",
        "DOMAIN_LIMIT", "NAME_IN_USE", "CALL_DEPTH"};
    const unsigned sc = c.status & 0xFF;
    if (sc < std::size(kNames)) return fmt::format("{} ({:#05x})", kNames[sc], c.status);
  }
  return fmt::format("status {:#05x}", c.status);
}

// ---- commands ----------------------------------------------------------------

DeviceCommand Rw(uint8_t opcode, uint64_t lba, uint32_t nlb, void* data, uint32_t lba_size,
                 uint32_t flags = 0) {
  DeviceCommand c;
  c.opcode = opcode;
  c.cdw10 = static_cast<uint32_t>(lba);
  c.cdw11 = static_cast<uint32_t>(lba >> 32);
  c.cdw12 = (nlb - 1) | flags;
  c.data = data;
  c.data_len = nlb * lba_size;
  return c;
}

DeviceCommand FlushCmd() {
  DeviceCommand c;
  c.opcode = SALIX_IO_FLUSH;
  return c;
}

// Invoke: 'buf' holds the input and receives the output (max of both).
DeviceCommand InvokeCmd(uint32_t slot, uint32_t function, const salix_app_token& t,
                        std::vector<uint8_t>& buf, uint32_t in_len, uint32_t out_cap,
                        uint32_t budget_units = 0) {
  buf.resize(std::max<size_t>({buf.size(), in_len, out_cap}));
  DeviceCommand c;
  c.opcode = SALIX_IO_INVOKE;
  c.cdw2 = t.dw[0];
  c.cdw3 = t.dw[1];
  c.cdw14 = t.dw[2];
  c.cdw15 = t.dw[3];
  c.cdw10 = (slot & 0xFFFF) | (function << 16);
  c.cdw11 = in_len;
  c.cdw12 = out_cap;
  c.cdw13 = budget_units;
  c.data = buf.data();
  c.data_len = static_cast<uint32_t>(std::max(in_len, out_cap));
  return c;
}

// The device and the synchronous steps around the measured runs.
class Bench {
 public:
  explicit Bench(const Args& a) {
    EmbeddedDeviceOptions o;
    o.name = "apps-bench";
    o.queue_depth = 64;
    o.virtual_clock = true;
    o.config = {{"personality", "ftl"},
                {"size", a.size},
                {"flash.profile", a.profile},
                {"timing.mode", "realtime"},
                {"apps.builtin", "on"},
                {"serial", "APPSBENCH"}};
    for (const auto& kv : a.set) o.config.push_back(kv);
    auto d = EmbeddedDevice::Create(o);
    if (!d.ok()) Die(d.error().message);
    dev_ = std::move(d.value());
  }

  EmbeddedDevice& dev() { return *dev_; }
  uint32_t lba_size() const { return dev_->info().lba_size; }
  uint64_t lba_count() const { return dev_->info().lba_count; }
  uint64_t now_ns() const { return dev_->now_ns(); }

  DeviceCompletion Io(const DeviceCommand& c) { return dev_->Execute(c); }

  void Write(uint64_t lba, std::span<uint8_t> data) {
    const uint32_t n = static_cast<uint32_t>(data.size() / lba_size());
    for (uint32_t at = 0; at < n; at += kMaxIoLbas) {
      const uint32_t k = std::min(kMaxIoLbas, n - at);
      auto c = Io(Rw(SALIX_IO_WRITE, lba + at, k, data.data() + uint64_t{at} * lba_size(),
                     lba_size()));
      if (!c.ok()) Die(fmt::format("write of LBA {}: {}", lba + at, StatusName(c)));
    }
  }
  void Read(uint64_t lba, std::span<uint8_t> data) {
    const uint32_t n = static_cast<uint32_t>(data.size() / lba_size());
    for (uint32_t at = 0; at < n; at += kMaxIoLbas) {
      const uint32_t k = std::min(kMaxIoLbas, n - at);
      auto c = Io(Rw(SALIX_IO_READ, lba + at, k, data.data() + uint64_t{at} * lba_size(),
                     lba_size()));
      if (!c.ok()) Die(fmt::format("read of LBA {}: {}", lba + at, StatusName(c)));
    }
  }
  void Flush() {
    auto c = Io(FlushCmd());
    if (!c.ok()) Die(fmt::format("flush: {}", StatusName(c)));
  }

  salix_app_log AppLog() {
    salix_app_log log{};
    DeviceCommand c;
    c.opcode = SALIX_ADMIN_GET_LOG_PAGE;
    c.nsid = 0xFFFFFFFF;
    c.cdw10 = SALIX_LOG_APPS | ((sizeof(log) / 4 - 1) << 16);
    c.data = &log;
    c.data_len = sizeof(log);
    auto r = dev_->Admin(c);
    if (!r.ok()) Die(fmt::format("app log page C1h: {}", StatusName(r)));
    return log;
  }
  std::optional<salix_app_log_entry> FindApp(const std::string& name) {
    salix_app_log log = AppLog();
    for (uint32_t i = 0; i < std::min(log.count, SALIX_APP_LOG_MAX_ENTRIES); i++) {
      if (std::string(log.entries[i].name, strnlen(log.entries[i].name, SALIX_APP_NAME_LEN)) ==
          name) {
        return log.entries[i];
      }
    }
    return std::nullopt;
  }
  std::optional<salix_app_log_entry> Slot(uint32_t slot) {
    salix_app_log log = AppLog();
    for (uint32_t i = 0; i < std::min(log.count, SALIX_APP_LOG_MAX_ENTRIES); i++) {
      if (log.entries[i].slot == slot) return log.entries[i];
    }
    return std::nullopt;
  }
  // LBAs the built-in apps keep for themselves at the top of the namespace.
  uint64_t PrivateLbas() {
    salix_app_log log = AppLog();
    uint64_t n = 0;
    for (uint32_t i = 0; i < std::min(log.count, SALIX_APP_LOG_MAX_ENTRIES); i++) {
      n += log.entries[i].private_lbas;
    }
    return n;
  }

  // Load Program (85h) in 4 KiB chunks, then Program Activation (88h).
  void LoadAndActivate(uint32_t slot, const std::string& example, const std::string& name,
                       uint32_t scratch_kib) {
    auto obj = salix::apps::examples::ExampleObject(example);
    if (obj.empty()) Die(fmt::format("no embedded example app '{}'", example));
    for (size_t off = 0; off < obj.size(); off += 4096) {
      const size_t n = std::min<size_t>(4096, obj.size() - off);
      std::vector<uint8_t> chunk(obj.begin() + off, obj.begin() + off + n);
      DeviceCommand c;
      c.opcode = SALIX_ADMIN_LOAD_PROGRAM;
      c.cdw10 = SALIX_PROGRAM_EBPF_ELF | (slot << 16);
      c.cdw11 = static_cast<uint32_t>(obj.size());
      c.cdw12 = static_cast<uint32_t>(n);
      c.cdw13 = static_cast<uint32_t>(off);
      c.data = chunk.data();
      c.data_len = static_cast<uint32_t>(n);
      auto r = dev_->Admin(c);
      if (!r.ok()) Die(fmt::format("Load Program of {} into slot {}: {}", example, slot,
                                   StatusName(r)));
    }
    DeviceCommand c;
    c.opcode = SALIX_ADMIN_PROGRAM_ACTIVATION;
    c.cdw10 = SALIX_PROGRAM_ACTIVATE | (slot << 16);
    c.cdw11 = scratch_kib;
    uint32_t dw[4] = {};
    std::memcpy(dw, name.data(), std::min<size_t>(name.size(), sizeof(dw)));
    c.cdw12 = dw[0];
    c.cdw13 = dw[1];
    c.cdw14 = dw[2];
    c.cdw15 = dw[3];
    auto r = dev_->Admin(c);
    if (!r.ok()) Die(fmt::format("Program Activation of slot {}: {}", slot, StatusName(r)));
  }

  // Domain Management (C3h) create; returns the token.
  salix_app_token CreateDomain(const std::vector<salix_domain_range>& ranges) {
    std::vector<uint8_t> buf(SALIX_DOMAIN_CREATE_BYTES(ranges.size()), 0);
    std::memcpy(buf.data() + sizeof(salix_domain_create), ranges.data(),
                ranges.size() * sizeof(salix_domain_range));
    DeviceCommand c;
    c.opcode = SALIX_ADMIN_DOMAIN_MANAGEMENT;
    c.cdw10 = SALIX_DOMAIN_CREATE;
    c.cdw11 = static_cast<uint32_t>(ranges.size());
    c.data = buf.data();
    c.data_len = static_cast<uint32_t>(buf.size());
    auto r = dev_->Admin(c);
    if (!r.ok()) Die(fmt::format("Domain Management create: {}", StatusName(r)));
    salix_app_token t;
    std::memcpy(&t, buf.data(), sizeof(t));
    return t;
  }

 private:
  std::unique_ptr<EmbeddedDevice> dev_;
};

salix_domain_range Range(uint64_t first, uint64_t count, uint8_t rights) {
  salix_domain_range r{};
  r.slba = first;
  r.nlb = static_cast<uint32_t>(count);
  r.rights = rights;
  return r;
}

// ---- concurrent command streams -------------------------------------------------
//
// A stream is a sequence of phases; the commands of a phase run concurrently
// and the next phase starts when all of them completed (its commands depend
// on their results). Streams run side by side: one stream at a time is
// "QD1" for transactions and lookups.

class Stream;
struct Op {
  DeviceCommand cmd;
  DeviceCompletion c;
  Stream* owner = nullptr;
};

class Stream {
 public:
  virtual ~Stream() = default;
  // Called first with no ops, then each time every op of the phase completed
  // (their completions in ops). Refills ops with the next phase (at least
  // one command); false when the stream is finished or failed (error()).
  virtual bool Next(std::vector<Op>& ops) = 0;
  const std::string& error() const { return error_; }

 protected:
  bool Fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

 private:
  friend class Runner;
  std::vector<Op> ops_;
  size_t submitted_ = 0, pending_ = 0;
  bool done_ = false;
  std::string error_;
};

class Runner {
 public:
  // host_ns: virtual device time charged per host round trip (a phase
  // completing and the next one submitted), as host software time.
  Runner(EmbeddedDevice& dev, uint64_t host_ns) : dev_(dev), host_ns_(host_ns) {}

  // Runs every stream to its end; the first stream error, if any.
  std::string Run(const std::vector<Stream*>& streams) {
    size_t active = 0;
    for (Stream* s : streams) {
      if (Start(*s)) active++;
    }
    while (active > 0) {
      for (Stream* s : streams) {
        while (!s->done_ && s->submitted_ < s->ops_.size()) {
          Op& op = s->ops_[s->submitted_];
          op.owner = s;
          if (!dev_.Submit(op.cmd, &Done, &op)) break;
          s->submitted_++;
        }
      }
      dev_.Poll(0);
      for (Stream* s : streams) {
        if (s->done_ || s->pending_ > 0 || s->submitted_ < s->ops_.size()) continue;
        if (host_ns_ > 0) dev_.AdvanceClock(host_ns_);
        if (!Start(*s)) active--;
      }
    }
    for (Stream* s : streams) {
      if (!s->error().empty()) return s->error();
    }
    return {};
  }

 private:
  bool Start(Stream& s) {
    if (!s.Next(s.ops_) || s.ops_.empty()) {
      s.done_ = true;
      return false;
    }
    s.submitted_ = 0;
    s.pending_ = s.ops_.size();
    return true;
  }
  static void Done(void* p, const DeviceCompletion& c) {
    Op* op = static_cast<Op*>(p);
    op->c = c;
    op->owner->pending_--;
  }

  EmbeddedDevice& dev_;
  uint64_t host_ns_;
};

struct Timed {
  double device_s = 0, wall_s = 0;
  std::string error;
};

Timed RunTimed(Bench& b, const Args& a, const std::vector<Stream*>& streams) {
  Runner r(b.dev(), static_cast<uint64_t>(a.host_us * 1000));
  const uint64_t d0 = b.now_ns();
  const double w0 = WallNow();
  Timed t;
  t.error = r.Run(streams);
  t.wall_s = WallNow() - w0;
  t.device_s = (b.now_ns() - d0) / 1e9;
  return t;
}

std::string Ratio(double x) { return fmt::format("{:.2f}x", x); }

// ---- 1. TPC-B-like transactions ---------------------------------------------------

// Blocks: accounts, tellers (10 per branch), branches, a history ring, the
// host WAL's log ring and its checkpoint block. Each account, teller and
// branch is one 4 KiB block: u64 id, i64 balance, filler.
struct TpcbLayout {
  uint64_t accounts = 0, tellers = 0, branches = 0;
  uint64_t account0 = 0, teller0 = 0, branch0 = 0, history0 = 0, history_lbas = 1024;
  uint64_t log0 = 0, log_lbas = 0, checkpoint_lba = 0, end = 0;
};

struct TpcbState {
  int64_t delta_sum = 0;  // every committed delta, both variants
  uint64_t history_seq = 0;
  uint64_t log_next = 0;  // WAL ring position
  uint64_t lsn = 0;
  uint64_t since_checkpoint = 0;
  uint64_t checkpoints = 0;
};

struct LogHeader {
  uint64_t magic;
  uint64_t lsn;
  uint64_t homes[4];
  int64_t delta;
};

class TpcbStream : public Stream {
 public:
  // kTxnApp: BEGIN, one WRITE Invoke per block, COMMIT; kTxnExec: one
  // EXEC Invoke carrying every write and the commit; kWal: host logging.
  enum class Kind { kTxnApp, kTxnExec, kWal };
  TpcbStream(Kind kind, const Args& a, const TpcbLayout& l, TpcbState& st, uint32_t lba_size,
             unsigned index, unsigned of, uint64_t txns, uint32_t txn_slot,
             const salix_app_token& token, const EmbeddedDevice& clock)
      : kind_(kind), a_(a), l_(l), st_(st), lba_(lba_size), index_(index), of_(of),
        txns_(txns), slot_(txn_slot), token_(token), clock_(clock),
        rng_(a.seed * 1000 + index) {
    for (auto& r : reads_) r.assign(lba_, 0);
    for (auto& w : writes_) w.assign(sizeof(salix_txn_write) + lba_, 0);
    log_.assign(5 * lba_, 0);
    checkpoint_.assign(lba_, 0);
  }
  uint64_t done() const { return done_; }
  // Device time spent in each phase (name -> total ns, count).
  const std::map<std::string, std::pair<uint64_t, uint64_t>>& phases() const { return phases_; }

  bool Next(std::vector<Op>& ops) override {
    for (const Op& op : ops) {
      if (!op.c.ok()) return Fail(fmt::format("{} {}: {}", Name(), phase_name_, StatusName(op.c)));
    }
    if (!ops.empty()) {
      auto& p = phases_[phase_name_];
      p.first += clock_.now_ns() - phase_start_;
      p.second++;
    }
    phase_start_ = clock_.now_ns();
    const bool app = kind_ == Kind::kTxnApp;
    switch (phase_) {
      case kStart: return StartTxn(ops);
      case kWrites:
        if (kind_ == Kind::kTxnExec) return TxnExec(ops);
        return app ? TxnWrites(ops) : WalLog(ops);
      case kCommit: return app ? TxnCommit(ops) : One(ops, FlushCmd(), "log flush", kInPlace);
      case kInPlace: return WalInPlace(ops);
      case kCheckpointFlush: return One(ops, FlushCmd(), "checkpoint flush", kCheckpointWrite);
      case kCheckpointWrite: return WalCheckpointWrite(ops);
      case kFinish: return Finish(ops);
    }
    return Fail("bad phase");
  }

 private:
  enum Phase { kStart, kWrites, kCommit, kInPlace, kCheckpointFlush, kCheckpointWrite, kFinish };

  const char* Name() const {
    return kind_ == Kind::kTxnApp ? "txn app" : kind_ == Kind::kTxnExec ? "txn EXEC" : "host WAL";
  }

  bool One(std::vector<Op>& ops, const DeviceCommand& c, const char* what, Phase next) {
    ops.clear();
    ops.push_back({c, {}});
    phase_name_ = what;
    phase_ = next;
    return true;
  }

  // Reads account, teller, branch (and BEGIN for the txn app).
  bool StartTxn(std::vector<Op>& ops) {
    ops.clear();
    if (done_ >= txns_) return false;
    // Stream i runs the terminals of branch i mod branches; its accounts
    // are its own slice, so concurrent transactions never conflict.
    const uint64_t branch = index_ % l_.branches;
    const uint64_t per = l_.accounts / of_;
    account_ = index_ * per + rng_() % per;
    teller_ = branch * 10 + rng_() % 10;
    branch_ = branch;
    delta_ = static_cast<int64_t>(rng_() % 199999) - 99999;
    homes_ = {l_.account0 + account_, l_.teller0 + teller_, l_.branch0 + branch_, 0};
    for (int i = 0; i < 3; i++) {
      ops.push_back({Rw(SALIX_IO_READ, homes_[i], 1, reads_[i].data(), lba_), {}});
    }
    if (kind_ == Kind::kTxnApp) {
      // BEGIN returns the id as its value; a firmware that also emits the
      // 8-byte id lets the host keep all 64 bits (CQE DW0 has 32).
      begin_.assign(8, 0);
      ops.push_back({InvokeCmd(slot_, SALIX_TXN_BEGIN, token_, begin_, 0, 8), {}});
    }
    phase_name_ = kind_ == Kind::kTxnApp ? "reads/BEGIN" : "reads";
    phase_ = kWrites;
    return true;
  }

  // The four new block images: account, teller, branch, history.
  void Images(uint8_t* const out[4]) {
    for (int i = 0; i < 3; i++) {
      std::memcpy(out[i], reads_[i].data(), lba_);
      int64_t bal;
      std::memcpy(&bal, out[i] + 8, 8);
      bal += delta_;
      std::memcpy(out[i] + 8, &bal, 8);
    }
    std::memset(out[3], 0, lba_);
    const uint64_t seq = st_.history_seq++;
    homes_[3] = l_.history0 + seq % l_.history_lbas;
    const uint64_t rec[5] = {seq, account_, teller_, branch_, static_cast<uint64_t>(delta_)};
    std::memcpy(out[3], rec, sizeof(rec));
  }

  bool TxnWrites(std::vector<Op>& ops) {
    uint64_t id64 = 0;
    std::memcpy(&id64, begin_.data(), 8);
    txid_ = id64 != 0 ? id64 : ops[3].c.dw0;
    uint8_t* img[4];
    for (int i = 0; i < 4; i++) img[i] = writes_[i].data() + sizeof(salix_txn_write);
    Images(img);
    ops.clear();
    for (int i = 0; i < 4; i++) {
      salix_txn_write w{txid_, homes_[i], 1, 0};
      std::memcpy(writes_[i].data(), &w, sizeof(w));
      ops.push_back({InvokeCmd(slot_, SALIX_TXN_WRITE, token_, writes_[i],
                               static_cast<uint32_t>(writes_[i].size()), 0),
                     {}});
    }
    phase_name_ = "WRITE";
    phase_ = kCommit;
    return true;
  }

  // One Invoke: salix_txn_exec, four ranges, four images.
  bool TxnExec(std::vector<Op>& ops) {
    const size_t table = sizeof(salix_txn_exec) + 4 * sizeof(salix_txn_range);
    exec_.assign(table + 4 * lba_, 0);
    uint8_t* img[4];
    for (int i = 0; i < 4; i++) img[i] = exec_.data() + table + i * lba_;
    Images(img);
    salix_txn_exec x{4, 0};
    std::memcpy(exec_.data(), &x, sizeof(x));
    for (int i = 0; i < 4; i++) {
      salix_txn_range r{homes_[i], 1, 0};
      std::memcpy(exec_.data() + sizeof(x) + i * sizeof(r), &r, sizeof(r));
    }
    return One(ops, InvokeCmd(slot_, SALIX_TXN_EXEC, token_, exec_,
                              static_cast<uint32_t>(exec_.size()), 0),
               "EXEC", kFinish);
  }

  bool TxnCommit(std::vector<Op>& ops) {
    commit_.assign(sizeof(salix_txn_id), 0);
    salix_txn_id id{txid_};
    std::memcpy(commit_.data(), &id, sizeof(id));
    return One(ops, InvokeCmd(slot_, SALIX_TXN_COMMIT, token_, commit_, sizeof(id), 0),
               "COMMIT", kFinish);
  }

  // Redo log record: a header block and the four images, one command.
  bool WalLog(std::vector<Op>& ops) {
    uint8_t* img[4];
    for (int i = 0; i < 4; i++) img[i] = log_.data() + (i + 1) * lba_;
    Images(img);
    LogHeader h{0x4c41574c4c414c53ull, ++st_.lsn, {homes_[0], homes_[1], homes_[2], homes_[3]},
                delta_};
    std::memset(log_.data(), 0, lba_);
    std::memcpy(log_.data(), &h, sizeof(h));
    if (st_.log_next + 5 > l_.log_lbas) st_.log_next = 0;
    const uint64_t at = l_.log0 + st_.log_next;
    st_.log_next += 5;
    const bool fua = a_.wal_sync == "fua";
    return One(ops, Rw(SALIX_IO_WRITE, at, 5, log_.data(), lba_, fua ? kFua : 0), "log write",
               fua ? kInPlace : kCommit);
  }

  // The transaction is durable; the home blocks are written in place
  // (write-back cache). Every --checkpoint transactions: Flush, then the
  // checkpoint block (FUA) lets the log be reused.
  bool WalInPlace(std::vector<Op>& ops) {
    ops.clear();
    for (int i = 0; i < 4; i++) {
      ops.push_back({Rw(SALIX_IO_WRITE, homes_[i], 1, log_.data() + (i + 1) * lba_, lba_), {}});
    }
    phase_name_ = "in-place writes";
    phase_ = kFinish;
    if (++st_.since_checkpoint >= a_.checkpoint) {
      st_.since_checkpoint = 0;
      phase_ = kCheckpointFlush;
    }
    return true;
  }

  bool WalCheckpointWrite(std::vector<Op>& ops) {
    const uint64_t rec[2] = {0x54504b4843ull, st_.lsn};
    std::memset(checkpoint_.data(), 0, lba_);
    std::memcpy(checkpoint_.data(), rec, sizeof(rec));
    st_.checkpoints++;
    return One(ops, Rw(SALIX_IO_WRITE, l_.checkpoint_lba, 1, checkpoint_.data(), lba_, kFua),
               "checkpoint write", kFinish);
  }

  bool Finish(std::vector<Op>& ops) {
    done_++;
    st_.delta_sum += delta_;
    return StartTxn(ops);
  }

  Kind kind_;
  const Args& a_;
  const TpcbLayout& l_;
  TpcbState& st_;
  uint32_t lba_;
  unsigned index_, of_;
  uint64_t txns_;
  uint32_t slot_;
  salix_app_token token_;
  const EmbeddedDevice& clock_;
  std::mt19937_64 rng_;
  std::map<std::string, std::pair<uint64_t, uint64_t>> phases_;
  uint64_t phase_start_ = 0;
  Phase phase_ = kStart;
  const char* phase_name_ = "";
  uint64_t done_ = 0;
  uint64_t account_ = 0, teller_ = 0, branch_ = 0;
  int64_t delta_ = 0;
  std::array<uint64_t, 4> homes_{};
  uint64_t txid_ = 0;
  std::vector<uint8_t> reads_[3], writes_[4], log_, begin_, commit_, checkpoint_, exec_;
};

// Sum of the balances of n blocks from 'first'.
int64_t SumBalances(Bench& b, uint64_t first, uint64_t n) {
  std::vector<uint8_t> buf(kMaxIoLbas * b.lba_size());
  int64_t sum = 0;
  for (uint64_t at = 0; at < n; at += kMaxIoLbas) {
    const uint64_t k = std::min<uint64_t>(kMaxIoLbas, n - at);
    b.Read(first + at, {buf.data(), k * b.lba_size()});
    for (uint64_t i = 0; i < k; i++) {
      int64_t v;
      std::memcpy(&v, buf.data() + i * b.lba_size() + 8, 8);
      sum += v;
    }
  }
  return sum;
}

void Tpcb(Bench& b, const Args& a, uint64_t base) {
  fmt::print("\n== tpcb: TPC-B-like transactions (account, teller, branch read-modify-"
             "write + history block) ==\n");
  const uint32_t lba = b.lba_size();
  TpcbLayout l;
  const unsigned streams = std::max(1u, a.streams);
  l.branches = streams;
  l.tellers = 10 * l.branches;
  l.accounts = a.accounts / streams * streams;
  l.account0 = base;
  l.teller0 = l.account0 + l.accounts;
  l.branch0 = l.teller0 + l.tellers;
  l.history0 = l.branch0 + l.branches;
  l.log0 = l.history0 + l.history_lbas;
  l.log_lbas = std::max<uint64_t>(1024, 4 * 5 * (a.checkpoint + streams));
  l.checkpoint_lba = l.log0 + l.log_lbas;
  l.end = l.checkpoint_lba + 1;
  if (l.end > b.lba_count() - b.PrivateLbas()) Die("tpcb: the layout does not fit: raise --size");

  // Zero balances, ids in the first 8 bytes.
  {
    const uint64_t n = l.history0 - l.account0;
    std::vector<uint8_t> blocks(n * lba, 0x5a);
    for (uint64_t i = 0; i < n; i++) {
      std::memcpy(blocks.data() + i * lba, &i, 8);
      std::memset(blocks.data() + i * lba + 8, 0, 8);
    }
    b.Write(l.account0, blocks);
    b.Flush();
  }
  fmt::print("layout: {} accounts, {} tellers, {} branches (4 KiB blocks), history ring of "
             "{} blocks, WAL log ring of {} LBAs; checkpoint every {} transactions; WAL "
             "durability: {}\n",
             l.accounts, l.tellers, l.branches, l.history_lbas, l.log_lbas, a.checkpoint,
             a.wal_sync == "fua" ? "log write with FUA" : "log write + Flush");

  auto txn = b.FindApp(SALIX_APP_TXN);
  salix_app_token token{};
  if (txn) {
    token = b.CreateDomain({Range(l.account0, l.history0 + l.history_lbas - l.account0,
                                  SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE)});
  } else {
    fmt::print("txn app: NOT MEASURED: the firmware registers no built-in app named "
               "\"txn\" (app log page C1h lists none; built-in apps may be off by default)\n");
  }

  TpcbState st;
  std::vector<unsigned> depths = {1};
  if (streams > 1) depths.push_back(streams);
  std::map<std::pair<int, unsigned>, double> tps;  // (variant, streams) -> txn/s device
  for (unsigned c : depths) {
    for (int kind = 0; kind < 3; kind++) {
      const char* name = kind == 0 ? "txn app" : kind == 1 ? "txn EXEC" : "host WAL";
      if (kind < 2 && !txn) continue;
      const auto k = kind == 0   ? TpcbStream::Kind::kTxnApp
                     : kind == 1 ? TpcbStream::Kind::kTxnExec
                                 : TpcbStream::Kind::kWal;
      std::vector<std::unique_ptr<TpcbStream>> owned;
      std::vector<Stream*> ss;
      for (unsigned i = 0; i < c; i++) {
        const uint64_t n = a.txns / c + (i < a.txns % c ? 1 : 0);
        // With fewer streams than slices, stream i still uses slice i.
        owned.push_back(std::make_unique<TpcbStream>(k, a, l, st, lba, i, streams, n,
                                                     txn ? txn->slot : 0, token, b.dev()));
        ss.push_back(owned.back().get());
      }
      const int64_t delta0 = st.delta_sum;
      const uint64_t ck0 = st.checkpoints;
      const salix_app_log_entry e0 = txn ? *b.Slot(txn->slot) : salix_app_log_entry{};
      Timed t = RunTimed(b, a, ss);
      uint64_t done = 0;
      for (auto& s : owned) done += s->done();
      if (!t.error.empty()) {
        fmt::print("{:<9} {} stream(s): FAILED after {} transactions: {}\n", name, c, done,
                   t.error);
        if (kind < 2 && t.error.find("WRITE: status 0x00c") != std::string::npos) {
          fmt::print("          (Command Sequence Error: the id BEGIN returned is not open; "
                     "a 64-bit transaction id does not fit Invoke's 32-bit CQE DW0)\n");
        }
        continue;
      }
      tps[{kind, c}] = done / t.device_s;
      std::string extra;
      if (kind < 2) {
        const salix_app_log_entry e1 = *b.Slot(txn->slot);
        extra = fmt::format("; app: {} calls, {} LBAs read and {} written inside the device",
                            e1.calls - e0.calls, e1.lbas_read - e0.lbas_read,
                            e1.lbas_written - e0.lbas_written);
      } else {
        extra = fmt::format("; {} checkpoints", st.checkpoints - ck0);
      }
      fmt::print("{:<9} {} stream(s): {:>8.0f} txn/s device time, {:>8.0f} txn/s wall, "
                 "{:.1f} us device/txn ({} txns in {:.3f} s device, {:.2f} s wall{})\n",
                 name, c, done / t.device_s, done / t.wall_s, t.device_s * 1e6 / done * c, done,
                 t.device_s, t.wall_s, extra);
      // Where a transaction's device time goes: mean per phase, all streams.
      std::map<std::string, std::pair<uint64_t, uint64_t>> phases;
      for (auto& s : owned) {
        for (const auto& [k, v] : s->phases()) {
          phases[k].first += v.first;
          phases[k].second += v.second;
        }
      }
      std::string breakdown;
      for (const auto& [k, v] : phases) {
        breakdown += fmt::format("{}{} {:.1f} us (x{:.2f})", breakdown.empty() ? "" : ", ", k,
                                 v.first / 1e3 / v.second, double(v.second) / done);
      }
      fmt::print("          phases (mean device us, times per txn): {}\n", breakdown);
      // Consistency: every committed delta reached accounts, tellers and
      // branches.
      b.Flush();
      const int64_t sa = SumBalances(b, l.account0, l.accounts);
      const int64_t stl = SumBalances(b, l.teller0, l.tellers);
      const int64_t sb = SumBalances(b, l.branch0, l.branches);
      if (sa != st.delta_sum || stl != st.delta_sum || sb != st.delta_sum) {
        fmt::print("          INCONSISTENT: sum of deltas {} (this run {}), accounts {}, "
                   "tellers {}, branches {}\n",
                   st.delta_sum, st.delta_sum - delta0, sa, stl, sb);
      }
    }
  }
  for (unsigned c : depths) {
    for (int kind = 0; kind < 2; kind++) {
      if (!tps.count({kind, c}) || !tps.count({2, c})) continue;
      const double r = tps[{kind, c}] / tps[{2, c}];
      fmt::print("ratio {} / host WAL, {} stream(s): {} (goal >= 2x: {})\n",
                 kind == 0 ? "txn app (BEGIN, WRITEs, COMMIT)" : "txn EXEC (one Invoke)", c,
                 Ratio(r), r >= 2 ? "met" : "missed");
    }
  }
}

// ---- 2. B+-tree lookups -----------------------------------------------------------

struct Tree {
  uint64_t first = 0, nodes = 0, root = 0;
  int depth = 0;
};

// Lays the tree of keys k_i = 16 (i + 1), values 31 k + 7, bottom up from
// LBA 'first' (btree.h), writing it to the device.
Tree BuildTree(Bench& b, uint64_t first, uint64_t keys, uint32_t fanout) {
  const uint32_t lba = b.lba_size();
  const uint32_t cap = SALIX_BTREE_CAPACITY(lba);
  if (fanout == 0 || fanout > cap) fanout = cap;
  std::vector<std::pair<uint64_t, uint64_t>> level(keys);
  for (uint64_t i = 0; i < keys; i++) level[i] = {16 * (i + 1), 31 * 16 * (i + 1) + 7};
  Tree t;
  t.first = first;
  std::vector<uint8_t> out;
  uint64_t next = first;
  for (uint16_t height = 0;; ++height) {
    std::vector<std::pair<uint64_t, uint64_t>> parents;
    for (size_t at = 0; at < level.size(); at += fanout) {
      const size_t n = std::min<size_t>(fanout, level.size() - at);
      const size_t off = out.size();
      out.resize(off + lba, 0);
      btree_node_header h{SALIX_BTREE_MAGIC, height, static_cast<uint16_t>(n), 0};
      std::memcpy(out.data() + off, &h, sizeof(h));
      for (size_t k = 0; k < n; ++k) {
        btree_entry e{level[at + k].first, level[at + k].second};
        std::memcpy(out.data() + off + SALIX_BTREE_HEADER_SIZE + k * sizeof(e), &e, sizeof(e));
      }
      parents.push_back({level[at].first, next++});
    }
    t.depth = height + 1;
    if (parents.size() == 1) {
      t.root = parents[0].second;
      break;
    }
    level = std::move(parents);
  }
  t.nodes = next - first;
  b.Write(first, out);
  b.Flush();
  return t;
}

uint64_t TreeValue(uint64_t key) { return 31 * key + 7; }

class DeviceLookups : public Stream {
 public:
  DeviceLookups(const Tree& t, uint32_t slot, const salix_app_token& token,
                std::vector<uint64_t> keys)
      : t_(t), slot_(slot), token_(token), keys_(std::move(keys)) {}
  bool Next(std::vector<Op>& ops) override {
    if (!ops.empty()) {
      const Op& op = ops[0];
      if (!op.c.ok()) return Fail(fmt::format("btree_lookup Invoke: {}", StatusName(op.c)));
      uint64_t v;
      std::memcpy(&v, buf_.data(), 8);
      if (op.c.dw0 != 1 || v != TreeValue(keys_[at_ - 1])) {
        return Fail(fmt::format("btree_lookup of key {}: returned {}, value {}",
                                keys_[at_ - 1], op.c.dw0, v));
      }
    }
    ops.clear();
    if (at_ >= keys_.size()) return false;
    btree_lookup_params p{t_.root, keys_[at_++]};
    buf_.assign(sizeof(p), 0);
    std::memcpy(buf_.data(), &p, sizeof(p));
    ops.push_back({InvokeCmd(slot_, 0, token_, buf_, sizeof(p), 8), {}});
    return true;
  }

 private:
  const Tree& t_;
  uint32_t slot_;
  salix_app_token token_;
  std::vector<uint64_t> keys_;
  size_t at_ = 0;
  std::vector<uint8_t> buf_;
};

// The same search on the host: one Read per level.
class HostLookups : public Stream {
 public:
  HostLookups(const Tree& t, uint32_t lba_size, std::vector<uint64_t> keys)
      : t_(t), lba_(lba_size), keys_(std::move(keys)), node_(lba_size) {}
  bool Next(std::vector<Op>& ops) override {
    uint64_t next_lba = 0;
    if (!ops.empty()) {
      if (!ops[0].c.ok()) return Fail(fmt::format("node read: {}", StatusName(ops[0].c)));
      btree_node_header h;
      std::memcpy(&h, node_.data(), sizeof(h));
      if (h.magic != SALIX_BTREE_MAGIC || h.count == 0) return Fail("corrupt node");
      const auto* e = node_.data() + SALIX_BTREE_HEADER_SIZE;
      uint32_t lo = 0, hi = h.count;
      while (lo < hi) {
        const uint32_t mid = (lo + hi) / 2;
        uint64_t k;
        std::memcpy(&k, e + mid * SALIX_BTREE_ENTRY_SIZE, 8);
        if (k <= key_) lo = mid + 1; else hi = mid;
      }
      if (lo == 0) return Fail("key below the tree");
      btree_entry hit;
      std::memcpy(&hit, e + (lo - 1) * SALIX_BTREE_ENTRY_SIZE, sizeof(hit));
      if (h.level == 0) {
        if (hit.key != key_ || hit.value != TreeValue(key_)) {
          return Fail(fmt::format("host lookup of key {} failed", key_));
        }
      } else {
        next_lba = hit.value;
      }
    }
    ops.clear();
    if (next_lba == 0) {  // start the next lookup at the root
      if (at_ >= keys_.size()) return false;
      key_ = keys_[at_++];
      next_lba = t_.root;
    }
    reads_++;
    ops.push_back({Rw(SALIX_IO_READ, next_lba, 1, node_.data(), lba_), {}});
    return true;
  }
  uint64_t reads() const { return reads_; }

 private:
  const Tree& t_;
  uint32_t lba_;
  std::vector<uint64_t> keys_;
  std::vector<uint8_t> node_;
  size_t at_ = 0;
  uint64_t key_ = 0, reads_ = 0;
};

void Btree(Bench& b, const Args& a, uint64_t base) {
  fmt::print("\n== btree: pointer-chasing lookups in an on-flash B+-tree ==\n");
  const double w0 = WallNow();
  Tree t = BuildTree(b, base, a.keys, a.fanout);
  if (t.first + t.nodes > b.lba_count() - b.PrivateLbas()) Die("btree: tree does not fit");
  fmt::print("tree: {} keys, {} nodes of 4 KiB (LBAs {}..{}), depth {}, root LBA {} (built "
             "in {:.1f} s wall)\n",
             a.keys, t.nodes, t.first, t.first + t.nodes - 1, t.depth, t.root, WallNow() - w0);
  const uint32_t slot = 0;
  b.LoadAndActivate(slot, "btree_lookup", "btree", 0);
  const salix_app_token token = b.CreateDomain({Range(t.first, t.nodes, SALIX_DOMAIN_READ)});

  std::mt19937_64 rng(a.seed);
  std::vector<uint64_t> keys(a.lookups);
  for (auto& k : keys) k = 16 * (rng() % a.keys + 1);

  for (unsigned c : {1u, std::max(1u, a.streams)}) {
    auto split = [&](size_t i) {
      std::vector<uint64_t> mine;
      for (size_t j = i; j < keys.size(); j += c) mine.push_back(keys[j]);
      return mine;
    };
    std::vector<std::unique_ptr<DeviceLookups>> dev_s;
    std::vector<std::unique_ptr<HostLookups>> host_s;
    std::vector<Stream*> dp, hp;
    for (unsigned i = 0; i < c; i++) {
      dev_s.push_back(std::make_unique<DeviceLookups>(t, slot, token, split(i)));
      dp.push_back(dev_s.back().get());
      host_s.push_back(std::make_unique<HostLookups>(t, b.lba_size(), split(i)));
      hp.push_back(host_s.back().get());
    }
    const salix_app_log_entry e0 = *b.Slot(slot);
    Timed d = RunTimed(b, a, dp);
    const salix_app_log_entry e1 = *b.Slot(slot);
    Timed h = RunTimed(b, a, hp);
    uint64_t reads = 0;
    for (auto& s : host_s) reads += s->reads();
    const double n = static_cast<double>(keys.size());
    if (!d.error.empty()) fmt::print("device lookups FAILED: {}\n", d.error);
    if (!h.error.empty()) fmt::print("host lookups FAILED: {}\n", h.error);
    if (!d.error.empty() || !h.error.empty()) continue;
    const uint64_t insns = e1.instructions - e0.instructions;
    fmt::print("{} lookup(s) in flight: in device {:>7.1f} us device/lookup ({:.0f} lookups/s; "
               "{:.1f} us wall/lookup; {:.1f} LBAs and {:.0f} eBPF instructions per lookup)\n",
               c, d.device_s * 1e6 / n * c, n / d.device_s, d.wall_s * 1e6 / n,
               (e1.lbas_read - e0.lbas_read) / n, insns / n);
    fmt::print("{} lookup(s) in flight: on host   {:>7.1f} us device/lookup ({:.0f} lookups/s; "
               "{:.1f} us wall/lookup; {:.1f} Reads per lookup)\n",
               c, h.device_s * 1e6 / n * c, n / h.device_s, h.wall_s * 1e6 / n, reads / n);
    fmt::print("ratio in device / host round trips, {} in flight: {} (XRP reported ~2.5x)\n", c,
               Ratio(h.device_s / d.device_s));
    if (a.streams <= 1) break;
  }
}

// ---- 3. Scan and filter -------------------------------------------------------------

// Records: 64 per LBA, value = uniform 0..999; the filter keeps
// value < 10 * select_pct.
class DeviceScan : public Stream {
 public:
  DeviceScan(uint32_t slot, const salix_app_token& token, uint64_t first, uint64_t lbas,
             uint32_t chunk, uint32_t hi, uint32_t max_out)
      : slot_(slot), token_(token), next_(first), end_(first + lbas), chunk_(chunk), hi_(hi),
        max_out_(max_out) {}
  bool Next(std::vector<Op>& ops) override {
    if (!ops.empty()) {
      if (!ops[0].c.ok()) return Fail(fmt::format("scan_filter Invoke: {}", StatusName(ops[0].c)));
      const uint32_t m = ops[0].c.dw0;
      if (m > max_out_) return Fail(fmt::format("{} matches overflow the output of {}", m, max_out_));
      matches_ += m;
      out_bytes_ += uint64_t{m} * SCAN_RECORD_SIZE;
      in_bytes_ += sizeof(scan_filter_params);
      for (uint32_t i = 0; i < m; i++) {
        scan_record r;
        std::memcpy(&r, buf_.data() + i * SCAN_RECORD_SIZE, sizeof(r));
        if (r.value > hi_) return Fail("a returned record does not match");
        key_sum_ += r.key;
      }
    }
    ops.clear();
    if (next_ >= end_) return false;
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(chunk_, end_ - next_));
    scan_filter_params p{next_, n, 0, hi_, max_out_};
    next_ += n;
    buf_.assign(uint64_t{max_out_} * SCAN_RECORD_SIZE, 0);
    std::memcpy(buf_.data(), &p, sizeof(p));
    ops.push_back({InvokeCmd(slot_, 0, token_, buf_, sizeof(p), max_out_ * SCAN_RECORD_SIZE), {}});
    return true;
  }
  uint64_t matches_ = 0, key_sum_ = 0, out_bytes_ = 0, in_bytes_ = 0;

 private:
  uint32_t slot_;
  salix_app_token token_;
  uint64_t next_, end_;
  uint32_t chunk_, hi_, max_out_;
  std::vector<uint8_t> buf_;
};

class HostScan : public Stream {
 public:
  HostScan(uint32_t lba_size, uint64_t first, uint64_t lbas, unsigned index, unsigned of,
           uint32_t hi)
      : lba_(lba_size), first_(first), lbas_(lbas), at_(uint64_t{index} * kMaxIoLbas),
        step_(uint64_t{of} * kMaxIoLbas), hi_(hi), buf_(kMaxIoLbas * lba_size) {}
  bool Next(std::vector<Op>& ops) override {
    if (!ops.empty()) {
      if (!ops[0].c.ok()) return Fail(fmt::format("read: {}", StatusName(ops[0].c)));
      const uint64_t bytes = ops[0].cmd.data_len;
      in_bytes_ += bytes;
      for (uint64_t off = 0; off < bytes; off += SCAN_RECORD_SIZE) {
        scan_record r;
        std::memcpy(&r, buf_.data() + off, sizeof(r));
        if (r.value <= hi_) {
          matches_++;
          key_sum_ += r.key;
        }
      }
    }
    ops.clear();
    if (at_ >= lbas_) return false;
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(kMaxIoLbas, lbas_ - at_));
    ops.push_back({Rw(SALIX_IO_READ, first_ + at_, n, buf_.data(), lba_), {}});
    at_ += step_;
    return true;
  }
  uint64_t matches_ = 0, key_sum_ = 0, in_bytes_ = 0;

 private:
  uint32_t lba_;
  uint64_t first_, lbas_, at_, step_;
  uint32_t hi_;
  std::vector<uint8_t> buf_;
};

void WriteRecords(Bench& b, const Args& a, uint64_t first, uint64_t lbas) {
  const uint32_t per = b.lba_size() / SCAN_RECORD_SIZE;
  std::mt19937_64 rng(a.seed + 7);
  std::vector<uint8_t> buf(kMaxIoLbas * b.lba_size());
  for (uint64_t at = 0; at < lbas; at += kMaxIoLbas) {
    const uint64_t n = std::min<uint64_t>(kMaxIoLbas, lbas - at);
    for (uint64_t i = 0; i < n * per; i++) {
      scan_record r{};
      r.key = (at * per) + i;
      r.value = static_cast<uint32_t>(rng() % 1000);
      std::memset(r.payload, static_cast<int>(r.key), sizeof(r.payload));
      std::memcpy(buf.data() + i * SCAN_RECORD_SIZE, &r, sizeof(r));
    }
    b.Write(first + at, {buf.data(), n * b.lba_size()});
  }
  b.Flush();
}

void Scan(Bench& b, const Args& a, uint64_t base) {
  fmt::print("\n== scan: scan-and-filter over 64-byte records ==\n");
  const uint64_t lbas = a.scan_lbas;
  if (base + lbas > b.lba_count() - b.PrivateLbas()) Die("scan: records do not fit");
  WriteRecords(b, a, base, lbas);
  const uint32_t hi = std::min(1000u, 10 * a.select_pct) - 1;
  const uint64_t records = lbas * (b.lba_size() / SCAN_RECORD_SIZE);
  fmt::print("{} records in {} LBAs ({} MiB), filter value <= {} (~{}% selected)\n", records,
             lbas, lbas * b.lba_size() >> 20, hi, a.select_pct);
  const uint32_t slot = 1;
  const uint32_t scratch_kib = 1024;  // 256 LBAs per salix_read_lba
  b.LoadAndActivate(slot, "scan_filter", "scan", scratch_kib);
  const salix_app_token token = b.CreateDomain({Range(base, lbas, SALIX_DOMAIN_READ)});
  const uint32_t max_out = 128 * 1024 / SCAN_RECORD_SIZE;
  // LBAs per Invoke: the expected matches fill a quarter of the output.
  const uint64_t per_lba = b.lba_size() / SCAN_RECORD_SIZE;
  const uint32_t chunk = static_cast<uint32_t>(std::clamp<uint64_t>(
      max_out / 4 * 100 / std::max(1u, a.select_pct) / per_lba, 1, 4096));

  for (unsigned c : {1u, std::max(1u, a.streams)}) {
    std::vector<std::unique_ptr<DeviceScan>> ds;
    std::vector<std::unique_ptr<HostScan>> hs;
    std::vector<Stream*> dp, hp;
    const uint64_t per = (lbas + c - 1) / c;
    for (unsigned i = 0; i < c; i++) {
      const uint64_t f = std::min(lbas, i * per), n = std::min(lbas, f + per) - f;
      ds.push_back(std::make_unique<DeviceScan>(slot, token, base + f, n, chunk, hi, max_out));
      dp.push_back(ds.back().get());
      hs.push_back(std::make_unique<HostScan>(b.lba_size(), base, lbas, i, c, hi));
      hp.push_back(hs.back().get());
    }
    const salix_app_log_entry e0 = *b.Slot(slot);
    Timed d = RunTimed(b, a, dp);
    const salix_app_log_entry e1 = *b.Slot(slot);
    Timed h = RunTimed(b, a, hp);
    if (!d.error.empty()) fmt::print("in-device scan FAILED: {}\n", d.error);
    if (!h.error.empty()) fmt::print("host scan FAILED: {}\n", h.error);
    if (!d.error.empty() || !h.error.empty()) continue;
    uint64_t dm = 0, dk = 0, dout = 0, hm = 0, hk = 0, hin = 0;
    for (auto& s : ds) dm += s->matches_, dk += s->key_sum_, dout += s->out_bytes_;
    for (auto& s : hs) hm += s->matches_, hk += s->key_sum_, hin += s->in_bytes_;
    if (dm != hm || dk != hk) {
      fmt::print("MISMATCH: device found {} records, host {}\n", dm, hm);
    }
    const double mib = 1.0 * lbas * b.lba_size() / (1 << 20);
    fmt::print("{} stream(s): in device {:>8.2f} ms device ({:.0f} MiB/s scanned), {:>9} bytes "
               "to host, {:.1f} ms wall; {} matches, {} Invokes of {} LBAs, {:.1f} eBPF "
               "instructions per record\n",
               c, d.device_s * 1e3, mib / d.device_s, dout, d.wall_s * 1e3, dm,
               e1.calls - e0.calls, chunk, 1.0 * (e1.instructions - e0.instructions) / records);
    fmt::print("{} stream(s): on host   {:>8.2f} ms device ({:.0f} MiB/s scanned), {:>9} bytes "
               "to host, {:.1f} ms wall; {} matches, {} KiB Reads\n",
               c, h.device_s * 1e3, mib / h.device_s, hin, h.wall_s * 1e3, hm,
               kMaxIoLbas * b.lba_size() / 1024);
    fmt::print("ratio, {} stream(s): time host / device {}, bytes to host host / device {:.1f}x\n",
               c, Ratio(h.device_s / d.device_s), 1.0 * hin / std::max<uint64_t>(1, dout));
    if (a.streams <= 1) break;
  }
}

// ---- 4. Interpreter speed ---------------------------------------------------------------

uint32_t Crc32cTable(const uint8_t* p, size_t n) {
  static uint32_t table[256];
  static bool ready = false;
  if (!ready) {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c >> 1) ^ ((c & 1) ? 0x82f63b78u : 0);
      table[i] = c;
    }
    ready = true;
  }
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

void Interp(Bench& b, const Args& a, uint64_t base) {
  fmt::print("\n== interp: eBPF interpreter speed (checksum app, CRC32C) ==\n");
  const uint64_t lbas = a.checksum_lbas;
  if (base + lbas > b.lba_count() - b.PrivateLbas()) Die("interp: range does not fit");
  WriteRecords(b, a, base, lbas);
  const uint32_t slot = 2;
  b.LoadAndActivate(slot, "checksum", "checksum", 1024);
  const salix_app_token token = b.CreateDomain({Range(base, lbas, SALIX_DOMAIN_READ)});
  // Calls of 64 LBAs keep each run well inside the default budget.
  const uint32_t per_call = 64;
  std::vector<uint8_t> data(lbas * b.lba_size());
  b.Read(base, data);

  const salix_app_log_entry e0 = *b.Slot(slot);
  const uint64_t d0 = b.now_ns();
  const double w0 = WallNow();
  std::vector<uint32_t> got;
  std::vector<uint8_t> buf;
  for (uint64_t at = 0; at < lbas; at += per_call) {
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(per_call, lbas - at));
    checksum_params p{base + at, n, 0};
    buf.assign(sizeof(p), 0);
    std::memcpy(buf.data(), &p, sizeof(p));
    auto c = b.Io(InvokeCmd(slot, 0, token, buf, sizeof(p), 4));
    if (!c.ok()) {
      fmt::print("checksum Invoke FAILED: {}\n", StatusName(c));
      return;
    }
    got.push_back(c.dw0);
  }
  const double wall = WallNow() - w0;
  const double dev_s = (b.now_ns() - d0) / 1e9;
  const salix_app_log_entry e1 = *b.Slot(slot);
  const uint64_t insns = e1.instructions - e0.instructions;

  const double h0 = WallNow();
  std::vector<uint32_t> want;
  for (uint64_t at = 0; at < lbas; at += per_call) {
    const uint64_t n = std::min<uint64_t>(per_call, lbas - at);
    want.push_back(Crc32cTable(data.data() + at * b.lba_size(), n * b.lba_size()));
  }
  const double native = WallNow() - h0;
  const double mib = 1.0 * lbas * b.lba_size() / (1 << 20);
  fmt::print("checksum app: {} instructions over {} MiB in {:.3f} s wall: {:.1f} M "
             "instructions/s, {:.1f} MiB/s ({:.2f} instructions/byte; {} Invokes; {:.2f} ms "
             "device time){}\n",
             insns, mib, wall, insns / wall / 1e6, mib / wall,
             1.0 * insns / (lbas * b.lba_size()), got.size(), dev_s * 1e3,
             got == want ? "" : "  CRC MISMATCH with the host");
  fmt::print("native CRC32C (same table algorithm, this process): {:.1f} MiB/s; interpreter / "
             "native: {}\n",
             mib / native, Ratio(native / wall));
  fmt::print("(the wall time includes the in-process firmware and its DMA copies; "
             "unit benchmark of the interpreter alone: salix-unit "
             "'[.benchmark][apps-bench]')\n");
}

Args Parse(int argc, char** argv) {
  Args a;
  a.cmdline = "salix-apps-bench";
  for (int i = 1; i < argc; i++) a.cmdline += std::string(" ") + argv[i];
  for (int i = 1; i < argc; i++) {
    std::string k = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) Die(fmt::format("{} needs a value", k));
      return argv[++i];
    };
    auto num = [&]() -> uint64_t {
      std::string v = val();
      char* end = nullptr;
      uint64_t n = std::strtoull(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0') Die(fmt::format("{}: not a number: {}", k, v));
      return n;
    };
    if (k == "--only") {
      std::string v = val();
      size_t at = 0;
      while (at <= v.size()) {
        size_t comma = v.find(',', at);
        if (comma == std::string::npos) comma = v.size();
        a.only.push_back(v.substr(at, comma - at));
        at = comma + 1;
      }
      for (const auto& o : a.only) {
        if (o != "tpcb" && o != "btree" && o != "scan" && o != "interp") {
          Die(fmt::format("--only: unknown benchmark '{}' (tpcb, btree, scan, interp)", o));
        }
      }
    } else if (k == "--size") a.size = val();
    else if (k == "--profile") a.profile = val();
    else if (k == "--set") {
      std::string v = val();
      const size_t eq = v.find('=');
      if (eq == std::string::npos) Die("--set takes key=value");
      a.set.push_back({v.substr(0, eq), v.substr(eq + 1)});
    } else if (k == "--txns") a.txns = num();
    else if (k == "--streams") a.streams = static_cast<unsigned>(std::clamp<uint64_t>(num(), 1, 16));
    else if (k == "--accounts") a.accounts = num();
    else if (k == "--wal-sync") {
      a.wal_sync = val();
      if (a.wal_sync != "fua" && a.wal_sync != "flush") Die("--wal-sync: fua or flush");
    } else if (k == "--checkpoint") a.checkpoint = std::max<uint64_t>(1, num());
    else if (k == "--keys") a.keys = std::max<uint64_t>(1, num());
    else if (k == "--fanout") a.fanout = static_cast<uint32_t>(num());
    else if (k == "--lookups") a.lookups = std::max<uint64_t>(1, num());
    else if (k == "--scan-lbas") a.scan_lbas = std::max<uint64_t>(1, num());
    else if (k == "--select-pct") a.select_pct = static_cast<uint32_t>(std::clamp<uint64_t>(num(), 1, 100));
    else if (k == "--checksum-lbas") a.checksum_lbas = std::max<uint64_t>(1, num());
    else if (k == "--host-us") a.host_us = std::strtod(val().c_str(), nullptr);
    else if (k == "--seed") a.seed = num();
    else if (k == "--help" || k == "-h") {
      fmt::print("usage: salix-apps-bench [--only tpcb,btree,scan,interp] [--size 512M] "
                 "[--profile tlc-datacenter] [--set key=value ...] [--txns N] [--streams C] "
                 "[--accounts N] [--wal-sync fua|flush] [--checkpoint N] [--keys N] "
                 "[--fanout F] [--lookups N] [--scan-lbas N] [--select-pct P] "
                 "[--checksum-lbas N] [--host-us US] [--seed S]\n");
      std::exit(0);
    } else {
      Die(fmt::format("unknown option {} (--help)", k));
    }
  }
  if (a.accounts < a.streams) Die("--accounts must be at least --streams");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = Parse(argc, argv);
  Bench b(a);
  fmt::print("salix-apps-bench: embedded Salix firmware, personality=ftl, flash.profile={}, "
             "timing.mode=realtime on a virtual clock, size={} ({} LBAs of {} bytes){}\n",
             a.profile, a.size, b.lba_count(), b.lba_size(),
             a.host_us > 0 ? fmt::format(", {} us host time per round trip", a.host_us) : "");
  for (const auto& [k, v] : a.set) fmt::print("  {}={}\n", k, v);
  fmt::print("rerun: {}\n", a.cmdline);

  // Regions, from LBA 0 up, each 1024-aligned: TPC-B, tree, records, CRC.
  auto align = [](uint64_t x) { return (x + 1023) / 1024 * 1024; };
  const uint64_t cap = SALIX_BTREE_CAPACITY(b.lba_size());
  const uint32_t fanout = a.fanout == 0 || a.fanout > cap ? cap : a.fanout;
  uint64_t tree_nodes = 0;
  for (uint64_t n = a.keys; ; n = (n + fanout - 1) / fanout) {
    tree_nodes += (n + fanout - 1) / fanout;
    if ((n + fanout - 1) / fanout <= 1) break;
  }
  const uint64_t tpcb0 = 0;
  const uint64_t tree0 = align(tpcb0 + a.accounts + 11 * a.streams + 1024 +
                               std::max<uint64_t>(1024, 20 * (a.checkpoint + a.streams)) + 1);
  const uint64_t scan0 = align(tree0 + tree_nodes);
  const uint64_t crc0 = align(scan0 + a.scan_lbas);
  if (a.Want("tpcb")) Tpcb(b, a, tpcb0);
  if (a.Want("btree")) Btree(b, a, tree0);
  if (a.Want("scan")) Scan(b, a, scan0);
  if (a.Want("interp")) Interp(b, a, crc0);
  fmt::print("\nrerun: {}\n", a.cmdline);
  return 0;
}

#include "apps/builtin/transactions.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "apps/builtin/common.h"

namespace salix::apps::builtin {
namespace {

constexpr uint32_t kRecordMagicV1 = 0x5854584Du;  // "MXTX": no data check
constexpr uint32_t kRecordMagic = 0x3254584Du;    // "MXT2"
constexpr uint32_t kAnchorMagic = 0x4154584Du;    // "MXTA"
constexpr uint32_t kV1CommitSlots = 4;            // the first format's layout
constexpr uint32_t kChunkLbas = 64;               // LBAs per copy step

// A commit record: this header, then 'extents' RecordExtent entries; the
// CRC covers header (crc = 0) and extents. data_check: CRC32C over the
// CRC32C of every logged LBA, in extent order (see DataCheck).
struct RecordHeader {
  uint32_t magic;
  uint32_t crc;
  uint64_t seq;
  uint64_t txid;
  uint32_t extents;
  uint32_t lbas;
  uint32_t data_check;  // not in the first format (its header ends here)
  uint32_t reserved;
};
static_assert(sizeof(RecordHeader) == 40);
constexpr size_t kV1HeaderBytes = 32;

// An anchor: records with seq < oldest are retired. Two anchor LBAs, the
// generation written alternately to each; the valid one with the higher
// generation counts. The CRC covers the block with crc = 0.
struct AnchorBlock {
  uint32_t magic;
  uint32_t crc;
  uint64_t generation;
  uint64_t oldest;
};
static_assert(sizeof(AnchorBlock) == 24);

struct RecordExtent {
  uint64_t home;
  uint32_t log;  // relative to the private region
  uint32_t count;
};
static_assert(sizeof(RecordExtent) == 16);

constexpr FunctionInfo kFunctions[] = {
    {SALIX_TXN_BEGIN, "begin", 0, 0},
    {SALIX_TXN_WRITE, "write", sizeof(salix_txn_write),
     sizeof(salix_txn_write) + SALIX_BUILTIN_MAX_DATA},
    {SALIX_TXN_READ, "read", sizeof(salix_txn_read), sizeof(salix_txn_read)},
    {SALIX_TXN_COMMIT, "commit", sizeof(salix_txn_id), sizeof(salix_txn_id)},
    {SALIX_TXN_ABORT, "abort", sizeof(salix_txn_id), sizeof(salix_txn_id)},
    {SALIX_TXN_INFO, "info", 0, 0},
    {SALIX_TXN_EXEC, "exec", sizeof(salix_txn_exec) + sizeof(salix_txn_range),
     sizeof(salix_txn_exec) + SALIX_TXN_MAX_EXTENTS * sizeof(salix_txn_range) +
         SALIX_BUILTIN_MAX_DATA},
};

Outcome NotOpen(uint64_t txid) {
  return Fail(Status::CommandSequenceError(),
              fmt::format("transaction {:#x} is not open", txid));
}

// Folds one logged LBA's CRC into a record's data check.
uint32_t FoldCheck(uint32_t check, uint32_t lba_crc) {
  return Crc32c({reinterpret_cast<const uint8_t*>(&lba_crc), sizeof(lba_crc)}, check);
}

// RAII: the app is running a call (Pending() answers false meanwhile).
class InCall {
 public:
  explicit InCall(bool& flag) : flag_(flag) { flag_ = true; }
  ~InCall() { flag_ = false; }
  InCall(const InCall&) = delete;
  InCall& operator=(const InCall&) = delete;

 private:
  bool& flag_;
};

}  // namespace

TransactionApp::TransactionApp(const TransactionOptions& options)
    : options_(options) {}

std::span<const FunctionInfo> TransactionApp::functions() const {
  return kFunctions;
}

bool TransactionApp::Layout(const Flash& log, std::string* why) {
  lba_size_ = log.lba_size();
  const uint32_t bytes =
      sizeof(RecordHeader) + SALIX_TXN_MAX_EXTENTS * sizeof(RecordExtent);
  slot_lbas_ = (bytes + lba_size_ - 1) / lba_size_;
  data_first_ = uint64_t{kCommitSlots} * slot_lbas_;
  const uint64_t need = data_first_ + kAnchorLbas + kMinLogLbas;
  if (log.lba_count() < need || log.lba_count() > UINT32_MAX) {
    *why = fmt::format("private region of {} LBAs: need {} to {}",
                       log.lba_count(), need, UINT32_MAX);
    return false;
  }
  anchor_first_ = log.lba_count() - kAnchorLbas;
  data_lbas_ = anchor_first_ - data_first_;
  return true;
}

Status TransactionApp::Recover(Flash& private_flash) {
  // A region whose slots are all free needs no namespace access: use the
  // region itself as "device" and refuse if a record wants a home write.
  struct NoDevice final : Flash {
    uint32_t size;
    explicit NoDevice(uint32_t s) : size(s) {}
    uint32_t lba_size() const override { return size; }
    uint64_t lba_count() const override { return 0; }
    Status Read(uint64_t, uint32_t, std::span<uint8_t>) override {
      return Status::LbaOutOfRange();
    }
    Status Write(uint64_t, uint32_t, std::span<const uint8_t>) override {
      return Status::LbaOutOfRange();
    }
    Status Deallocate(uint64_t, uint32_t) override { return Status::LbaOutOfRange(); }
    Status Flush() override { return Status(); }
    uint64_t now_ns() const override { return 0; }
  } none(private_flash.lba_size());
  return Recover(private_flash, none);
}

Status TransactionApp::Recover(Flash& log, Flash& device) {
  recovery_error_.clear();
  recovered_ = false;
  if (!Layout(log, &recovery_error_)) return Status::InternalError();
  discarded_ += txns_.size();
  txns_.clear();
  free_.clear();
  slots_.fill(Slot{});

  // The anchor: records older than 'oldest' are retired.
  std::vector<uint8_t> lba(lba_size_);
  uint64_t oldest = 0;
  anchor_gen_ = 0;
  for (uint32_t a = 0; a < kAnchorLbas; a++) {
    Status s = log.Read(anchor_first_ + a, 1, lba);
    if (!s.ok()) {
      recovery_error_ = fmt::format("reading anchor {}: {}", a, s.ToString());
      return s;
    }
    AnchorBlock b;
    std::memcpy(&b, lba.data(), sizeof(b));
    const uint32_t crc = b.crc;
    b.crc = 0;
    if (b.magic != kAnchorMagic ||
        crc != Crc32c({reinterpret_cast<const uint8_t*>(&b), sizeof(b)}) ||
        b.generation < anchor_gen_) {
      continue;
    }
    anchor_gen_ = b.generation;
    oldest = b.oldest;
  }

  // Valid records, by sequence number. 'cleared': a record whose data check
  // failed; it is retired too, so that reused log LBAs can never complete
  // it later.
  struct Found {
    uint64_t seq;
    uint32_t slot;
    std::vector<Extent> extents;
  };
  std::vector<Found> found;
  bool cleared = false;
  std::vector<uint8_t> buf(uint64_t{slot_lbas_} * lba_size_);
  uint64_t max_seq = 0;
  for (uint32_t slot = 0; slot < kCommitSlots; slot++) {
    Status s = log.Read(uint64_t{slot} * slot_lbas_, slot_lbas_, buf);
    if (!s.ok()) {
      recovery_error_ = fmt::format("reading commit slot {}: {}", slot, s.ToString());
      return s;
    }
    auto h = Decode<RecordHeader>(buf);
    const bool v1 = h->magic == kRecordMagicV1 && slot < kV1CommitSlots;
    if ((h->magic != kRecordMagic && !v1) || h->extents > SALIX_TXN_MAX_EXTENTS) continue;
    const size_t head = v1 ? kV1HeaderBytes : sizeof(RecordHeader);
    const size_t len = head + h->extents * sizeof(RecordExtent);
    RecordHeader zero_crc = *h;
    zero_crc.crc = 0;
    uint32_t crc = Crc32c({reinterpret_cast<const uint8_t*>(&zero_crc), head});
    crc = Crc32c(std::span<const uint8_t>(buf).subspan(head, len - head), crc);
    if (crc != h->crc) continue;
    max_seq = std::max(max_seq, h->seq);
    if (h->seq < oldest) continue;  // retired
    // The first format kept its log data from LBA kV1CommitSlots * slot_lbas.
    const uint64_t log_first = v1 ? uint64_t{kV1CommitSlots} * slot_lbas_ : data_first_;
    Found f{h->seq, slot, {}};
    bool sane = true;
    for (uint32_t i = 0; i < h->extents; i++) {
      auto e = Decode<RecordExtent>(
          std::span<const uint8_t>(buf).subspan(head + i * sizeof(RecordExtent)));
      // (The whole region: before the anchors, the format before this one
      // kept log data in their LBAs too.)
      sane = sane && RangeWithin(e->log, e->count, log.lba_count()) &&
             e->log >= log_first && RangeWithin(e->home, e->count, device.lba_count());
      f.extents.push_back({e->home, e->log, e->count});
    }
    if (!sane && device.lba_count() == 0) {
      recovery_error_ = fmt::format(
          "commit record {} (slot {}) must be replayed: recovery needs the namespace",
          h->seq, slot);
      return Status::InternalError();
    }
    if (!sane) {
      recovery_error_ = fmt::format(
          "commit record {} (slot {}) names LBAs outside the log or the namespace",
          h->seq, slot);
      return Status::InternalError();
    }
    if (!v1) {
      // Data and record were written independently: the record counts only
      // if all of its data made it.
      uint32_t check = 0;
      for (const Extent& e : f.extents) {
        for (uint32_t i = 0; i < e.count && s.ok(); i++) {
          s = log.Read(e.log + i, 1, lba);
          check = FoldCheck(check, Crc32c(lba));
        }
      }
      if (!s.ok()) {
        recovery_error_ = fmt::format("reading the log of commit record {}: {}", h->seq,
                                      s.ToString());
        return s;
      }
      if (check != h->data_check) {
        discarded_++;
        cleared = true;
        continue;
      }
    }
    found.push_back(std::move(f));
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.seq < b.seq; });
  for (const Found& f : found) {
    Status s = Apply(log, device, f.extents);
    if (!s.ok()) {
      recovery_error_ = fmt::format("replaying commit {} to the namespace: {}",
                                    f.seq, s.ToString());
      return s;
    }
  }
  // Every record found (replayed or not) is retired at once by one anchor,
  // once the replayed home copies are durable; a cut before the anchor is
  // durable leaves the same records to replay again, which is right.
  next_seq_ = std::max(max_seq + 1, oldest);
  if (!found.empty() || cleared) {
    Status s = found.empty() ? Status() : device.Flush();
    if (s.ok()) s = WriteAnchor(log, next_seq_);
    if (!s.ok()) {
      recovery_error_ = fmt::format("retiring replayed commits: {}", s.ToString());
      return s;
    }
  }
  replayed_ += found.size();
  for (uint64_t l = data_first_; l < data_first_ + data_lbas_; l++) {
    free_.insert(static_cast<uint32_t>(l));
  }
  id_salt_ = Mix64(log.now_ns() ^ (next_seq_ << 20) ^ id_salt_);
  recovered_ = true;
  return Status();
}

std::optional<Outcome> TransactionApp::EnsureRecovered(const struct Call& call) {
  if (call.private_flash == nullptr) {
    return Fail(Status::InternalError(), "the transaction app has no private region");
  }
  if (call.function != SALIX_TXN_BEGIN && call.function != SALIX_TXN_INFO &&
      call.flash == nullptr) {
    return Fail(Status::InvalidField(), "the call carries no domain");
  }
  if (recovered_) return std::nullopt;
  Status s = call.flash ? Recover(*call.private_flash, *call.flash)
                        : Recover(*call.private_flash);
  if (!s.ok()) return Fail(s, "transaction log recovery: " + recovery_error_);
  return std::nullopt;
}

Outcome TransactionApp::Call(const struct Call& call) {
  InCall busy(in_call_);
  if (auto o = EnsureRecovered(call)) return *o;
  switch (call.function) {
    case SALIX_TXN_BEGIN: return Begin();
    case SALIX_TXN_WRITE: return Write(call);
    case SALIX_TXN_READ: return Read(call);
    case SALIX_TXN_COMMIT: return Commit(call);
    case SALIX_TXN_ABORT: return Abort(call);
    case SALIX_TXN_EXEC: return Exec(call);
    case SALIX_TXN_INFO: {
      if (call.output.size() < sizeof(salix_txn_info)) {
        return Fail(Status::InvalidField(),
                    fmt::format("output of {} bytes: info needs {}",
                                call.output.size(), sizeof(salix_txn_info)));
      }
      Encode(info(), call.output);
      Outcome o;
      o.output_len = sizeof(salix_txn_info);
      return o;
    }
  }
  return Fail(Status::InvalidField(), fmt::format("no function {}", call.function));
}

salix_txn_info TransactionApp::info() const {
  salix_txn_info i{};
  i.open = static_cast<uint32_t>(txns_.size());
  i.max_open = SALIX_TXN_MAX_OPEN;
  i.log_lbas = data_lbas_;
  i.log_free_lbas = free_.size();
  i.commits = commits_;
  i.aborts = aborts_;
  i.replayed = replayed_;
  i.discarded = discarded_;
  return i;
}

Outcome TransactionApp::Begin() {
  if (txns_.size() >= SALIX_TXN_MAX_OPEN) {
    return Fail(Status::CapacityExceeded(),
                fmt::format("{} transactions are open, the most there can be",
                            txns_.size()));
  }
  // Ids are 32 bits: Invoke returns the value in CQE DW0 only.
  uint64_t id;
  do {
    id = static_cast<uint32_t>(Mix64(id_salt_ + next_id_++));
  } while (id == 0 || txns_.count(id));
  txns_.emplace(id, Txn{});
  Outcome o;
  o.value = id;
  return o;
}


std::vector<TransactionApp::Extent> TransactionApp::Extents(
    const std::map<uint64_t, Logged>& lbas) {
  std::vector<Extent> out;
  for (const auto& [home, l] : lbas) {
    if (!out.empty()) {
      Extent& e = out.back();
      if (e.home + e.count == home && e.log + e.count == l.log) {
        e.count++;
        continue;
      }
    }
    out.push_back({home, l.log, 1});
  }
  return out;
}

bool TransactionApp::AnyPending() const {
  for (const Slot& s : slots_) {
    if (s.state != SlotState::kFree) return true;
  }
  return false;
}

bool TransactionApp::Pending(uint64_t lba, uint64_t count) const {
  if (in_call_ || count == 0) return false;
  for (const Slot& s : slots_) {
    if (s.state == SlotState::kFree) continue;
    for (const Extent& e : s.extents) {
      if (e.home < lba + count && lba < e.home + e.count) return true;
    }
  }
  return false;
}

Status TransactionApp::WriteAnchor(Flash& log, uint64_t oldest) {
  // To the anchor LBA not holding the newest valid generation: a torn write
  // leaves that one, which retires less - replaying records whose home
  // copies are durable and whose log LBAs were not reused is harmless.
  AnchorBlock b{kAnchorMagic, 0, anchor_gen_ + 1, oldest};
  b.crc = Crc32c({reinterpret_cast<const uint8_t*>(&b), sizeof(b)});
  std::vector<uint8_t> lba(lba_size_, 0);
  std::memcpy(lba.data(), &b, sizeof(b));
  Status s = log.WriteFua(anchor_first_ + b.generation % kAnchorLbas, 1, lba);
  if (s.ok()) anchor_gen_ = b.generation;
  return s;
}

Status TransactionApp::Checkpoint(Flash& log, Flash& home) {
  bool applied = false;
  uint64_t oldest = next_seq_;  // the oldest record that must stay live
  for (const Slot& slot : slots_) {
    applied = applied || slot.state == SlotState::kApplied;
    if (slot.state == SlotState::kBusy) oldest = std::min(oldest, slot.seq);
  }
  if (!applied) return Status();
  // The home copies of every applied record durable, then the anchor that
  // retires them (durable at completion). Only then are their slots and
  // log LBAs reused, so a record still live on flash never names
  // rewritten log LBAs.
  Status s = home.Flush();
  if (s.ok()) s = WriteAnchor(log, oldest);
  if (!s.ok()) return s;
  for (Slot& slot : slots_) {
    if (slot.state == SlotState::kApplied && slot.seq < oldest) {
      free_.insert(slot.logs.begin(), slot.logs.end());
      slot = Slot{};
    }
  }
  return s;
}

Status TransactionApp::Settle(Flash& log, Flash& device) {
  if (!recovered_ || !AnyPending()) return Status();
  // A record whose home copies failed (or whose commit failed after the
  // record was written) is applied now from the log, as recovery would.
  // Only if its data check holds: the record and its data were written
  // together, and a failed write may have left the data incomplete (then
  // the record is void, as recovery would find it, and is retired).
  std::vector<uint8_t> lba(lba_size_);
  for (Slot& slot : slots_) {
    if (slot.state != SlotState::kBusy) continue;
    uint32_t check = 0;
    for (const Extent& e : slot.extents) {
      for (uint32_t i = 0; i < e.count; i++) {
        if (Status s = log.Read(e.log + i, 1, lba); !s.ok()) return s;
        check = FoldCheck(check, Crc32c(lba));
      }
    }
    if (check == slot.data_check) {
      if (Status s = Apply(log, device, slot.extents); !s.ok()) return s;
    }
    slot.state = SlotState::kApplied;
  }
  Status s = Checkpoint(log, device);
  if (s.ok() && AnyPending()) s = Status::InternalError();
  return s;
}

std::vector<uint32_t> TransactionApp::TakeLog(uint64_t n, Flash& log, Flash& home) {
  if (free_.size() < n) {
    // Log LBAs held by applied records come back with a checkpoint;
    // records not applied (kBusy) keep theirs.
    (void)Checkpoint(log, home);
  }
  if (free_.size() < n || n == 0) return {};
  // The first run of n consecutive LBAs (one write), else the first n.
  uint32_t run_start = 0;
  uint64_t run = 0;
  for (uint32_t l : free_) {
    if (run > 0 && l == run_start + run) {
      run++;
    } else {
      run_start = l;
      run = 1;
    }
    if (run == n) {
      std::vector<uint32_t> out(n);
      for (uint64_t i = 0; i < n; i++) out[i] = static_cast<uint32_t>(run_start + i);
      return out;
    }
  }
  return std::vector<uint32_t>(free_.begin(), std::next(free_.begin(), static_cast<long>(n)));
}

Outcome TransactionApp::Write(const struct Call& call) {
  const auto w = Decode<salix_txn_write>(call.input);
  auto it = txns_.find(w->txid);
  if (it == txns_.end()) return NotOpen(w->txid);
  Txn& txn = it->second;
  if (txn.broken) {
    return Fail(Status::CommandSequenceError(),
                "a log write of this transaction failed: abort it");
  }
  const uint64_t data = call.input.size() - sizeof(salix_txn_write);
  if (w->count == 0 || w->reserved != 0 ||
      data != uint64_t{w->count} * lba_size_) {
    return Fail(Status::InvalidField(),
                fmt::format("count {} (reserved {}) with {} bytes of data: need "
                            "count >= 1, reserved 0 and count * {} bytes",
                            w->count, w->reserved, data, lba_size_));
  }
  if (!RangeWithin(w->lba, w->count, call.flash->lba_count())) {
    return Fail(Status::LbaOutOfRange(),
                fmt::format("home range [{}, +{}) is beyond the namespace ({} LBAs)",
                            w->lba, w->count, call.flash->lba_count()));
  }
  if (auto o = CheckDomain(call, w->lba, w->count, kRightWrite, "home range")) {
    return *o;
  }
  CountingFlash log(*call.private_flash);
  CountingFlash home(*call.flash);
  Outcome o;
  auto finish = [&](Outcome out) {
    log.AddTo(out.stats);
    home.AddTo(out.stats);
    return out;
  };
  // Room: new LBAs from the free pool, and the extent bound.
  uint64_t fresh_count = 0;
  for (uint64_t l = w->lba; l < w->lba + w->count; l++) fresh_count += !txn.lbas.count(l);
  std::vector<uint32_t> fresh;
  if (fresh_count > 0) {
    fresh = TakeLog(fresh_count, log, home);
    if (fresh.empty()) {
      return finish(Fail(Status::CapacityExceeded(),
                         fmt::format("transaction log full: {} of {} LBAs free, this "
                                     "write needs {}",
                                     free_.size(), data_lbas_, fresh_count)));
    }
  }
  std::map<uint64_t, Logged> after = txn.lbas;
  auto next_free = fresh.begin();
  for (uint64_t l = w->lba; l < w->lba + w->count; l++) {
    if (!after.count(l)) after[l] = {*next_free++, 0};
  }
  const size_t extents = Extents(after).size();
  if (extents > SALIX_TXN_MAX_EXTENTS) {
    return finish(Fail(Status::CapacityExceeded(),
                       fmt::format("the transaction would have {} extents, at most {}",
                                   extents, SALIX_TXN_MAX_EXTENTS)));
  }
  // Write runs of consecutive log LBAs.
  const uint8_t* src = call.input.data() + sizeof(salix_txn_write);
  for (uint64_t i = 0; i < w->count;) {
    uint32_t start = after[w->lba + i].log;
    uint32_t n = 1;
    while (i + n < w->count && after[w->lba + i + n].log == start + n) n++;
    Status s = log.Write(start, n, {src + i * lba_size_, uint64_t{n} * lba_size_});
    if (!s.ok()) {
      txn.broken = true;  // in-place edits may be half done
      for (uint32_t f : fresh) free_.erase(f);
      txn.lbas = std::move(after);
      txn.ram.clear();
      txn.ram_ok = false;
      return finish(FailFlash(s, "writing the transaction log"));
    }
    i += n;
  }
  for (uint32_t f : fresh) free_.erase(f);
  const bool keep = txn.ram_ok && after.size() * uint64_t{lba_size_} <= kRamBytes;
  for (uint64_t i = 0; i < w->count; i++) {
    std::span<const uint8_t> one(src + i * lba_size_, lba_size_);
    after[w->lba + i].crc = Crc32c(one);
    if (keep) txn.ram[w->lba + i].assign(one.begin(), one.end());
  }
  if (!keep) txn.ram.clear();
  txn.ram_ok = keep;
  txn.lbas = std::move(after);
  o.value = txn.lbas.size();
  return finish(std::move(o));
}

Outcome TransactionApp::Read(const struct Call& call) {
  const auto r = Decode<salix_txn_read>(call.input);
  auto it = txns_.find(r->txid);
  if (it == txns_.end()) return NotOpen(r->txid);
  const uint64_t bytes = uint64_t{r->count} * lba_size_;
  if (r->count == 0 || r->reserved != 0 || bytes > SALIX_BUILTIN_MAX_DATA ||
      call.output.size() < bytes) {
    return Fail(Status::InvalidField(),
                fmt::format("read of {} LBAs (reserved {}) into {} bytes: need "
                            "1 to {} LBAs that fit the output",
                            r->count, r->reserved, call.output.size(),
                            SALIX_BUILTIN_MAX_DATA / lba_size_));
  }
  if (!RangeWithin(r->lba, r->count, call.flash->lba_count())) {
    return Fail(Status::LbaOutOfRange(),
                fmt::format("range [{}, +{}) is beyond the namespace", r->lba,
                            r->count));
  }
  if (auto o = CheckDomain(call, r->lba, r->count, kRightRead, "range")) return *o;
  const Txn& txn = it->second;
  const auto& lbas = txn.lbas;
  CountingFlash log(*call.private_flash);
  CountingFlash home(*call.flash);
  Outcome o;
  for (uint64_t i = 0; i < r->count;) {
    auto m = lbas.find(r->lba + i);
    const bool logged = m != lbas.end();
    std::span<uint8_t> dst1 = call.output.subspan(i * lba_size_, lba_size_);
    if (logged && txn.ram_ok) {  // the DRAM copy: no flash read
      const auto& d = txn.ram.at(r->lba + i);
      std::copy(d.begin(), d.end(), dst1.begin());
      i++;
      continue;
    }
    uint32_t n = 1;
    // A run from one source: consecutive log LBAs, or unlogged home LBAs.
    while (i + n < r->count) {
      auto next = lbas.find(r->lba + i + n);
      if (logged ? (next == lbas.end() || next->second.log != m->second.log + n)
                 : next != lbas.end()) {
        break;
      }
      n++;
    }
    std::span<uint8_t> dst = call.output.subspan(i * lba_size_, uint64_t{n} * lba_size_);
    Status s = logged ? log.Read(m->second.log, n, dst) : home.Read(r->lba + i, n, dst);
    if (!s.ok()) {
      o = FailFlash(s, logged ? "reading the transaction log" : "reading home LBAs");
      break;
    }
    i += n;
  }
  if (o.status.ok()) o.output_len = static_cast<uint32_t>(bytes);
  log.AddTo(o.stats);
  home.AddTo(o.stats);
  return o;
}

uint32_t TransactionApp::TakeFreeSlot() const {
  for (uint32_t i = 0; i < kCommitSlots; i++) {
    if (slots_[i].state == SlotState::kFree) return i;
  }
  return kCommitSlots;
}

Status TransactionApp::Apply(Flash& log, Flash& home,
                             const std::vector<Extent>& extents) {
  std::vector<uint8_t> buf(uint64_t{kChunkLbas} * lba_size_);
  for (const Extent& e : extents) {
    for (uint32_t done = 0; done < e.count;) {
      const uint32_t n = std::min(kChunkLbas, e.count - done);
      std::span<uint8_t> chunk(buf.data(), uint64_t{n} * lba_size_);
      Status s = log.Read(e.log + done, n, chunk);
      if (s.ok()) s = home.Write(e.home + done, n, chunk);
      if (!s.ok()) return s;
      done += n;
    }
  }
  return Status();
}

Status TransactionApp::WriteHomes(const Txn& txn, const std::vector<Extent>& extents,
                                  Flash& log, Flash& home) {
  if (!txn.ram_ok) return Apply(log, home, extents);
  // Runs of consecutive home LBAs, from DRAM.
  std::vector<uint8_t> buf;
  for (auto it = txn.lbas.begin(); it != txn.lbas.end();) {
    const uint64_t first = it->first;
    uint32_t n = 0;
    buf.clear();
    while (it != txn.lbas.end() && it->first == first + n && n < kChunkLbas) {
      const auto& d = txn.ram.at(it->first);
      buf.insert(buf.end(), d.begin(), d.end());
      ++it;
      n++;
    }
    if (Status s = home.Write(first, n, buf); !s.ok()) return s;
  }
  return Status();
}

Status TransactionApp::CommitLogged(uint64_t txid, Txn& txn, Flash& log, Flash& home,
                                    std::span<const Flash::FuaWrite> logged,
                                    uint64_t* seq, const char** what) {
  *seq = 0;
  const std::vector<Extent> extents = Extents(txn.lbas);
  uint32_t slot = TakeFreeSlot();
  if (slot == kCommitSlots) {
    // Every slot holds a live record: retire the applied ones (the one
    // device-wide Flush in kCommitSlots commits).
    (void)Checkpoint(log, home);
    slot = TakeFreeSlot();
  }
  if (slot == kCommitSlots) {
    *what = "no free commit slot";
    return Status::InternalError();
  }
  // The record, with the check of the logged data.
  std::vector<uint8_t> rec(uint64_t{slot_lbas_} * lba_size_, 0);
  RecordHeader h{kRecordMagic, 0, next_seq_, txid,
                 static_cast<uint32_t>(extents.size()),
                 static_cast<uint32_t>(txn.lbas.size()), 0, 0};
  for (const Extent& e : extents) {
    for (uint32_t i = 0; i < e.count; i++) {
      h.data_check = FoldCheck(h.data_check, txn.lbas.at(e.home + i).crc);
    }
  }
  for (size_t i = 0; i < extents.size(); i++) {
    RecordExtent e{extents[i].home, extents[i].log, extents[i].count};
    std::memcpy(rec.data() + sizeof(h) + i * sizeof(e), &e, sizeof(e));
  }
  const size_t len = sizeof(h) + extents.size() * sizeof(RecordExtent);
  uint32_t crc = Crc32c({reinterpret_cast<const uint8_t*>(&h), sizeof(h)});
  h.crc = Crc32c(std::span<const uint8_t>(rec).subspan(sizeof(h), len - sizeof(h)), crc);
  std::memcpy(rec.data(), &h, sizeof(h));
  *seq = next_seq_++;
  // From here the outcome may be "committed" even if a step fails: the
  // slot keeps the record and the log LBAs until recovery (or Settle)
  // decides.
  Slot& st = slots_[slot];
  st.state = SlotState::kBusy;
  st.seq = *seq;
  st.extents = extents;
  st.logs.clear();
  for (const auto& [home_lba, l] : txn.lbas) st.logs.push_back(l.log);
  st.data_check = h.data_check;
  // The commit point: the record and the logged data, FUA writes issued
  // together - the data check makes a record whose data did not all make
  // it read as absent. COMMIT writes its logged data again from DRAM (the
  // WRITEs left it in the cache); without a DRAM copy, a Flush first.
  Status s;
  std::vector<std::vector<uint8_t>> bufs;
  std::vector<Flash::FuaWrite> batch(logged.begin(), logged.end());
  if (logged.empty() && !txn.ram_ok) s = log.Flush();
  if (logged.empty() && txn.ram_ok) {
    for (const Extent& e : extents) {
      for (uint32_t done = 0; done < e.count; done += kChunkLbas) {
        const uint32_t n = std::min(kChunkLbas, e.count - done);
        std::vector<uint8_t>& buf = bufs.emplace_back();
        for (uint32_t i = 0; i < n; i++) {
          const auto& d = txn.ram.at(e.home + done + i);
          buf.insert(buf.end(), d.begin(), d.end());
        }
        batch.push_back({e.log + done, n, {}});
      }
    }
    for (size_t i = 0; i < bufs.size(); i++) batch[i].src = bufs[i];
  }
  batch.push_back({uint64_t{slot} * slot_lbas_, slot_lbas_, rec});
  if (s.ok()) s = log.WriteFuaTogether(batch);
  if (!s.ok()) {
    *what = "writing the commit record (recovery decides)";
    return s;
  }
  s = WriteHomes(txn, extents, log, home);
  if (!s.ok()) {
    *what = "committed, but copying to the home LBAs failed (recovery replays it)";
    return s;
  }
  st.state = SlotState::kApplied;
  return s;
}

Outcome TransactionApp::Commit(const struct Call& call) {
  const auto c = Decode<salix_txn_id>(call.input);
  auto it = txns_.find(c->txid);
  if (it == txns_.end()) return NotOpen(c->txid);
  Txn& txn = it->second;
  if (txn.broken) {
    return Fail(Status::CommandSequenceError(),
                "a log write of this transaction failed: abort it");
  }
  for (const Extent& e : Extents(txn.lbas)) {
    if (!RangeWithin(e.home, e.count, call.flash->lba_count())) {
      return Fail(Status::LbaOutOfRange(),
                  fmt::format("home range [{}, +{}) is beyond the namespace",
                              e.home, e.count));
    }
    if (auto o = CheckDomain(call, e.home, e.count, kRightWrite, "home range")) {
      return *o;
    }
  }
  CountingFlash log(*call.private_flash);
  CountingFlash home(*call.flash);
  Outcome o;
  uint64_t seq = next_seq_;
  if (!txn.lbas.empty()) {
    const char* what = "";
    Status s = CommitLogged(c->txid, txn, log, home, {}, &seq, &what);
    if (!s.ok()) {
      // A failure before the record leaves the transaction open.
      if (seq != 0) txns_.erase(it);
      o = FailFlash(s, what);
      log.AddTo(o.stats);
      home.AddTo(o.stats);
      return o;
    }
  }
  txns_.erase(it);
  commits_++;
  o.value = seq;
  log.AddTo(o.stats);
  home.AddTo(o.stats);
  return o;
}

Outcome TransactionApp::Exec(const struct Call& call) {
  const auto x = Decode<salix_txn_exec>(call.input);
  const uint64_t table = sizeof(salix_txn_exec) + uint64_t{x->ranges} * sizeof(salix_txn_range);
  if (x->ranges == 0 || x->ranges > SALIX_TXN_MAX_EXTENTS || x->reserved != 0 ||
      call.input.size() < table) {
    return Fail(Status::InvalidField(),
                fmt::format("{} ranges (reserved {}) in {} input bytes: need 1 to {} "
                            "ranges, reserved 0, and the range table",
                            x->ranges, x->reserved, call.input.size(),
                            SALIX_TXN_MAX_EXTENTS));
  }
  // Ranges: in bounds, in the domain; later ones win where they overlap.
  std::map<uint64_t, const uint8_t*> by_home;
  uint64_t data = table;
  for (uint32_t i = 0; i < x->ranges; i++) {
    const auto r = Decode<salix_txn_range>(call.input.subspan(
        sizeof(salix_txn_exec) + uint64_t{i} * sizeof(salix_txn_range)));
    if (r->count == 0 || r->reserved != 0 ||
        r->count > SALIX_BUILTIN_MAX_DATA / lba_size_) {
      return Fail(Status::InvalidField(),
                  fmt::format("range {}: count {} (reserved {}): need 1 to {} LBAs, "
                              "reserved 0",
                              i, r->count, r->reserved, SALIX_BUILTIN_MAX_DATA / lba_size_));
    }
    if (!RangeWithin(r->lba, r->count, call.flash->lba_count())) {
      return Fail(Status::LbaOutOfRange(),
                  fmt::format("range {}: [{}, +{}) is beyond the namespace ({} LBAs)", i,
                              r->lba, r->count, call.flash->lba_count()));
    }
    if (auto o = CheckDomain(call, r->lba, r->count, kRightWrite, "home range")) return *o;
    const uint64_t bytes = uint64_t{r->count} * lba_size_;
    if (call.input.size() < data + bytes) {
      return Fail(Status::InvalidField(),
                  fmt::format("{} input bytes: the ranges need {} bytes of data after "
                              "the table",
                              call.input.size(), data + bytes - table));
    }
    for (uint32_t k = 0; k < r->count; k++) {
      by_home[r->lba + k] = call.input.data() + data + uint64_t{k} * lba_size_;
    }
    data += bytes;
  }
  if (call.input.size() != data) {
    return Fail(Status::InvalidField(),
                fmt::format("{} input bytes: the ranges take {}", call.input.size(), data));
  }
  CountingFlash log(*call.private_flash);
  CountingFlash home(*call.flash);
  auto finish = [&](Outcome out) {
    log.AddTo(out.stats);
    home.AddTo(out.stats);
    return out;
  };
  const std::vector<uint32_t> logs = TakeLog(by_home.size(), log, home);
  if (logs.empty()) {
    return finish(Fail(Status::CapacityExceeded(),
                       fmt::format("transaction log full: {} of {} LBAs free, this "
                                   "transaction needs {}",
                                   free_.size(), data_lbas_, by_home.size())));
  }
  // The log image, in home order, and the transaction as COMMIT sees it.
  Txn txn;
  std::vector<uint8_t> image(by_home.size() * uint64_t{lba_size_});
  size_t n = 0;
  for (const auto& [h, src] : by_home) {
    std::span<const uint8_t> one(src, lba_size_);
    std::copy(one.begin(), one.end(), image.begin() + n * uint64_t{lba_size_});
    txn.lbas[h] = {logs[n], Crc32c(one)};
    txn.ram[h].assign(one.begin(), one.end());
    n++;
  }
  if (Extents(txn.lbas).size() > SALIX_TXN_MAX_EXTENTS) {
    return finish(Fail(Status::CapacityExceeded(),
                       fmt::format("the transaction would have {} extents in a "
                                   "fragmented log, at most {}",
                                   Extents(txn.lbas).size(), SALIX_TXN_MAX_EXTENTS)));
  }
  // The log data goes with the record (CommitLogged), in runs of
  // consecutive log LBAs.
  std::vector<Flash::FuaWrite> writes;
  for (size_t i = 0; i < logs.size();) {
    size_t k = 1;
    while (i + k < logs.size() && logs[i + k] == logs[i] + k) k++;
    writes.push_back({logs[i], static_cast<uint32_t>(k),
                      {image.data() + i * lba_size_, k * uint64_t{lba_size_}}});
    i += k;
  }
  for (uint32_t l : logs) free_.erase(l);
  uint64_t seq = 0;
  const char* what = "";
  Status s = CommitLogged(0, txn, log, home, writes, &seq, &what);
  if (!s.ok()) {
    if (seq == 0) free_.insert(logs.begin(), logs.end());
    return finish(FailFlash(s, what));
  }
  commits_++;
  Outcome o;
  o.value = seq;
  return finish(std::move(o));
}

Outcome TransactionApp::Abort(const struct Call& call) {
  const auto a = Decode<salix_txn_id>(call.input);
  auto it = txns_.find(a->txid);
  if (it == txns_.end()) return NotOpen(a->txid);
  // No commit record names these LBAs: they are free at once.
  for (const auto& [home, l] : it->second.lbas) free_.insert(l.log);
  txns_.erase(it);
  aborts_++;
  return Outcome();
}

}  // namespace salix::apps::builtin

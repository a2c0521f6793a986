#include "apps/builtin/transactions.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "apps/builtin/common.h"

namespace salix::apps::builtin {
namespace {

constexpr uint32_t kRecordMagic = 0x5854584Du;  // "MXTX"
constexpr uint32_t kChunkLbas = 64;             // LBAs per copy step

// A commit record: this header, then 'extents' RecordExtent entries; the
// CRC covers header (crc = 0) and extents, zero-padded to slot_lbas LBAs.
struct RecordHeader {
  uint32_t magic;
  uint32_t crc;
  uint64_t seq;
  uint64_t txid;
  uint32_t extents;
  uint32_t lbas;
};
static_assert(sizeof(RecordHeader) == 32);

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
};

Outcome NotOpen(uint64_t txid) {
  return Fail(Status::CommandSequenceError(),
              fmt::format("transaction {:#x} is not open", txid));
}

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
  if (log.lba_count() < data_first_ + 16 || log.lba_count() > UINT32_MAX) {
    *why = fmt::format("private region of {} LBAs: need {} to {}",
                       log.lba_count(), data_first_ + 16, UINT32_MAX);
    return false;
  }
  data_lbas_ = log.lba_count() - data_first_;
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
  free_after_flush_.clear();
  slot_state_.fill(0);

  // Valid records, by sequence number.
  struct Found {
    uint64_t seq;
    uint32_t slot;
    std::vector<Extent> extents;
  };
  std::vector<Found> found;
  std::vector<uint8_t> buf(uint64_t{slot_lbas_} * lba_size_);
  uint64_t max_seq = 0;
  for (uint32_t slot = 0; slot < kCommitSlots; slot++) {
    Status s = log.Read(uint64_t{slot} * slot_lbas_, slot_lbas_, buf);
    if (!s.ok()) {
      recovery_error_ = fmt::format("reading commit slot {}: {}", slot, s.ToString());
      return s;
    }
    auto h = Decode<RecordHeader>(buf);
    if (h->magic != kRecordMagic || h->extents > SALIX_TXN_MAX_EXTENTS) continue;
    const size_t len = sizeof(RecordHeader) + h->extents * sizeof(RecordExtent);
    RecordHeader zero_crc = *h;
    zero_crc.crc = 0;
    uint32_t crc = Crc32c({reinterpret_cast<const uint8_t*>(&zero_crc), sizeof(zero_crc)});
    crc = Crc32c(std::span<const uint8_t>(buf).subspan(sizeof(RecordHeader),
                                                       len - sizeof(RecordHeader)),
                 crc);
    if (crc != h->crc) continue;
    Found f{h->seq, slot, {}};
    bool sane = true;
    for (uint32_t i = 0; i < h->extents; i++) {
      auto e = Decode<RecordExtent>(std::span<const uint8_t>(buf).subspan(
          sizeof(RecordHeader) + i * sizeof(RecordExtent)));
      sane = sane && RangeWithin(e->log, e->count, data_first_ + data_lbas_) &&
             e->log >= data_first_ && RangeWithin(e->home, e->count, device.lba_count());
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
    max_seq = std::max(max_seq, h->seq);
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
  if (!found.empty()) {
    Status s = device.Flush();
    std::vector<uint8_t> zero(lba_size_, 0);
    for (const Found& f : found) {
      if (!s.ok()) break;
      s = log.Write(uint64_t{f.slot} * slot_lbas_, 1, zero);
    }
    if (s.ok()) s = log.Flush();
    if (!s.ok()) {
      recovery_error_ = fmt::format("clearing replayed commits: {}", s.ToString());
      return s;
    }
  }
  replayed_ += found.size();
  for (uint64_t l = data_first_; l < data_first_ + data_lbas_; l++) {
    free_.insert(static_cast<uint32_t>(l));
  }
  next_seq_ = max_seq + 1;
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
  if (auto o = EnsureRecovered(call)) return *o;
  switch (call.function) {
    case SALIX_TXN_BEGIN: return Begin();
    case SALIX_TXN_WRITE: return Write(call);
    case SALIX_TXN_READ: return Read(call);
    case SALIX_TXN_COMMIT: return Commit(call);
    case SALIX_TXN_ABORT: return Abort(call);
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
    const std::map<uint64_t, uint32_t>& lbas) {
  std::vector<Extent> out;
  for (const auto& [home, log] : lbas) {
    if (!out.empty()) {
      Extent& e = out.back();
      if (e.home + e.count == home && e.log + e.count == log) {
        e.count++;
        continue;
      }
    }
    out.push_back({home, log, 1});
  }
  return out;
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
  // Room: new LBAs from the free pool, and the extent bound.
  std::map<uint64_t, uint32_t> after = txn.lbas;
  std::vector<uint32_t> fresh;
  auto next_free = free_.begin();
  for (uint64_t l = w->lba; l < w->lba + w->count; l++) {
    if (after.count(l)) continue;
    if (next_free == free_.end()) {
      return Fail(Status::CapacityExceeded(),
                  fmt::format("transaction log full: {} of {} LBAs free, this "
                              "write needs more",
                              free_.size(), data_lbas_));
    }
    fresh.push_back(*next_free);
    after[l] = *next_free++;
  }
  const size_t extents = Extents(after).size();
  if (extents > SALIX_TXN_MAX_EXTENTS) {
    return Fail(Status::CapacityExceeded(),
                fmt::format("the transaction would have {} extents, at most {}",
                            extents, SALIX_TXN_MAX_EXTENTS));
  }
  // Write runs of consecutive log LBAs.
  CountingFlash log(*call.private_flash);
  const uint8_t* src = call.input.data() + sizeof(salix_txn_write);
  for (uint64_t i = 0; i < w->count;) {
    uint32_t start = after[w->lba + i];
    uint32_t n = 1;
    while (i + n < w->count && after[w->lba + i + n] == start + n) n++;
    Status s = log.Write(start, n, {src + i * lba_size_, uint64_t{n} * lba_size_});
    if (!s.ok()) {
      txn.broken = true;  // in-place edits may be half done
      for (uint32_t f : fresh) free_.erase(f);
      txn.lbas = std::move(after);
      Outcome o = FailFlash(s, "writing the transaction log");
      log.AddTo(o.stats);
      return o;
    }
    i += n;
  }
  for (uint32_t f : fresh) free_.erase(f);
  txn.lbas = std::move(after);
  Outcome o;
  o.value = txn.lbas.size();
  log.AddTo(o.stats);
  return o;
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
  const auto& lbas = it->second.lbas;
  CountingFlash log(*call.private_flash);
  CountingFlash home(*call.flash);
  Outcome o;
  for (uint64_t i = 0; i < r->count;) {
    auto m = lbas.find(r->lba + i);
    const bool logged = m != lbas.end();
    uint32_t n = 1;
    // A run from one source: consecutive log LBAs, or unlogged home LBAs.
    while (i + n < r->count) {
      auto next = lbas.find(r->lba + i + n);
      if (logged ? (next == lbas.end() || next->second != m->second + n)
                 : next != lbas.end()) {
        break;
      }
      n++;
    }
    std::span<uint8_t> dst = call.output.subspan(i * lba_size_, uint64_t{n} * lba_size_);
    Status s = logged ? log.Read(m->second, n, dst) : home.Read(r->lba + i, n, dst);
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

Status TransactionApp::FlushLog(Flash& log) {
  Status s = log.Flush();
  if (!s.ok()) return s;
  for (auto& st : slot_state_) {
    if (st == 2) st = 0;
  }
  free_.insert(free_after_flush_.begin(), free_after_flush_.end());
  free_after_flush_.clear();
  return s;
}

uint32_t TransactionApp::TakeFreeSlot() {
  for (uint32_t i = 0; i < kCommitSlots; i++) {
    if (slot_state_[i] == 0) return i;
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

Outcome TransactionApp::Commit(const struct Call& call) {
  const auto c = Decode<salix_txn_id>(call.input);
  auto it = txns_.find(c->txid);
  if (it == txns_.end()) return NotOpen(c->txid);
  Txn& txn = it->second;
  if (txn.broken) {
    return Fail(Status::CommandSequenceError(),
                "a log write of this transaction failed: abort it");
  }
  const std::vector<Extent> extents = Extents(txn.lbas);
  for (const Extent& e : extents) {
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
  auto finish = [&](Outcome out) {
    log.AddTo(out.stats);
    home.AddTo(out.stats);
    return out;
  };
  const uint64_t seq = next_seq_;
  if (!extents.empty()) {
    // 1. The logged data is durable (and so are zeroed slots).
    Status s = FlushLog(log);
    if (!s.ok()) return finish(FailFlash(s, "flushing the transaction log"));
    const uint32_t slot = TakeFreeSlot();
    if (slot == kCommitSlots) {  // every slot holds a record being applied
      return finish(Fail(Status::InternalError(), "no free commit slot"));
    }
    // 2. The commit record, then the commit point.
    std::vector<uint8_t> rec(uint64_t{slot_lbas_} * lba_size_, 0);
    RecordHeader h{kRecordMagic, 0, seq, c->txid,
                   static_cast<uint32_t>(extents.size()),
                   static_cast<uint32_t>(txn.lbas.size())};
    for (size_t i = 0; i < extents.size(); i++) {
      RecordExtent e{extents[i].home, extents[i].log, extents[i].count};
      std::memcpy(rec.data() + sizeof(h) + i * sizeof(e), &e, sizeof(e));
    }
    const size_t len = sizeof(h) + extents.size() * sizeof(RecordExtent);
    uint32_t crc = Crc32c({reinterpret_cast<const uint8_t*>(&h), sizeof(h)});
    h.crc = Crc32c(std::span<const uint8_t>(rec).subspan(sizeof(h), len - sizeof(h)), crc);
    std::memcpy(rec.data(), &h, sizeof(h));
    next_seq_++;
    s = log.Write(uint64_t{slot} * slot_lbas_, slot_lbas_, rec);
    if (s.ok()) s = log.Flush();
    if (!s.ok()) {
      // Unknown whether the record reached flash: keep the slot and the log
      // until recovery decides.
      slot_state_[slot] = 1;
      txns_.erase(it);
      return finish(FailFlash(s, "writing the commit record (recovery decides)"));
    }
    slot_state_[slot] = 1;
    // 3. Home LBAs.
    s = Apply(log, home, extents);
    if (s.ok()) s = home.Flush();
    if (!s.ok()) {
      txns_.erase(it);
      return finish(FailFlash(
          s, "committed, but copying to the home LBAs failed (recovery replays it)"));
    }
    // 4. Retire the record; its slot and log LBAs wait for the next flush.
    std::vector<uint8_t> zero(lba_size_, 0);
    s = log.Write(uint64_t{slot} * slot_lbas_, 1, zero);
    if (s.ok()) {
      slot_state_[slot] = 2;
      for (const auto& [h_lba, l] : txn.lbas) free_after_flush_.push_back(l);
    }
    // A failed retire leaves a valid record that recovery replays again:
    // harmless, as its log LBAs stay reserved.
  }
  txns_.erase(it);
  commits_++;
  o.value = seq;
  return finish(std::move(o));
}

Outcome TransactionApp::Abort(const struct Call& call) {
  const auto a = Decode<salix_txn_id>(call.input);
  auto it = txns_.find(a->txid);
  if (it == txns_.end()) return NotOpen(a->txid);
  // No commit record names these LBAs: they are free at once.
  for (const auto& [home, log] : it->second.lbas) free_.insert(log);
  txns_.erase(it);
  aborts_++;
  return Outcome();
}

}  // namespace salix::apps::builtin

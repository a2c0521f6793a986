// engine.cc - the array engine's I/O paths: two-phase writes, conversion,
// reads (direct, from backups, reconstructed), the stripe table, array GC,
// the host-parity read-modify-write mode, member failure.
#include "array/engine.h"

#include <fmt/format.h>
#include <salix/opcodes.h>

#include <algorithm>
#include <bit>
#include <tuple>
#include <cerrno>
#include <cstring>
#include <span>

#include "array/commands.h"
#include "parity/gf256.h"
#include "parity/parity.h"

namespace salix::host::array {

namespace {
// The blocking calls (Sync, FailMember, WriteSuperblocks) wait this long per
// Poll at most; a completion ends the wait at once, so a long slice costs no
// latency, only fewer system calls (under TCG 100 us slices made an array
// open spend ~20k io_uring_enter calls waiting on ten commands).
constexpr unsigned kBlockingWaitUs = 10000;
// GC-busy hint: steer around a member for this many polls after it said so.
constexpr uint64_t kGcBusyTicks = 64;
// Conversions whose table records may wait before the table is written.
constexpr size_t kTableBatch = 16;
// Collected stripes deallocated together (one command per member).
constexpr size_t kFreeBatch = 16;
// Victims MaybeCollect takes in one call (those with nothing live finish at
// once; the first with live chunks ends the call).
constexpr unsigned kCollectPerCall = 64;
// Ranges in one Dataset Management command (NR is 8 bits).
constexpr size_t kMaxDsmRanges = 256;
// Data in one merged write (coalescer.h): large enough that a burst of
// QD32 4 KiB writes goes out in a command or two per member, small enough
// that a member's stage does not wait long for a big transfer.
constexpr uint64_t kMaxMergeBytes = 256 * 1024;
// Merged commands in flight at once that get a staging slot (staging.h),
// and a slot's size: a 4 KiB list and up to 31 chunks of 4 KiB. Random
// 4 KiB writes at QD32 over 4+1 merge ~13 chunks a command; longer merges
// build in heap memory. 8 MiB (pinned once registered, LinuxArray).
constexpr size_t kStagingSlots = 64;
constexpr size_t kStagingSlotBytes = 128 * 1024;
// Stripes one Parity Compute converts at most (its NS field): a command
// stays short next to the host commands behind it on the member.
constexpr size_t kMaxParityStripes = 64;

}  // namespace

Engine::Engine(std::vector<Device*> members, std::vector<Device*> spares,
               const Superblock& sb, const Geometry& g)
    : spares_(std::move(spares)), sb_(sb), geo_(g), n_(g.n()) {
  // Staging slots no larger than any device's transfer limit: Linux 6.1
  // refuses a fixed-buffer command whose registered buffer runs on for
  // more pages than the queue takes segments (uring_ring.cc).
  // (Spares too: a rebuild stages writes to them.)
  size_t slot_bytes = kStagingSlotBytes;
  for (const auto* list : {&members, &spares_}) {
    for (Device* d : *list) {
      if (d != nullptr && d->info().max_transfer_bytes != 0) {
        slot_bytes = std::min<size_t>(slot_bytes, d->info().max_transfer_bytes);
      }
    }
  }
  staging_ = std::make_unique<StagingArena>(kStagingSlots, slot_bytes);
  members_.resize(members.size());
  for (size_t i = 0; i < members.size(); i++) {
    members_[i].dev = members[i];
    members_[i].state = static_cast<MemberState>(sb.member_state[i]);
    if (members[i] == nullptr) members_[i].state = MemberState::kFailed;
    ResetGroups(members_[i]);
    ConfigureStage(members_[i]);
  }
  CountAlive();
  stripes_.resize(geo_.stripes);
  free_stripes_.Reset(geo_.stripes);
  writes_in_flight_.assign(geo_.logical_chunks, 0);
  max_transfer_chunks_ = ~0u;
  for (Device* d : members) {
    if (d == nullptr || d->info().max_transfer_bytes == 0) continue;
    max_transfer_chunks_ = std::min<unsigned>(
        max_transfer_chunks_, d->info().max_transfer_bytes / geo_.chunk_bytes);
  }
  max_transfer_chunks_ = std::max(1u, max_transfer_chunks_);
  max_run_ = std::min(geo_.k, max_transfer_chunks_);
  // Band runs: R stripes within a band, R groups per extent (their
  // commands are split at the members' transfer limit).
  const uint64_t band = std::min<uint64_t>({kMaxBandRun, geo_.rotation, geo_.groups});
  max_band_ = band >= 2 ? static_cast<unsigned>(std::bit_floor(band)) : 0;
  slot_lc_.assign(geo_.stripes * geo_.k, 0);
  slot_seq_.assign(geo_.stripes * geo_.k, 0);
  l2p_.assign(geo_.logical_chunks, kUnmapped);
  if (IsHostMode()) {
    // Static mapping: logical chunk lc lives at stripe lc / k, index lc % k.
    for (uint64_t s = 0; s < geo_.stripes; s++) {
      stripes_[s].phase = Phase::kClosed;
      stripes_[s].included = static_cast<uint16_t>((1u << geo_.k) - 1);
      stripes_[s].parity_ok = static_cast<uint8_t>((1u << geo_.m) - 1);
    }
    for (uint64_t lc = 0; lc < geo_.logical_chunks; lc++) l2p_[lc] = lc;
  } else {
    free_stripes_.Fill();
  }
}

Engine::~Engine() = default;

void Engine::ResetGroups(Member& mb) {
  mb.free_groups.Reset(geo_.groups);
  mb.free_groups.Fill();
  mb.extent_users.assign(geo_.groups, 0);
}

void Engine::CountAlive() {
  alive_count_ = 0;
  for (unsigned i = 0; i < n_; i++) alive_count_ += alive(i);
}

// ---- device access -----------------------------------------------------------------

void Engine::Issue(unsigned member, DeviceCommand cmd, IoDone done) {
  Member& mb = members_[member];
  if (alive(member) && mb.stage.Accepts(cmd)) {
    if (mb.stage.Overlaps(cmd)) FlushStage(member);  // keep write order
    mb.stage.Add(cmd, std::move(done));
    if (mb.stage.full()) {
      FlushStage(member);
    } else {
      stages_waiting_ = true;
    }
    return;
  }
  Send(member, cmd, std::move(done));
}

void Engine::IssueDirect(unsigned member, const DeviceCommand& cmd, IoDone done) {
  Member& mb = members_[member];
  if (!mb.stage.empty() && mb.stage.Overlaps(cmd)) FlushStage(member);
  Send(member, cmd, std::move(done));
}

void Engine::Send(unsigned member, const DeviceCommand& cmd, IoDone done) {
  Member& mb = members_[member];
  if (!alive(member)) {
    ready_.push_back([done = std::move(done)] {
      DeviceCompletion c;
      c.errno_ = -ENODEV;
      done(c);
    });
    return;
  }
  if (!mb.backlog.empty()) {  // keep submission order
    mb.backlog.emplace_back(cmd, std::move(done));
    return;
  }
  if (!TrySubmit(member, cmd, done)) mb.backlog.emplace_back(cmd, std::move(done));
}

void Engine::FlushStage(unsigned member) {
  members_[member].stage.Flush(batch_pool_, [this, member](const DeviceCommand& c,
                                                           IoDone&& done) {
    Send(member, c, std::move(done));
  });
}

size_t Engine::FlushIdleStages() {
  size_t flushed = IssueConversions();
  if (!stages_waiting_) return flushed;
  stages_waiting_ = false;
  for (unsigned i = 0; i < members_.size(); i++) {
    Member& mb = members_[i];
    if (mb.stage.empty()) continue;
    // Nothing in flight: nothing would ever wake the stage, send it. (A
    // dead member's writes fail, through Send.)
    if (!alive(i) || (mb.in_flight == 0 && mb.backlog.empty())) {
      FlushStage(i);
      flushed++;
    } else {
      stages_waiting_ = true;
    }
  }
  return flushed;
}

void Engine::SetWriteCoalescing(bool on) {
  coalescing_ = on;
  for (unsigned i = 0; i < members_.size(); i++) {
    if (!members_[i].stage.empty()) FlushStage(i);
    ConfigureStage(members_[i]);
  }
}

void Engine::ConfigureStage(Member& mb) {
  mb.stage.Configure(geo_.chunk_blocks, 512, 0, false);  // off
  if (!coalescing_ || mb.dev == nullptr || !mb.dev->info().salix) return;
  // The tag list takes one SALIX_TAG_LIST_ALIGN piece of the transfer.
  uint64_t limit = mb.dev->info().max_transfer_bytes;
  uint64_t max = kMaxMergeBytes;
  if (limit != 0) max = std::min<uint64_t>(max, limit - SALIX_TAG_LIST_ALIGN);
  if (max < 2 * geo_.chunk_bytes) return;  // nothing to gain
  mb.stage.Configure(geo_.chunk_blocks, mb.dev->info().lba_size,
                     static_cast<uint32_t>(max), mb.dev->info().cheap_segments,
                     mb.dev->info().scattered_write_tagged, staging_.get());
}

void Engine::OnIoComplete(void* p, const DeviceCompletion& c) {
  auto* slot = static_cast<IoSlot*>(p);
  Engine* e = slot->engine;
  const unsigned member = slot->member;
  IoDone done = std::move(slot->done);
  e->io_pool_.Put(slot);  // done may submit again and reuse it
  Member& m = e->members_[member];
  m.in_flight--;
  if (c.ok() && (c.dw0 & SALIX_CQE_GC_BUSY)) {
    m.gc_busy_seen++;
    m.gc_busy_until = e->tick_ + kGcBusyTicks;
  }
  if (!c.ok()) e->OnDeviceError(member, c);
  done(c);
}

bool Engine::TrySubmit(unsigned member, const DeviceCommand& cmd, IoDone& done) {
  Member& mb = members_[member];
  IoSlot* slot = io_pool_.Get();
  slot->engine = this;
  slot->member = member;
  slot->done = std::move(done);
  if (mb.dev->Submit(cmd, &OnIoComplete, slot)) {
    mb.in_flight++;
    mb.commands++;
    return true;
  }
  done = std::move(slot->done);
  io_pool_.Put(slot);
  return false;
}

void Engine::OnDeviceError(unsigned member, const DeviceCompletion& c) {
  Member& mb = members_[member];
  mb.errors++;
  if (mb.state != MemberState::kActive) return;
  // Any error is treated as the member's death: a Salix device reports
  // nothing the engine could retry, and a half-working member is the
  // dangerous case for an array.
  (void)c;
  mb.state = MemberState::kFailed;
  sb_.member_state[member] = static_cast<uint8_t>(MemberState::kFailed);
  CountAlive();
  // Commands queued behind the failure fail too.
  auto backlog = std::move(mb.backlog);
  mb.backlog.clear();
  for (auto& [cmd, done] : backlog) {
    ready_.push_back([done = std::move(done)] {
      DeviceCompletion e;
      e.errno_ = -ENODEV;
      done(e);
    });
  }
  // The failure must be durable before any write that relied on it is
  // acknowledged: after a crash, the dead member must not come back as if
  // its (stale) chunks were current.
  superblock_writing_ = true;
  WriteSuperblocksAsync([this](bool) {
    superblock_writing_ = false;
    auto acks = std::move(deferred_acks_);
    deferred_acks_.clear();
    for (Request* r : acks) Ack(r);
  });
}

void Engine::WriteSuperblocksAsync(std::function<void(bool)> done) {
  sb_.generation++;
  struct State {
    unsigned pending = 1;
    unsigned failed = 0;
    std::vector<std::vector<uint8_t>> bufs;
  };
  auto st = std::make_shared<State>();
  st->bufs.resize(n_);
  auto finish = [st, done] {
    if (--st->pending == 0) done(st->failed == 0);
  };
  for (unsigned i = 0; i < n_; i++) {
    if (!alive(i)) continue;
    st->bufs[i].assign(geo_.chunk_bytes, 0);
    Superblock sb = sb_;
    sb.member_index = i;
    SealSuperblock(&sb);
    std::memcpy(st->bufs[i].data(), &sb, sizeof(sb));
    DeviceCommand cmd = Rw(SALIX_IO_WRITE, geo_.ChunkLba(sb_.generation & 1),
                           geo_.chunk_blocks, st->bufs[i].data(),
                           geo_.chunk_bytes);
    SetTag(&cmd, {TagKind::kMeta, 0, sb_.generation, 0, 0});
    st->pending++;
    Issue(i, cmd, [this, i, st, finish](const DeviceCompletion& c) {
      if (!c.ok()) {
        st->failed++;
        return finish();
      }
      // Durable, not just in the member's write cache.
      DeviceCommand f;
      f.opcode = SALIX_IO_FLUSH;
      Issue(i, f, [st, finish](const DeviceCompletion& c) {
        if (!c.ok()) st->failed++;
        finish();
      });
    });
  }
  finish();
}

Engine::Request* Engine::NewRequest(ArrayCompletionFn fn, void* ctx,
                                    int parts) {
  Request* r = request_pool_.Get();
  r->fn = fn;
  r->ctx = ctx;
  r->pending = parts;
  r->result = 0;
  requests_++;
  return r;
}

Engine::Request* Engine::NewInternal(std::function<void(int)> done) {
  Request* r = request_pool_.Get();
  r->fn = nullptr;
  r->ctx = nullptr;
  r->pending = 1;
  r->result = 0;
  r->internal = std::move(done);
  return r;
}

void Engine::Finish(Request* r, int result) {
  if (result != 0 && r->result == 0) r->result = result;
  if (--r->pending > 0) return;
  Ack(r);
}

void Engine::Ack(Request* r) {
  if (superblock_writing_) {
    deferred_acks_.push_back(r);
    return;
  }
  if (r->internal) {
    auto done = std::move(r->internal);
    r->internal = nullptr;
    int result = r->result;
    request_pool_.Put(r);
    done(result);
    return;
  }
  requests_--;
  completed_++;
  ArrayCompletionFn fn = r->fn;
  void* ctx = r->ctx;
  int result = r->result;
  request_pool_.Put(r);
  if (fn) fn(ctx, result);
}

size_t Engine::Poll(unsigned wait_us) {
  tick_++;
  // Idle: polled with nothing of the caller's in flight. (Requests often
  // all complete within one Poll; "none left" would hold after every one.)
  idle_poll_ = requests_ == 0;
  size_t before = completed_;
  for (int round = 0; round < 64; round++) {
    size_t progress = 0;
    while (!ready_.empty()) {
      auto f = std::move(ready_.front());
      ready_.pop_front();
      f();
      progress++;
    }
    for (unsigned i = 0; i < members_.size(); i++) {
      Member& mb = members_[i];
      while (!mb.backlog.empty() && alive(i)) {
        auto& [cmd, done] = mb.backlog.front();
        if (!TrySubmit(i, cmd, done)) break;  // still full
        mb.backlog.pop_front();
        progress++;
      }
      if (mb.dev && mb.in_flight > 0) progress += mb.dev->Poll(0);
    }
    // Writes waiting for a free slot: GC relocations first.
    while (!gc_waiting_.empty()) {
      const PendingWrite& w = gc_waiting_.front();
      // A relocation gets a fresh sequence number when placed, so it must
      // not be placed once a user write of the chunk is in flight or done
      // (placed earlier, that write would rank below the old data it
      // replaced, in the map and after a crash): it is dropped, and the
      // victim, still holding the chunk until that write lands, is
      // retried later.
      if (writes_in_flight_[w.lc] > 0 || l2p_[w.lc] != w.gc_source) {
        Finish(w.req, 0);
        gc_waiting_.pop_front();
        progress++;
        continue;
      }
      if (!PlaceWrite(w, true, w.gc_source)) break;
      gc_waiting_.pop_front();
      progress++;
    }
    while (!waiting_.empty()) {
      if (waiting_.front().band && PlaceGathered()) {
        progress++;
        continue;
      }
      if (!PlacePending(waiting_.front())) break;
      waiting_.pop_front();
      progress++;
    }
    if (!IsHostMode()) {
      // The table is written in batches; earlier only when the array is
      // idle or something waits for what the flush gives back (transient
      // groups, GC victims: both need the backups freed).
      if (awaiting_table_.size() >= kTableBatch ||
          (!awaiting_table_.empty() && (groups_short_ || idle_poll_))) {
        groups_short_ = false;
        FlushTable();
      }
      MaybeCollect();
      FreeCollected(false);
    }
    if (rebuild_) RunRebuild();
    if (!held_host_writes_.empty() && !rebuild_final()) {
      std::deque<PendingWrite> held;
      held.swap(held_host_writes_);
      for (const PendingWrite& w : held) HostWrite(w.lc, w.data, w.req);
      progress++;
    }
    progress += FlushIdleStages();
    if (progress == 0) break;
  }
  if (completed_ == before && wait_us > 0) {
    for (unsigned i = 0; i < members_.size(); i++) {
      if (members_[i].dev && members_[i].in_flight > 0) {
        members_[i].dev->Poll(wait_us);
        break;
      }
    }
  }
  return completed_ - before;
}

// ---- writes (device parity) --------------------------------------------------------------

bool Engine::SubmitWrite(uint64_t offset, uint32_t len, const void* buf,
                         ArrayCompletionFn fn, void* ctx) {
  // Chunks are a power of two (ComputeGeometry): shifts, not divisions.
  const unsigned shift = static_cast<unsigned>(std::countr_zero(geo_.chunk_bytes));
  const uint64_t mask = geo_.chunk_bytes - 1;
  if (len == 0 || (offset & mask) || (len & mask) || offset + len > capacity_bytes()) {
    return false;
  }
  uint32_t chunks = len >> shift;
  Request* r = NewRequest(fn, ctx, static_cast<int>(chunks));
  auto* data = static_cast<const uint8_t*>(buf);
  for (uint32_t c = 0; c < chunks;) {
    uint32_t lc = static_cast<uint32_t>((offset >> shift) + c);
    const uint8_t* d = data + uint64_t{c} * geo_.chunk_bytes;
    if (IsHostMode()) {
      HostWrite(lc, d, r);
      c++;
      continue;
    }
    // Band runs where the write is long enough, then whole runs of
    // max_run_ chunks; the rest one chunk at a time, placed wherever a
    // slot is free.
    unsigned run = chunks - c >= max_run_ && max_run_ > 1 ? max_run_ : 1;
    const unsigned band = BandStripes(chunks - c);
    if (band != 0) run = band * geo_.k;
    for (unsigned x = 0; x < run; x++) writes_in_flight_[lc + x]++;
    // Its completion reads the chunk's map entry: a random access, started
    // now so that it overlaps this one (the engine's costliest cache miss).
    __builtin_prefetch(&l2p_[lc]);
    PendingWrite w{r, lc, d, kUnmapped, run, band != 0};
    // A band write waits for the next Poll, where it is placed together
    // with the band writes that continue it (PlaceGathered).
    if (w.band || !waiting_.empty() || !PlacePending(w)) waiting_.push_back(w);
    c += run;
  }
  return true;
}

bool Engine::SubmitTrim(uint64_t offset, uint64_t len, ArrayCompletionFn fn,
                        void* ctx) {
  // A trim is a write of zero chunks: durable and ordered like any write,
  // at the price of the write. (Unmapping in memory only would let a crash
  // bring trimmed data back.)
  if (len == 0 || offset % geo_.chunk_bytes || len % geo_.chunk_bytes ||
      offset + len > capacity_bytes()) {
    return false;
  }
  zero_chunk_.assign(geo_.chunk_bytes, 0);
  uint64_t chunks = len / geo_.chunk_bytes;
  Request* r = NewRequest(fn, ctx, static_cast<int>(chunks));
  for (uint64_t c = 0; c < chunks; c++) {
    uint32_t lc = static_cast<uint32_t>(offset / geo_.chunk_bytes + c);
    if (IsHostMode()) {
      HostWrite(lc, zero_chunk_.data(), r);
      continue;
    }
    writes_in_flight_[lc]++;
    PendingWrite w{r, lc, zero_chunk_.data(), kUnmapped};
    if (!waiting_.empty() || !PlaceWrite(w, false, kUnmapped)) {
      waiting_.push_back(w);
    }
  }
  return true;
}

bool Engine::OpenStripe(bool for_gc) {
  size_t tries = std::min<size_t>(free_stripes_.size(), members_.size() * 2);
  for (size_t t = 0; t < tries; t++) {
    uint64_t s = free_stripes_.Take();
    bool ok = true;
    for (unsigned j = 0; j < geo_.m; j++) {
      unsigned p = geo_.ParityMember(s, j);
      if (alive(p) && members_[p].free_groups.empty()) ok = false;
    }
    if (!ok) {
      free_stripes_.Put(s);
      // The band's parity member is short of groups: try the next band.
      free_stripes_.Seek(geo_.NextBand(s));
      groups_short_ = true;  // the table flush returns groups: do it now
      continue;
    }
    Stripe& st = stripes_[s];
    st = Stripe{};
    st.phase = Phase::kOpen;
    st.epoch = NextSeq();
    st.backups_live = true;
    st.for_gc = for_gc;
    for (unsigned j = 0; j < geo_.m; j++) {
      unsigned p = geo_.ParityMember(s, j);
      if (!alive(p)) continue;
      st.group[j] = static_cast<uint32_t>(members_[p].free_groups.Take());
    }
    // A slot whose data member is dead is still written: its copies are
    // the backups, and once converted the parity holds it (reads
    // reconstruct it, a rebuild restores it). Skipping such slots would
    // shrink every stripe while degraded, until the volume no longer fits
    // (GC then only churns). Only without a live parity member is there no
    // copy to write.
    bool parity_alive = false;
    for (unsigned j = 0; j < geo_.m; j++) parity_alive |= alive(geo_.ParityMember(s, j));
    for (unsigned i = 0; i < geo_.k; i++) {
      if (!alive(geo_.DataMember(s, i)) && !parity_alive) st.claimed |= 1u << i;
    }
    AddOpen(s);
    return true;
  }
  return false;
}

void Engine::AddOpen(uint64_t s) {
  Stripe& st = stripes_[s];
  st.data0 = static_cast<uint8_t>(geo_.DataMember(s, 0));
  for (unsigned j = 0; j < geo_.m; j++) {
    st.parity[j] = static_cast<uint8_t>(geo_.ParityMember(s, j));
  }
  open_.push_back(s);
}

bool Engine::PlacePending(PendingWrite& w) {
  const bool healthy = alive_count() == n_ && !rebuild_;
  if (w.band) {
    // Band writes are placed from waiting_ only (SubmitWrite): w is its
    // first. Alone; when that fails, as runs of max_run_ chunks.
    w.band = false;
    if (healthy && PlaceBand(1, w.run / geo_.k)) return true;
  }
  if (w.run == 1) return PlaceWrite(w, false, kUnmapped);
  // Degraded or rebuilding: a fresh stripe may have slots that are never
  // written, so the run goes chunk by chunk.
  const unsigned piece = healthy ? max_run_ : 1;
  while (w.run > 0) {
    const unsigned len = std::min(piece, w.run);
    PendingWrite one{w.req, w.lc, w.data, kUnmapped, len};
    if (!(len == 1 ? PlaceWrite(one, false, kUnmapped) : PlaceRun(one))) return false;
    w.lc += len;
    w.data += uint64_t{len} * geo_.chunk_bytes;
    w.run -= len;
  }
  return true;
}

unsigned Engine::BandStripes(uint64_t chunks) const {
  if (max_band_ < 2 || IsHostMode()) return 0;
  const uint64_t fit = std::min<uint64_t>(max_band_, chunks / geo_.k);
  return fit >= 2 ? static_cast<unsigned>(std::bit_floor(fit)) : 0;
}

bool Engine::PlaceGathered() {
  if (alive_count() != n_ || rebuild_) return false;
  // Sequential writes, a queue of them in flight (fio's 64 KiB job): each
  // alone is a band run of a few stripes with one command per member; taken
  // together the run is longer and each data member's piece is one whole
  // write's buffer (R = 4 x 64 KiB / 16 KiB stripes = 16: a command per
  // write per member instead of k + m per write).
  const unsigned k = geo_.k;
  size_t n = 0;
  uint64_t chunks = 0;
  while (n < waiting_.size() && waiting_[n].band &&
         (n == 0 || waiting_[n].lc == waiting_[n - 1].lc + waiting_[n - 1].run) &&
         chunks + waiting_[n].run <= uint64_t{max_band_} * k) {
    chunks += waiting_[n++].run;
  }
  // A band write is k * 2^x chunks; so is some prefix of them. When R
  // stripes in a row cannot be had (free stripes scattered by array GC),
  // a shorter prefix may still find a run.
  auto shorten = [&] {
    do {
      chunks -= waiting_[--n].run;
    } while (n > 0 && uint64_t{BandStripes(chunks)} * k != chunks);
  };
  if (uint64_t{BandStripes(chunks)} * k != chunks) shorten();
  for (; n >= 2; shorten()) {
    if (PlaceBand(n, BandStripes(chunks))) {
      waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(n));
      return true;
    }
  }
  return false;
}

bool Engine::PlaceBand(size_t n, unsigned R) {
  if (rebuild_final()) return false;
  if (free_stripes_.size() <= geo_.n() + R) return false;  // GC headroom
  const uint64_t s0 = free_stripes_.TakeRun(R, 1, geo_.rotation);
  if (s0 == FreeList::kNone) return false;
  uint32_t extent[kMaxParity] = {0, 0};
  for (unsigned j = 0; j < geo_.m; j++) {
    FreeList& groups = members_[geo_.ParityMember(s0, j)].free_groups;
    const uint64_t g = groups.TakeRun(R, R, 0);
    if (g == FreeList::kNone) {
      for (unsigned back = 0; back < j; back++) {
        FreeList& taken = members_[geo_.ParityMember(s0, back)].free_groups;
        for (unsigned x = 0; x < R; x++) taken.Put(extent[back] + x);
      }
      for (unsigned x = 0; x < R; x++) free_stripes_.Put(s0 + x);
      return false;
    }
    extent[j] = static_cast<uint32_t>(g);
  }
  WriteBand(s0, extent, n, R);
  return true;
}

void Engine::WriteBand(uint64_t s0, const uint32_t* extent, size_t n, unsigned R) {
  const unsigned k = geo_.k;
  const uint16_t full = static_cast<uint16_t>((1u << k) - 1);
  for (unsigned x = 0; x < R; x++) {
    Stripe& st = stripes_[s0 + x];
    st = Stripe{};
    st.phase = Phase::kOpen;
    st.epoch = NextSeq();
    st.backups_live = true;
    st.claimed = full;
    st.pending_writes = static_cast<uint16_t>(k);
    st.run_len = static_cast<uint8_t>(R);
    st.run_pos = static_cast<uint8_t>(x);
    for (unsigned j = 0; j < geo_.m; j++) st.group[j] = extent[j];
    AddOpen(s0 + x);
  }
  for (unsigned j = 0; j < geo_.m; j++) {
    members_[geo_.ParityMember(s0, j)].extent_users[extent[j]] = static_cast<uint8_t>(R);
  }
  const uint64_t seq = NextSeq();  // one for the run: its chunks differ in lc
  const uint32_t lc0 = waiting_[0].lc;
  band_runs_++;
  band_run_chunks_ += R * k;
  BandOp* band = band_pool_.Get();
  band->stripes = R;
  band->pending = 1;  // until every command is out (released at the end)
  const unsigned copies = 1 + geo_.m;  // healthy: every member alive
  for (size_t w = 0, c = 0; w < n; w++) {
    for (unsigned y = 0; y < waiting_[w].run; y++, c++) {
      const unsigned i = static_cast<unsigned>(c / R), x = static_cast<unsigned>(c % R);
      const uint64_t s = s0 + x;
      const uint64_t slot = s * k + i;
      slot_lc_[slot] = lc0 + static_cast<uint32_t>(c);
      slot_seq_[slot] = seq;
      WriteOp* op = write_pool_.Get();
      *op = WriteOp{s, slot, seq, kUnmapped, waiting_[w].req, lc0 + static_cast<uint32_t>(c),
                    i, copies, 0, false};
      band->ops[c] = op;
    }
  }
  // Sends chunks [first, first + count) of the run to member p at lba, one
  // uncopied command per write's buffer they lie in (and per transfer
  // limit).
  auto send = [&](unsigned p, uint64_t lba, unsigned first, unsigned count, ChunkTag tag,
                  bool data_tag) {
    unsigned w = 0, start = 0;  // waiting_[w] holds run chunks start.. of the run
    while (start + waiting_[w].run <= first) start += waiting_[w++].run;
    for (unsigned c = first; c < first + count;) {
      const unsigned len =
          std::min({first + count, start + waiting_[w].run, c + max_transfer_chunks_}) - c;
      DeviceCommand cmd =
          Rw(SALIX_IO_WRITE, lba + uint64_t{c - first} * geo_.chunk_blocks,
             geo_.chunk_blocks * len,
             const_cast<uint8_t*>(waiting_[w].data) + uint64_t{c - start} * geo_.chunk_bytes,
             geo_.chunk_bytes * len);
      if (data_tag) {
        // The piece names its first stripe and that stripe's chunk.
        tag.value = lc0 + c;
        tag.stripe = static_cast<uint32_t>(s0 + c % R);
      }
      SetTag(&cmd, tag);
      band->pending++;
      IssueDirect(p, cmd, [this, band, c, len](const DeviceCompletion& done) {
        BandChunksWritten(band, c, len, done);
      });
      c += len;
      if (c == start + waiting_[w].run) start += waiting_[w++].run;
    }
  };
  // Data index i: chunks i * R .. i * R + R - 1 of the run, side by side on
  // its member (the stripes of a band share their members' roles).
  for (unsigned i = 0; i < k; i++) {
    send(geo_.DataMember(s0, i), geo_.DataLba(s0), i * R, R,
         {TagKind::kData, i, seq, 0, 0}, true);
  }
  // The backups: the whole run, in order, into each parity member's extent.
  const unsigned log2r = static_cast<unsigned>(std::countr_zero(R));
  for (unsigned j = 0; j < geo_.m; j++) {
    send(geo_.ParityMember(s0, j), geo_.BackupLba(extent[j], 0), 0, R * k,
         {TagKind::kBackupRun, log2r, seq, lc0, static_cast<uint32_t>(s0)}, false);
  }
  if (--band->pending == 0) band_pool_.Put(band);
}

void Engine::BandChunksWritten(BandOp* band, unsigned first, unsigned count,
                               const DeviceCompletion& c) {
  WriteOp* ops[kMaxData * kMaxBandRun];
  std::copy(band->ops + first, band->ops + first + count, ops);
  if (--band->pending == 0) band_pool_.Put(band);
  for (unsigned x = 0; x < count; x++) ChunkWritten(ops[x], c);
}

bool Engine::PlaceRun(const PendingWrite& w) {
  if (rebuild_final()) return false;
  if (free_stripes_.size() <= geo_.n()) return false;  // GC headroom: wait
  if (!OpenStripe()) {
    // No transient group free on a parity member: close the oldest open
    // stripe early so that its groups come back.
    ForceConvertOldest();
    return false;
  }
  WriteRun(open_.back(), w);
  return true;
}

void Engine::WriteRun(uint64_t s, const PendingWrite& w) {
  Stripe& st = stripes_[s];
  const uint64_t seq = NextSeq();  // one for the run: its chunks differ in lc
  RunOp* run = run_pool_.Get();
  run->count = w.run;
  run->pending = 0;
  unsigned copies = 1;
  for (unsigned j = 0; j < geo_.m; j++) {
    if (alive(geo_.ParityMember(s, j))) copies++;
  }
  for (unsigned i = 0; i < w.run; i++) {
    st.claimed |= 1u << i;
    st.pending_writes++;
    const uint64_t slot = s * geo_.k + i;
    const uint32_t lc = w.lc + i;
    slot_lc_[slot] = lc;
    slot_seq_[slot] = seq;
    WriteOp* op = write_pool_.Get();
    *op = WriteOp{s, slot, seq, kUnmapped, w.req, lc, i, copies, 0, false};
    run->ops[i] = op;
    DeviceCommand cmd =
        Rw(SALIX_IO_WRITE, geo_.DataLba(s), geo_.chunk_blocks,
           const_cast<uint8_t*>(w.data) + uint64_t{i} * geo_.chunk_bytes,
           geo_.chunk_bytes);
    SetTag(&cmd, {TagKind::kData, i, seq, lc, static_cast<uint32_t>(s)});
    Issue(geo_.DataMember(s, i), cmd,
          [this, op](const DeviceCompletion& c) { ChunkWritten(op, c); });
  }
  // The backups: indices 0..run-1 of the stripe's group are contiguous on
  // each parity member, as is the data in the caller's buffer. The tag
  // names the first chunk; chunk i of the group holds lc + i (layout.h).
  for (unsigned j = 0; j < geo_.m; j++) {
    // The old parity of a lost member comes from the spare once rebuilt.
    unsigned p = HostTarget(s, geo_.ParityMember(s, j));
    if (!alive(p)) continue;
    DeviceCommand cmd = Rw(SALIX_IO_WRITE, geo_.BackupLba(st.group[j], 0),
                           geo_.chunk_blocks * w.run, const_cast<uint8_t*>(w.data),
                           geo_.chunk_bytes * w.run);
    SetTag(&cmd, {TagKind::kBackup, 0, seq, w.lc, static_cast<uint32_t>(s)});
    run->pending++;
    Issue(p, cmd, [this, run](const DeviceCompletion& c) { RunBackupWritten(run, c); });
  }
  if (run->pending == 0) run_pool_.Put(run);
}

void Engine::RunBackupWritten(RunOp* run, const DeviceCompletion& c) {
  // Each chunk of the run counts this backup as one of its copies.
  const unsigned count = run->count;
  WriteOp* ops[kMaxData];
  std::copy(run->ops, run->ops + count, ops);
  if (--run->pending == 0) run_pool_.Put(run);
  for (unsigned x = 0; x < count; x++) ChunkWritten(ops[x], c);
}

bool Engine::PlaceWrite(const PendingWrite& w, bool internal,
                        uint64_t gc_source) {
  if (rebuild_final()) return false;  // the rebuild is swapping the spare in
  if (alive_count() < geo_.k) {
    // More members lost than the parity covers: nothing can be stored.
    if (w.req) Finish(w.req, -EIO);
    return true;
  }
  for (int attempt = 0; attempt < 2; attempt++) {
    // The least loaded live slot of the open stripes, avoiding members that
    // said they are collecting garbage.
    uint64_t best_s = kUnmapped;
    unsigned best_i = 0;
    uint64_t best_score = ~uint64_t{0};
    const unsigned gc_member =
        gc_source == kUnmapped ? n_ : geo_.DataMember(gc_source / geo_.k, gc_source % geo_.k);
    // User writes keep off the stripes GC opened from its reserve while free
    // stripes are that low: filling them would leave GC, whose victims free
    // the stripes, nowhere to put its relocations (a slow member let user
    // writes take every such slot until no free stripe was left).
    const bool spare_gc = !internal && free_stripes_.size() <= geo_.n();
    // Each member's score, once: the scan below visits up to 2n open
    // stripes of k slots per write.
    uint64_t member_score[kMaxMembers];
    for (unsigned d = 0; d < n_; d++) {
      const Member& mb = members_[d];
      // (A deque's size() is a dozen instructions; it is nearly always empty.)
      uint64_t score = mb.in_flight + (mb.backlog.empty() ? 0 : mb.backlog.size());
      if (mb.gc_busy_until > tick_) score += 1000;
      if (!alive(d)) score += 2;  // backups only: reads will reconstruct
      // GC relocation: the same member lets the device copy the chunk.
      if (d == gc_member) score = 0;
      member_score[d] = score;
    }
    const unsigned all_slots = (1u << geo_.k) - 1;
    for (uint64_t s : open_) {
      const Stripe& st = stripes_[s];
      if (spare_gc && st.for_gc) continue;
      for (unsigned free = ~unsigned{st.claimed} & all_slots; free != 0; free &= free - 1) {
        const unsigned i = static_cast<unsigned>(std::countr_zero(free));
        const uint64_t score = member_score[OpenDataMember(st, i)];
        if (score < best_score) {
          best_score = score;
          best_s = s;
          best_i = i;
        }
      }
    }
    // Busy members: a user write may open another stripe to go elsewhere.
    // A GC relocation may not: it may dip into the stripes kept for GC,
    // and spending them on detours (each opened stripe is a free stripe
    // gone until it fills) left GC, with a slow member, unable to place
    // the chunks that would free its victim: no free stripe, nothing open.
    bool busy = best_score >= 1000 || best_score > 4;
    if (best_s == kUnmapped || (busy && attempt == 0 && !internal &&
                                open_.size() < members_.size() * 2)) {
      bool reserve_ok = internal || free_stripes_.size() > geo_.n();
      if (reserve_ok && OpenStripe(internal && free_stripes_.size() <= geo_.n())) continue;
      if (best_s == kUnmapped) {
        // Transient area exhausted (a stripe could open, but its parity
        // member had no group): close the oldest open stripe early (its
        // empty slots stay unused until GC) so that its groups come back.
        // Free stripes exhausted: only GC brings them back, and closing a
        // stripe early would waste the slots GC's relocations need.
        if (reserve_ok) ForceConvertOldest();
        return false;
      }
    }
    WriteChunk(best_s, best_i, w.lc, w.data, w.req, internal, gc_source);
    return true;
  }
  return false;
}

void Engine::WriteChunk(uint64_t s, unsigned i, uint32_t lc,
                        const uint8_t* data, Request* req, bool internal,
                        uint64_t gc_source) {
  Stripe& st = stripes_[s];
  st.claimed |= 1u << i;
  st.pending_writes++;
  uint64_t seq = NextSeq();
  uint64_t slot = s * geo_.k + i;
  slot_lc_[slot] = lc;
  slot_seq_[slot] = seq;
  WriteOp* op = write_pool_.Get();
  *op = WriteOp{s, slot, seq, gc_source, req, lc, i, 0, 0, internal};
  auto done = [this, op](const DeviceCompletion& c) { ChunkWritten(op, c); };
  const unsigned d = OpenDataMember(st, i);
  op->pending = 1;
  for (unsigned j = 0; j < geo_.m; j++) {
    if (alive(st.parity[j])) op->pending++;
  }
  // Data copy: an in-device Copy when GC relocates within one member.
  if (gc_source != kUnmapped &&
      d == geo_.DataMember(gc_source / geo_.k, gc_source % geo_.k)) {
    auto range = std::make_shared<std::array<uint8_t, 32>>();
    range->fill(0);
    uint64_t src = geo_.DataLba(gc_source / geo_.k);
    uint16_t nlb = static_cast<uint16_t>(geo_.chunk_blocks - 1);
    std::memcpy(range->data() + 8, &src, 8);
    std::memcpy(range->data() + 16, &nlb, 2);
    DeviceCommand cmd;
    cmd.opcode = SALIX_IO_COPY;
    uint64_t dst = geo_.DataLba(s);
    cmd.cdw10 = static_cast<uint32_t>(dst);
    cmd.cdw11 = static_cast<uint32_t>(dst >> 32);
    cmd.cdw12 = 0;  // one range, format 0
    cmd.data = range->data();
    cmd.data_len = 32;
    SetTag(&cmd, {TagKind::kData, i, seq, lc, static_cast<uint32_t>(s)});
    Issue(d, cmd, [range, done](const DeviceCompletion& c) mutable { done(c); });
  } else {
    DeviceCommand cmd = Rw(SALIX_IO_WRITE, geo_.DataLba(s), geo_.chunk_blocks,
                           const_cast<uint8_t*>(data), geo_.chunk_bytes);
    SetTag(&cmd, {TagKind::kData, i, seq, lc, static_cast<uint32_t>(s)});
    Issue(d, cmd, done);
  }
  for (unsigned j = 0; j < geo_.m; j++) {
    // The old parity of a lost member comes from the spare once rebuilt.
    unsigned p = HostTarget(s, st.parity[j]);
    if (!alive(p)) continue;
    DeviceCommand cmd =
        Rw(SALIX_IO_WRITE, BackupLba(st, j, i), geo_.chunk_blocks,
           const_cast<uint8_t*>(data), geo_.chunk_bytes);
    SetTag(&cmd, {TagKind::kBackup, i, seq, lc, static_cast<uint32_t>(s)});
    Issue(p, cmd, done);
  }
}

void Engine::ChunkWritten(WriteOp* op, const DeviceCompletion& c) {
  if (c.ok()) op->ok++;
  if (--op->pending > 0) return;
  const WriteOp w = *op;
  write_pool_.Put(op);
  Stripe& st = stripes_[w.s];
  st.pending_writes--;
  if (w.ok > 0) {
    st.written |= 1u << w.i;
    uint64_t cur = l2p_[w.lc];
    // Both the old slot's sequence number and its stripe are random
    // accesses: fetch them together.
    if (cur != kUnmapped) __builtin_prefetch(&stripes_[cur / geo_.k]);
    bool newer = cur == kUnmapped || slot_seq_[cur] < w.seq;
    if (w.internal) newer = cur == w.gc_source;  // unless overwritten meanwhile
    if (newer) {
      if (cur != kUnmapped) stripes_[cur / geo_.k].valid--;
      l2p_[w.lc] = w.slot;
      st.valid++;
    }
  }
  if (!w.internal && writes_in_flight_[w.lc] > 0) writes_in_flight_[w.lc]--;
  MaybeConvert(w.s);
  if (w.req) Finish(w.req, w.ok > 0 ? 0 : -EIO);
}

void Engine::MaybeConvert(uint64_t s) {
  Stripe& st = stripes_[s];
  uint16_t full = static_cast<uint16_t>((1u << geo_.k) - 1);
  if (st.phase == Phase::kOpen && st.claimed == full && st.pending_writes == 0) {
    Convert(s);
  }
}

void Engine::ForceConvertOldest() {
  for (uint64_t s : open_) {
    Stripe& st = stripes_[s];
    if (st.phase != Phase::kOpen) continue;
    // Claim the rest so no new write lands; convert when the writes in
    // flight are done.
    st.claimed = static_cast<uint16_t>((1u << geo_.k) - 1);
    MaybeConvert(s);
    return;
  }
}

void Engine::Convert(uint64_t s) {
  Stripe& st = stripes_[s];
  st.phase = Phase::kConverting;
  open_.erase(std::find(open_.begin(), open_.end(), s));
  st.included = st.written;
  st.conv_pending = 1;  // dropped below, once every Parity Compute is out
  st.conv_ok = 0;
  const bool full = st.included == static_cast<uint16_t>((1u << geo_.k) - 1);
  for (unsigned j = 0; j < geo_.m; j++) {
    // The old parity of a lost member comes from the spare once rebuilt.
    unsigned p = HostTarget(s, geo_.ParityMember(s, j));
    if (!alive(p) || st.included == 0) continue;  // nothing written: no parity
    st.conv_pending++;
    if (full) {
      // Full stripes wait for the end of this round: consecutive ones of a
      // band share one command (IssueConversions).
      conversions_waiting_.push_back({p, j, s});
    } else {
      IssueParity(p, j, s, 1, false);
    }
  }
  ConversionDone(s);
}

size_t Engine::IssueConversions() {
  if (conversions_waiting_.empty()) return 0;
  std::vector<ParityJob> jobs;
  jobs.swap(conversions_waiting_);
  std::sort(jobs.begin(), jobs.end(), [](const ParityJob& a, const ParityJob& b) {
    return std::tie(a.member, a.j, a.s) < std::tie(b.member, b.j, b.s);
  });
  size_t commands = 0;
  for (size_t first = 0; first < jobs.size();) {
    // Stripes s, s+1, ... of one band whose sources on this parity member
    // follow each other at one step: consecutive groups (k chunks apart),
    // or the stripes of one band run (1 chunk apart), one command.
    const unsigned j = jobs[first].j;
    const bool interleaved = stripes_[jobs[first].s].run_len > 1;
    auto follows = [&](const Stripe& a, const Stripe& b) {
      if (interleaved) {
        return b.run_len == a.run_len && b.group[j] == a.group[j] &&
               b.run_pos == a.run_pos + 1;
      }
      return b.run_len == 1 && b.group[j] == a.group[j] + 1;
    };
    size_t last = first + 1;
    while (last < jobs.size() && last - first < kMaxParityStripes &&
           jobs[last].member == jobs[first].member && jobs[last].j == j &&
           jobs[last].s == jobs[last - 1].s + 1 &&
           follows(stripes_[jobs[last - 1].s], stripes_[jobs[last].s])) {
      last++;
    }
    IssueParity(jobs[first].member, j, jobs[first].s,
                static_cast<unsigned>(last - first), interleaved);
    commands++;
    first = last;
  }
  return commands;
}

void Engine::IssueParity(unsigned p, unsigned j, uint64_t s0, unsigned count,
                         bool interleaved) {
  const Stripe& st = stripes_[s0];
  auto desc = std::make_shared<std::vector<salix_parity_source>>();
  for (unsigned i = 0; i < geo_.k; i++) {
    if (!(st.included & (1u << i))) continue;
    salix_parity_source src{};
    src.slba = BackupLba(st, j, i);
    src.coef = static_cast<uint8_t>(i);
    desc->push_back(src);
  }
  DeviceCommand cmd;
  cmd.opcode = SALIX_IO_PARITY_COMPUTE;
  uint64_t dst = geo_.DataLba(s0);
  cmd.cdw10 = static_cast<uint32_t>(dst);
  cmd.cdw11 = static_cast<uint32_t>(dst >> 32);
  cmd.cdw12 = static_cast<uint32_t>(desc->size() - 1) |
              ((j == 0 ? SALIX_PARITY_P : SALIX_PARITY_Q) << 8) |
              ((interleaved ? 1u : 0u) << SALIX_PARITY_SSTEP_SHIFT);
  // NS: stripes s0 .. s0 + count - 1 (<salix/array_commands.h>).
  cmd.cdw13 = (geo_.chunk_blocks - 1) | ((count - 1) << 16);
  cmd.data = desc->data();
  cmd.data_len = static_cast<uint32_t>(desc->size() * sizeof(salix_parity_source));
  // One tag for every parity chunk of the command: the first stripe's
  // (recovery does not read parity tags; the table records the stripes).
  SetTag(&cmd, {j == 0 ? TagKind::kParityP : TagKind::kParityQ, j, st.epoch,
                st.included, static_cast<uint32_t>(s0)});
  Issue(p, cmd, [this, desc, j, s0, count](const DeviceCompletion& c) {
    for (unsigned x = 0; x < count; x++) {
      if (c.ok()) stripes_[s0 + x].conv_ok |= static_cast<uint8_t>(1u << j);
      ConversionDone(s0 + x);
    }
  });
}

void Engine::ConversionDone(uint64_t s) {
  Stripe& st = stripes_[s];
  if (--st.conv_pending > 0) return;
  st.phase = Phase::kClosed;
  st.parity_ok = st.conv_ok;
  conversions_++;
  table_dirty_.push_back(s / RecordsPerChunk(geo_.chunk_bytes, geo_.k));
  awaiting_table_.push_back(s);
}

// ---- stripe table -------------------------------------------------------------------------

void Engine::SerializeTableChunk(uint64_t chunk, std::vector<uint8_t>* out) const {
  out->assign(geo_.chunk_bytes, 0);
  TableHeader h{kTableMagic, 1, chunk, table_generation_, sb_.uuid};
  std::memcpy(out->data(), &h, sizeof(h));
  uint64_t rpc = RecordsPerChunk(geo_.chunk_bytes, geo_.k);
  for (uint64_t r = 0; r < rpc; r++) {
    uint64_t s = chunk * rpc + r;
    if (s >= geo_.stripes) break;
    const Stripe& st = stripes_[s];
    if (st.phase != Phase::kClosed) continue;
    uint8_t* p = out->data() + sizeof(TableHeader) + r * RecordBytes(geo_.k);
    uint32_t state = 1;
    std::memcpy(p, &st.epoch, 8);
    std::memcpy(p + 8, &st.included, 2);
    uint16_t pok = st.parity_ok;
    std::memcpy(p + 10, &pok, 2);
    std::memcpy(p + 12, &state, 4);
    for (unsigned i = 0; i < geo_.k; i++) {
      SlotRecord rec{slot_lc_[s * geo_.k + i], 0, slot_seq_[s * geo_.k + i]};
      std::memcpy(p + kRecordHeaderBytes + i * 16, &rec, 16);
    }
  }
}

void Engine::FlushTable() {
  if (table_writing_ || table_dirty_.empty()) return;
  table_writing_ = true;
  std::sort(table_dirty_.begin(), table_dirty_.end());
  table_dirty_.erase(std::unique(table_dirty_.begin(), table_dirty_.end()),
                     table_dirty_.end());
  auto chunks = std::move(table_dirty_);
  table_dirty_.clear();
  auto stripes = std::move(awaiting_table_);
  awaiting_table_.clear();
  // Room for the next batch at once (ConversionDone fills them), not by
  // doubling from nothing.
  table_dirty_.reserve(2 * kTableBatch);
  awaiting_table_.reserve(2 * kTableBatch);
  table_generation_++;
  // One record of the flush for all its commands (each continuation only
  // points at it): the chunks' images, the stripes whose backups it frees.
  struct Flush {
    unsigned pending = 1;
    std::vector<uint64_t> stripes;
    std::vector<std::vector<uint8_t>> images;
  };
  auto f = std::make_shared<Flush>();
  f->stripes = std::move(stripes);
  f->images.resize(chunks.size());
  auto finish = [this](Flush& fl) {
    if (--fl.pending > 0) return;
    table_writing_ = false;
    // The records are durable: the backups are no longer needed.
    FreeBackups(fl.stripes);
  };
  for (size_t c = 0; c < chunks.size(); c++) {
    std::vector<uint8_t>& image = f->images[c];
    SerializeTableChunk(chunks[c], &image);
    unsigned copies[kMaxParity + 1];
    const unsigned n = TableCopies(chunks[c], copies);
    for (unsigned i : std::span<const unsigned>(copies, n)) {
      table_writes_++;
      DeviceCommand cmd = Rw(SALIX_IO_WRITE, geo_.ChunkLba(geo_.table_start + chunks[c]),
                             geo_.chunk_blocks, image.data(), geo_.chunk_bytes);
      SetTag(&cmd, {TagKind::kMeta, 1, table_generation_, 0, 0});
      f->pending++;
      Issue(i, cmd, [f, finish](const DeviceCompletion&) { finish(*f); });
    }
  }
  finish(*f);
}

unsigned Engine::TableCopies(uint64_t chunk, unsigned* out) const {
  // m + 1 copies survive the m failures the parity covers; the copies
  // rotate over the members with the chunk index. Recovery takes the
  // newest generation of each chunk found on any member, so older copies
  // on other members (written when another member set was alive) lose.
  const unsigned want = geo_.m + 1;
  unsigned count = 0;
  for (unsigned x = 0; x < n_ && count < want; x++) {
    unsigned i = static_cast<unsigned>((chunk + x) % n_);
    if (alive(i)) out[count++] = i;
  }
  return count;
}

void Engine::FreeBackups(const std::vector<uint64_t>& stripes) {
  // One Deallocate per parity member for the whole batch, a range per
  // group, instead of one command per group.
  struct Batch {
    std::vector<DsmRange> ranges;
    std::vector<uint32_t> groups;
  };
  std::vector<std::shared_ptr<Batch>> per_member(members_.size());
  for (uint64_t s : stripes) {
    Stripe& st = stripes_[s];
    if (!st.backups_live) continue;
    st.backups_live = false;
    for (unsigned j = 0; j < geo_.m; j++) {
      unsigned p = geo_.ParityMember(s, j);
      uint32_t group = st.group[j];
      // A dead member's groups come back when a spare takes its place
      // (FinishRebuild starts its list afresh). A group past the end:
      // recovery found no usable backup there.
      if (!alive(p) || group >= geo_.groups) continue;
      auto& b = per_member[p];
      if (b && b->ranges.size() + geo_.k > kMaxDsmRanges) {
        IssueFreeGroups(p, std::move(b));
        b.reset();
      }
      if (!b) b = std::make_shared<Batch>();
      if (st.run_len == 1) {
        b->ranges.push_back({0, geo_.k * geo_.chunk_blocks, geo_.BackupLba(group, 0)});
        b->groups.push_back(group);
        continue;
      }
      // A band run's stripe: its k chunks of the extent now, the extent's
      // groups with the run's last stripe.
      for (unsigned i = 0; i < geo_.k; i++) {
        b->ranges.push_back({0, geo_.chunk_blocks, BackupLba(st, j, i)});
      }
      uint8_t& users = members_[p].extent_users[group];
      if (users > 0 && --users == 0) {
        for (unsigned x = 0; x < st.run_len; x++) b->groups.push_back(group + x);
      }
    }
  }
  for (unsigned p = 0; p < per_member.size(); p++) {
    if (per_member[p]) IssueFreeGroups(p, std::move(per_member[p]));
  }
}

template <typename Batch>
void Engine::IssueFreeGroups(unsigned p, std::shared_ptr<Batch> b) {
  DeviceCommand cmd = Deallocate(b->ranges);
  Issue(p, cmd, [this, p, b](const DeviceCompletion&) {
    for (uint32_t g : b->groups) members_[p].free_groups.Put(g);
  });
}

// ---- reads ----------------------------------------------------------------------------------

bool Engine::SubmitRead(uint64_t offset, uint32_t len, void* buf,
                        ArrayCompletionFn fn, void* ctx) {
  if (len == 0 || offset % geo_.chunk_bytes || len % geo_.chunk_bytes ||
      offset + len > capacity_bytes()) {
    return false;
  }
  uint32_t chunks = len / geo_.chunk_bytes;
  Request* r = NewRequest(fn, ctx, static_cast<int>(chunks));
  auto* out = static_cast<uint8_t*>(buf);
  for (uint32_t c = 0; c < chunks; c++) {
    uint32_t lc = static_cast<uint32_t>(offset / geo_.chunk_bytes + c);
    ReadChunk(lc, out + uint64_t{c} * geo_.chunk_bytes, r);
  }
  return true;
}

void Engine::ReadChunk(uint32_t lc, uint8_t* out, Request* req) {
  uint64_t slot = l2p_[lc];
  if (slot == kUnmapped) {
    std::memset(out, 0, geo_.chunk_bytes);
    ready_.push_back([this, req] { Finish(req, 0); });
    return;
  }
  uint64_t s = slot / geo_.k;
  auto i = static_cast<unsigned>(slot % geo_.k);
  if (IsHostMode() && alive_count() == n_) {
    // Only the data member is read. Should it fail now, the chunk is
    // reconstructed, degraded, under the stripe's lock (below).
    DeviceCommand cmd = Rw(SALIX_IO_READ, geo_.DataLba(s), geo_.chunk_blocks, out,
                           geo_.chunk_bytes);
    Issue(geo_.DataMember(s, i), cmd, [this, lc, out, req](const DeviceCompletion& c) {
      if (c.ok()) return Finish(req, 0);
      ReadChunk(lc, out, req);  // the member is marked failed by now
    });
    return;
  }
  if (IsHostMode()) {
    // Degraded host mode: a reconstruction reads the stripe's other chunks
    // and its parity, which a read-modify-write in progress may have half
    // updated. Take the stripe's lock, as a write does.
    auto read = [this, s, i, out, req] {
      ReadSlot(s, i, out,
               [this, s, req](int res) {
                 Finish(req, res);
                 UnlockStripe(s);
               },
               false);
    };
    LockStripe(s, std::move(read));
    return;
  }
  stripes_[s].reads++;
  ReadSlot(s, i, out,
           [this, s, req](int res) {
             stripes_[s].reads--;
             Finish(req, res);
           },
           true);
}

void Engine::ReadSlot(uint64_t s, unsigned i, uint8_t* out,
                      std::function<void(int)> done, bool allow_backup) {
  const Stripe& st = stripes_[s];
  unsigned d = geo_.DataMember(s, i);
  // A backup copy serves the read when the data member is dead or busy
  // collecting garbage (ScalaAFA's GC-aware reads).
  int backup_member = -1;
  unsigned backup_j = 0;
  if (allow_backup && st.backups_live && (st.written & (1u << i))) {
    for (unsigned j = 0; j < geo_.m; j++) {
      unsigned p = geo_.ParityMember(s, j);
      if (alive(p)) {
        backup_member = static_cast<int>(p);
        backup_j = j;
        break;
      }
    }
  }
  bool data_ok = alive(d);
  bool prefer_backup = backup_member >= 0 &&
                       (!data_ok || members_[d].gc_busy_until > tick_);
  if (prefer_backup) {
    if (!data_ok) degraded_reads_++;
    DeviceCommand cmd =
        Rw(SALIX_IO_READ, BackupLba(st, backup_j, i),
           geo_.chunk_blocks, out, geo_.chunk_bytes);
    Issue(static_cast<unsigned>(backup_member), cmd,
          [this, s, i, out, done](const DeviceCompletion& c) {
            if (c.ok()) return done(0);
            ReadSlot(s, i, out, done, true);  // that member just died
          });
    return;
  }
  if (data_ok) {
    DeviceCommand cmd = Rw(SALIX_IO_READ, geo_.DataLba(s), geo_.chunk_blocks,
                           out, geo_.chunk_bytes);
    Issue(d, cmd, [this, s, i, out, done](const DeviceCompletion& c) {
      if (c.ok()) return done(0);
      ReadSlot(s, i, out, done, true);  // degraded from now on
    });
    return;
  }
  degraded_reads_++;
  Reconstruct(s, i, out, std::move(done));
}

void Engine::Reconstruct(uint64_t s, unsigned i, uint8_t* out,
                         std::function<void(int)> done) {
  const Stripe& st = stripes_[s];
  if (st.phase != Phase::kClosed) {
    // Open stripe and no backup left: more failures than parity.
    ready_.push_back([done] { done(-EIO); });
    return;
  }
  // Everything the parity covers, except what is lost.
  struct Recon {
    std::vector<std::vector<uint8_t>> data;  // per index
    std::vector<unsigned> lost;
    std::vector<uint8_t> p, q;
    bool have_p = false, have_q = false;
    unsigned pending = 1;
    bool failed = false;
  };
  auto rc = std::make_shared<Recon>();
  rc->data.resize(geo_.k);
  for (unsigned x = 0; x < geo_.k; x++) {
    if (!(st.included & (1u << x))) continue;
    if (!alive(geo_.DataMember(s, x))) rc->lost.push_back(x);
  }
  if (std::find(rc->lost.begin(), rc->lost.end(), i) == rc->lost.end()) {
    rc->lost.push_back(i);  // the target failed to read although "alive"
  }
  bool p_ok = (st.parity_ok & 1) && alive(geo_.ParityMember(s, 0));
  bool q_ok = geo_.m > 1 && (st.parity_ok & 2) && alive(geo_.ParityMember(s, 1));
  unsigned avail = (p_ok ? 1 : 0) + (q_ok ? 1 : 0);
  if (rc->lost.size() > avail) {
    ready_.push_back([done] { done(-EIO); });
    return;
  }
  auto finish = [this, rc, s, i, out, done, p_ok] {
    if (--rc->pending > 0) return;
    if (rc->failed) {
      // Another member died while we read: try again with what is left.
      Reconstruct(s, i, out, done);
      return;
    }
    std::vector<parity::Source> survivors;
    std::vector<parity::Bytes> plain;
    for (unsigned x = 0; x < geo_.k; x++) {
      if (rc->data[x].empty()) continue;
      survivors.push_back({rc->data[x], static_cast<uint8_t>(x)});
      plain.push_back(rc->data[x]);
    }
    parity::MutableBytes dst(out, geo_.chunk_bytes);
    bool ok = false;
    if (rc->lost.size() == 1) {
      ok = p_ok ? parity::RecoverFromP(rc->p, plain, dst)
                : parity::RecoverFromQ(rc->q, survivors,
                                       static_cast<uint8_t>(i), dst);
    } else {
      unsigned other = rc->lost[0] == i ? rc->lost[1] : rc->lost[0];
      std::vector<uint8_t> scratch(geo_.chunk_bytes);
      ok = parity::RecoverTwoFromPQ(rc->p, rc->q, survivors,
                                    static_cast<uint8_t>(i),
                                    static_cast<uint8_t>(other), dst, scratch);
    }
    done(ok ? 0 : -EIO);
  };
  for (unsigned x = 0; x < geo_.k; x++) {
    if (!(st.included & (1u << x))) continue;
    if (std::find(rc->lost.begin(), rc->lost.end(), x) != rc->lost.end()) continue;
    rc->data[x].resize(geo_.chunk_bytes);
    rc->pending++;
    DeviceCommand cmd = Rw(SALIX_IO_READ, geo_.DataLba(s), geo_.chunk_blocks,
                           rc->data[x].data(), geo_.chunk_bytes);
    Issue(geo_.DataMember(s, x), cmd, [rc, finish](const DeviceCompletion& c) {
      if (!c.ok()) rc->failed = true;
      finish();
    });
  }
  // Parity needed: P when one is lost and P is there; else Q; both for two.
  bool need_p = p_ok;
  bool need_q = q_ok && (rc->lost.size() == 2 || !p_ok);
  for (unsigned j = 0; j < 2; j++) {
    if (!(j == 0 ? need_p : need_q)) continue;
    std::vector<uint8_t>& buf = j == 0 ? rc->p : rc->q;
    buf.resize(geo_.chunk_bytes);
    rc->pending++;
    DeviceCommand cmd = Rw(SALIX_IO_READ, geo_.DataLba(s), geo_.chunk_blocks,
                           buf.data(), geo_.chunk_bytes);
    Issue(geo_.ParityMember(s, j), cmd, [rc, finish](const DeviceCompletion& c) {
      if (!c.ok()) rc->failed = true;
      finish();
    });
  }
  finish();
}

// ---- flush ------------------------------------------------------------------------------

bool Engine::SubmitFlush(ArrayCompletionFn fn, void* ctx) {
  Request* r = NewRequest(fn, ctx, 1);
  for (unsigned i = 0; i < members_.size(); i++) {
    if (!alive(i)) continue;
    r->pending++;
    DeviceCommand cmd;
    cmd.opcode = SALIX_IO_FLUSH;
    Issue(i, cmd, [this, r](const DeviceCompletion&) { Finish(r, 0); });
  }
  ready_.push_back([this, r] { Finish(r, 0); });
  return true;
}

// ---- array GC -------------------------------------------------------------------------

void Engine::MaybeCollect() {
  const uint64_t low = std::max<uint64_t>(geo_.n() + 2, geo_.stripes / 32);
  // A victim with nothing live (a sequential overwrite leaves only such)
  // is collected at once, without a read; so several are taken per call.
  // One per Poll round fell behind fio's 64 KiB job, whose writes take a
  // band of stripes each: they then found too few free stripes for band
  // runs, and cost 5-7 member commands each instead of 2.6.
  for (unsigned taken = 0; taken < kCollectPerCall; taken++) {
    if (collecting_ || rebuild_ || free_stripes_.size() > low) return;
    uint64_t victim;
    if (!NextVictim(&victim)) return;
    Collect(victim);
  }
}

bool Engine::NextVictim(uint64_t* victim) {
  // The scan is O(stripes): when it found nothing to collect (everything
  // still replicating), wait a few polls before looking again.
  if (tick_ < next_collect_scan_) return false;
  // Greedy: the closed stripe with the fewest live chunks. A scan keeps
  // the kCandidates best; later collections take from that list while its
  // entries are still closed and no fuller than when scanned (live counts
  // only fall, so a kept entry is still among the emptiest).
  constexpr size_t kCandidates = 512;
  auto usable = [this](uint64_t s) {
    const Stripe& st = stripes_[s];
    return st.phase == Phase::kClosed && !st.backups_live && !st.gc_victim;
  };
  while (!gc_candidates_.empty() &&
         (!usable(gc_candidates_.back().second) ||
          stripes_[gc_candidates_.back().second].valid >
              gc_candidates_.back().first)) {
    gc_candidates_.pop_back();
  }
  if (gc_candidates_.empty()) {
    // One pass, a bucket per live count (0..k), each kept to its first
    // kCandidates stripes; it stops early once kCandidates empty stripes
    // are found. The list is the kCandidates smallest (live count, stripe)
    // pairs, as a full sort would give.
    // (Collecting every usable stripe and selecting with nth_element cost
    // ~270 instructions per user write under steady random writes, the
    // engine's largest single item then.)
    std::vector<uint64_t> bucket[kMaxData + 1];
    for (uint64_t s = 0; s < geo_.stripes; s++) {
      if (!usable(s)) continue;
      auto& b = bucket[std::min<uint32_t>(stripes_[s].valid, geo_.k)];
      if (b.size() < kCandidates) b.push_back(s);
      if (bucket[0].size() == kCandidates) break;
    }
    for (unsigned v = 0; v <= geo_.k && gc_candidates_.size() < kCandidates; v++) {
      for (uint64_t s : bucket[v]) {
        if (gc_candidates_.size() == kCandidates) break;
        gc_candidates_.push_back({v, s});
      }
    }
    if (gc_candidates_.empty()) {
      next_collect_scan_ = tick_ + 16;
      groups_short_ = true;  // victims appear once backups are freed
      FreeCollected(true);
      return false;
    }
    // Fewest live chunks last (taken first).
    std::reverse(gc_candidates_.begin(), gc_candidates_.end());
  }
  *victim = gc_candidates_.back().second;
  gc_candidates_.pop_back();
  return true;
}

void Engine::Collect(uint64_t victim) {
  collecting_ = true;
  gc_stripes_++;
  Stripe& st = stripes_[victim];
  st.gc_victim = true;
  auto pending = std::make_shared<unsigned>(1);
  auto finish = [this, victim, pending] {
    if (--*pending > 0) return;
    FinishCollect(victim);
  };
  for (unsigned i = 0; i < geo_.k; i++) {
    uint64_t slot = victim * geo_.k + i;
    uint32_t lc = slot_lc_[slot];
    if (!(st.included & (1u << i)) || lc >= l2p_.size() || l2p_[lc] != slot) {
      continue;
    }
    if (writes_in_flight_[lc] > 0) continue;  // that write frees the slot
    auto buf = std::make_shared<std::vector<uint8_t>>(geo_.chunk_bytes);
    (*pending)++;
    st.reads++;
    ReadSlot(victim, i, buf->data(),
             [this, victim, i, slot, lc, buf, finish](int res) {
               stripes_[victim].reads--;
               if (res != 0 || l2p_[lc] != slot) return finish();
               // Relocate: a write of the same chunk, placed like any other
               // but ahead of user writes (it is what frees space).
               Request* r = NewInternal([buf, finish](int) { finish(); });
               gc_waiting_.push_back({r, lc, buf->data(), slot});
             },
             true);
  }
  finish();
}

void Engine::FinishCollect(uint64_t victim) {
  Stripe& st = stripes_[victim];
  // Chunks that had a user write in flight are freed by those writes; the
  // stripe is free when nothing in it is live and no read uses it.
  if (st.valid > 0 || st.reads > 0) {
    collecting_ = false;
    st.gc_victim = false;
    return;
  }
  // Nothing live is left: the stripe's chunks are deallocated on every
  // member (in batches, see FreeCollected) and it becomes free. It stays a
  // GC victim until then, so nothing picks it again.
  //
  // Its table record is left as it is: every chunk it names has a newer
  // copy elsewhere (valid == 0), so after a crash the record only brings
  // back a closed stripe with nothing live in it, which GC frees again.
  // Rewriting the record here cost a table-chunk write per collected
  // stripe.
  collecting_ = false;
  collected_.push_back(victim);
  FreeCollected(false);
}

void Engine::FreeCollected(bool now) {
  if (collected_.empty() || freeing_) return;
  // Batch, unless GC itself is about to run out of stripes or the array is
  // idle. (Writes waiting for stripes wait a little longer: under steady
  // random writes the free list sits at the reserve, and freeing stripe by
  // stripe cost a Deallocate per member for each.)
  const bool short_of_stripes = free_stripes_.size() <= 2;
  // (GC pauses during a rebuild: nothing would complete the batch.)
  if (!now && collected_.size() < kFreeBatch && !short_of_stripes &&
      !idle_poll_ && !rebuild_) {
    return;
  }
  freeing_ = true;
  struct Batch {
    std::vector<uint64_t> stripes;
    std::vector<DsmRange> ranges;
    unsigned pending = 1;
  };
  auto b = std::make_shared<Batch>();
  const size_t n = std::min<size_t>(collected_.size(), kMaxDsmRanges);
  b->stripes.assign(collected_.begin(), collected_.begin() + n);
  collected_.erase(collected_.begin(), collected_.begin() + n);
  std::sort(b->stripes.begin(), b->stripes.end());
  for (uint64_t v : b->stripes) {
    b->ranges.push_back({0, geo_.chunk_blocks, geo_.DataLba(v)});
  }
  auto finish = [this, b] {
    if (--b->pending > 0) return;
    for (uint64_t v : b->stripes) {
      stripes_[v] = Stripe{};
      free_stripes_.Put(v);
    }
    freeing_ = false;
  };
  for (unsigned d = 0; d < members_.size(); d++) {
    if (!alive(d)) continue;
    DeviceCommand cmd = Deallocate(b->ranges);
    b->pending++;
    Issue(d, cmd, [finish](const DeviceCompletion&) { finish(); });
  }
  finish();
}

// ---- host parity (read-modify-write) ---------------------------------------------------

void Engine::HostWrite(uint32_t lc, const uint8_t* data, Request* req) {
  if (rebuild_final()) {
    // The rebuild is swapping the spare in: the write runs after it.
    held_host_writes_.push_back({req, lc, data, kUnmapped});
    return;
  }
  LockStripe(lc / geo_.k, [this, lc, data, req] { HostWriteLocked(lc, data, req); });
}

void Engine::LockStripe(uint64_t s, std::function<void()> fn) {
  auto it = locked_.find(s);
  if (it != locked_.end()) {
    it->second.push_back(std::move(fn));
    return;
  }
  locked_[s];
  fn();
}

unsigned Engine::HostTarget(uint64_t s, unsigned member) const {
  if (rebuild_ && member == rebuild_->member && SpareCurrent(s)) return n_;
  return member;
}

void Engine::HostWriteLocked(uint32_t lc, const uint8_t* data, Request* req) {
  uint64_t s = lc / geo_.k;
  unsigned i = lc % geo_.k;
  struct Rmw {
    std::vector<uint8_t> old_data, p, q;
    unsigned pending = 1;
    bool old_ok = true;
  };
  auto rmw = std::make_shared<Rmw>();
  auto unlock = [this, s] { UnlockStripe(s); };
  auto write_phase = [this, rmw, s, i, data, req, unlock] {
    if (--rmw->pending > 0) return;
    // New parity: P ^= old ^ new, Q ^= g^i (old ^ new).
    std::vector<uint8_t> delta(data, data + geo_.chunk_bytes);
    if (rmw->old_ok) parity::XorInto(delta, rmw->old_data);
    auto wp = std::make_shared<unsigned>(1);
    auto ok = std::make_shared<unsigned>(0);
    auto keep = std::make_shared<Rmw>(std::move(*rmw));
    auto fin = [this, wp, ok, req, unlock, keep] {
      if (--*wp > 0) return;
      Finish(req, *ok > 0 ? 0 : -EIO);
      unlock();
    };
    auto issue = [&](unsigned member, uint8_t* buf) {
      (*wp)++;
      DeviceCommand cmd = Rw(SALIX_IO_WRITE, geo_.DataLba(s), geo_.chunk_blocks,
                             buf, geo_.chunk_bytes);
      Issue(member, cmd, [ok, fin](const DeviceCompletion& c) {
        if (c.ok()) (*ok)++;
        fin();
      });
    };
    // A rebuild that has already written this stripe to the spare keeps
    // it current: the lost member's chunk goes to the spare too.
    issue(HostTarget(s, geo_.DataMember(s, i)), const_cast<uint8_t*>(data));
    if (!keep->p.empty()) {
      parity::XorInto(keep->p, delta);
      issue(HostTarget(s, geo_.ParityMember(s, 0)), keep->p.data());
    }
    if (!keep->q.empty()) {
      parity::MulAddInto(keep->q, delta, parity::GfExp(i));
      issue(HostTarget(s, geo_.ParityMember(s, 1)), keep->q.data());
    }
    fin();
  };
  // Read the old data (degraded if need be) and the old parity.
  rmw->old_data.resize(geo_.chunk_bytes);
  rmw->pending++;
  ReadSlot(s, i, rmw->old_data.data(),
           [rmw, write_phase](int res) {
             if (res != 0) rmw->old_ok = false;
             write_phase();
           },
           false);
  for (unsigned j = 0; j < geo_.m; j++) {
    // The old parity of a lost member comes from the spare once rebuilt.
    unsigned p = HostTarget(s, geo_.ParityMember(s, j));
    if (!alive(p)) continue;
    auto& buf = j == 0 ? rmw->p : rmw->q;
    buf.resize(geo_.chunk_bytes);
    rmw->pending++;
    DeviceCommand cmd = Rw(SALIX_IO_READ, geo_.DataLba(s), geo_.chunk_blocks,
                           buf.data(), geo_.chunk_bytes);
    Issue(p, cmd, [rmw, write_phase, j](const DeviceCompletion& c) {
      if (!c.ok()) (j == 0 ? rmw->p : rmw->q).clear();
      write_phase();
    });
  }
  write_phase();
}

void Engine::UnlockStripe(uint64_t s) {
  auto& q = locked_[s];
  if (q.empty()) {
    locked_.erase(s);
    return;
  }
  auto next = std::move(q.front());
  q.pop_front();
  next();
}

// ---- management ---------------------------------------------------------------------

ArrayStatus Engine::Status() const {
  ArrayStatus st;
  st.name = std::string(sb_.name, strnlen(sb_.name, sizeof(sb_.name)));
  st.uuid = sb_.uuid;
  st.k = geo_.k;
  st.m = geo_.m;
  st.chunk_bytes = geo_.chunk_bytes;
  st.capacity_bytes = capacity_bytes();
  st.stripes = geo_.stripes;
  st.stripes_free = free_stripes_.size();
  st.stripes_open = open_.size();
  for (const Stripe& s : stripes_) {
    if (s.phase == Phase::kClosed && s.backups_live) st.stripes_replicated++;
    if (s.phase == Phase::kOpen || s.phase == Phase::kConverting) {
      st.stripes_replicated++;
    }
  }
  st.conversions = conversions_;
  st.band_runs = band_runs_;
  st.band_run_chunks = band_run_chunks_;
  st.table_writes = table_writes_;
  for (const Member& mb : members_) {
    st.coalesced_writes += mb.stage.merged_writes();
    st.coalesced_commands += mb.stage.merged_commands();
  }
  st.gc_stripes = gc_stripes_;
  st.degraded_reads = degraded_reads_;
  st.degraded = alive_count() < n_;
  st.rebuild_error = rebuild_error_;
  st.rebuild_progress =
      rebuild_ ? static_cast<double>(rebuild_progress_done()) / geo_.stripes : -1;
  for (unsigned i = 0; i < n_; i++) {
    const Member& m = members_[i];
    MemberStatus ms;
    ms.name = m.dev ? m.dev->info().name : "(missing)";
    ms.serial = std::string(sb_.member_serial[i],
                            strnlen(sb_.member_serial[i], 20));
    ms.state = alive(i) ? MemberStatus::State::kActive
                        : MemberStatus::State::kFailed;
    ms.commands = m.commands;
    ms.errors = m.errors;
    ms.gc_busy_seen = m.gc_busy_seen;
    st.members.push_back(ms);
  }
  for (Device* sp : spares_) {
    MemberStatus ms;
    ms.name = sp->info().name;
    ms.serial = sp->info().serial;
    ms.state = MemberStatus::State::kSpare;
    st.members.push_back(ms);
  }
  return st;
}

Result<bool> Engine::FailMember(unsigned index) {
  if (index >= n_) {
    return Error{fmt::format("member {}: the array has {} members", index,
                             n_)};
  }
  if (!alive(index)) return true;
  DeviceCompletion c;
  c.errno_ = -EIO;
  OnDeviceError(index, c);
  while (superblock_writing_) Poll(kBlockingWaitUs);
  return true;
}

Result<bool> Engine::Sync() {
  while (requests_ > 0 || !waiting_.empty()) Poll(kBlockingWaitUs);
  while (!collected_.empty() || freeing_) {
    FreeCollected(true);
    Poll(kBlockingWaitUs);
  }
  FlushTable();
  while (table_writing_ || !ready_.empty()) Poll(kBlockingWaitUs);
  FlushTable();  // records dirtied by the first flush's completions (GC)
  while (table_writing_ || !ready_.empty()) Poll(kBlockingWaitUs);
  bool busy = true;
  while (busy) {
    busy = false;
    for (auto& m : members_) busy |= m.in_flight > 0 || !m.backlog.empty();
    if (busy) Poll(kBlockingWaitUs);
  }
  return WriteSuperblocks();
}

Result<bool> Engine::WriteSuperblocks() {
  bool done = false, ok = false;
  WriteSuperblocksAsync([&](bool r) {
    ok = r;
    done = true;
  });
  while (!done) Poll(kBlockingWaitUs);
  if (!ok || alive_count() < geo_.k) {
    return Error{fmt::format("array {}: could not write the superblocks "
                             "({} of {} members left)",
                             std::string(sb_.name, strnlen(sb_.name, 32)),
                             alive_count(), n_)};
  }
  return true;
}

}  // namespace salix::host::array

#include "ftl/ftl.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "ftl/checkpoint.h"

namespace salix::ftl {
namespace {

// A tombstone page's payload: the trimmed range.
struct TombstoneRecord {
  uint64_t first;
  uint64_t count;
};

}  // namespace

Result<std::unique_ptr<Ftl>, std::string> Ftl::Open(const FtlOptions& o) {
  flash::PageStore::Options so;
  so.backing_file = o.backing_file;
  so.metadata_only = o.metadata_only;
  auto store = flash::PageStore::Open(o.geometry, so);
  if (!store.ok()) return Err(store.error());
  std::unique_ptr<Ftl> ftl(new Ftl(o, std::move(store).value()));
  ftl->Recover();
  return ftl;
}

Ftl::Ftl(const FtlOptions& o, std::unique_ptr<flash::PageStore> store)
    : options_(o),
      geometry_(o.geometry),
      store_(std::move(store)),
      timeline_(o.timing_enabled
                    ? std::make_unique<flash::Timeline>(o.geometry, o.timing)
                    : nullptr),
      blocks_(*store_, o.wear_aware),
      l2p_(o.user_pages, kUnmapped),
      min_data_seq_(geometry_.total_blocks(), UINT64_MAX),
      host_(geometry_.dies(), WritePointBudget(o)),
      gc_(geometry_.dies(), WritePointBudget(o)),
      jobs_(geometry_.dies()),
      page_buf_(o.metadata_only ? 0 : o.geometry.page_size) {}

Ftl::~Ftl() = default;

// An open block's unwritten pages are over-provisioning GC cannot use, half
// a block per open block on average: with one host and one GC block open
// on every die, a small drive with many dies and large blocks would keep
// most of its spare space there and collect nearly full victims (WAF in
// the hundreds). So each stream keeps at most a quarter of the spare
// blocks open, and all dies only when the spare space allows.
uint32_t Ftl::WritePointBudget(const FtlOptions& o) {
  const uint64_t quarter = std::max<uint64_t>(1, o.spare_blocks() / 4);
  return static_cast<uint32_t>(std::min<uint64_t>(o.geometry.dies(), quarter));
}

Status Ftl::Fail(std::string what) {
  last_error_ = std::move(what);
  return Status::WriteFault();
}

// ---- allocation -------------------------------------------------------------

bool Ftl::HasRoom(const WritePoint& wp) const {
  return wp.block != BlockTable::kNil && wp.next_page < geometry_.pages_per_block;
}

std::optional<uint64_t> Ftl::TakePage(Stream& stream, uint32_t die) {
  WritePoint& wp = stream.points[die];
  if (!HasRoom(wp)) {
    if (stream.open >= stream.budget) return std::nullopt;
    auto b = blocks_.Allocate(die);
    if (!b) return std::nullopt;
    wp.block = static_cast<uint32_t>(*b);
    wp.next_page = 0;
    stream.open++;
  }
  uint64_t ppn = geometry_.FirstPageOfBlock(wp.block) + wp.next_page;
  if (++wp.next_page == geometry_.pages_per_block) stream.open--;
  return ppn;
}

Result<uint64_t> Ftl::HostPage(uint64_t now) {
  const uint32_t dies = geometry_.dies();
  for (;;) {
    if (blocks_.free_blocks() <= active_jobs_ + 1) {
      Collect(now, false);  // what is left is GC's: finish a victim now
    } else if (blocks_.free_blocks() <= active_jobs_ + options_.gc_fg_blocks) {
      Pace(now);  // the threshold counts what running jobs have reserved
    }
    // Round robin over the dies, skipping dies without room and, with the
    // timing model, preferring an idle die over a busy one (the next die
    // may be collecting for milliseconds).
    uint32_t pick = UINT32_MAX;
    uint64_t pick_at = UINT64_MAX;
    for (uint32_t i = 0; i < dies; ++i) {
      uint32_t d = next_die_ + i;
      if (d >= dies) d -= dies;
      // One free block per GC job plus one for a forced collection are
      // GC's: without them a victim's pages would have nowhere to go.
      if (!HasRoom(host_.points[d]) &&
          (blocks_.free_blocks() <= active_jobs_ + 1 ||
           blocks_.free_blocks_on(d) == 0 || host_.open >= host_.budget)) {
        continue;
      }
      const uint64_t at = timeline_ ? timeline_->die_free_at(d) : 0;
      if (at < pick_at) pick_at = at, pick = d;
      if (at <= now) break;
    }
    if (pick != UINT32_MAX) {
      next_die_ = pick + 1 == dies ? 0 : pick + 1;
      return *TakePage(host_, pick);
    }
    // Every die is out of room: collect regardless of the threshold. Each
    // collection frees at least one page (see Collect), so this ends.
    if (!Collect(now, false)) {
      return Err(Fail("no free page and nothing to collect (FTL invariant broken)"));
    }
  }
}

std::optional<uint64_t> Ftl::GcPage(uint32_t die) {
  Stream& gc = gc_;
  if (HasRoom(gc.points[die])) return TakePage(gc, die);
  // The victim's die has no open GC block: use one already open elsewhere
  // (the last one used first; a scan per page would dominate GC), and only
  // then open a block, on the victim's die if it can.
  const uint32_t dies = geometry_.dies();
  for (uint32_t i = 0; i < dies; ++i) {
    uint32_t d = gc_spill_die_ + i;
    if (d >= dies) d -= dies;
    if (HasRoom(gc.points[d])) {
      gc_spill_die_ = d;
      return TakePage(gc, d);
    }
  }
  if (auto p = TakePage(gc, die)) return p;
  for (uint32_t d = 0; d < dies; ++d) {
    if (auto p = TakePage(gc, d)) {
      gc_spill_die_ = d;
      return p;
    }
  }
  return std::nullopt;
}

// ---- programming --------------------------------------------------------------

Result<uint64_t> Ftl::Program(uint64_t ppn, const flash::Oob& oob,
                              std::span<const uint8_t> data, uint64_t now) {
  flash::FlashError e = store_->Program(ppn, data, oob);
  if (e != flash::FlashError::kNone) {
    return Err(Fail(fmt::format("program of page {} failed: {}", ppn,
                                flash::ToString(e))));
  }
  counters_.nand_programs++;
  const uint64_t block = geometry_.BlockOfPage(ppn);
  blocks_.AddValid(block);
  if (oob.lpa != kTombstoneLpa) {
    min_data_seq_[block] = std::min(min_data_seq_[block], oob.seq);
  }
  if ((ppn + 1) % geometry_.pages_per_block == 0) blocks_.Close(block, seq_);
  if (!timeline_) return now;
  return timeline_->Program(geometry_.PpaOf(ppn), now);
}

void Ftl::Supersede(uint64_t lpa, uint64_t ppn) {
  const uint32_t old = l2p_[lpa];
  if (old != kUnmapped) blocks_.Invalidate(geometry_.BlockOfPage(old));
  else mapped_++;
  l2p_[lpa] = static_cast<uint32_t>(ppn);
}

Result<uint64_t> Ftl::WritePage(uint64_t lpa, std::span<const uint8_t> data,
                                uint64_t now, const HostTag& tag) {
  const uint64_t moved_before = counters_.gc_moved;
  auto ppn = HostPage(now);
  fg_paid_ = counters_.gc_moved != moved_before;
  if (!ppn.ok()) return Err(ppn.error());
  flash::Oob oob;
  oob.lpa = lpa;
  oob.seq = seq_++;
  oob.tag = tag;
  auto done = Program(*ppn, oob, data, now);
  if (!done.ok()) return done;
  Supersede(lpa, *ppn);
  counters_.host_pages++;
  return done;
}

Result<uint64_t> Ftl::ReadPage(uint64_t lpa, std::span<uint8_t> out,
                               uint64_t now) {
  const uint32_t ppn = l2p_[lpa];
  if (ppn == kUnmapped) {
    std::memset(out.data(), 0, out.size());
    return now;
  }
  auto r = store_->Read(ppn, out, nullptr);
  if (!r.ok() || r.value() != flash::PageState::kProgrammed) {
    last_error_ = fmt::format("LPA {} maps to page {}, which is not programmed",
                              lpa, ppn);
    return Err(Status::UnrecoveredReadError());
  }
  counters_.nand_reads++;
  if (!timeline_) return now;
  return timeline_->Read(geometry_.PpaOf(ppn), now);
}

BlockTag Ftl::PageTag(uint64_t lpa) const {
  BlockTag t;
  const uint32_t ppn = l2p_[lpa];
  if (ppn == kUnmapped) return t;
  flash::Oob oob;
  auto st = store_->Read(ppn, {}, &oob);
  if (!st.ok() || st.value() != flash::PageState::kProgrammed) return t;
  t.tag = oob.tag;
  t.seq = oob.seq;
  t.mapped = true;
  return t;
}

bool Ftl::SyncPage(uint64_t lpa) {
  return l2p_[lpa] == kUnmapped || store_->SyncPage(l2p_[lpa]);
}

Result<uint64_t> Ftl::Trim(uint64_t first, uint64_t count, uint64_t now) {
  bool any = false;
  for (uint64_t lpa = first; lpa < first + count; ++lpa) {
    const uint32_t old = l2p_[lpa];
    if (old == kUnmapped) continue;
    blocks_.Invalidate(geometry_.BlockOfPage(old));
    l2p_[lpa] = kUnmapped;
    mapped_--;
    any = true;
  }
  // Only a store that outlives the controller can resurrect old copies.
  if (!any || !store_->persistent() || store_->metadata_only()) return now;
  auto ppn = HostPage(now);
  if (!ppn.ok()) return Err(ppn.error());
  std::vector<uint8_t> page(geometry_.page_size, 0);
  TombstoneRecord rec{first, count};
  std::memcpy(page.data(), &rec, sizeof(rec));
  flash::Oob oob;
  oob.lpa = kTombstoneLpa;
  oob.seq = seq_++;
  auto done = Program(*ppn, oob, page, now);
  if (done.ok()) live_tombstones_++;
  return done;
}

// ---- garbage collection -------------------------------------------------------

// A tombstone of sequence number 'seq' still matters while some block holds
// data programmed before it (a copy it cancels may be there).
bool Ftl::TombstoneNeeded(uint64_t seq) const {
  for (uint64_t b = 0; b < geometry_.total_blocks(); ++b) {
    if (blocks_.state(b) != BlockState::kFree && min_data_seq_[b] < seq) {
      return true;
    }
  }
  return false;
}

// GC runs as jobs, one victim each, at most one job per die. A job moves a
// few valid pages per step, so collection interleaves with host commands
// instead of booking a whole block's copies at once (which would stall
// every command on that die for tens of milliseconds):
//   - background: while free blocks (plus those being collected) are below
//     gc_bg_blocks, Background() starts jobs and steps each one whenever
//     its victim's die is idle;
//   - foreground: at or below gc_fg_blocks, every host page first pays for
//     its share of one job's copies (Pace);
//   - forced: when no die has room, or only GC's reserved block is left, a
//     victim is collected to the end at once (Collect).
//
// Why this always makes progress: a job starts with at least one free
// block (HostPage keeps the last one for GC), its victim is the policy's
// closed block, and the victim's valid pages (fewer than a block, unless a
// fifo victim is full, in which case the next one is not) fit in the GC
// block plus that free block. Its erase returns a block. Pace moves
// ceil(valid / invalid) + 1 pages per host page, so the victim is done
// before the host has written the invalid pages' worth the erase gives
// back: over one job, host and GC together use one block and get one.
// With FtlOptions' minimum of spare blocks, when every open block is full
// and free blocks are at the threshold, invalid pages exist, so a greedy
// victim always has some.

bool Ftl::StartJob(GcJob& job, bool only_if_gain) {
  auto victim = blocks_.PickVictim(options_.gc_policy, seq_);
  if (!victim) return false;
  const uint32_t ppb = geometry_.pages_per_block;
  const uint32_t valid = blocks_.valid(*victim);
  if (only_if_gain && valid >= ppb) return false;
  // Each running job may need one free block for its copies before its
  // erase gives one back: only start with a block for every job.
  if (blocks_.free_blocks() < active_jobs_ + 1) return false;
  blocks_.BeginCollect(*victim);
  active_jobs_++;
  job.block = static_cast<uint32_t>(*victim);
  job.next_page = 0;
  const uint32_t invalid = valid < ppb ? ppb - valid : 0;
  job.moves_per_host_page = invalid == 0 ? ppb : (valid + invalid - 1) / invalid + 1;
  return true;
}

Ftl::GcJob* Ftl::AnyJob(bool only_if_gain) {
  GcJob* idle = nullptr;
  for (GcJob& job : jobs_) {
    if (job.active()) return &job;
    if (idle == nullptr) idle = &job;
  }
  if (idle == nullptr || !StartJob(*idle, only_if_gain)) return nullptr;
  return idle;
}

bool Ftl::StepJob(GcJob& job, uint64_t now, uint32_t max_moves) {
  const uint64_t b = job.block;
  const uint32_t die = geometry_.DieOfBlock(b);
  const uint64_t first = geometry_.FirstPageOfBlock(b);
  const uint32_t written = store_->WritePointer(b);
  std::span<uint8_t> buf(page_buf_);
  for (uint32_t moves = 0;
       job.next_page < written && blocks_.valid(b) > 0 && moves < max_moves;) {
    const uint64_t src = first + job.next_page++;
    flash::Oob oob;
    auto st = store_->Read(src, buf, &oob);
    if (!st.ok() || st.value() != flash::PageState::kProgrammed) continue;
    const bool tombstone = oob.lpa == kTombstoneLpa;
    if (tombstone) {
      if (!TombstoneNeeded(oob.seq)) {
        blocks_.Invalidate(b);
        live_tombstones_--;
        continue;
      }
    } else if (oob.lpa >= l2p_.size() || l2p_[oob.lpa] != src) {
      continue;  // superseded
    }
    auto dst = GcPage(die);
    if (!dst) {
      Fail("GC found no free page for a valid page (FTL invariant broken)");
      return false;
    }
    if (timeline_) timeline_->Read(geometry_.PpaOf(src), now);
    counters_.nand_reads++;
    // A moved page keeps its sequence number's meaning: data gets a new
    // one (it is now the newest copy), a tombstone keeps its own so it
    // still only cancels older data.
    if (!tombstone) oob.seq = seq_++;
    if (!Program(*dst, oob, buf, now).ok()) return false;
    blocks_.Invalidate(b);
    if (!tombstone) l2p_[oob.lpa] = static_cast<uint32_t>(*dst);
    counters_.gc_moved++;
    moves++;
  }
  if (job.next_page < written && blocks_.valid(b) > 0) return true;
  // Every page examined (or nothing valid left): reclaim the block.
  if (store_->Erase(b) != flash::FlashError::kNone) {
    Fail(fmt::format("erase of block {} failed", b));
    return false;
  }
  if (timeline_) timeline_->Erase(geometry_.BlockAddrOf(b), now);
  blocks_.Release(b);
  min_data_seq_[b] = UINT64_MAX;
  job = GcJob{};
  active_jobs_--;
  counters_.erases++;
  counters_.gc_runs++;
  return true;
}

// Finishes the running job with the fewest valid pages left (the shortest
// stall), or starts and finishes one.
bool Ftl::Collect(uint64_t now, bool only_if_gain) {
  GcJob* job = nullptr;
  for (GcJob& j : jobs_) {
    if (j.active() && (job == nullptr || blocks_.valid(j.block) < blocks_.valid(job->block))) {
      job = &j;
    }
  }
  if (job == nullptr) job = AnyJob(only_if_gain);
  return job != nullptr && StepJob(*job, now, UINT32_MAX);
}

// The job whose victim's die frees up first does the copies; when even
// that die is busy and blocks allow, another job starts, so foreground GC
// spreads over the dies instead of queueing on one.
void Ftl::Pace(uint64_t now) {
  GcJob* best = nullptr;
  GcJob* idle = nullptr;
  uint64_t best_at = UINT64_MAX;
  for (GcJob& job : jobs_) {
    if (!job.active()) {
      if (idle == nullptr) idle = &job;
      continue;
    }
    const uint64_t at =
        timeline_ ? timeline_->die_free_at(geometry_.DieOfBlock(job.block)) : now;
    if (at < best_at) best_at = at, best = &job;
    if (at <= now) break;
  }
  const bool room_for_another = blocks_.free_blocks() > active_jobs_ + 2;
  if ((best == nullptr || (best_at > now && room_for_another)) && idle != nullptr &&
      StartJob(*idle, true)) {
    best = idle;
  }
  if (best != nullptr) StepJob(*best, now, best->moves_per_host_page);
}

// Background jobs reserve blocks (StartJob); they must never push the host
// into foreground GC.
bool Ftl::WantsNewJob() const {
  return blocks_.free_blocks() + active_jobs_ < options_.gc_bg_blocks &&
         blocks_.free_blocks() > active_jobs_ + options_.gc_fg_blocks + 1;
}

uint64_t Ftl::Background(uint64_t now) {
  // Called from every controller run: answer fast when no job's die has
  // become idle since the last look and no job should start.
  if (now < background_wake_ && !WantsNewJob()) return background_wake_;
  if (active_jobs_ == 0 && !WantsNewJob()) return background_wake_ = UINT64_MAX;
  uint64_t next = UINT64_MAX;
  bool victims_left = true;
  for (GcJob& job : jobs_) {
    if (!job.active()) {
      if (!victims_left || !WantsNewJob()) continue;
      if (!StartJob(job, true)) {
        victims_left = false;
        continue;
      }
    }
    const uint32_t die = geometry_.DieOfBlock(job.block);
    uint64_t at = timeline_ ? std::max(now, timeline_->die_free_at(die)) : now;
    if (at <= now) {
      if (!StepJob(job, now, kBackgroundStepPages)) return UINT64_MAX;
      if (!job.active()) continue;  // done; a new one may start next call
      at = timeline_ ? std::max(now, timeline_->die_free_at(die)) : now;
    }
    next = std::min(next, at);
  }
  if (next == UINT64_MAX && victims_left && WantsNewJob()) {
    next = now;  // jobs finished this call; more may be started
  }
  return background_wake_ = next;
}

// ---- format, shutdown, recovery ---------------------------------------------

Status Ftl::Format() {
  for (uint64_t b = 0; b < geometry_.total_blocks(); ++b) {
    if (store_->WritePointer(b) == 0) continue;
    if (store_->Erase(b) != flash::FlashError::kNone) {
      return Fail(fmt::format("erase of block {} failed", b));
    }
    counters_.erases++;
  }
  mapped_ = 0;
  std::fill(l2p_.begin(), l2p_.end(), kUnmapped);
  std::fill(min_data_seq_.begin(), min_data_seq_.end(), UINT64_MAX);
  host_ = Stream(geometry_.dies(), host_.budget);
  gc_ = Stream(geometry_.dies(), gc_.budget);
  std::fill(jobs_.begin(), jobs_.end(), GcJob{});
  active_jobs_ = 0;
  blocks_.Reset();
  live_tombstones_ = 0;
  return Status();
}

std::string Ftl::CheckpointPath() const {
  return options_.backing_file + ".ftl-checkpoint";
}

void Ftl::Shutdown() {
  if (!store_->persistent()) return;
  store_->Sync();
  Checkpoint cp;
  cp.total_pages = geometry_.total_pages();
  cp.next_seq = seq_;
  cp.l2p = l2p_;
  std::string why;
  if (!WriteCheckpoint(CheckpointPath(), cp, &why)) last_error_ = why;
}

void Ftl::Recover() {
  if (!store_->persistent()) return;
  from_checkpoint_ = LoadCheckpoint();
  // From here on writes change the flash: the checkpoint no longer
  // describes it, and must not be found after a crash.
  unlink(CheckpointPath().c_str());
  if (!from_checkpoint_) ScanOob();
  RebuildBlocks();
}

bool Ftl::LoadCheckpoint() {
  auto cp = ReadCheckpoint(CheckpointPath(), l2p_.size(), geometry_.total_pages());
  if (!cp) return false;
  for (uint32_t ppn : cp->l2p) {
    if (ppn != kUnmapped &&
        (ppn >= geometry_.total_pages() ||
         store_->State(ppn) != flash::PageState::kProgrammed)) {
      return false;  // does not describe this flash: scan instead
    }
  }
  l2p_ = std::move(cp->l2p);
  seq_ = cp->next_seq;
  // Block ages are unknown: assume every block may hold old data, so
  // tombstones stay until those blocks are erased.
  for (uint64_t b = 0; b < geometry_.total_blocks(); ++b) {
    if (store_->WritePointer(b) > 0) min_data_seq_[b] = 0;
  }
  return true;
}

void Ftl::ScanOob() {
  std::vector<uint64_t> best_seq(l2p_.size(), 0);
  std::vector<std::pair<uint64_t, TombstoneRecord>> tombstones;
  std::vector<uint8_t> page(geometry_.page_size);
  uint64_t max_seq = 0;
  for (uint64_t b = 0; b < geometry_.total_blocks(); ++b) {
    const uint32_t written = store_->WritePointer(b);
    const uint64_t first = geometry_.FirstPageOfBlock(b);
    for (uint32_t i = 0; i < written; ++i) {
      flash::Oob oob;
      auto st = store_->Read(first + i, {}, &oob);
      if (!st.ok() || st.value() != flash::PageState::kProgrammed) continue;
      max_seq = std::max(max_seq, oob.seq);
      if (oob.lpa == kTombstoneLpa) {
        if (store_->Read(first + i, page, nullptr).ok()) {
          TombstoneRecord rec;
          std::memcpy(&rec, page.data(), sizeof(rec));
          tombstones.emplace_back(oob.seq, rec);
        }
        continue;
      }
      min_data_seq_[b] = std::min(min_data_seq_[b], oob.seq);
      if (oob.lpa >= l2p_.size()) continue;
      if (oob.seq > best_seq[oob.lpa]) {
        best_seq[oob.lpa] = oob.seq;
        l2p_[oob.lpa] = static_cast<uint32_t>(first + i);
      }
    }
  }
  for (const auto& [seq, rec] : tombstones) {
    const uint64_t end = std::min<uint64_t>(rec.first + rec.count, l2p_.size());
    for (uint64_t lpa = rec.first; lpa < end; ++lpa) {
      if (best_seq[lpa] < seq) l2p_[lpa] = kUnmapped;
    }
  }
  seq_ = max_seq + 1;
}

// Valid counts from the mapping (plus tombstones still needed), states
// from the write pointers. A partly written block is closed: its tail is
// wasted until GC takes it, which greedy does early (few valid pages).
void Ftl::RebuildBlocks() {
  const uint64_t total = geometry_.total_blocks();
  std::vector<uint32_t> valid(total, 0);
  mapped_ = 0;
  for (uint32_t ppn : l2p_) {
    if (ppn == kUnmapped) continue;
    valid[geometry_.BlockOfPage(ppn)]++;
    mapped_++;
  }
  live_tombstones_ = 0;
  for (uint64_t b = 0; b < total; ++b) {
    const uint32_t written = store_->WritePointer(b);
    const uint64_t first = geometry_.FirstPageOfBlock(b);
    for (uint32_t i = 0; i < written; ++i) {
      flash::Oob oob;
      if (store_->Read(first + i, {}, &oob).ok() && oob.lpa == kTombstoneLpa) {
        valid[b]++;  // kept until GC finds it expired
        live_tombstones_++;
      }
    }
  }
  blocks_.BeginRestore();
  for (uint64_t b = 0; b < total; ++b) {
    const bool used = store_->WritePointer(b) > 0;
    blocks_.Restore(b, used ? BlockState::kClosed : BlockState::kFree, valid[b],
                    0);
  }
}

std::optional<std::string> Ftl::CheckConsistency() const {
  const uint64_t total = geometry_.total_blocks();
  std::vector<uint32_t> valid(total, 0);
  uint64_t mapped = 0;
  for (uint64_t lpa = 0; lpa < l2p_.size(); ++lpa) {
    const uint32_t ppn = l2p_[lpa];
    if (ppn == kUnmapped) continue;
    mapped++;
    flash::Oob oob;
    auto st = store_->Read(ppn, {}, &oob);
    if (!st.ok() || st.value() != flash::PageState::kProgrammed) {
      return fmt::format("LPA {} maps to unprogrammed page {}", lpa, ppn);
    }
    if (oob.lpa != lpa) {
      return fmt::format("LPA {} maps to page {} whose OOB names LPA {}", lpa,
                         ppn, oob.lpa);
    }
    valid[geometry_.BlockOfPage(ppn)]++;
  }
  if (mapped != mapped_) {
    return fmt::format("{} LPAs mapped, counter says {}", mapped, mapped_);
  }
  uint64_t free = 0, tombstones = 0, erases = 0;
  for (uint64_t b = 0; b < total; ++b) {
    const uint64_t first = geometry_.FirstPageOfBlock(b);
    for (uint32_t i = 0; i < store_->WritePointer(b); ++i) {
      flash::Oob oob;
      if (store_->Read(first + i, {}, &oob).ok() && oob.lpa == kTombstoneLpa) {
        valid[b]++;
        tombstones++;
      }
    }
    if (blocks_.valid(b) != valid[b]) {
      return fmt::format("block {} counts {} valid pages, mapping says {}", b,
                         blocks_.valid(b), valid[b]);
    }
    if (blocks_.state(b) == BlockState::kFree) {
      free++;
      if (store_->WritePointer(b) != 0) {
        return fmt::format("free block {} has {} programmed pages", b,
                           store_->WritePointer(b));
      }
    }
    erases += store_->EraseCount(b);
  }
  if (free != blocks_.free_blocks()) {
    return fmt::format("{} blocks free, free lists hold {}", free,
                       blocks_.free_blocks());
  }
  if (tombstones < live_tombstones_) {
    return fmt::format("{} tombstone pages, {} counted live", tombstones,
                       live_tombstones_);
  }
  if (erases < counters_.erases) {
    return fmt::format("erase counts add up to {}, {} erases done", erases,
                       counters_.erases);
  }
  return std::nullopt;
}

// ---- statistics -----------------------------------------------------------------

// Called for every I/O completion (the GC hint): no scan of the jobs.
bool Ftl::gc_active() const {
  return active_jobs_ > 0 || blocks_.free_blocks() < options_.gc_bg_blocks;
}

void Ftl::GetStats(MediaStats* out) const {
  out->page_size = geometry_.page_size;
  out->host_pages_written = counters_.host_pages;
  out->nand_pages_written = counters_.nand_programs;
  out->nand_pages_read = counters_.nand_reads;
  out->gc_runs = counters_.gc_runs;
  out->gc_pages_moved = counters_.gc_moved;
  out->erases = counters_.erases;
  const uint64_t total = geometry_.total_blocks();
  uint64_t sum = 0;
  uint32_t lo = UINT32_MAX, hi = 0;
  for (uint64_t b = 0; b < total; ++b) {
    const uint32_t e = store_->EraseCount(b);
    sum += e;
    lo = std::min(lo, e);
    hi = std::max(hi, e);
  }
  out->erase_count_min = total ? lo : 0;
  out->erase_count_max = hi;
  out->erase_count_avg = total ? static_cast<double>(sum) / total : 0;
  out->rated_pe_cycles = options_.pe_cycles;
  out->free_blocks = blocks_.free_blocks();
  out->total_blocks = total;
  out->spare_blocks = options_.spare_blocks();
  out->spare_blocks_initial = options_.spare_blocks();
  out->gc_active = gc_active();
  out->metadata_bytes = metadata_bytes();
}

uint64_t Ftl::metadata_bytes() const {
  return l2p_.size() * sizeof(uint32_t) +
         min_data_seq_.size() * sizeof(uint64_t) + blocks_.memory_bytes() +
         (host_.points.size() + gc_.points.size()) * sizeof(WritePoint);
}

}  // namespace salix::ftl

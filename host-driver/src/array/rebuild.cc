// rebuild.cc - rebuilding a lost member onto a spare while the array serves
// I/O.
//
// The spare joins as members_[n_] and receives, stripe by stripe, what the
// lost member held: data chunks reconstructed from the survivors, parity
// recomputed from the data. Writes keep going to the survivors meanwhile
// (a slot of the lost member gets only its backups, then lives in the
// parity), so the rebuild runs
// until no closed stripe is left unrebuilt; then it stops placing new
// writes for a moment, converts the open stripes, rebuilds them, and swaps
// the spare in: superblocks on every member name it. A crash before the
// swap leaves the array degraded as before; the rebuild starts again.
//
// Host-parity mode updates stripes in place, so a stripe already on the
// spare would go stale: its rebuild holds the stripe's lock, and later
// writes of the stripe send the lost member's chunk (data or parity) to the
// spare (Engine::HostTarget). Before the swap new writes are held and those
// in flight finish.
#include <fmt/format.h>

#include <string>
#include <salix/opcodes.h>

#include <cerrno>
#include <cstring>

#include "array/commands.h"
#include "array/engine.h"
#include "parity/parity.h"

namespace salix::host::array {


namespace {
constexpr unsigned kRebuildWindow = 8;

}  // namespace

Result<bool> Engine::StartRebuild(
    Device* spare, std::function<void(uint64_t, uint64_t)> progress) {
  if (rebuild_) return Error{"a rebuild is already running"};
  int lost = -1;
  for (unsigned i = 0; i < n_; i++) {
    if (!alive(i)) {
      lost = static_cast<int>(i);
      break;
    }
  }
  if (lost < 0) return Error{"no member has failed: nothing to rebuild"};
  if (spare == nullptr) {
    if (spares_.empty()) {
      return Error{"no spare given and the array has no hot spare"};
    }
    spare = spares_.front();
    spares_.erase(spares_.begin());
  }
  const DeviceInfo& si = spare->info();
  const DeviceInfo& ref = [&]() -> const DeviceInfo& {
    for (unsigned i = 0; i < n_; i++) {
      if (alive(i)) return members_[i].dev->info();
    }
    return si;
  }();
  if (si.lba_size != ref.lba_size) {
    return Error{fmt::format("{}: LBA size {} differs from the members' {}",
                             si.name, si.lba_size, ref.lba_size)};
  }
  if (si.lba_count * si.lba_size < geo_.member_chunks * geo_.chunk_bytes) {
    return Error{fmt::format("{}: {} bytes, the array needs {} per member",
                             si.name, si.capacity_bytes(),
                             geo_.member_chunks * geo_.chunk_bytes)};
  }
  rebuild_ = std::make_unique<RebuildState>();
  rebuild_->member = static_cast<unsigned>(lost);
  rebuild_->spare = spare;
  rebuild_->progress = std::move(progress);
  rebuild_->rebuilt_epoch.assign(geo_.stripes, 0);
  members_.resize(n_ + 1);
  Member& m = members_[n_];
  m = Member{};
  m.dev = spare;
  m.state = MemberState::kActive;
  ConfigureStage(m);
  return true;
}

uint64_t Engine::rebuild_progress_done() const { return rebuild_->done; }
bool Engine::rebuild_final() const { return rebuild_ && rebuild_->final; }

void Engine::AbortRebuild(const std::string& why) {
  rebuild_error_ = why;
  Member spare = std::move(members_[n_]);
  members_.resize(n_);
  if (!spare.backlog.empty() || spare.in_flight > 0 || !spare.stage.empty()) {
    // Its commands still finish through members_[n_]'s callbacks: keep the
    // slot until they have (Poll drains a failed member's backlog).
    members_.push_back(std::move(spare));
    members_[n_].state = MemberState::kFailed;
  }
  spares_.push_back(rebuild_->spare);
  rebuild_.reset();
}

void Engine::RunRebuild() {
  RebuildState& rb = *rebuild_;
  if (rb.swapping) return;
  if (!alive(n_)) {
    return AbortRebuild(fmt::format("rebuild stopped: the spare {} failed",
                                    rb.spare->info().name));
  }
  if (!rb.trimmed) {
    if (rb.trimming) return;
    // Whatever the spare held before (another array's tags) must not
    // confuse a later recovery.
    rb.trimming = true;
    auto ranges = std::make_shared<std::vector<DsmRange>>(
        WholeDevice(geo_.member_chunks * geo_.chunk_blocks));
    DeviceCommand cmd = Deallocate(*ranges);
    Issue(n_, cmd, [this, ranges](const DeviceCompletion&) {
      rebuild_->trimmed = true;
    });
    return;
  }
  auto needs = [&](uint64_t s) {
    const Stripe& st = stripes_[s];
    return st.phase == Phase::kClosed && !st.backups_live &&
           rb.rebuilt_epoch[s] != st.epoch + 1;
  };
  while (rb.in_flight < kRebuildWindow && rb.cursor < geo_.stripes) {
    uint64_t s = rb.cursor++;
    if (!needs(s)) {
      // Progress counts the first pass over every stripe: a free stripe
      // (nothing to rebuild) is as done as a rebuilt one.
      if (!rb.final) AdvanceRebuildProgress();
      continue;
    }
    rb.in_flight++;
    if (IsHostMode()) {
      // A read-modify-write in progress would give a half-updated stripe.
      LockStripe(s, [this, s] { RebuildStripe(s); });
    } else {
      RebuildStripe(s);
    }
  }
  if (rb.cursor < geo_.stripes || rb.in_flight > 0) return;
  // One pass done. Anything closed since (or rebuilt and reused) needs
  // another pass; open stripes must close first.
  bool again = false;
  for (uint64_t s = 0; s < geo_.stripes && !again; s++) {
    const Stripe& st = stripes_[s];
    again = needs(s) || st.phase == Phase::kOpen ||
            st.phase == Phase::kConverting ||
            (st.phase == Phase::kClosed && st.backups_live);
  }
  if (!again && IsHostMode()) {
    // Every stripe is on the spare and writes keep it current (HostTarget).
    // Hold new writes and let those in flight finish before the swap: their
    // completions name the spare as member n_.
    rb.final = true;
    const Member& sp = members_[n_];
    if (!locked_.empty() || sp.in_flight > 0 || !sp.backlog.empty()) return;
  }
  if (again) {
    rb.cursor = 0;
    if (rb.failures > 0 && ++rb.failed_passes >= 3) {
      return AbortRebuild(fmt::format(
          "rebuild stopped: {} stripes could not be rebuilt in 3 passes "
          "(more members lost than the parity covers?)",
          rb.failures));
    }
    rb.failures = 0;
    if (!rb.final) rb.final = true;  // stop placing writes: let stripes close
    for (uint64_t s : std::vector<uint64_t>(open_)) {
      Stripe& st = stripes_[s];
      st.claimed = static_cast<uint16_t>((1u << geo_.k) - 1);
      MaybeConvert(s);
    }
    if (!awaiting_table_.empty()) FlushTable();
    return;
  }
  FinishRebuild();
}

void Engine::RebuildStripe(uint64_t s) {
  RebuildState& rb = *rebuild_;
  const Stripe& st = stripes_[s];
  unsigned d = rb.member;
  uint64_t epoch = st.epoch;
  auto finish = [this, s, epoch](bool ok) {
    RebuildState& rb = *rebuild_;
    rb.in_flight--;
    if (!ok) rb.failures++;
    if (ok) {
      rb.rebuilt_epoch[s] = epoch + 1;
      if (!rb.final) AdvanceRebuildProgress();  // later passes: already counted
    }
    // Host mode: the next write of s sees the stripe as rebuilt (or not)
    // only after this point.
    if (IsHostMode()) UnlockStripe(s);
  };
  stripes_[s].reads++;
  auto release = [this, s] { stripes_[s].reads--; };
  for (unsigned i = 0; i < geo_.k; i++) {
    if (geo_.DataMember(s, i) != d) continue;
    if (!(st.included & (1u << i))) {
      release();
      return finish(true);
    }
    auto buf = std::make_shared<std::vector<uint8_t>>(geo_.chunk_bytes);
    uint64_t slot = s * geo_.k + i;
    Reconstruct(s, i, buf->data(), [this, s, i, slot, buf, finish,
                                    release](int res) {
      if (res != 0) {
        release();
        return finish(false);
      }
      DeviceCommand cmd = Rw(SALIX_IO_WRITE, geo_.DataLba(s), geo_.chunk_blocks,
                             buf->data(), geo_.chunk_bytes);
      SetTag(&cmd, {TagKind::kData, i, slot_seq_[slot], slot_lc_[slot],
                    static_cast<uint32_t>(s)});
      Issue(n_, cmd, [buf, finish, release](const DeviceCompletion& c) {
        release();
        finish(c.ok());
      });
    });
    return;
  }
  // d holds parity j of this stripe: recompute it from the data.
  unsigned j = geo_.ParityMember(s, 0) == d ? 0 : 1;
  struct Gather {
    std::vector<std::vector<uint8_t>> data;
    unsigned pending = 1;
    bool failed = false;
  };
  auto g = std::make_shared<Gather>();
  g->data.resize(geo_.k);
  uint16_t included = st.included;
  auto compute = [this, s, j, g, included, epoch, finish, release] {
    if (--g->pending > 0) return;
    if (g->failed) {
      release();
      return finish(false);
    }
    auto out = std::make_shared<std::vector<uint8_t>>(geo_.chunk_bytes);
    std::vector<parity::Source> src;
    for (unsigned x = 0; x < geo_.k; x++) {
      if (included & (1u << x)) src.push_back({g->data[x], static_cast<uint8_t>(x)});
    }
    if (j == 0) {
      parity::ComputeP(src, *out);
    } else {
      parity::ComputeQ(src, *out);
    }
    DeviceCommand cmd = Rw(SALIX_IO_WRITE, geo_.DataLba(s), geo_.chunk_blocks,
                           out->data(), geo_.chunk_bytes);
    SetTag(&cmd, {j == 0 ? TagKind::kParityP : TagKind::kParityQ, j, epoch,
                  included, static_cast<uint32_t>(s)});
    Issue(n_, cmd, [this, s, j, out, finish, release](const DeviceCompletion& c) {
      if (c.ok()) stripes_[s].parity_ok |= static_cast<uint8_t>(1u << j);
      release();
      finish(c.ok());
    });
  };
  for (unsigned x = 0; x < geo_.k; x++) {
    if (!(included & (1u << x))) continue;
    g->data[x].resize(geo_.chunk_bytes);
    g->pending++;
    ReadSlot(s, x, g->data[x].data(), [g, compute](int res) {
      if (res != 0) g->failed = true;
      compute();
    }, false);
  }
  compute();
}

bool Engine::SpareCurrent(uint64_t s) const {
  return rebuild_ && alive(n_) && rebuild_->trimmed &&
         rebuild_->rebuilt_epoch[s] == stripes_[s].epoch + 1;
}

void Engine::AdvanceRebuildProgress() {
  RebuildState& rb = *rebuild_;
  // The last step (100%) is the swap: FinishRebuild reports it.
  if (rb.done + 1 >= geo_.stripes) return;
  rb.done++;
  if (rb.progress) rb.progress(rb.done, geo_.stripes);
}

void Engine::FinishRebuild() {
  RebuildState& rb = *rebuild_;
  rb.swapping = true;
  rb.done = geo_.stripes;
  if (rb.progress) rb.progress(rb.done, geo_.stripes);
  unsigned d = rb.member;
  // The spare takes the lost member's place. Writes still staged for the
  // lost member fail first (the stage is sent while it is still dead).
  if (!members_[d].stage.empty()) FlushStage(d);
  Member spare = std::move(members_[n_]);
  members_.resize(n_);
  Member& m = members_[d];
  m.dev = spare.dev;
  m.state = MemberState::kActive;
  CountAlive();
  m.commands = spare.commands;
  m.errors = 0;
  m.in_flight = spare.in_flight;
  m.backlog = std::move(spare.backlog);
  m.stage = std::move(spare.stage);
  ResetGroups(m);
  sb_.member_state[d] = static_cast<uint8_t>(MemberState::kActive);
  std::memset(sb_.member_serial[d], 0, sizeof(sb_.member_serial[d]));
  std::memcpy(sb_.member_serial[d], m.dev->info().serial.data(),
              std::min<size_t>(20, m.dev->info().serial.size()));
  // In-flight commands of the spare completed with member index n_; they
  // are rebuild writes, all finished (the rebuild only swaps when idle).
  uint64_t rpc = RecordsPerChunk(geo_.chunk_bytes, geo_.k);
  for (uint64_t c = 0; c < geo_.table_chunks; c++) table_dirty_.push_back(c);
  (void)rpc;
  FlushTable();
  WriteSuperblocksAsync([this](bool) { rebuild_.reset(); });
}

}  // namespace salix::host::array

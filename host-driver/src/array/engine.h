// engine.h - the array engine behind salix::host::Array (internal).
//
// See array.h for the design in brief and docs/ARRAY.md for the full story.
// This file holds the in-memory state; engine.cc the I/O paths,
// recovery.cc the map rebuild of OpenArray, rebuild.cc the rebuild onto a
// spare.
//
// State, per stripe: its phase (free, open, converting, closed), which data
// slots are claimed/written, how many live chunks it holds, its transient
// groups while open. Per physical slot (stripe * k + index): the logical
// chunk and the write sequence number. Per logical chunk: its slot (l2p).
//
// Ordering: every chunk write gets a fresh sequence number, which also goes
// into its tag; the map keeps the newest completed write of each chunk, so
// completion order does not matter and recovery can use the same rule.
// Array GC never places a relocation of a chunk that has a user write in
// flight (or that a user write replaced since the relocation's read).
// Array GC never relocates a chunk that has a user write in flight.
#ifndef SALIX_HOST_ARRAY_ENGINE_H
#define SALIX_HOST_ARRAY_ENGINE_H

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "array/coalescer.h"
#include "array/free_list.h"
#include "array/inline_fn.h"
#include "array/layout.h"
#include "array/pool.h"
#include "salix/host/array.h"

namespace salix::host::array {

// Deferred work run from Poll (completions that must not run inside Submit).
using Deferred = InlineFn<void(), 128>;

class Engine final : public Array {
 public:
  static constexpr uint64_t kUnmapped = ~uint64_t{0};

  enum class Phase : uint8_t { kFree, kOpen, kConverting, kClosed };
  struct Stripe {
    Phase phase = Phase::kFree;
    uint16_t claimed = 0;   // slots given to a write
    uint16_t written = 0;   // slots whose write completed
    uint16_t included = 0;  // closed: slots the parity covers
    uint8_t parity_ok = 0;  // closed: parity j is valid (bit j)
    bool backups_live = false;  // backups still in the transient area
    bool gc_victim = false;
    // Opened for GC relocations out of the stripes kept for GC: user writes
    // leave its slots alone while free stripes are that low.
    bool for_gc = false;
    uint16_t pending_writes = 0;
    uint32_t valid = 0;
    uint32_t reads = 0;  // reads in flight (stripe cannot be freed)
    uint8_t conv_pending = 0;  // converting: Parity Computes in flight (+1)
    uint8_t conv_ok = 0;       // converting: parities written (bit j)
    // Open: where its data index 0 and its parities are (Geometry's
    // DataMember/ParityMember, set by AddOpen): the per-write paths
    // (PlaceWrite's scan of the open stripes, WriteChunk) read them here.
    uint8_t data0 = 0;
    uint8_t parity[kMaxParity] = {0, 0};
    uint64_t epoch = 0;
    // Where its backups are on parity member j: its own group, or an
    // extent of run_len groups shared by the stripes of a band run, this
    // one at run_pos (layout.h).
    uint32_t group[kMaxParity] = {0, 0};
    uint8_t run_len = 1;
    uint8_t run_pos = 0;
  };

  Engine(std::vector<Device*> members, std::vector<Device*> spares,
         const Superblock& sb, const Geometry& g);
  ~Engine() override;

  // ---- Array -------------------------------------------------------------
  uint64_t capacity_bytes() const override {
    return geo_.logical_chunks * geo_.chunk_bytes;
  }
  uint32_t block_bytes() const override { return geo_.chunk_bytes; }
  bool SubmitRead(uint64_t offset, uint32_t len, void* buf,
                  ArrayCompletionFn fn, void* ctx) override;
  bool SubmitWrite(uint64_t offset, uint32_t len, const void* buf,
                   ArrayCompletionFn fn, void* ctx) override;
  bool SubmitFlush(ArrayCompletionFn fn, void* ctx) override;
  bool SubmitTrim(uint64_t offset, uint64_t len, ArrayCompletionFn fn,
                  void* ctx) override;
  size_t Poll(unsigned wait_us) override;
  size_t in_flight() const override { return requests_; }
  ArrayStatus Status() const override;
  Result<bool> FailMember(unsigned index) override;
  Result<bool> StartRebuild(
      Device* spare, std::function<void(uint64_t, uint64_t)> progress) override;
  Result<bool> Sync() override;
  void SetWriteCoalescing(bool on) override;
  StagingMemory staging_memory() const override {
    return {staging_->base(), staging_->bytes(), staging_->slot_bytes()};
  }

  // ---- used by CreateArray / OpenArray -------------------------------------
  // Writes superblocks (generation + 1) to every active member, flushes
  // them, and waits.
  Result<bool> WriteSuperblocks();
  // Rebuilds the map from the stripe table and the members' tags.
  Result<bool> Recover();
  const Geometry& geometry() const { return geo_; }

 private:
  struct Request {
    ArrayCompletionFn fn;
    void* ctx;
    int pending = 0;
    int result = 0;
    std::function<void(int)> internal;  // engine-internal (GC) requests
  };
  // One chunk write in flight: the data copy and its m backups.
  struct WriteOp {
    uint64_t s = 0, slot = 0, seq = 0, gc_source = 0;
    Request* req = nullptr;
    uint32_t lc = 0;
    unsigned i = 0;
    unsigned pending = 0, ok = 0;
    bool internal = false;
  };
  // A device command in flight: whom to tell.
  struct IoSlot {
    Engine* engine = nullptr;
    unsigned member = 0;
    IoDone done;
  };
  struct PendingWrite {
    Request* req;
    uint32_t lc;
    const uint8_t* data;
    uint64_t gc_source;  // GC relocation: the slot it copies, else kUnmapped
    // Chunks lc, lc + 1, ... (data contiguous) placed together in one fresh
    // stripe at indices 0..run-1, so that each parity member gets their
    // backups in one command. 1 = a single chunk placed on its own.
    unsigned run = 1;
    // A band run of run / k stripes (layout.h), if one can be had.
    bool band = false;
  };
  // The backups of a run: one command per parity member covering every
  // chunk of the run.
  struct RunOp {
    WriteOp* ops[kMaxData] = {};
    unsigned count = 0;
    unsigned pending = 0;  // backup commands in flight
  };
  // A band run in flight: its chunks' writes in the caller's order (chunk
  // i * R + x is data index i of stripe s0 + x).
  struct BandOp {
    WriteOp* ops[kMaxData * kMaxBandRun] = {};
    unsigned stripes = 0;   // R
    unsigned pending = 0;   // commands in flight
  };
  struct Member {
    Member() = default;
    Member(Member&&) = default;
    Member& operator=(Member&&) = default;
    Member(const Member&) = delete;  // the backlog holds move-only callbacks
    Member& operator=(const Member&) = delete;
    Device* dev = nullptr;
    MemberState state = MemberState::kActive;
    std::deque<std::pair<DeviceCommand, IoDone>> backlog;
    Coalescer stage;  // chunk writes waiting to go out merged
    FreeList free_groups;  // transient groups
    // Per group that starts a band run's extent: the run's stripes whose
    // backups are still there (the extent is freed when none is left).
    std::vector<uint8_t> extent_users;
    uint64_t commands = 0, errors = 0, gc_busy_seen = 0;
    uint64_t gc_busy_until = 0;  // poll tick until which we avoid it
    size_t in_flight = 0;
  };

  // Stripe s enters open_ (its roles cached in it).
  void AddOpen(uint64_t s);
  // The open stripe st's member of data index i (i < k).
  unsigned OpenDataMember(const Stripe& st, unsigned i) const {
    const unsigned d = st.data0 + i;
    return d < n_ ? d : d - n_;
  }
  bool alive(unsigned member) const {
    return members_[member].state == MemberState::kActive &&
           members_[member].dev != nullptr;
  }
  // Live members among members_[0..n_) (the per-write paths ask): kept by
  // CountAlive, called wherever a member's state or device changes.
  unsigned alive_count() const { return alive_count_; }
  void CountAlive();
  // Sends cmd to a member; done runs from Poll (also for a failed member,
  // with errno_ = -ENODEV). Chunk writes may wait in the member's stage to
  // go out merged with others (coalescer.h).
  void Issue(unsigned member, DeviceCommand cmd, IoDone done);
  // Issue without the stage: to the device now, or to the backlog.
  void Send(unsigned member, const DeviceCommand& cmd, IoDone done);
  void FlushStage(unsigned member);
  // Sends the waiting conversions (IssueConversions), then the stages of
  // members with nothing in flight (and of dead members, whose writes then
  // fail); returns how many commands or stages it sent.
  size_t FlushIdleStages();
  // Enables merging on a member whose controller has Write Tagged (when
  // coalescing is on), disables it otherwise.
  void ConfigureStage(Member& mb);
  // Submits to the device now; false (done left intact) when it is full.
  bool TrySubmit(unsigned member, const DeviceCommand& cmd, IoDone& done);
  void OnDeviceError(unsigned member, const DeviceCompletion& c);
  void WriteSuperblocksAsync(std::function<void(bool ok)> done);
  void Finish(Request* r, int result);
  void Ack(Request* r);
  Request* NewRequest(ArrayCompletionFn fn, void* ctx, int parts);
  Request* NewInternal(std::function<void(int)> done);

  // Device-parity (two-phase) paths.
  bool PlaceWrite(const PendingWrite& w, bool internal, uint64_t gc_source);
  // A user write: single, run, or a run split into singles while the array
  // is degraded or rebuilding. False when it must wait; w then holds what
  // is left of it.
  bool PlacePending(PendingWrite& w);
  bool PlaceRun(const PendingWrite& w);
  void WriteRun(uint64_t s, const PendingWrite& w);
  // A band run over waiting_'s first n writes (band writes of consecutive
  // logical chunks, together R * k chunks): false (nothing taken) when R
  // consecutive free stripes of one band, or an extent on a parity member,
  // cannot be had.
  bool PlaceBand(size_t n, unsigned R);
  void WriteBand(uint64_t s0, const uint32_t* extent, size_t n, unsigned R);
  // Places the band writes at the front of waiting_ that continue each
  // other as one band run, and takes them off; false when they cannot be
  // placed together (the caller places the first on its own).
  bool PlaceGathered();
  void BandChunksWritten(BandOp* band, unsigned first, unsigned count,
                         const DeviceCompletion& c);
  // Stripes of a band run for a write of 'chunks' chunks: a power of two
  // of at least 2, or 0 when the write is too short or runs are off.
  unsigned BandStripes(uint64_t chunks) const;
  // Sends cmd past the member's stage (after what the stage holds for the
  // same LBAs): commands that are already as large as merging would make.
  void IssueDirect(unsigned member, const DeviceCommand& cmd, IoDone done);
  uint64_t BackupLba(const Stripe& st, unsigned j, unsigned i) const {
    return geo_.BackupLba(st.group[j], i, st.run_len, st.run_pos);
  }
  // Every group of mb free, no extent in use (a new or replaced member).
  void ResetGroups(Member& mb);
  void RunBackupWritten(RunOp* run, const DeviceCompletion& c);
  // for_gc: opened from the GC reserve for relocations (Stripe::for_gc).
  bool OpenStripe(bool for_gc = false);
  void WriteChunk(uint64_t s, unsigned i, uint32_t lc, const uint8_t* data,
                  Request* req, bool internal, uint64_t gc_source);
  void ChunkWritten(WriteOp* op, const DeviceCompletion& c);
  static void OnIoComplete(void* ctx, const DeviceCompletion& c);
  void MaybeConvert(uint64_t s);
  void Convert(uint64_t s);
  // A full stripe's parity j waiting to be computed on 'member'.
  struct ParityJob {
    unsigned member;
    unsigned j;
    uint64_t s;
  };
  // Sends the waiting Parity Computes, consecutive stripes together;
  // returns the commands sent.
  size_t IssueConversions();
  // Parity j of stripes s0 .. s0 + count - 1 on member p, one command
  // (interleaved: the stripes of one band run, else consecutive groups).
  void IssueParity(unsigned p, unsigned j, uint64_t s0, unsigned count,
                   bool interleaved);
  // One Parity Compute of stripe s is done (or was never needed).
  void ConversionDone(uint64_t s);
  void ForceConvertOldest();
  void ReadChunk(uint32_t lc, uint8_t* out, Request* req);
  void ReadSlot(uint64_t s, unsigned i, uint8_t* out,
                std::function<void(int)> done, bool allow_backup);
  void Reconstruct(uint64_t s, unsigned i, uint8_t* out,
                   std::function<void(int)> done);
  void FlushTable();
  // Deallocates the backups of converted stripes whose records are durable
  // and returns their groups.
  void FreeBackups(const std::vector<uint64_t>& stripes);
  template <typename Batch>
  void IssueFreeGroups(unsigned member, std::shared_ptr<Batch> b);
  // Deallocates collected stripes and frees them: in batches, or now.
  void FreeCollected(bool now);
  // Array GC: while free stripes are at the reserve, collects victims
  // (several, while each finishes at once).
  void MaybeCollect();
  // The closed stripe with the fewest live chunks, or false (none yet).
  bool NextVictim(uint64_t* victim);
  void Collect(uint64_t victim);
  void FinishCollect(uint64_t victim);

  // Host-parity (read-modify-write) paths.
  void HostWrite(uint32_t lc, const uint8_t* data, Request* req);
  void HostWriteLocked(uint32_t lc, const uint8_t* data, Request* req);
  // Runs fn holding stripe s's lock (now, or after the holders before it).
  void LockStripe(uint64_t s, std::function<void()> fn);
  // Runs the next waiter on stripe s's lock, or releases it.
  void UnlockStripe(uint64_t s);
  // Where a host-mode write or parity read of stripe s for 'member' goes:
  // the spare once the rebuild has written the lost member's chunk of s.
  unsigned HostTarget(uint64_t s, unsigned member) const;
  // True while a rebuild runs and the spare holds stripe s up to date.
  bool SpareCurrent(uint64_t s) const;

  void SerializeTableChunk(uint64_t chunk, std::vector<uint8_t>* out) const;
  // The members that get a copy of table chunk 'chunk', into out (room for
  // kMaxParity + 1); returns how many.
  unsigned TableCopies(uint64_t chunk, unsigned* out) const;
  uint64_t NextSeq() { return ++seq_; }
  bool IsHostMode() const { return sb_.parity_mode == 1; }
  void RunRebuild();
  void RebuildStripe(uint64_t s);
  void FinishRebuild();
  void AdvanceRebuildProgress();
  uint64_t rebuild_progress_done() const;
  bool rebuild_final() const;

  // members_[0..n_) are the array's members; while a rebuild runs, the
  // spare being filled is members_[n_].
  std::vector<Member> members_;
  std::vector<Device*> spares_;
  Superblock sb_;
  Geometry geo_;
  unsigned n_;
  unsigned alive_count_ = 0;
  std::vector<Stripe> stripes_;
  std::vector<uint32_t> slot_lc_;   // per physical slot
  std::vector<uint64_t> slot_seq_;  // per physical slot
  std::vector<uint64_t> l2p_;       // per logical chunk: slot or kUnmapped
  FreeList free_stripes_;
  std::vector<uint64_t> open_;  // open stripes, oldest first
  std::deque<PendingWrite> waiting_;
  std::deque<PendingWrite> gc_waiting_;
  // Host-mode writes held while a rebuild swaps the spare in.
  std::deque<PendingWrite> held_host_writes_;
  std::vector<uint8_t> zero_chunk_;
  // Per logical chunk: user writes in flight (GC leaves such chunks alone).
  std::vector<uint32_t> writes_in_flight_;
  std::deque<Deferred> ready_;  // deferred completions
  Pool<Request> request_pool_;
  Pool<WriteOp> write_pool_;
  Pool<IoSlot> io_pool_;
  Pool<RunOp> run_pool_;
  Pool<BandOp> band_pool_;
  Coalescer::BatchPool batch_pool_;
  std::unique_ptr<StagingArena> staging_;  // the batches' slots
  bool stages_waiting_ = false;  // some member's stage is not empty
  std::vector<ParityJob> conversions_waiting_;
  bool coalescing_ = true;
  // Longest run: k, or fewer when a member's transfer limit is smaller
  // (1: no runs).
  unsigned max_run_ = 1;
  // The members' smallest transfer limit, in chunks.
  unsigned max_transfer_chunks_ = 1;
  // Longest band run in stripes (kMaxBandRun, the rotation and the groups
  // allow; its commands are split at max_transfer_chunks_): 0 or 1 = none.
  unsigned max_band_ = 0;
  std::vector<Request*> deferred_acks_;
  bool superblock_writing_ = false;
  std::vector<uint64_t> table_dirty_;  // table chunks to write
  std::vector<uint64_t> awaiting_table_;  // closed stripes, backups live
  bool table_writing_ = false;
  // Something waits for the next table flush (a stripe could not open for
  // lack of transient groups, GC found no victim with its backups freed).
  bool groups_short_ = false;
  bool idle_poll_ = false;
  uint64_t table_generation_ = 0;
  uint64_t seq_ = 0;
  size_t requests_ = 0;
  size_t completed_ = 0;
  uint64_t tick_ = 0;
  // Statistics.
  uint64_t conversions_ = 0, gc_stripes_ = 0, degraded_reads_ = 0;
  uint64_t band_runs_ = 0, band_run_chunks_ = 0;
  uint64_t table_writes_ = 0;
  // Array GC.
  bool collecting_ = false;
  std::vector<uint64_t> collected_;  // GC victims emptied, not yet deallocated
  bool freeing_ = false;
  uint64_t next_collect_scan_ = 0;
  // The best victims of the last scan, fewest live chunks last: one O(stripes)
  // scan serves many collections (each is rechecked when its turn comes).
  std::vector<std::pair<uint32_t, uint64_t>> gc_candidates_;  // (valid, stripe)
  // Host mode: stripes with a read-modify-write in progress, and waiters.
  std::unordered_map<uint64_t, std::deque<std::function<void()>>> locked_;
  // Rebuild (rebuild.cc).
  struct RebuildState {
    unsigned member = 0;  // the lost member being replaced
    Device* spare = nullptr;
    std::function<void(uint64_t, uint64_t)> progress;
    std::vector<uint64_t> rebuilt_epoch;  // per stripe, epoch + 1 when done
    uint64_t cursor = 0;
    unsigned in_flight = 0;
    uint64_t done = 0;
    bool trimmed = false;
    bool trimming = false;
    bool final = false;
    bool swapping = false;
    uint64_t failures = 0;  // stripes that failed in this pass
    unsigned failed_passes = 0;
  };
  void AbortRebuild(const std::string& why);
  std::string rebuild_error_;
  std::unique_ptr<RebuildState> rebuild_;
};

}  // namespace salix::host::array

#endif  // SALIX_HOST_ARRAY_ENGINE_H

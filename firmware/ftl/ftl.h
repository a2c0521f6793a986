// ftl.h - the page-mapping flash translation layer.
//
// Maps logical pages (LPA, page_size bytes each) to physical flash pages in
// a PageStore and books every flash operation on the NAND timing model:
//
//   - Writes are striped page by page over all dies (round robin), each die
//     filling its own open block; a die with no room is skipped, so the
//     device keeps writing while any die has space.
//   - Garbage collection picks a victim by policy (gc_policy.h), copies its
//     valid pages to the same die's GC block (hot host data and cold copied
//     data do not share blocks), erases it. It runs in small steps:
//     Background() while free blocks < gc_bg_blocks, on idle dies; a host
//     write pays its share of copies while free blocks <= gc_fg_blocks
//     (see ftl.cc for the pacing). One free block
//     is always held back for GC, and FtlOptions refuses an
//     over-provisioning with fewer spare blocks than GC needs, so there is
//     no out-of-free-blocks path: every collection frees pages (argued in
//     ftl.cc, Collect) and a full device keeps serving at any fill level.
//   - Validity is the mapping itself: a page is live iff l2p[oob.lpa] ==
//     its address. No reverse map: the OOB (flash, not DRAM) names the LPA.
//   - Deallocate unmaps; on a persistent data store it also programs a
//     tombstone page (OOB lpa = kTombstoneLpa) so that recovery does not
//     resurrect trimmed data. A tombstone lives until no block older than
//     it remains.
//   - Recovery: a clean Shutdown() writes a checkpoint of the mapping next
//     to the backing file; Open() loads it (and deletes it before any new
//     write), or else rebuilds the mapping by scanning every page's OOB,
//     newest sequence number winning, then applies newer tombstones.
//
// Times are ns on the caller's clock; every method returns when the flash
// part of the operation completes (the host interface adds firmware and
// PCIe time). With timing disabled nothing is booked and times are 'now'.
//
// Memory (metadata_bytes()): 4 bytes per logical page (l2p) + ~40 bytes per
// block. The page store's OOB stands in for the NAND spare area.
//
// Thread-safety: none; the personality calls it from the worker thread.
#ifndef SALIX_FTL_FTL_H
#define SALIX_FTL_FTL_H

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/personality.h"
#include "core/result.h"
#include "flash/page_store.h"
#include "flash/timeline.h"
#include "ftl/block_table.h"
#include "ftl/ftl_options.h"

namespace salix::ftl {

class Ftl {
 public:
  static constexpr uint32_t kUnmapped = UINT32_MAX;
  static constexpr uint64_t kTombstoneLpa = ~uint64_t{0} - 1;

  // Opens (and if needed recovers) the flash. Errors name the property.
  static Result<std::unique_ptr<Ftl>, std::string> Open(const FtlOptions& o);
  ~Ftl();
  Ftl(const Ftl&) = delete;
  Ftl& operator=(const Ftl&) = delete;

  uint64_t user_pages() const { return l2p_.size(); }
  uint32_t page_size() const { return geometry_.page_size; }
  bool persistent() const { return store_->persistent(); }
  bool metadata_only() const { return store_->metadata_only(); }
  bool timing_enabled() const { return timeline_ != nullptr; }
  const FtlOptions& options() const { return options_; }

  // Reads logical page 'lpa' into 'out' (page_size bytes, or empty for
  // timing only); an unmapped page reads as zeroes. Returns the time its
  // data is in the controller. REQUIRES: lpa < user_pages().
  Result<uint64_t> ReadPage(uint64_t lpa, std::span<uint8_t> out, uint64_t now);
  bool IsMapped(uint64_t lpa) const { return l2p_[lpa] != kUnmapped; }
  uint64_t mapped_pages() const { return mapped_; }

  // Writes logical page 'lpa' ('data': page_size bytes; may be empty on a
  // metadata-only store) with host tag 'tag' in its OOB. Returns when its
  // program completes. Fails only with WriteFault, on a flash error (an FTL
  // bug, logged in 'last_error').
  Result<uint64_t> WritePage(uint64_t lpa, std::span<const uint8_t> data,
                             uint64_t now, const HostTag& tag = {});

  // The host tag and sequence number in the OOB of the page 'lpa' maps to
  // (GC moves keep the tag; recovery keeps it because it is in the OOB);
  // mapped = false and zeroes when unmapped. No flash time is booked: the
  // FTL keeps OOB in controller memory (the page store's OOB slots).
  // REQUIRES: lpa < user_pages().
  BlockTag PageTag(uint64_t lpa) const;

  // Unmaps [first, first + count). Returns when it is durable (tombstone
  // programmed) or 'now'.
  Result<uint64_t> Trim(uint64_t first, uint64_t count, uint64_t now);

  // Makes everything programmed durable on a backing file (msync).
  bool Sync() { return store_->Sync(); }
  bool SyncPage(uint64_t lpa);

  // Idle-time garbage collection; see Personality::Background.
  uint64_t Background(uint64_t now);

  // Erases every block and forgets every mapping (Format NVM). The erases
  // are not booked on the timeline (Format is not a timed command).
  Status Format();

  // Clean shutdown: checkpoint + sync.
  void Shutdown();

  void GetStats(MediaStats* out) const;
  bool gc_active() const;
  // True when the last host page allocation paid for GC copies (foreground
  // or forced collection): host writes are waiting on GC.
  bool gc_foreground() const { return fg_paid_; }
  uint64_t metadata_bytes() const;
  const std::string& last_error() const { return last_error_; }
  // The last error, cleared.
  std::string TakeError() { return std::exchange(last_error_, {}); }
  const flash::PageStore& store() const { return *store_; }
  // Cross-checks the mapping, the OOB, the block table and the counters
  // (every mapped page is programmed and names its LPA in OOB; each block's
  // valid count is what the mapping says plus live tombstones; free blocks
  // are erased; erase counts add up). nullopt when consistent, else the
  // first discrepancy. O(device); for tests.
  std::optional<std::string> CheckConsistency() const;

  // True when the mapping came from a checkpoint, false from an OOB scan
  // or a new device (for tests and logs).
  bool recovered_from_checkpoint() const { return from_checkpoint_; }

 private:
  struct WritePoint {
    uint32_t block = BlockTable::kNil;
    uint32_t next_page = 0;
  };
  struct Counters {
    uint64_t host_pages = 0;
    uint64_t nand_programs = 0;
    uint64_t nand_reads = 0;
    uint64_t gc_runs = 0;
    uint64_t gc_moved = 0;
    uint64_t erases = 0;
  };

  Ftl(const FtlOptions& o, std::unique_ptr<flash::PageStore> store);

  // A garbage collection in progress: one victim block (ftl.cc explains
  // the pacing and why it always makes progress).
  struct GcJob {
    uint32_t block = BlockTable::kNil;
    uint32_t next_page = 0;            // next page of the victim to examine
    uint32_t moves_per_host_page = 1;  // foreground pace
    bool active() const { return block != BlockTable::kNil; }
  };
  // Pages a background step moves before looking at the host again.
  static constexpr uint32_t kBackgroundStepPages = 8;

  // The write points of one kind of data (host or GC), one per die, of
  // which at most 'budget' hold an open block at a time.
  struct Stream {
    Stream(uint32_t dies, uint32_t budget_) : points(dies), budget(budget_) {}
    std::vector<WritePoint> points;
    uint32_t open = 0;  // points whose block has room
    uint32_t budget;
  };
  static uint32_t WritePointBudget(const FtlOptions& o);

  bool HasRoom(const WritePoint& wp) const;
  // Next page for host data, collecting as needed.
  Result<uint64_t> HostPage(uint64_t now);
  // Next page of the GC stream: the victim's die if it has an open GC
  // block, else another open one, else a new block.
  std::optional<uint64_t> GcPage(uint32_t die);
  // Next page of 'die' in 'stream', opening a block within the budget.
  std::optional<uint64_t> TakePage(Stream& stream, uint32_t die);
  // Programs one page and updates the block table.
  Result<uint64_t> Program(uint64_t ppn, const flash::Oob& oob,
                           std::span<const uint8_t> data, uint64_t now);
  void Supersede(uint64_t lpa, uint64_t ppn);
  // Gives 'job' the policy's victim. False when there is none, or when
  // 'only_if_gain' and it has no invalid page.
  bool StartJob(GcJob& job, bool only_if_gain);
  // An active job, else a newly started one; nullptr if none can start.
  GcJob* AnyJob(bool only_if_gain);
  // Moves up to 'max_moves' valid pages; erases the victim once every page
  // was examined. False on a flash error or a missing destination.
  bool StepJob(GcJob& job, uint64_t now, uint32_t max_moves);
  // Collects one whole victim now. False when nothing can be collected.
  bool Collect(uint64_t now, bool only_if_gain);
  // Foreground share of copies for one host page.
  void Pace(uint64_t now);
  // Free blocks are short of the background mark and a job can start
  // without eating into what the host and the running jobs need.
  bool WantsNewJob() const;
  bool TombstoneNeeded(uint64_t seq) const;

  // Never fails: a checkpoint that does not fit the flash is ignored and
  // the OOB scan rebuilds everything the pages say.
  void Recover();
  bool LoadCheckpoint();
  void ScanOob();
  void RebuildBlocks();
  std::string CheckpointPath() const;

  Status Fail(std::string what);

  FtlOptions options_;
  flash::Geometry geometry_;
  std::unique_ptr<flash::PageStore> store_;
  std::unique_ptr<flash::Timeline> timeline_;  // null: timing off
  BlockTable blocks_;
  std::vector<uint32_t> l2p_;
  std::vector<uint64_t> min_data_seq_;  // per block, for tombstone expiry
  Stream host_, gc_;
  std::vector<GcJob> jobs_;                  // at most one per die
  uint64_t active_jobs_ = 0;
  uint64_t background_wake_ = 0;  // when Background() has work next
  uint32_t next_die_ = 0;
  uint32_t gc_spill_die_ = 0;  // GC destination when the victim's die is full
  uint64_t seq_ = 1;
  uint64_t live_tombstones_ = 0;
  uint64_t mapped_ = 0;  // LPAs with a physical page
  Counters counters_;
  std::vector<uint8_t> page_buf_;  // GC copies
  std::string last_error_;
  bool from_checkpoint_ = false;
  bool fg_paid_ = false;
};

}  // namespace salix::ftl

#endif  // SALIX_FTL_FTL_H

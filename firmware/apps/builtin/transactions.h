// transactions.h - the built-in "txn" app: atomic multi-write transactions
// with MARS semantics (Coburn et al., "From ARIES to MARS: Transaction
// Support for Next-Generation, Solid-State Drives", SOSP'13; used as an SSD
// app by Willow, OSDI'14). Wire layouts: <salix/builtin_apps.h>.
//
// A transaction logs writes of several home ranges into the app's private
// region, may read back and edit what it logged (an LBA logged twice is
// rewritten in place in the log: MARS's editable atomic writes), then
// commits or aborts. EXEC does all of it in one invocation (MARS's atomic
// multi-write). After a power cut at any point it is all or nothing.
//
// Private region layout (LBAs of the region):
//   [0, kCommitSlots * slot_lbas)   commit slots: a commit record each
//   [kCommitSlots * slot_lbas, end - kAnchorLbas)
//                                   log data, one home LBA per log LBA
//   [end - kAnchorLbas, end)        two anchors (ping-pong)
// A commit record names the transaction's extents (home LBA, log LBA,
// count) and its sequence number, carries a check of the logged data
// (CRC32C over the CRC32C of every logged LBA, in extent order) and is
// protected by a CRC32C over its own length, so a torn record, or a record
// whose data did not all reach flash, reads as absent. Records live only in
// slots, which never hold caller data, so a caller cannot forge one through
// what it logs. An anchor names the oldest live sequence number: records
// below it are retired (dead) whatever their slot still holds.
//
// Commit: FUA writes only, so it waits for its own pages and not for what
// other streams left in the write cache (a Flush is device-wide). EXEC
// writes the log data with FUA; COMMIT writes the logged data again from
// the app's DRAM copy with FUA (or Flushes, for a transaction over
// kRamBytes). Then the record with FUA: the commit point. Data and record
// need no order between them - the data check voids a record whose data is
// not all there. The home copies are then written from DRAM and left in
// the write cache; the commit completes without waiting for them.
//
// Retiring records in batches: a record stays live until its home copies
// are durable and an anchor retires it. A commit that finds every slot
// live checkpoints first: one Flush (every applied record's home copies
// durable), then the next anchor generation with FUA, naming the oldest
// record that must stay (next_seq, or the oldest record whose home copies
// failed); only when it has completed are those slots and their log LBAs
// reused, so a live record on flash never names rewritten log LBAs, and a
// reused slot's old record is dead by the anchor even if the new one tears.
// So one device-wide Flush per kCommitSlots commits, not one per commit.
// The anchors alternate (generation g in anchor g % 2) and recovery takes
// the valid one of higher generation: a torn anchor leaves the previous
// one, which retires less - replaying records whose home copies are
// durable and whose log LBAs were not reused is harmless. The live records
// are always every record from the anchor's sequence number on, so
// replaying them in order never puts older data over a newer commit's.
//
// The catch, and the hook for it: a live record replays its data over
// whatever is at home. If anyone else writes a home LBA of a pending
// (unretired) record and that write becomes durable, a power cut would
// replay the older transaction over it. So every other writer - host Write,
// Write Zeroes, Deallocate, Copy, and other apps' writes - asks Pending()
// first and, on an overlap, calls Settle(): a checkpoint (Flush, anchor),
// then the write proceeds. The HIL does this (hil/app_builtins.cc); a
// commit after such a write is a new record with a higher sequence number,
// replayed after the older one.
//
// Recovery reads the anchors, replays every live record whose data check
// holds, in sequence order, to the home LBAs, flushes, and writes an
// anchor past every record it found (data check failed or not); log data
// of transactions without a live record is dropped. Recovery may itself be
// cut and rerun: replay is idempotent. Records of the first format (magic
// "MXTX", written after a Flush of their data, so without a data check)
// and of the second (zeroed one by one instead of anchored; no anchor
// means every record is live) are still replayed. Upgrading from those
// with records pending and a nearly full log is the one case where an
// anchor LBA may hold logged caller data: a forged anchor could then drop
// those records.
//
// Protection: home ranges are checked against the caller's domain at every
// log-write and read and again at commit (the committing caller may not be
// the one that logged). Transaction ids are not capabilities.
//
// Thread-safety: worker thread only (see App).
#ifndef SALIX_APPS_BUILTIN_TRANSACTIONS_H
#define SALIX_APPS_BUILTIN_TRANSACTIONS_H

#include <salix/builtin_apps.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <set>
#include <span>
#include <string_view>
#include <vector>

#include "apps/app.h"

namespace salix::apps::builtin {

struct TransactionOptions {
  // Size of the private region; at least kCommitSlots commit slots,
  // kAnchorLbas anchors and kMinLogLbas log LBAs.
  uint64_t private_lbas = 8192;
};

class TransactionApp final : public App {
 public:
  static constexpr uint32_t kCommitSlots = 16;
  static constexpr uint32_t kAnchorLbas = 2;
  static constexpr uint32_t kMinLogLbas = 14;
  // Logged data an open transaction keeps in DRAM for its home copies.
  static constexpr uint64_t kRamBytes = 256 * 1024;

  explicit TransactionApp(const TransactionOptions& options = {});

  std::string_view name() const override { return SALIX_APP_TXN; }
  std::span<const FunctionInfo> functions() const override;
  Outcome Call(const struct Call& call) override;
  uint64_t private_lbas() const override { return options_.private_lbas; }

  // Replays committed transactions to 'device' (the namespace) and drops
  // the rest; forgets every open transaction.
  Status Recover(Flash& private_flash, Flash& device) override;
  // Without the namespace, committed transactions cannot be replayed: fails
  // with Internal Error when one is pending (see last_recovery_error()).
  Status Recover(Flash& private_flash) override;

  // The hook for other writers (see the header comment). Pending: a record
  // recovery could still replay names a home LBA in [lba, lba + count).
  // False while the app itself runs (its own home copies need no hook).
  bool Pending(uint64_t lba, uint64_t count) const;
  // Makes every pending record's home copies durable and retires it
  // durably; afterwards Pending() is false everywhere. 'device' is the
  // namespace, unchecked.
  Status Settle(Flash& private_flash, Flash& device);

  const std::string& last_recovery_error() const { return recovery_error_; }
  salix_txn_info info() const;

 private:
  struct Logged {
    uint32_t log;  // log LBA (relative to the region)
    uint32_t crc;  // CRC32C of the logged LBA
  };
  struct Txn {
    std::map<uint64_t, Logged> lbas;              // home LBA -> log
    std::map<uint64_t, std::vector<uint8_t>> ram;  // home LBA -> data
    bool ram_ok = true;   // ram holds every logged LBA
    bool broken = false;  // a log write failed: only abort is possible
  };
  struct Extent {
    uint64_t home;
    uint32_t log;
    uint32_t count;
  };
  // A slot's life: free -> busy (record written; home copies not yet, or
  // they failed) -> applied (home copies written, maybe only to the cache)
  // -> free (a checkpoint made the home copies durable and the anchor
  // retired the record).
  enum class SlotState : uint8_t { kFree, kBusy, kApplied };
  struct Slot {
    SlotState state = SlotState::kFree;
    uint64_t seq = 0;
    uint32_t data_check = 0;
    std::vector<Extent> extents;
    std::vector<uint32_t> logs;  // log LBAs to free with the slot
  };

  Outcome Begin();
  Outcome Write(const struct Call& call);
  Outcome Read(const struct Call& call);
  Outcome Commit(const struct Call& call);
  Outcome Abort(const struct Call& call);
  Outcome Exec(const struct Call& call);

  // Sets up the layout for this region; false (with a reason) when it is
  // too small.
  bool Layout(const Flash& private_flash, std::string* why);
  // Recovery on first use when the runtime did not call Recover.
  std::optional<Outcome> EnsureRecovered(const struct Call& call);
  static std::vector<Extent> Extents(const std::map<uint64_t, Logged>& lbas);
  // Free log LBAs for 'n' new LBAs, a contiguous run when there is one;
  // retires pending records first if the log is short. Empty: no room.
  std::vector<uint32_t> TakeLog(uint64_t n, Flash& log, Flash& home);
  // Commits a logged transaction (COMMIT and EXEC); 'seq' is set when the
  // record was written. Leaves txn as it was on failure before the record.
  // 'logged': EXEC's log writes, issued with the record; empty for
  // COMMIT, whose logged data is written again from DRAM with it.
  Status CommitLogged(uint64_t txid, Txn& txn, Flash& log, Flash& home,
                      std::span<const Flash::FuaWrite> logged, uint64_t* seq,
                      const char** what);
  // Writes the next anchor generation (FUA): records with seq < 'oldest'
  // are retired.
  Status WriteAnchor(Flash& log, uint64_t oldest);
  // One Flush (every applied record's home copies durable), then an anchor
  // retiring the applied records older than any busy one; frees their
  // slots and log LBAs. Nothing to do when no record is applied.
  Status Checkpoint(Flash& log, Flash& home);
  // Writes a transaction's home copies: from DRAM, or copied from the log.
  Status WriteHomes(const Txn& txn, const std::vector<Extent>& extents, Flash& log,
                    Flash& home);
  // Copies the extents from the log to the home LBAs.
  Status Apply(Flash& log, Flash& home, const std::vector<Extent>& extents);
  uint32_t TakeFreeSlot() const;
  bool AnyPending() const;

  TransactionOptions options_;
  bool recovered_ = false;
  bool in_call_ = false;
  uint32_t lba_size_ = 0;
  uint32_t slot_lbas_ = 0;
  uint64_t data_first_ = 0;  // first log data LBA
  uint64_t data_lbas_ = 0;
  uint64_t anchor_first_ = 0;  // the kAnchorLbas anchor LBAs (relative)

  std::map<uint64_t, Txn> txns_;
  uint64_t next_id_ = 1;
  uint64_t id_salt_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t anchor_gen_ = 0;  // the newest anchor generation on flash
  std::set<uint32_t> free_;  // log data LBAs (relative)
  std::array<Slot, kCommitSlots> slots_{};
  std::string recovery_error_;

  uint64_t commits_ = 0, aborts_ = 0, replayed_ = 0, discarded_ = 0;
};

}  // namespace salix::apps::builtin

#endif  // SALIX_APPS_BUILTIN_TRANSACTIONS_H

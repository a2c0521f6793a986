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
//   [kCommitSlots * slot_lbas, end) log data, one home LBA per log LBA
// A commit record names the transaction's extents (home LBA, log LBA,
// count), carries a check of the logged data (CRC32C over the CRC32C of
// every logged LBA, in extent order) and is protected by a CRC32C over its
// own length, so a torn record, or a record whose data did not all reach
// flash, reads as absent. Records live only in slots, which never hold
// caller data, so a caller cannot forge one through what it logs.
//
// Commit: one durable step. The record goes to a free slot next to the
// logged data (both in the write cache), then one Flush makes data and
// record durable together - the commit point; the data check is what makes
// one Flush enough (the older design flushed the data, then the record).
// The home copies are then written from the app's DRAM copy of the logged
// data (read back from the log only for transactions over kRamBytes) and
// left in the write cache; the commit completes without waiting for them.
//
// Retiring records lazily: a record stays valid until a later Flush has
// made its home copies durable. The next commit's Flush does that for the
// commit before it, so each commit zeroes that record (in the cache;
// durable at the commit after) and a slot, with its log LBAs, is reused
// once the zero is durable: a record still valid on flash never names log
// LBAs that were rewritten, so replaying it is safe. Records are zeroed
// oldest first, one per Flush, so after any cut the valid records are a
// suffix of the commits and replaying them in order never puts older data
// over a newer commit's (recovery clears records in the same order).
// Steady state: three slots in use, no Flush beyond one per commit.
//
// The catch, and the hook for it: a valid record replays its data over
// whatever is at home. If anyone else writes a home LBA of a pending
// (unretired) record and that write becomes durable, a power cut would
// replay the older transaction over it. So every other writer - host Write,
// Write Zeroes, Deallocate, Copy, and other apps' writes - asks Pending()
// first and, on an overlap, calls Settle(): Flush (home copies durable),
// zero the records, Flush (zeros durable), then the write proceeds. The HIL
// does this (hil/app_builtins.cc); a commit after such a write is a new
// record with a higher sequence number, replayed after the older one.
//
// Recovery replays every valid record whose data check holds, in sequence
// order, to the home LBAs, flushes, clears the slots and flushes again; log
// data of transactions without a valid record is dropped. Recovery may
// itself be cut and rerun: replay is idempotent. Records of the first
// format (magic "MXTX", written after a Flush of their data, so without a
// data check) are still replayed.
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
  // Size of the private region; at least kCommitSlots commit slots plus 16
  // log LBAs.
  uint64_t private_lbas = 8192;
};

class TransactionApp final : public App {
 public:
  static constexpr uint32_t kCommitSlots = 16;
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
  // they failed) -> applied (home copies in the cache at flush epoch
  // 'epoch') -> zeroed (zero in the cache at 'epoch') -> free.
  enum class SlotState : uint8_t { kFree, kBusy, kApplied, kZeroed };
  struct Slot {
    SlotState state = SlotState::kFree;
    uint64_t epoch = 0;
    uint64_t seq = 0;
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
  Status CommitLogged(uint64_t txid, Txn& txn, Flash& log, Flash& home, uint64_t* seq,
                      const char** what);
  // Flush of the namespace and the region; a new flush epoch: zeroed slots
  // whose zero it covered are free again.
  Status Sync(Flash& log, Flash& home);
  // Zeroes the oldest record if a Sync since made its home copies durable
  // (one per Sync, in sequence order).
  void Retire(Flash& log);
  // Syncs and retires until no applied record is left (or a step fails).
  Status Reclaim(Flash& log, Flash& home);
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

  std::map<uint64_t, Txn> txns_;
  uint64_t next_id_ = 1;
  uint64_t id_salt_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t epoch_ = 0;  // successful Syncs so far
  std::set<uint32_t> free_;  // log data LBAs (relative)
  std::array<Slot, kCommitSlots> slots_{};
  std::string recovery_error_;

  uint64_t commits_ = 0, aborts_ = 0, replayed_ = 0, discarded_ = 0;
};

}  // namespace salix::apps::builtin

#endif  // SALIX_APPS_BUILTIN_TRANSACTIONS_H

// transactions.h - the built-in "txn" app: atomic multi-write transactions
// with MARS semantics (Coburn et al., "From ARIES to MARS: Transaction
// Support for Next-Generation, Solid-State Drives", SOSP'13; used as an SSD
// app by Willow, OSDI'14). Wire layouts: <salix/builtin_apps.h>.
//
// A transaction logs writes of several home ranges into the app's private
// region, may read back and edit what it logged (an LBA logged twice is
// rewritten in place in the log: MARS's editable atomic writes), then
// commits or aborts. After a power cut at any point it is all or nothing.
//
// Private region layout (LBAs of the region):
//   [0, kCommitSlots * slot_lbas)   commit slots: a commit record each
//   [kCommitSlots * slot_lbas, end) log data, one home LBA per log LBA
// A commit record names the transaction's extents (home LBA, log LBA,
// count) and is protected by a CRC32C over its whole length, so a torn or
// partly lost record reads as absent.
//
// Commit, in the order that makes it atomic:
//   1. Flush: every logged LBA of the transaction is durable;
//   2. write the commit record to a free slot, Flush: the commit point;
//   3. copy the logged data to the home LBAs, Flush;
//   4. zero the slot's first LBA (not flushed: the next Flush, at the next
//      commit or recovery, makes it durable). The slot and the log LBAs are
//      reused only after that Flush, so a record still valid on flash never
//      names log LBAs that were rewritten - replaying it is always safe.
// Recovery replays every valid commit record in sequence order to the home
// LBAs, flushes, clears the slots and flushes again; log data of
// transactions without a record is dropped. Recovery may itself be cut and
// rerun: replay is idempotent.
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
  static constexpr uint32_t kCommitSlots = 4;

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

  const std::string& last_recovery_error() const { return recovery_error_; }
  salix_txn_info info() const;

 private:
  struct Txn {
    std::map<uint64_t, uint32_t> lbas;  // home LBA -> log LBA
    bool broken = false;  // a log write failed: only abort is possible
  };
  struct Extent {
    uint64_t home;
    uint32_t log;
    uint32_t count;
  };

  Outcome Begin();
  Outcome Write(const struct Call& call);
  Outcome Read(const struct Call& call);
  Outcome Commit(const struct Call& call);
  Outcome Abort(const struct Call& call);

  // Sets up the layout for this region; false (with a reason) when it is
  // too small.
  bool Layout(const Flash& private_flash, std::string* why);
  // Recovery on first use when the runtime did not call Recover.
  std::optional<Outcome> EnsureRecovered(const struct Call& call);
  static std::vector<Extent> Extents(const std::map<uint64_t, uint32_t>& lbas);
  // Flush of the private region; releases what waited for it.
  Status FlushLog(Flash& log);
  // Copies the extents from the log to the home LBAs.
  Status Apply(Flash& log, Flash& home, const std::vector<Extent>& extents);
  uint32_t TakeFreeSlot();

  TransactionOptions options_;
  bool recovered_ = false;
  uint32_t lba_size_ = 0;
  uint32_t slot_lbas_ = 0;
  uint64_t data_first_ = 0;  // first log data LBA
  uint64_t data_lbas_ = 0;

  std::map<uint64_t, Txn> txns_;
  uint64_t next_id_ = 1;
  uint64_t id_salt_ = 0;
  uint64_t next_seq_ = 1;
  std::set<uint32_t> free_;                       // log data LBAs (relative)
  std::vector<uint32_t> free_after_flush_;        // applied, slot not durable
  std::array<uint8_t, kCommitSlots> slot_state_{};  // 0 free, 1 busy, 2 zeroed
  std::string recovery_error_;

  uint64_t commits_ = 0, aborts_ = 0, replayed_ = 0, discarded_ = 0;
};

}  // namespace salix::apps::builtin

#endif  // SALIX_APPS_BUILTIN_TRANSACTIONS_H

// kv_store.h - the built-in "kv" app: a key-value store on flash with its
// own log-structured layout and segment cleaning (in the spirit of LFS,
// Rosenblum and Ousterhout, SOSP'91). Wire layouts: <salix/builtin_apps.h>.
//
// Where it lives: in an LBA range of the caller's domain that the caller
// formats and names in every call, not in a private region. Protection then
// follows the domain (Willow's model): whoever may read and write the range
// may use the store, nobody else can, and several stores coexist in one
// device with no allocation inside the firmware. The in-memory index is a
// cache per range, rebuilt from flash at the first call after a restart.
// Direct host writes into a formatted range corrupt the store (as writes
// into a file system's blocks would); the CRCs then stop the scan there.
//
// Layout of a range [first, first + count), in LBAs relative to first:
//   0, 1    superblock copies (the newer valid one counts): format
//           parameters, the store's epoch and a mount counter
//   2 ...   segments of segment_lbas LBAs: a segment header (epoch and the
//           segment's sequence number), then records back to back
// A record is a 32-byte header (sequence number, the segment's sequence
// number, key and value lengths, put or delete, CRC32C over all of it) with
// key and value, starting at an LBA boundary: a record is never rewritten,
// so a torn write can only lose the record being written.
//
// Index rebuild: every segment whose header carries the epoch is read
// record by record up to the first one that does not check; per key the
// record with the highest sequence number wins. Records of a segment's
// earlier life carry another segment sequence number and are ignored. The
// mount counter (incremented and flushed before the first write after a
// restart) is the high half of every new segment sequence number, so
// records written past a gap before a crash can never be mistaken for a
// new life's.
//
// Cleaning, when a put finds no more than two free segments: the sealed
// segment with the fewest live LBAs is copied forward (its live records
// only), the copies flushed, then the segment is free. Two segments stay in
// reserve: one to clean into, one a delete may take when nothing can be
// cleaned, so a full store still accepts deletes and never deadlocks. Deletes write tombstones; a tombstone is dropped by the
// cleaner once no older record of its key remains on flash (each index
// entry counts the key's older records still on flash).
//
// A put or delete is durable when it completes (Flush). A failed flash
// operation drops the cached index, which the next call rebuilds.
//
// Thread-safety: worker thread only (see App).
#ifndef SALIX_APPS_BUILTIN_KV_STORE_H
#define SALIX_APPS_BUILTIN_KV_STORE_H

#include <salix/builtin_apps.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include "apps/app.h"

namespace salix::apps::builtin {

class KvStore;  // one formatted range, in memory

class KvApp final : public App {
 public:
  // Ranges whose index stays cached; more are rebuilt on use.
  static constexpr size_t kMaxCachedStores = 16;

  KvApp();
  ~KvApp() override;

  std::string_view name() const override { return SALIX_APP_KV; }
  std::span<const FunctionInfo> functions() const override;
  Outcome Call(const struct Call& call) override;
  // The store state is on the caller's flash: forgets every cached index.
  Status Recover(Flash& private_flash) override;
  using App::Recover;

 private:
  Outcome Format(const struct Call& call);
  Outcome WithStore(const struct Call& call, const salix_kv_range& range);

  std::map<std::pair<uint64_t, uint64_t>, std::unique_ptr<KvStore>> stores_;
  uint64_t formats_ = 0;
};

}  // namespace salix::apps::builtin

#endif  // SALIX_APPS_BUILTIN_KV_STORE_H

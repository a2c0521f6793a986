// block_table.h - the FTL's per-block bookkeeping and its indexes.
//
// Every block is free (erased, on its die's free list), open (a write
// point is filling it), closed (full, or left partly written by a restart;
// a garbage collection candidate) or collecting (a GC job is moving its
// valid pages out; no longer a candidate). For closed blocks the table
// keeps the indexes the GC policies need, so picking a victim never scans
// the device on the hot path:
//   - buckets by valid-page count (greedy: lowest non-empty bucket, O(1)
//     amortised; an invalidation moves a block one bucket down, O(1));
//   - the order blocks were closed in (fifo: the oldest; cost-benefit walks
//     it, O(closed blocks) per victim: fine for studies, not the fast path).
// Free blocks are kept per die; with wear awareness the allocator takes the
// least-erased free block of the die (dynamic wear levelling).
//
// Memory: about 30 bytes per block, independent of pages per block.
// Thread-safety: none (the FTL is single-threaded).
#ifndef SALIX_FTL_BLOCK_TABLE_H
#define SALIX_FTL_BLOCK_TABLE_H

#include <cstdint>
#include <optional>
#include <vector>

#include "flash/geometry.h"
#include "flash/page_store.h"
#include "ftl/gc_policy.h"

namespace salix::ftl {

enum class BlockState : uint8_t { kFree, kOpen, kClosed, kCollecting };

class BlockTable {
 public:
  static constexpr uint32_t kNil = UINT32_MAX;

  // REQUIRES: store outlives the table (erase counts are read from it).
  BlockTable(const flash::PageStore& store, bool wear_aware);

  // Forgets everything: every block free with no valid pages.
  void Reset();

  BlockState state(uint64_t b) const { return blocks_[b].state; }
  uint32_t valid(uint64_t b) const { return blocks_[b].valid; }
  uint64_t free_blocks() const { return free_total_; }
  uint64_t free_blocks_on(uint32_t die) const { return free_[die].size(); }
  uint64_t closed_blocks() const { return closed_; }
  uint64_t total_blocks() const { return blocks_.size(); }

  // Takes a free block of 'die' for a write point. nullopt if none.
  std::optional<uint64_t> Allocate(uint32_t die);
  // open -> closed at page sequence number 'seq' (its age reference).
  void Close(uint64_t b, uint64_t seq);
  // A page of b was programmed / superseded. REQUIRES: b not free; for
  // Invalidate, valid(b) > 0.
  void AddValid(uint64_t b) { blocks_[b].valid++; }
  void Invalidate(uint64_t b);
  // closed -> collecting: taken out of the victim indexes.
  // REQUIRES: state(b) == kClosed.
  void BeginCollect(uint64_t b);
  // collecting -> free after its erase. REQUIRES: state(b) == kCollecting.
  void Release(uint64_t b);

  // Rebuild after recovery: BeginRestore() empties the table, then
  // Restore() is called once for every block, in block order.
  void BeginRestore();
  void Restore(uint64_t b, BlockState state, uint32_t valid, uint64_t seq);

  // The closed block the policy would collect, or nullopt if none is
  // closed. 'now_seq' is the current page sequence number (for age).
  std::optional<uint64_t> PickVictim(GcPolicy policy, uint64_t now_seq) const;

  // Bytes of RAM this table uses (for the metadata figure).
  uint64_t memory_bytes() const;

 private:
  struct Block {
    uint32_t valid = 0;
    BlockState state = BlockState::kFree;
    uint64_t close_seq = 0;
    uint32_t bucket_prev = kNil, bucket_next = kNil;  // same valid count
    uint32_t order_prev = kNil, order_next = kNil;    // close order
  };

  void BucketInsert(uint32_t b);
  void BucketRemove(uint32_t b);
  void OrderRemove(uint32_t b);
  void AddFree(uint32_t b);

  const flash::PageStore& store_;
  const flash::Geometry& g_;
  bool wear_aware_;
  std::vector<Block> blocks_;
  std::vector<std::vector<uint32_t>> free_;  // per die
  std::vector<uint32_t> bucket_head_;        // by valid count
  mutable uint32_t min_bucket_ = 0;          // no non-empty bucket below
  uint32_t order_head_ = kNil, order_tail_ = kNil;
  uint64_t free_total_ = 0;
  uint64_t closed_ = 0;
};

}  // namespace salix::ftl

#endif  // SALIX_FTL_BLOCK_TABLE_H

#include "ftl/block_table.h"

#include <algorithm>

namespace salix::ftl {

BlockTable::BlockTable(const flash::PageStore& store, bool wear_aware)
    : store_(store), g_(store.geometry()), wear_aware_(wear_aware) {
  Reset();
}

void BlockTable::Reset() {
  BeginRestore();
  for (uint64_t b = 0; b < blocks_.size(); ++b) AddFree(static_cast<uint32_t>(b));
}

void BlockTable::BeginRestore() {
  blocks_.assign(g_.total_blocks(), Block{});
  free_.assign(g_.dies(), {});
  bucket_head_.assign(g_.pages_per_block + 1, kNil);
  min_bucket_ = 0;
  order_head_ = order_tail_ = kNil;
  closed_ = 0;
  free_total_ = 0;
}

void BlockTable::AddFree(uint32_t b) {
  free_[g_.DieOfBlock(b)].push_back(b);
  free_total_++;
}

std::optional<uint64_t> BlockTable::Allocate(uint32_t die) {
  auto& list = free_[die];
  if (list.empty()) return std::nullopt;
  size_t pick = list.size() - 1;
  if (wear_aware_) {
    uint32_t best = store_.EraseCount(list[pick]);
    for (size_t i = 0; i < list.size() && best > 0; ++i) {
      uint32_t e = store_.EraseCount(list[i]);
      if (e < best) best = e, pick = i;
    }
  }
  uint32_t b = list[pick];
  list[pick] = list.back();
  list.pop_back();
  free_total_--;
  blocks_[b] = Block{};
  blocks_[b].state = BlockState::kOpen;
  return b;
}

void BlockTable::Close(uint64_t b, uint64_t seq) {
  Block& blk = blocks_[b];
  blk.state = BlockState::kClosed;
  blk.close_seq = seq;
  const uint32_t id = static_cast<uint32_t>(b);
  BucketInsert(id);
  blk.order_prev = order_tail_;
  blk.order_next = kNil;
  if (order_tail_ != kNil) blocks_[order_tail_].order_next = id;
  else order_head_ = id;
  order_tail_ = id;
  closed_++;
}

void BlockTable::Invalidate(uint64_t b) {
  Block& blk = blocks_[b];
  if (blk.state != BlockState::kClosed) {
    blk.valid--;
    return;
  }
  const uint32_t id = static_cast<uint32_t>(b);
  BucketRemove(id);
  blk.valid--;
  BucketInsert(id);
}

void BlockTable::BeginCollect(uint64_t b) {
  const uint32_t id = static_cast<uint32_t>(b);
  BucketRemove(id);
  OrderRemove(id);
  closed_--;
  blocks_[b].state = BlockState::kCollecting;
}

void BlockTable::Release(uint64_t b) {
  blocks_[b] = Block{};
  AddFree(static_cast<uint32_t>(b));
}

void BlockTable::Restore(uint64_t b, BlockState state, uint32_t valid,
                         uint64_t seq) {
  blocks_[b] = Block{};
  if (state == BlockState::kFree) {
    AddFree(static_cast<uint32_t>(b));
    return;
  }
  blocks_[b].valid = valid;
  blocks_[b].state = BlockState::kOpen;
  if (state == BlockState::kClosed) Close(b, seq);
}

void BlockTable::BucketInsert(uint32_t b) {
  Block& blk = blocks_[b];
  uint32_t& head = bucket_head_[blk.valid];
  blk.bucket_prev = kNil;
  blk.bucket_next = head;
  if (head != kNil) blocks_[head].bucket_prev = b;
  head = b;
  min_bucket_ = std::min(min_bucket_, blk.valid);
}

void BlockTable::BucketRemove(uint32_t b) {
  Block& blk = blocks_[b];
  if (blk.bucket_prev != kNil) blocks_[blk.bucket_prev].bucket_next = blk.bucket_next;
  else bucket_head_[blk.valid] = blk.bucket_next;
  if (blk.bucket_next != kNil) blocks_[blk.bucket_next].bucket_prev = blk.bucket_prev;
  blk.bucket_prev = blk.bucket_next = kNil;
}

void BlockTable::OrderRemove(uint32_t b) {
  Block& blk = blocks_[b];
  if (blk.order_prev != kNil) blocks_[blk.order_prev].order_next = blk.order_next;
  else order_head_ = blk.order_next;
  if (blk.order_next != kNil) blocks_[blk.order_next].order_prev = blk.order_prev;
  else order_tail_ = blk.order_prev;
  blk.order_prev = blk.order_next = kNil;
}

std::optional<uint64_t> BlockTable::PickVictim(GcPolicy policy,
                                               uint64_t now_seq) const {
  if (closed_ == 0) return std::nullopt;
  switch (policy) {
    case GcPolicy::kGreedy:
      while (min_bucket_ < bucket_head_.size() &&
             bucket_head_[min_bucket_] == kNil) {
        min_bucket_++;
      }
      if (min_bucket_ == bucket_head_.size()) return std::nullopt;
      return bucket_head_[min_bucket_];
    case GcPolicy::kFifo:
      return order_head_;
    case GcPolicy::kCostBenefit: {
      const double ppb = g_.pages_per_block;
      uint32_t best = kNil;
      double best_score = -1;
      for (uint32_t b = order_head_; b != kNil; b = blocks_[b].order_next) {
        const Block& blk = blocks_[b];
        if (blk.valid == 0) return b;  // free to reclaim: nothing beats it
        const double u = blk.valid / ppb;
        const double age = static_cast<double>(now_seq - blk.close_seq) + 1;
        const double score = (1 - u) / (2 * u) * age;
        if (score > best_score) best_score = score, best = b;
      }
      return best;
    }
  }
  return std::nullopt;
}

uint64_t BlockTable::memory_bytes() const {
  uint64_t free_lists = 0;
  for (const auto& l : free_) free_lists += l.capacity() * sizeof(uint32_t);
  return blocks_.size() * sizeof(Block) + free_lists +
         bucket_head_.size() * sizeof(uint32_t);
}

}  // namespace salix::ftl

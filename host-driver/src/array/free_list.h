// free_list.h - a set of free ids handed out in address order (internal).
//
// The engine's free stripes and each member's free transient groups. Ids
// are handed out next-fit: the lowest free id at or after a cursor that
// only moves forward (wrapping at the end). Consecutive allocations thus
// get consecutive ids whenever such are free, which is what lets the
// coalescer (coalescer.h) send the chunks of consecutive stripes, and the
// backups in consecutive groups, as one command per member. A LIFO or FIFO
// list, as before, scatters them once array GC has returned ids out of
// order.
//
// A bitmap: Take is a scan for the next set bit, Put and Contains O(1).
//
// Thread-safety: none.
#ifndef SALIX_HOST_ARRAY_FREE_LIST_H
#define SALIX_HOST_ARRAY_FREE_LIST_H

#include <bit>
#include <cstdint>
#include <vector>

namespace salix::host::array {

class FreeList {
 public:
  static constexpr uint64_t kNone = ~uint64_t{0};

  // An empty list of ids [0, capacity).
  explicit FreeList(uint64_t capacity = 0) { Reset(capacity); }

  void Reset(uint64_t capacity) {
    capacity_ = capacity;
    words_.assign((capacity + 63) / 64, 0);
    count_ = 0;
    cursor_ = 0;
  }
  // Every id free.
  void Fill() {
    for (uint64_t id = 0; id < capacity_; id++) Put(id);
  }
  uint64_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  uint64_t capacity() const { return capacity_; }
  bool Contains(uint64_t id) const {
    return (words_[id / 64] >> (id % 64)) & 1;
  }

  // Frees id; ids out of range or already free are ignored.
  void Put(uint64_t id) {
    if (id >= capacity_ || Contains(id)) return;
    words_[id / 64] |= uint64_t{1} << (id % 64);
    count_++;
  }
  // The lowest free id at or after the cursor (wrapping), or kNone; the
  // cursor moves past it.
  uint64_t Take() {
    uint64_t id = Next(cursor_);
    if (id == kNone) id = Next(0);
    if (id == kNone) return kNone;
    words_[id / 64] &= ~(uint64_t{1} << (id % 64));
    count_--;
    cursor_ = id + 1 < capacity_ ? id + 1 : 0;
    return id;
  }
  // Moves the cursor (the next Take starts looking at id).
  void Seek(uint64_t id) { cursor_ = id < capacity_ ? id : 0; }

  // count consecutive free ids, next-fit like Take: the first a multiple of
  // align, none crossing a multiple of within (0: no such limit; when set,
  // a multiple of align). Returns the first, the cursor moves past the
  // last; kNone when no such run turns up among the first max_tries
  // candidates (a fragmented list is not searched through).
  uint64_t TakeRun(uint64_t count, uint64_t align, uint64_t within,
                   unsigned max_tries = 64) {
    if (count == 0 || count > count_) return kNone;
    uint64_t from = cursor_;
    bool wrapped = false;
    for (unsigned t = 0; t < max_tries; t++) {
      uint64_t id = Next(from);
      uint64_t first = id == kNone ? kNone : (id + align - 1) / align * align;
      if (first != kNone && within != 0 && first / within != (first + count - 1) / within) {
        first = (first / within + 1) * within;
      }
      if (first == kNone || first + count > capacity_) {
        if (wrapped) return kNone;
        wrapped = true;
        from = 0;
        continue;
      }
      uint64_t taken = first;
      while (taken < first + count && Contains(taken)) taken++;
      if (taken == first + count) {
        for (uint64_t x = first; x < first + count; x++) {
          words_[x / 64] &= ~(uint64_t{1} << (x % 64));
        }
        count_ -= count;
        cursor_ = first + count < capacity_ ? first + count : 0;
        return first;
      }
      from = taken + 1;
    }
    return kNone;
  }

 private:
  uint64_t Next(uint64_t from) const {
    if (from >= capacity_) return kNone;
    uint64_t w = from / 64;
    uint64_t bits = words_[w] & (~uint64_t{0} << (from % 64));
    while (true) {
      if (bits != 0) {
        uint64_t id = w * 64 + static_cast<uint64_t>(std::countr_zero(bits));
        return id < capacity_ ? id : kNone;
      }
      if (++w == words_.size()) return kNone;
      bits = words_[w];
    }
  }

  uint64_t capacity_ = 0;
  std::vector<uint64_t> words_;
  uint64_t count_ = 0;
  uint64_t cursor_ = 0;
};

}  // namespace salix::host::array

#endif  // SALIX_HOST_ARRAY_FREE_LIST_H

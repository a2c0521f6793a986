// pool.h - a free list of reusable records with stable addresses (internal).
//
// The engine keeps a record per command and per request in flight; taking
// them from a pool instead of new/delete keeps the hot path free of the
// allocator. Records are never returned to the heap while the pool lives
// (the pool only grows to the most ever in flight at once).
//
// Thread-safety: none.
#ifndef SALIX_HOST_ARRAY_POOL_H
#define SALIX_HOST_ARRAY_POOL_H

#include <deque>
#include <vector>

namespace salix::host::array {

template <typename T>
class Pool {
 public:
  // A record as left by its last Put (or value-initialized when new): the
  // caller sets every field it uses.
  T* Get() {
    if (free_.empty()) {
      items_.emplace_back();  // deque: earlier records do not move
      return &items_.back();
    }
    T* p = free_.back();
    free_.pop_back();
    return p;
  }
  // REQUIRES: p came from Get() of this pool and is not in use.
  void Put(T* p) { free_.push_back(p); }
  size_t in_use() const { return items_.size() - free_.size(); }

 private:
  std::deque<T> items_;
  std::vector<T*> free_;
};

}  // namespace salix::host::array

#endif  // SALIX_HOST_ARRAY_POOL_H

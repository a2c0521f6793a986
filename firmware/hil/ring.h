// ring.h - a FIFO over a vector that grows but never shrinks, so steady-state
// pushes and pops do not allocate.
//
// Thread-safety: not synchronized.
#ifndef SALIX_HIL_RING_H
#define SALIX_HIL_RING_H

#include <cstddef>
#include <vector>

namespace salix {

template <typename T>
class Ring {
 public:
  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }

  void push(const T& v) {
    if (count_ == buf_.size()) Grow();
    buf_[(head_ + count_) % buf_.size()] = v;
    count_++;
  }
  // REQUIRES: !empty().
  T& front() { return buf_[head_]; }
  void pop() {
    head_ = (head_ + 1) % buf_.size();
    count_--;
  }
  void clear() {
    head_ = 0;
    count_ = 0;
  }
  // Visits queued elements oldest first; keeps those pred returns true for.
  template <typename Pred>
  void retain(Pred pred) {
    size_t n = count_;
    for (size_t i = 0; i < n; i++) {
      T v = front();
      pop();
      if (pred(v)) push(v);
    }
  }

 private:
  void Grow() {
    std::vector<T> next(buf_.empty() ? 16 : buf_.size() * 2);
    for (size_t i = 0; i < count_; i++) next[i] = buf_[(head_ + i) % buf_.size()];
    buf_.swap(next);
    head_ = 0;
  }

  std::vector<T> buf_;
  size_t head_ = 0;
  size_t count_ = 0;
};

}  // namespace salix

#endif  // SALIX_HIL_RING_H

// inline_fn.h - a move-only callable with inline storage (internal).
//
// The array engine's continuations (what runs when a device command or a
// read completes) are small lambdas: a few pointers and indices. Kept in a
// std::function, each of them costs a heap allocation once its captures
// pass 16 bytes, and the engine makes several per user write. InlineFn
// keeps captures of up to N bytes inside the object and falls back to the
// heap only for larger ones (cold paths: reconstruction, rebuild). Being
// move-only, it can also hold captures that cannot be copied.
//
// Thread-safety: none (a value type).
#ifndef SALIX_HOST_ARRAY_INLINE_FN_H
#define SALIX_HOST_ARRAY_INLINE_FN_H

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace salix::host::array {

template <typename Sig, size_t N = 96>
class InlineFn;

template <typename R, typename... A, size_t N>
class InlineFn<R(A...), N> {
 public:
  InlineFn() = default;
  template <typename F,
            typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, InlineFn>>>
  InlineFn(F&& f) {  // NOLINT: implicit, like std::function
    using D = std::decay_t<F>;
    if constexpr (kFits<D>) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      ops_ = &kInline<D>;
    } else {
      *reinterpret_cast<D**>(buf_) = new D(std::forward<F>(f));
      ops_ = &kHeap<D>;
    }
  }
  InlineFn(InlineFn&& o) noexcept { Take(o); }
  InlineFn& operator=(InlineFn&& o) noexcept {
    if (this != &o) {
      reset();
      Take(o);
    }
    return *this;
  }
  InlineFn(const InlineFn&) = delete;
  InlineFn& operator=(const InlineFn&) = delete;
  ~InlineFn() { reset(); }

  void reset() {
    if (ops_ != nullptr) {
      if (ops_->destroy != nullptr) ops_->destroy(buf_);
      ops_ = nullptr;
    }
  }
  explicit operator bool() const { return ops_ != nullptr; }
  // REQUIRES: not empty.
  // Const like std::function's: the callable itself may change its state.
  R operator()(A... a) const { return ops_->call(buf_, std::forward<A>(a)...); }

 private:
  // For a trivially copyable callable destroy is null, and for one of up to
  // kCopyBytes (the hot continuations capture two pointers) move is too:
  // moving it copies kCopyBytes of storage, without an indirect call. A
  // continuation is moved three or four times between Issue and its
  // completion (stage, batch, I/O slot).
  struct Ops {
    R (*call)(void* self, A&&... a);
    void (*move)(void* from, void* to);  // move-constructs at 'to', destroys 'from'
    void (*destroy)(void* self);
  };
  template <typename D>
  static constexpr bool kFits = sizeof(D) <= N &&
                                alignof(D) <= alignof(std::max_align_t) &&
                                std::is_nothrow_move_constructible_v<D>;
  static constexpr size_t kCopyBytes = 32 < N ? 32 : N;
  template <typename D>
  static constexpr bool kTrivial =
      std::is_trivially_copyable_v<D> && std::is_trivially_destructible_v<D>;
  template <typename D>
  static constexpr bool kCopied = kTrivial<D> && sizeof(D) <= kCopyBytes;
  template <typename D>
  static constexpr Ops kInline = {
      [](void* self, A&&... a) -> R {
        return (*static_cast<D*>(self))(std::forward<A>(a)...);
      },
      kCopied<D> ? nullptr
                 : +[](void* from, void* to) {
                      ::new (to) D(std::move(*static_cast<D*>(from)));
                      static_cast<D*>(from)->~D();
                    },
      kTrivial<D> ? nullptr : +[](void* self) { static_cast<D*>(self)->~D(); },
  };
  template <typename D>
  static constexpr Ops kHeap = {
      [](void* self, A&&... a) -> R {
        return (**static_cast<D**>(self))(std::forward<A>(a)...);
      },
      [](void* from, void* to) { *static_cast<D**>(to) = *static_cast<D**>(from); },
      [](void* self) { delete *static_cast<D**>(self); },
  };

  void Take(InlineFn& o) {
    if (o.ops_ == nullptr) return;
    if (o.ops_->move != nullptr) {
      o.ops_->move(o.buf_, buf_);
    } else {
      std::memcpy(buf_, o.buf_, kCopyBytes);
    }
    ops_ = o.ops_;
    o.ops_ = nullptr;
  }

  alignas(std::max_align_t) mutable unsigned char buf_[N];
  const Ops* ops_ = nullptr;
};

}  // namespace salix::host::array

#endif  // SALIX_HOST_ARRAY_INLINE_FN_H

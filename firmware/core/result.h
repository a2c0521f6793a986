// result.h - a value or an error, for every fallible boundary.
//
// Result<T> carries an NVMe Status on failure; Result<T, std::string> is used
// for configuration, where the error is a message for a human. Construct the
// error side with Err(e) so T and E may be convertible to each other.
#ifndef SALIX_CORE_RESULT_H
#define SALIX_CORE_RESULT_H

#include <utility>
#include <variant>

#include "core/status.h"

namespace salix {

template <typename E>
struct ErrorValue {
  E error;
};

template <typename E>
ErrorValue<std::decay_t<E>> Err(E&& e) {
  return {std::forward<E>(e)};
}

template <typename T, typename E = Status>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  template <typename F>
  Result(ErrorValue<F> e) : v_(std::in_place_index<1>, std::move(e.error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }

  // REQUIRES: !ok().
  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace salix

#endif  // SALIX_CORE_RESULT_H

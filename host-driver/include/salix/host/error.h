// error.h - errors as values for the host driver's public API.
#ifndef SALIX_HOST_ERROR_H
#define SALIX_HOST_ERROR_H

#include <string>
#include <utility>
#include <variant>

namespace salix::host {

struct Error {
  std::string message;  // says what failed and, where known, on which device
};

// A value or an Error. Deliberately tiny: the host driver needs no more.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  // REQUIRES: ok()
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  // REQUIRES: !ok()
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace salix::host

#endif  // SALIX_HOST_ERROR_H

// log.h - where guest mistakes and notable events go.
//
// A Logger is a function pointer plus opaque, owned by one controller. The
// message is formatted only when a sink is installed, and only on error
// paths, so it costs nothing on the hot path.
//
// Thread-safety: Set() must not race with logging calls (the C ABI documents
// salix_ctrl_set_log as a set-up call); logging itself is reentrant.
#ifndef SALIX_CORE_LOG_H
#define SALIX_CORE_LOG_H

#include <fmt/format.h>

#include <string>
#include <utility>

namespace salix {

enum class LogLevel { kGuestError = 1, kInfo = 2 };

class Logger {
 public:
  using Sink = void (*)(void* opaque, int level, const char* message);

  void Set(Sink sink, void* opaque) {
    sink_ = sink;
    opaque_ = opaque;
  }

  template <typename... Args>
  void GuestError(fmt::format_string<Args...> f, Args&&... args) const {
    Emit(LogLevel::kGuestError, f, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void Info(fmt::format_string<Args...> f, Args&&... args) const {
    Emit(LogLevel::kInfo, f, std::forward<Args>(args)...);
  }

 private:
  template <typename... Args>
  void Emit(LogLevel level, fmt::format_string<Args...> f, Args&&... args) const {
    if (sink_ == nullptr) return;
    std::string msg = fmt::format(f, std::forward<Args>(args)...);
    sink_(opaque_, static_cast<int>(level), msg.c_str());
  }

  Sink sink_ = nullptr;
  void* opaque_ = nullptr;
};

}  // namespace salix

#endif  // SALIX_CORE_LOG_H

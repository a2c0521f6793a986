// append.h - the built-in "append" app: an append log over an LBA range of
// the caller's domain; the device chooses where data goes (the next free
// LBAs) and returns the location (Willow's append, OSDI'14). Wire layouts:
// <salix/builtin_apps.h>.
//
// Layout of a range [first, first + count): LBAs first and first + 1 hold
// two copies of the log state (tail, append count, a CRC32C; the valid copy
// with the higher generation counts), data goes to [first + 2, ...) as the
// caller sent it, so plain reads at the returned LBA see it.
// An append writes its data, flushes, writes the new state to the older
// copy and flushes: when it completes it is durable; a power cut before
// that leaves the old tail (the data written past it is free space again).
// Like the key-value store, the state is cached per range and re-read at
// the first call after a restart.
//
// Thread-safety: worker thread only (see App).
#ifndef SALIX_APPS_BUILTIN_APPEND_H
#define SALIX_APPS_BUILTIN_APPEND_H

#include <salix/builtin_apps.h>

#include <cstdint>
#include <map>
#include <span>
#include <string_view>
#include <utility>

#include "apps/app.h"

namespace salix::apps::builtin {

class AppendApp final : public App {
 public:
  std::string_view name() const override { return SALIX_APP_APPEND; }
  std::span<const FunctionInfo> functions() const override;
  Outcome Call(const struct Call& call) override;
  Status Recover(Flash& /*private_flash*/) override {
    logs_.clear();
    return Status();
  }
  using App::Recover;

 private:
  struct State {
    uint64_t gen = 0;
    uint64_t tail = 0;  // relative to the data area
    uint64_t appends = 0;
  };
  std::map<std::pair<uint64_t, uint64_t>, State> logs_;
};

}  // namespace salix::apps::builtin

#endif  // SALIX_APPS_BUILTIN_APPEND_H

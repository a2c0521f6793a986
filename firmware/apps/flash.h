// flash.h - the namespace as an SSD app sees it: LBAs it can read, write,
// flush and deallocate, and the device time those operations take.
//
// Three implementations (issue 5):
//  - the runtime's view of the controller's namespace (personality), which
//    books modelled flash time: every operation advances now_ns() to the
//    operation's due time, so an invocation completes when its last flash
//    access does;
//  - CheckedFlash (to come with the registry): wraps another Flash and
//    refuses, before any I/O, every access the caller's Domain does not
//    grant (Status::AccessDenied-like status, no partial effect);
//  - in-memory LBA spaces in tests, including ones that lose unflushed
//    writes on a simulated power cut.
//
// Durability: a Write is durable once Flush() returns (or when the
// namespace has no volatile write cache); a WriteFua (NVMe Force Unit
// Access) is durable when it returns OK, and waits only for its own LBAs,
// where a Flush waits for everything any writer left in the cache. Apps
// that promise atomicity (transactions) order their writes with these.
//
// Thread-safety: one invocation uses a Flash from one thread (the
// controller's worker thread in the device).
#ifndef SALIX_APPS_FLASH_H
#define SALIX_APPS_FLASH_H

#include <cstdint>
#include <span>

#include "core/status.h"

namespace salix::apps {

class Flash {
 public:
  virtual ~Flash() = default;

  virtual uint32_t lba_size() const = 0;
  virtual uint64_t lba_count() const = 0;

  // REQUIRES: count >= 1, dst.size() == count * lba_size(). A range beyond
  // lba_count() returns Status::LbaOutOfRange() and touches nothing.
  virtual Status Read(uint64_t lba, uint32_t count, std::span<uint8_t> dst) = 0;
  // REQUIRES: as Read, src.size() == count * lba_size().
  virtual Status Write(uint64_t lba, uint32_t count,
                       std::span<const uint8_t> src) = 0;
  // As Write, and durable when it returns OK (on an error: as a Write cut
  // off at any point). The default, for Flashes without FUA, is a Write
  // then a Flush: as durable, but it waits for the whole cache.
  virtual Status WriteFua(uint64_t lba, uint32_t count, std::span<const uint8_t> src) {
    Status s = Write(lba, count, src);
    return s.ok() ? Flush() : s;
  }
  // Independent FUA writes issued together (no order among them): all
  // durable when it returns OK; a cut may leave any subset. A device books
  // them side by side; the default issues them one after another.
  struct FuaWrite {
    uint64_t lba;
    uint32_t count;
    std::span<const uint8_t> src;
  };
  virtual Status WriteFuaTogether(std::span<const FuaWrite> writes) {
    for (const FuaWrite& w : writes) {
      if (Status s = WriteFua(w.lba, w.count, w.src); !s.ok()) return s;
    }
    return Status();
  }
  virtual Status Deallocate(uint64_t lba, uint32_t count) = 0;
  virtual Status Flush() = 0;

  // Device clock (ns) after the operations so far: the time the invocation
  // may complete. Functional implementations return a constant.
  virtual uint64_t now_ns() const = 0;
};

}  // namespace salix::apps

#endif  // SALIX_APPS_FLASH_H

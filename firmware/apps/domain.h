// domain.h - a protection domain: the LBA ranges an app invocation may touch.
//
// Willow's model: every flash access an app makes is checked against the
// domain of the process that invoked it. A domain is a set of disjoint LBA
// ranges, each with read and/or write rights. An access is allowed only if
// every LBA in it lies in ranges granting the right; the check is done
// before any I/O, so a refused access has no partial effect.
//
// Installing domains (an admin command) and the tokens invocations carry
// come later; this class is the check itself.
//
// Thread-safety: none for Add(); Allows() is const and may run concurrently
// with other Allows() calls.
#ifndef SALIX_APPS_DOMAIN_H
#define SALIX_APPS_DOMAIN_H

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace salix::apps {

enum Rights : uint8_t {
  kRightRead = 1,
  kRightWrite = 2,
  kRightReadWrite = kRightRead | kRightWrite,
};

struct LbaRange {
  uint64_t first = 0;
  uint64_t count = 0;
  uint8_t rights = 0;
};

class Domain {
 public:
  Domain() = default;

  // Adds a range. Errors (a message naming the range): empty, wrapping past
  // 2^64, no rights or unknown right bits, overlapping a range already in
  // the domain.
  std::optional<std::string> Add(const LbaRange& range);

  // True if every LBA of [lba, lba + count) is granted 'right' (one of
  // kRightRead, kRightWrite). count == 0 or a wrapping range: false.
  bool Allows(uint64_t lba, uint64_t count, Rights right) const;

  // Sorted by first LBA, disjoint.
  std::span<const LbaRange> ranges() const { return ranges_; }

 private:
  std::vector<LbaRange> ranges_;
};

}  // namespace salix::apps

#endif  // SALIX_APPS_DOMAIN_H

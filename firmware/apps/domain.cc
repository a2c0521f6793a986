#include "apps/domain.h"

#include <fmt/format.h>

#include <algorithm>

namespace salix::apps {

std::optional<std::string> Domain::Add(const LbaRange& r) {
  const std::string name = fmt::format("LBA range [{}, +{})", r.first, r.count);
  if (r.count == 0) return name + ": empty";
  if (r.first + r.count < r.first) return name + ": wraps past the last LBA";
  if (r.rights == 0) return name + ": grants no rights";
  if ((r.rights & ~kRightReadWrite) != 0) {
    return fmt::format("{}: unknown right bits 0x{:x}", name, r.rights);
  }
  auto at = std::lower_bound(ranges_.begin(), ranges_.end(), r.first,
                             [](const LbaRange& a, uint64_t lba) { return a.first < lba; });
  if (at != ranges_.end() && at->first < r.first + r.count) {
    return fmt::format("{}: overlaps [{}, +{})", name, at->first, at->count);
  }
  if (at != ranges_.begin()) {
    const LbaRange& prev = *(at - 1);
    if (prev.first + prev.count > r.first) {
      return fmt::format("{}: overlaps [{}, +{})", name, prev.first, prev.count);
    }
  }
  ranges_.insert(at, r);
  return std::nullopt;
}

bool Domain::Allows(uint64_t lba, uint64_t count, Rights right) const {
  if (count == 0 || lba + count < lba) return false;
  const uint64_t end = lba + count;
  // The last range starting at or before 'lba'.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), lba,
                             [](uint64_t l, const LbaRange& a) { return l < a.first; });
  if (it == ranges_.begin()) return false;
  --it;
  uint64_t covered = lba;
  while (covered < end) {
    if (it == ranges_.end() || it->first > covered) return false;  // a gap
    const uint64_t range_end = it->first + it->count;
    if (range_end <= covered) return false;  // ends before 'covered': a gap
    if ((it->rights & right) == 0) return false;
    covered = range_end;
    ++it;
  }
  return true;
}

}  // namespace salix::apps

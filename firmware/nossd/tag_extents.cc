#include "nossd/tag_extents.h"

namespace salix {

void TagExtents::Erase(uint64_t first, uint64_t end) {
  if (runs_.empty() || first >= end) return;
  auto it = runs_.lower_bound(first);
  if (it != runs_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > first) {
      // A run that starts before 'first' and reaches into the range: keep
      // its head, and its tail if it also reaches past the range.
      if (prev->second.end > end) {
        runs_.emplace(end, Run{prev->second.end, prev->second.tag,
                               prev->second.seq});
      }
      prev->second.end = first;
    }
  }
  while (it != runs_.end() && it->first < end) {
    if (it->second.end > end) {
      Run tail = it->second;
      runs_.erase(it);
      runs_.emplace(end, tail);
      break;
    }
    it = runs_.erase(it);
  }
}

void TagExtents::Set(uint64_t first, uint64_t end, const HostTag& tag,
                     uint64_t seq) {
  Erase(first, end);
  runs_.emplace(first, Run{end, tag, seq});
}

std::optional<std::pair<uint64_t, TagExtents::Run>> TagExtents::Find(
    uint64_t lba) const {
  auto it = runs_.upper_bound(lba);
  if (it == runs_.begin()) return std::nullopt;
  --it;
  if (lba >= it->second.end) return std::nullopt;
  return std::pair{it->first, it->second};
}

}  // namespace salix

#include "nossd/tag_extents.h"

#include <algorithm>

namespace salix {

void TagExtents::Erase(uint64_t first, uint64_t end) {
  const uint64_t last_page = std::min<uint64_t>(
      pages_.size(), (end + kPageBlocks - 1) / kPageBlocks);
  for (uint64_t p = first / kPageBlocks; p < last_page && first < end; p++) {
    const uint64_t page_first = p * kPageBlocks;
    const uint64_t from = std::max(first, page_first) - page_first;
    const uint64_t to = std::min(end, page_first + kPageBlocks) - page_first;
    Page* page = pages_[p].get();
    if (page == nullptr) continue;
    if (from == 0 && to == kPageBlocks) {
      pages_[p].reset();
      continue;
    }
    for (uint64_t i = from; i < to; i++) {
      if (page->entries[i].seq == 0) continue;
      page->entries[i] = Entry{};
      page->tagged--;
    }
    if (page->tagged == 0) pages_[p].reset();
  }
}

void TagExtents::Set(uint64_t first, uint64_t end, const HostTag& tag,
                     uint64_t seq) {
  if (first >= end) return;
  const uint64_t need = (end + kPageBlocks - 1) / kPageBlocks;
  if (pages_.size() < need) pages_.resize(need);
  for (uint64_t b = first; b < end;) {
    const uint64_t p = b / kPageBlocks;
    if (!pages_[p]) pages_[p] = std::make_unique<Page>();
    Page* page = pages_[p].get();
    const uint64_t stop = std::min(end, (p + 1) * kPageBlocks);
    for (; b < stop; b++) {
      Entry& e = page->entries[b - p * kPageBlocks];
      if (e.seq == 0) page->tagged++;
      e = Entry{tag, seq};
    }
  }
}

std::optional<TagExtents::Entry> TagExtents::Find(uint64_t lba) const {
  const uint64_t p = lba / kPageBlocks;
  if (p >= pages_.size() || !pages_[p]) return std::nullopt;
  const Entry& e = pages_[p]->entries[lba - p * kPageBlocks];
  if (e.seq == 0) return std::nullopt;
  return e;
}

}  // namespace salix

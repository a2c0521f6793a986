// tag_extents.h - host tags of a direct-mapped namespace: a lazily
// allocated, paged table with one entry per block.
//
// Why this shape: nossd has no per-block metadata to put a tag in, and most
// of its users never tag a write. Pages of kPageBlocks entries are
// allocated on the first tagged write into them, so an untagged namespace
// costs one pointer per page and a tagged one 24 bytes per tagged block
// (0.6% of 4 KiB blocks). Every operation is O(blocks touched), with no
// allocation after a page exists. (An earlier interval map paid O(log n)
// node hops and an allocation per write: a tenth of all CPU time under the
// array engine's small tagged writes.) Erasing a whole page frees it.
//
// Thread-safety: none (the personality's worker thread).
#ifndef SALIX_NOSSD_TAG_EXTENTS_H
#define SALIX_NOSSD_TAG_EXTENTS_H

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/personality.h"

namespace salix {

class TagExtents {
 public:
  struct Entry {
    HostTag tag;
    uint64_t seq;  // 0: untagged (Set is given seq >= 1)
  };
  static constexpr uint64_t kPageBlocks = 4096;

  // Forgets the tags of [first, end).
  void Erase(uint64_t first, uint64_t end);
  // [first, end) now carries 'tag' with sequence number 'seq'. REQUIRES:
  // seq >= 1.
  void Set(uint64_t first, uint64_t end, const HostTag& tag, uint64_t seq);
  // The tag of 'lba', if it has one.
  std::optional<Entry> Find(uint64_t lba) const;
  void Clear() { pages_.clear(); }

 private:
  struct Page {
    Entry entries[kPageBlocks];
    uint64_t tagged = 0;  // entries with seq != 0
  };
  std::vector<std::unique_ptr<Page>> pages_;  // by lba / kPageBlocks
};

}  // namespace salix

#endif  // SALIX_NOSSD_TAG_EXTENTS_H

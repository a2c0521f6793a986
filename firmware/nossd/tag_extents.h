// tag_extents.h - host tags of a direct-mapped namespace, as a sparse
// interval map: one entry per run of blocks one tagged command wrote.
//
// Why this shape: nossd has no per-block metadata to put a tag in, and most
// of its users never tag a write. An empty map costs one branch per write;
// a tagged write costs one O(log n) insert (plus splitting the runs it
// overlaps), whatever its length, and the map holds at most one entry per
// tagged block. Untagged writes, Write Zeroes and Deallocate only remove
// what they overlap.
//
// Thread-safety: none (the personality's worker thread).
#ifndef SALIX_NOSSD_TAG_EXTENTS_H
#define SALIX_NOSSD_TAG_EXTENTS_H

#include <cstdint>
#include <map>
#include <optional>

#include "core/personality.h"

namespace salix {

class TagExtents {
 public:
  struct Run {
    uint64_t end;  // exclusive
    HostTag tag;
    uint64_t seq;
  };

  // Forgets the tags of [first, end).
  void Erase(uint64_t first, uint64_t end);
  // [first, end) now carries 'tag' with sequence number 'seq'.
  void Set(uint64_t first, uint64_t end, const HostTag& tag, uint64_t seq);
  // The run holding 'lba', if any: (start, run).
  std::optional<std::pair<uint64_t, Run>> Find(uint64_t lba) const;
  void Clear() { runs_.clear(); }
  size_t runs() const { return runs_.size(); }

 private:
  std::map<uint64_t, Run> runs_;  // keyed by first block
};

}  // namespace salix

#endif  // SALIX_NOSSD_TAG_EXTENTS_H

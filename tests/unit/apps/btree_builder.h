// btree_builder.h - lays an on-flash B+-tree (firmware/apps/examples/btree.h)
// out in LBAs, for the lookup example's tests and benchmark.
#ifndef SALIX_TESTS_UNIT_APPS_BTREE_BUILDER_H
#define SALIX_TESTS_UNIT_APPS_BTREE_BUILDER_H

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "apps/examples/btree.h"
#include "memory_env.h"

namespace salix::apps::ebpf::test {

struct BuiltTree {
  uint64_t root_lba = 0;
  uint64_t nodes = 0;
  int depth = 0;  // levels, 1 = a single leaf
};

// Writes the tree of 'sorted' (keys strictly ascending, non-empty) bottom up
// into LBAs first_lba, first_lba + 1, ...; at most 'fanout' entries per node
// (0: as many as an LBA holds). REQUIRES: the LBAs fit in env.
inline BuiltTree BuildBtree(MemoryEnv& env, uint64_t first_lba,
                            const std::vector<std::pair<uint64_t, uint64_t>>& sorted,
                            uint32_t fanout = 0) {
  const uint32_t capacity = SALIX_BTREE_CAPACITY(env.lba_size());
  if (fanout == 0 || fanout > capacity) fanout = capacity;
  BuiltTree t;
  uint64_t next = first_lba;
  std::vector<std::pair<uint64_t, uint64_t>> level = sorted;  // (first key, value or LBA)
  for (uint16_t height = 0;; ++height) {
    std::vector<std::pair<uint64_t, uint64_t>> parents;
    for (size_t at = 0; at < level.size(); at += fanout) {
      const size_t n = std::min<size_t>(fanout, level.size() - at);
      uint8_t* node = env.Lba(next);
      std::memset(node, 0, env.lba_size());
      btree_node_header h{SALIX_BTREE_MAGIC, height, static_cast<uint16_t>(n), 0};
      std::memcpy(node, &h, sizeof(h));
      for (size_t k = 0; k < n; ++k) {
        btree_entry e{level[at + k].first, level[at + k].second};
        std::memcpy(node + SALIX_BTREE_HEADER_SIZE + k * sizeof(e), &e, sizeof(e));
      }
      parents.push_back({level[at].first, next});
      ++next;
      ++t.nodes;
    }
    t.depth = height + 1;
    if (parents.size() == 1) {
      t.root_lba = parents[0].second;
      return t;
    }
    level = std::move(parents);
  }
}

}  // namespace salix::apps::ebpf::test

#endif  // SALIX_TESTS_UNIT_APPS_BTREE_BUILDER_H

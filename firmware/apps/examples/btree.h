/* btree.h - the on-flash B+-tree of the lookup example app (shared by the
 * eBPF C program and the C++ tree builder of the tests).
 *
 * One node per LBA, little-endian:
 *   offset 0   uint32 magic (SALIX_BTREE_MAGIC)
 *   offset 4   uint16 level (0: leaf)
 *   offset 6   uint16 count (entries, 1 .. SALIX_BTREE_CAPACITY(lba_size))
 *   offset 8   uint64 reserved (0)
 *   offset 16  count entries { uint64 key; uint64 value; }, keys ascending
 * In a leaf, value is the record's value. In an inner node, entry i covers
 * the keys from key i up to (not including) key i + 1, and value is the LBA
 * of the child holding them.
 *
 * The lookup reads nodes from root_lba down; it returns 1 and emits the
 * 8-byte value if the key is present, 0 if not, and -SALIX_EINVAL for a
 * corrupt node or a path longer than SALIX_BTREE_MAX_DEPTH (a cycle). */
#ifndef SALIX_APPS_EXAMPLES_BTREE_H
#define SALIX_APPS_EXAMPLES_BTREE_H

#include <stdint.h>

#define SALIX_BTREE_MAGIC 0x4e544253u /* "SBTN" */
#define SALIX_BTREE_HEADER_SIZE 16
#define SALIX_BTREE_ENTRY_SIZE 16
#define SALIX_BTREE_MAX_DEPTH 16
#define SALIX_BTREE_CAPACITY(lba_size) \
  (((lba_size) - SALIX_BTREE_HEADER_SIZE) / SALIX_BTREE_ENTRY_SIZE)

struct btree_node_header {
  uint32_t magic;
  uint16_t level;
  uint16_t count;
  uint64_t reserved;
};

struct btree_entry {
  uint64_t key;
  uint64_t value;
};

struct btree_lookup_params {
  uint64_t root_lba;
  uint64_t key;
};

#endif /* SALIX_APPS_EXAMPLES_BTREE_H */

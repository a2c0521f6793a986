// store_format.h - the page store's layout in RAM and in a backing file.
//
// One mapping holds, each region 4 KiB aligned:
//   [0, 4096)       StoreHeader (magic, version, geometry, payload mode)
//   block table     BlockRecord per block (write pointer, erase count)
//   OOB slots       OobSlot per page
//   page data       page_size bytes per page (absent when metadata-only)
// All zero is the erased state, so a new sparse file or anonymous mapping
// is a freshly erased device and erasing can punch holes. Integers are in
// host byte order (little-endian on the hosts Salix targets).
//
// Version history: 1 = initial layout.
#ifndef SALIX_FLASH_STORE_FORMAT_H
#define SALIX_FLASH_STORE_FORMAT_H

#include <cstdint>

namespace salix::flash {

inline constexpr char kStoreMagic[8] = {'S', 'A', 'L', 'I', 'X', 'N', 'F', '\0'};
inline constexpr uint32_t kStoreVersion = 1;
inline constexpr uint64_t kStoreAlign = 4096;

struct StoreHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;  // sizeof(StoreHeader), for later extension
  uint32_t channels;
  uint32_t dies_per_channel;
  uint32_t planes_per_die;
  uint32_t blocks_per_plane;
  uint32_t pages_per_block;
  uint32_t page_size;
  uint32_t oob_size;
  uint32_t cell_type;      // bits per cell
  uint32_t metadata_only;  // 1: no page data region
  uint32_t reserved;
  uint64_t block_table_offset;
  uint64_t oob_offset;
  uint64_t data_offset;
  uint64_t total_bytes;
};
static_assert(sizeof(StoreHeader) == 88);

struct BlockRecord {
  uint32_t write_pointer;  // next page to program; pages below are programmed
  uint32_t erase_count;
};
static_assert(sizeof(BlockRecord) == 8);

inline constexpr uint32_t kSlotProgrammed = 0x474f5250;  // "PROG"

struct OobSlot {
  uint32_t state;  // 0 erased, kSlotProgrammed once the page is complete
  uint32_t flags;  // reserved (fault injection, ECC state)
  uint64_t lpa;
  uint64_t seq;
  uint8_t tag[16];
};
static_assert(sizeof(OobSlot) == 40);

}  // namespace salix::flash

#endif  // SALIX_FLASH_STORE_FORMAT_H

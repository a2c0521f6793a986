// geometry.h - the shape of the NAND array and its physical addresses.
//
// Hierarchy: channel > die (LUN) > plane > block > page. A die is the unit
// of parallelism (one array operation at a time), a channel is the bus its
// dies share, a block is the erase unit, a page the program/read unit.
//
// Flat numbering is hierarchical, channel-major:
//   die index   = channel * dies_per_channel + die
//   block index = (die index * planes_per_die + plane) * blocks_per_plane + block
//   page number = block index * pages_per_block + page
// so the pages of a block are contiguous (an erase is one range) and a die
// owns one contiguous range of blocks. Striping order is the FTL's choice.
//
// Thread-safety: a plain value type. Validate() before use; every other
// method REQUIRES a valid geometry and in-range arguments.
#ifndef SALIX_FLASH_GEOMETRY_H
#define SALIX_FLASH_GEOMETRY_H

#include <cstdint>
#include <optional>
#include <string>

#include "flash/cell_type.h"

namespace salix::flash {

// Address of one block (erase unit). 'die' is the die within its channel.
struct BlockAddr {
  uint32_t channel = 0;
  uint32_t die = 0;
  uint32_t plane = 0;
  uint32_t block = 0;
  friend bool operator==(const BlockAddr&, const BlockAddr&) = default;
};

// Physical page address.
struct Ppa {
  uint32_t channel = 0;
  uint32_t die = 0;
  uint32_t plane = 0;
  uint32_t block = 0;
  uint32_t page = 0;

  BlockAddr block_addr() const { return {channel, die, plane, block}; }
  friend bool operator==(const Ppa&, const Ppa&) = default;
};

struct Geometry {
  uint32_t channels = 8;            // flash.channels
  uint32_t dies_per_channel = 4;    // flash.dies-per-channel
  uint32_t planes_per_die = 2;      // flash.planes-per-die
  uint32_t blocks_per_plane = 256;  // flash.blocks-per-plane
  uint32_t pages_per_block = 384;   // flash.pages-per-block (x3: TLC)
  uint32_t page_size = 4096;        // flash.page-size (bytes)
  uint32_t oob_size = 128;          // flash.oob-size (bytes per page)
  CellType cell_type = CellType::kTlc;  // flash.cell-type

  // Limits enforced by Validate(). Total pages stay below 2^32 so that
  // per-page structures elsewhere may use 32-bit page numbers.
  static constexpr uint32_t kMaxChannels = 64;
  static constexpr uint32_t kMaxDiesPerChannel = 64;
  static constexpr uint32_t kMaxPlanesPerDie = 16;
  static constexpr uint32_t kMaxPagesPerBlock = 16384;
  static constexpr uint32_t kMinPageSize = 512;
  static constexpr uint32_t kMaxPageSize = 65536;
  // The page store keeps a 32-byte OOB record (logical address, sequence
  // number, 16-byte tag); the rest of a real OOB area holds ECC.
  static constexpr uint32_t kMinOobSize = 32;
  static constexpr uint32_t kMaxOobSize = 8192;
  static constexpr uint64_t kMaxTotalPages = uint64_t{1} << 32;

  // nullopt if valid, else one message that names the property, e.g.
  // "flash.channels: must be 1..64 (got 0)".
  std::optional<std::string> Validate() const;

  // Derived counts.
  uint32_t dies() const { return channels * dies_per_channel; }
  uint32_t bits_per_cell() const { return BitsPerCell(cell_type); }
  uint64_t blocks_per_die() const {
    return uint64_t{planes_per_die} * blocks_per_plane;
  }
  uint64_t pages_per_die() const { return blocks_per_die() * pages_per_block; }
  uint64_t total_planes() const { return uint64_t{dies()} * planes_per_die; }
  uint64_t total_blocks() const { return uint64_t{dies()} * blocks_per_die(); }
  uint64_t total_pages() const { return total_blocks() * pages_per_block; }
  uint64_t block_bytes() const { return uint64_t{pages_per_block} * page_size; }
  uint64_t capacity_bytes() const { return total_pages() * page_size; }

  bool Contains(const Ppa& p) const {
    return p.channel < channels && p.die < dies_per_channel &&
           p.plane < planes_per_die && p.block < blocks_per_plane &&
           p.page < pages_per_block;
  }
  bool Contains(const BlockAddr& b) const {
    return Contains(Ppa{b.channel, b.die, b.plane, b.block, 0});
  }

  uint32_t DieIndex(uint32_t channel, uint32_t die) const {
    return channel * dies_per_channel + die;
  }
  uint32_t DieIndex(const Ppa& p) const { return DieIndex(p.channel, p.die); }
  uint32_t DieIndex(const BlockAddr& b) const {
    return DieIndex(b.channel, b.die);
  }
  uint32_t ChannelOfDie(uint32_t die_index) const {
    return die_index / dies_per_channel;
  }

  uint64_t BlockIndex(const BlockAddr& b) const {
    return (uint64_t{DieIndex(b)} * planes_per_die + b.plane) *
               blocks_per_plane +
           b.block;
  }
  uint64_t BlockIndex(const Ppa& p) const { return BlockIndex(p.block_addr()); }
  BlockAddr BlockAddrOf(uint64_t block_index) const;
  uint64_t FirstPageOfBlock(uint64_t block_index) const {
    return block_index * pages_per_block;
  }
  uint64_t BlockOfPage(uint64_t page_number) const {
    return page_number / pages_per_block;
  }
  uint32_t DieOfBlock(uint64_t block_index) const {
    return static_cast<uint32_t>(block_index / blocks_per_die());
  }

  uint64_t PageNumber(const Ppa& p) const {
    return BlockIndex(p) * pages_per_block + p.page;
  }
  Ppa PpaOf(uint64_t page_number) const;

  uint32_t PageTypeOf(uint32_t page_in_block) const {
    return PageType(cell_type, page_in_block);
  }

  // Iteration helpers, in flat order. fn(uint32_t channel, uint32_t die).
  template <typename Fn>
  void ForEachDie(Fn&& fn) const {
    for (uint32_t c = 0; c < channels; ++c)
      for (uint32_t d = 0; d < dies_per_channel; ++d) fn(c, d);
  }
  // fn(const BlockAddr&).
  template <typename Fn>
  void ForEachBlock(Fn&& fn) const {
    ForEachDie([&](uint32_t c, uint32_t d) {
      for (uint32_t pl = 0; pl < planes_per_die; ++pl)
        for (uint32_t b = 0; b < blocks_per_plane; ++b) fn(BlockAddr{c, d, pl, b});
    });
  }
  // fn(const Ppa&) for every page of one block, in program order.
  template <typename Fn>
  void ForEachPageOfBlock(const BlockAddr& b, Fn&& fn) const {
    for (uint32_t pg = 0; pg < pages_per_block; ++pg)
      fn(Ppa{b.channel, b.die, b.plane, b.block, pg});
  }

  // "8ch x 4die x 2pl x 512blk x 256pg x 4096B tlc (16 GiB)".
  std::string ToString() const;

  friend bool operator==(const Geometry&, const Geometry&) = default;
};

}  // namespace salix::flash

#endif  // SALIX_FLASH_GEOMETRY_H

#include "flash/geometry.h"

#include <fmt/format.h>

namespace salix::flash {
namespace {

std::optional<std::string> Range(const char* key, uint64_t v, uint64_t lo,
                                 uint64_t hi) {
  if (v >= lo && v <= hi) return std::nullopt;
  return fmt::format("{}: must be {}..{} (got {})", key, lo, hi, v);
}

bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

std::optional<std::string> Geometry::Validate() const {
  if (auto e = Range("flash.channels", channels, 1, kMaxChannels)) return e;
  if (auto e = Range("flash.dies-per-channel", dies_per_channel, 1,
                     kMaxDiesPerChannel))
    return e;
  if (auto e = Range("flash.planes-per-die", planes_per_die, 1,
                     kMaxPlanesPerDie))
    return e;
  if (auto e = Range("flash.blocks-per-plane", blocks_per_plane, 1,
                     kMaxTotalPages))
    return e;
  if (auto e = Range("flash.pages-per-block", pages_per_block, 1,
                     kMaxPagesPerBlock))
    return e;
  switch (cell_type) {
    case CellType::kSlc:
    case CellType::kMlc:
    case CellType::kTlc:
    case CellType::kQlc:
      break;
    default:
      return std::string("flash.cell-type: must be one of slc, mlc, tlc, qlc");
  }
  if (pages_per_block % bits_per_cell() != 0) {
    return fmt::format(
        "flash.pages-per-block: must be a multiple of {} for {} (a wordline "
        "holds {} pages; got {})",
        bits_per_cell(), CellTypeName(cell_type), bits_per_cell(),
        pages_per_block);
  }
  if (page_size < kMinPageSize || page_size > kMaxPageSize ||
      !IsPowerOfTwo(page_size)) {
    return fmt::format(
        "flash.page-size: must be a power of two in {}..{} bytes (got {})",
        kMinPageSize, kMaxPageSize, page_size);
  }
  if (oob_size < kMinOobSize || oob_size > kMaxOobSize) {
    return fmt::format(
        "flash.oob-size: must be {}..{} bytes; the OOB record (logical "
        "address, sequence number, 16-byte tag) needs {} (got {})",
        kMinOobSize, kMaxOobSize, kMinOobSize, oob_size);
  }
  if (total_pages() > kMaxTotalPages) {
    return fmt::format(
        "flash.blocks-per-plane: geometry has {} pages, more than 2^32; "
        "reduce flash.blocks-per-plane or flash.pages-per-block",
        total_pages());
  }
  return std::nullopt;
}

BlockAddr Geometry::BlockAddrOf(uint64_t block_index) const {
  BlockAddr b;
  b.block = static_cast<uint32_t>(block_index % blocks_per_plane);
  uint64_t plane_index = block_index / blocks_per_plane;
  b.plane = static_cast<uint32_t>(plane_index % planes_per_die);
  uint64_t die_index = plane_index / planes_per_die;
  b.die = static_cast<uint32_t>(die_index % dies_per_channel);
  b.channel = static_cast<uint32_t>(die_index / dies_per_channel);
  return b;
}

Ppa Geometry::PpaOf(uint64_t page_number) const {
  BlockAddr b = BlockAddrOf(page_number / pages_per_block);
  return Ppa{b.channel, b.die, b.plane, b.block,
             static_cast<uint32_t>(page_number % pages_per_block)};
}

std::string Geometry::ToString() const {
  return fmt::format("{}ch x {}die x {}pl x {}blk x {}pg x {}B {} ({:.2f} GiB)",
                     channels, dies_per_channel, planes_per_die,
                     blocks_per_plane, pages_per_block, page_size,
                     CellTypeName(cell_type),
                     static_cast<double>(capacity_bytes()) / (1u << 30));
}

}  // namespace salix::flash

// cell_type.h - NAND cell types (bits per cell) and page types.
//
// A wordline of an n-bit cell holds n pages with different sensing costs:
// the lower page (LSB) needs one reference voltage, the upper pages more,
// so reads and programs get slower with the page type. Salix uses the
// simple rule "page i of a block has type i % bits_per_cell" (as FEMU and
// MQSim do); real parts interleave wordlines in vendor-specific orders.
//
// Thread-safety: plain values and pure functions.
#ifndef SALIX_FLASH_CELL_TYPE_H
#define SALIX_FLASH_CELL_TYPE_H

#include <cstdint>
#include <optional>
#include <string_view>

namespace salix::flash {

// The enumerator value is the number of bits per cell.
enum class CellType : uint8_t { kSlc = 1, kMlc = 2, kTlc = 3, kQlc = 4 };

inline constexpr uint32_t kMaxBitsPerCell = 4;

constexpr uint32_t BitsPerCell(CellType c) { return static_cast<uint32_t>(c); }

// Page type 0 is the LSB (lower) page; BitsPerCell(c) - 1 is the MSB page.
constexpr uint32_t PageType(CellType c, uint32_t page_in_block) {
  return page_in_block % BitsPerCell(c);
}

// "slc", "mlc", "tlc", "qlc" (the values of flash.cell-type).
constexpr std::string_view CellTypeName(CellType c) {
  switch (c) {
    case CellType::kSlc: return "slc";
    case CellType::kMlc: return "mlc";
    case CellType::kTlc: return "tlc";
    case CellType::kQlc: return "qlc";
  }
  return "?";
}

constexpr std::optional<CellType> ParseCellType(std::string_view s) {
  for (CellType c :
       {CellType::kSlc, CellType::kMlc, CellType::kTlc, CellType::kQlc}) {
    if (s == CellTypeName(c)) return c;
  }
  return std::nullopt;
}

// Conventional names: LSB, CSB, MSB for TLC; QLC adds a fourth ("TSB").
constexpr std::string_view PageTypeName(CellType c, uint32_t type) {
  if (BitsPerCell(c) == 1) return "SLC";
  if (type == 0) return "LSB";
  if (type + 1 == BitsPerCell(c)) return "MSB";
  return type == 1 ? "CSB" : "TSB";
}

}  // namespace salix::flash

#endif  // SALIX_FLASH_CELL_TYPE_H

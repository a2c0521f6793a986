// flash_error.h - why a page store operation was refused.
//
// These are FTL mistakes the NAND itself would punish (overwriting a page,
// programming out of order) or bad arguments; they are values, never
// exceptions, and the checks stay in release builds because an FTL bug
// must show up as an error a test can see, not as silent corruption.
#ifndef SALIX_FLASH_FLASH_ERROR_H
#define SALIX_FLASH_FLASH_ERROR_H

#include <cstdint>

namespace salix::flash {

enum class [[nodiscard]] FlashError : uint8_t {
  kNone = 0,
  kAddressOutOfRange,  // page or block number beyond the geometry
  kNotErased,          // NAND cannot overwrite: erase the block first
  kOutOfOrder,         // pages of a block must be programmed in order
  kBadLength,          // data buffer is not one page
};

constexpr const char* ToString(FlashError e) {
  switch (e) {
    case FlashError::kNone: return "ok";
    case FlashError::kAddressOutOfRange: return "address out of range";
    case FlashError::kNotErased: return "page already programmed (erase the block first)";
    case FlashError::kOutOfOrder: return "page programmed out of order within its block";
    case FlashError::kBadLength: return "buffer length is not one page";
  }
  return "unknown flash error";
}

}  // namespace salix::flash

#endif  // SALIX_FLASH_FLASH_ERROR_H

// oob.h - what the FTL stores in a page's out-of-band (spare) area.
//
// The logical page address and a sequence number let recovery rebuild the
// mapping by scanning OOB (newest sequence number wins), as a real SSD
// does; the tag carries array-level chunk identity (array chunk number and
// slot) for the host array engine's crash recovery.
//
// Thread-safety: plain value type.
#ifndef SALIX_FLASH_OOB_H
#define SALIX_FLASH_OOB_H

#include <array>
#include <cstdint>

namespace salix::flash {

enum class PageState : uint8_t { kErased, kProgrammed };

struct Oob {
  static constexpr uint64_t kErasedLpa = ~uint64_t{0};
  static constexpr size_t kTagBytes = 16;

  // Erased NAND reads as all ones, and so does an erased page's OOB.
  uint64_t lpa = kErasedLpa;
  uint64_t seq = ~uint64_t{0};
  std::array<uint8_t, kTagBytes> tag = Erased();

  static constexpr std::array<uint8_t, kTagBytes> Erased() {
    std::array<uint8_t, kTagBytes> t{};
    t.fill(0xFF);
    return t;
  }
  friend bool operator==(const Oob&, const Oob&) = default;
};

}  // namespace salix::flash

#endif  // SALIX_FLASH_OOB_H

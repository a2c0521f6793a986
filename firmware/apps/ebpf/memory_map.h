// memory_map.h - the address space an eBPF app sees.
//
// Registers hold region addresses, never host pointers: region N lives at
// N << 32 (the numbers are in include/salix_app.h, which apps include). A
// load or store translates (address >> 32, low 32 bits) through a table of
// the regions of one run and is refused unless the whole access lies in a
// region that grants it. So the verifier may be imprecise without making
// the firmware unsafe, and apps never learn host addresses.
#ifndef SALIX_APPS_EBPF_MEMORY_MAP_H
#define SALIX_APPS_EBPF_MEMORY_MAP_H

#include <cstddef>
#include <cstdint>

#include "apps/ebpf/include/salix_app.h"

namespace salix::apps::ebpf {

enum class Region : uint8_t {
  kNone = 0,
  kCtx = SALIX_REGION_CTX,
  kStack = SALIX_REGION_STACK,
  kScratch = SALIX_REGION_SCRATCH,
  kInput = SALIX_REGION_INPUT,
  kOutput = SALIX_REGION_OUTPUT,
  kRodata = SALIX_REGION_RODATA,
};
inline constexpr int kNumRegionSlots = 8;  // table size: a power of two >= 7

constexpr uint64_t RegionBase(Region r) {
  return uint64_t{static_cast<uint8_t>(r)} << SALIX_REGION_SHIFT;
}
constexpr bool RegionWritable(Region r) {
  return r == Region::kStack || r == Region::kScratch || r == Region::kOutput;
}
constexpr const char* RegionName(Region r) {
  switch (r) {
    case Region::kNone: return "no region";
    case Region::kCtx: return "ctx";
    case Region::kStack: return "stack";
    case Region::kScratch: return "scratch";
    case Region::kInput: return "input";
    case Region::kOutput: return "output";
    case Region::kRodata: return "rodata";
  }
  return "?";
}

inline constexpr uint32_t kStackSize = SALIX_STACK_SIZE;
using AppCtx = salix_app_ctx;
static_assert(sizeof(AppCtx) == 48, "salix_app_ctx layout is ABI");
static_assert(offsetof(AppCtx, input) == 0 && offsetof(AppCtx, output) == 8 &&
              offsetof(AppCtx, scratch) == 16 && offsetof(AppCtx, input_len) == 24 &&
              offsetof(AppCtx, output_cap) == 28 && offsetof(AppCtx, scratch_len) == 32 &&
              offsetof(AppCtx, lba_size) == 36 && offsetof(AppCtx, lba_count) == 40,
              "salix_app_ctx layout is ABI");

// The region a pointer-sized ctx field at 'offset' points to, or kNone.
constexpr Region CtxPointerField(int64_t offset) {
  switch (offset) {
    case offsetof(AppCtx, input): return Region::kInput;
    case offsetof(AppCtx, output): return Region::kOutput;
    case offsetof(AppCtx, scratch): return Region::kScratch;
    default: return Region::kNone;
  }
}

// The regions of one run, indexed by region number. A limit of 0 means the
// region grants no such access (read-only regions have writable == 0).
struct RegionTable {
  uint8_t* base[kNumRegionSlots] = {};
  uint64_t readable[kNumRegionSlots] = {};
  uint64_t writable[kNumRegionSlots] = {};

  void Set(Region r, uint8_t* data, uint64_t size) {
    const auto i = static_cast<uint8_t>(r);
    base[i] = data;
    readable[i] = size;
    writable[i] = RegionWritable(r) ? size : 0;
  }

  // The host address of [address, address + size), or nullptr unless every
  // byte lies in one region granting the access. REQUIRES: size < 2^32.
  uint8_t* Translate(uint64_t address, uint64_t size, bool write) const {
    const uint64_t slot = address >> SALIX_REGION_SHIFT;
    if (slot >= kNumRegionSlots) return nullptr;
    const uint64_t offset = address & 0xffffffffu;
    const uint64_t limit = write ? writable[slot] : readable[slot];
    if (offset + size > limit) return nullptr;
    return base[slot] + offset;
  }
};

}  // namespace salix::apps::ebpf

#endif  // SALIX_APPS_EBPF_MEMORY_MAP_H

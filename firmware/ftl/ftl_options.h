// ftl_options.h - everything the ftl personality is configured with.
//
// Built from the controller's Config (keys flash.*, timing.*, ftl.*, plus
// size and backing-file) by FtlOptions::FromConfig, which also checks the
// combination: an impossible geometry, a timing value out of range or an
// over-provisioning too small for garbage collection to make progress is an
// error naming the property to change. Everything downstream may assume a
// valid set.
//
// Capacity: the namespace holds user_pages logical pages of page_size bytes.
// Unless flash.blocks-per-plane is set, the flash is sized from `size` and
// ftl.op-percent (physical = user * (1 + op/100), rounded up to whole
// blocks on every plane). With flash.blocks-per-plane set, the flash is
// fixed and `size` (when set) must fit in it with the requested
// over-provisioning; when not set, size is derived from the flash.
//
// Thread-safety: plain value type.
#ifndef SALIX_FTL_FTL_OPTIONS_H
#define SALIX_FTL_FTL_OPTIONS_H

#include <cstdint>
#include <string>

#include "core/config.h"
#include "core/result.h"
#include "flash/geometry.h"
#include "flash/timing.h"
#include "ftl/gc_policy.h"

namespace salix::ftl {

struct FtlOptions {
  std::string profile;         // flash.profile
  flash::Geometry geometry;
  flash::Timing timing;
  bool timing_enabled = true;  // timing.mode=realtime (false: off)
  bool metadata_only = false;  // flash.store=metadata
  std::string backing_file;    // empty: RAM
  uint32_t op_percent = 7;     // ftl.op-percent
  GcPolicy gc_policy = GcPolicy::kGreedy;
  // Free-block thresholds over the whole device: below bg, idle time is
  // used to collect; at or below fg, a host write collects before it
  // allocates.
  uint64_t gc_fg_blocks = 0;
  uint64_t gc_bg_blocks = 0;
  uint32_t write_buffer_pages = 0;  // ftl.write-buffer / page size; 0: none
  uint32_t pe_cycles = 0;           // ftl.pe-cycles (rated endurance)
  bool wear_aware = true;           // ftl.wear-aware
  uint64_t user_pages = 0;          // logical pages exported

  // Errors name the key at fault ("ftl.op-percent: ...").
  static Result<FtlOptions, std::string> FromConfig(const Config& config);

  uint64_t spare_blocks() const;  // total blocks - blocks user data needs
  // Blocks garbage collection needs free to always make progress.
  uint64_t min_spare_blocks() const;
};

// Rated P/E cycles by cell type (typical datasheet classes: SLC 100k,
// MLC 10k, TLC 3k, QLC 1k).
uint32_t DefaultPeCycles(flash::CellType cell);

}  // namespace salix::ftl

#endif  // SALIX_FTL_FTL_OPTIONS_H

#include "ftl/ftl_options.h"

#include <fmt/format.h>

#include <algorithm>

#include "flash/profiles.h"

namespace salix::ftl {
namespace {

uint64_t CeilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Physical blocks per plane that hold 'user_pages' with 'op' percent more.
uint64_t BlocksPerPlaneFor(const flash::Geometry& g, uint64_t user_pages,
                           uint32_t op) {
  const uint64_t physical = CeilDiv(user_pages * (100 + op), 100);
  return CeilDiv(physical, g.total_planes() * g.pages_per_block);
}

// Set to something: an empty value means the profile's (or derived) one.
bool Given(const Config& c, const char* key) {
  return c.IsSet(key) && !c.GetString(key).empty();
}

// Applies a flash.* integer override.
std::optional<std::string> SetU32(const Config& c, const char* key,
                                  uint32_t* field) {
  if (!Given(c, key)) return std::nullopt;
  uint64_t v = c.GetUint(key);
  if (v > UINT32_MAX) return fmt::format("{}: {} is too large", key, v);
  *field = static_cast<uint32_t>(v);
  return std::nullopt;
}

}  // namespace

uint32_t DefaultPeCycles(flash::CellType cell) {
  switch (cell) {
    case flash::CellType::kSlc: return 100'000;
    case flash::CellType::kMlc: return 10'000;
    case flash::CellType::kTlc: return 3'000;
    case flash::CellType::kQlc: return 1'000;
  }
  return 3'000;
}

uint64_t FtlOptions::spare_blocks() const {
  const uint64_t user_blocks = CeilDiv(user_pages, geometry.pages_per_block);
  const uint64_t total = geometry.total_blocks();
  return total > user_blocks ? total - user_blocks : 0;
}

// The free-block threshold plus one block GC always keeps for itself plus
// one whose invalid pages guarantee a victim with something to reclaim.
uint64_t FtlOptions::min_spare_blocks() const { return gc_fg_blocks + 2; }

Result<FtlOptions, std::string> FtlOptions::FromConfig(const Config& c) {
  FtlOptions o;
  o.profile = c.GetString("flash.profile");
  auto profile = flash::FindProfile(o.profile);
  if (!profile) {
    std::string names;
    for (auto n : flash::ProfileNames()) names += (names.empty() ? "" : ", ") + std::string(n);
    return Err(fmt::format("flash.profile: unknown profile '{}' (valid: {})",
                           o.profile, names));
  }
  o.geometry = profile->geometry;
  flash::Geometry& g = o.geometry;
  const struct {
    const char* key;
    uint32_t* field;
  } overrides[] = {
      {"flash.channels", &g.channels},
      {"flash.dies-per-channel", &g.dies_per_channel},
      {"flash.planes-per-die", &g.planes_per_die},
      {"flash.pages-per-block", &g.pages_per_block},
      {"flash.page-size", &g.page_size},
      {"flash.oob-size", &g.oob_size},
  };
  for (const auto& ov : overrides) {
    if (auto e = SetU32(c, ov.key, ov.field)) return Err(*e);
  }
  if (Given(c, "flash.cell-type")) {
    auto cell = flash::ParseCellType(c.GetString("flash.cell-type"));
    if (!cell) return Err(std::string("flash.cell-type: must be slc, mlc, tlc or qlc"));
    if (*cell != g.cell_type) {
      // Another cell type means the profile's latencies no longer apply.
      g.cell_type = *cell;
      profile->timing = flash::Timing::Defaults(*cell);
    }
  }

  // Timing: the profile's, each value overridable.
  o.timing = profile->timing;
  const flash::Timing defaults = o.timing;
  if (Given(c, "timing.read-ns")) {
    auto r = flash::ParseLatencies("timing.read-ns", c.GetString("timing.read-ns"),
                                   g.cell_type, defaults.read_ns);
    if (!r.ok()) return Err(r.error());
    o.timing.read_ns = r.value();
  }
  if (Given(c, "timing.program-ns")) {
    auto r = flash::ParseLatencies("timing.program-ns",
                                   c.GetString("timing.program-ns"), g.cell_type,
                                   defaults.program_ns);
    if (!r.ok()) return Err(r.error());
    o.timing.program_ns = r.value();
  }
  const struct {
    const char* key;
    uint64_t* field;
    uint64_t max;
  } scalars[] = {
      {"timing.erase-ns", &o.timing.erase_ns, flash::kMaxLatencyNs},
      {"timing.channel-mbps", &o.timing.channel_mbps, flash::kMaxMbps},
      {"timing.pcie-mbps", &o.timing.pcie_mbps, flash::kMaxMbps},
      {"timing.fw-overhead-ns", &o.timing.fw_overhead_ns, flash::kMaxLatencyNs},
  };
  for (const auto& sc : scalars) {
    if (!Given(c, sc.key)) continue;
    auto r = flash::ParseTimingValue(sc.key, c.GetString(sc.key), sc.max);
    if (!r.ok()) return Err(r.error());
    *sc.field = r.value();
  }
  o.timing_enabled = c.GetString("timing.mode") != "off";

  o.metadata_only = c.GetString("flash.store") == "metadata";
  o.backing_file = c.GetString("backing-file");
  o.op_percent = static_cast<uint32_t>(c.GetUint("ftl.op-percent"));
  o.gc_policy = *ParseGcPolicy(c.GetString("ftl.gc-policy"));
  o.wear_aware = c.GetString("ftl.wear-aware") == "on";
  o.pe_cycles = Given(c, "ftl.pe-cycles")
                    ? static_cast<uint32_t>(c.GetUint("ftl.pe-cycles"))
                    : DefaultPeCycles(g.cell_type);

  // Capacity: size the flash from the namespace, or the namespace from the
  // flash when the user fixed the number of blocks.
  const uint64_t size = c.GetSize("size");
  if (size % g.page_size != 0) {
    return Err(fmt::format(
        "size: {} is not a multiple of flash.page-size {} (the mapping unit)",
        size, g.page_size));
  }
  if (Given(c, "flash.blocks-per-plane")) {
    if (auto e = SetU32(c, "flash.blocks-per-plane", &g.blocks_per_plane)) return Err(*e);
    if (auto e = g.Validate()) return Err(*e);
    const uint64_t fits = g.total_pages() * 100 / (100 + o.op_percent);
    if (Given(c, "size")) {
      if (size / g.page_size > fits) {
        return Err(fmt::format(
            "size: {} does not fit {} with ftl.op-percent={} (at most {} "
            "bytes); lower size or raise flash.blocks-per-plane",
            size, g.ToString(), o.op_percent, fits * g.page_size));
      }
      o.user_pages = size / g.page_size;
    } else {
      o.user_pages = fits;
    }
  } else {
    o.user_pages = size / g.page_size;
    if (auto e = g.Validate()) return Err(*e);  // shape errors first
    const uint64_t bpp = BlocksPerPlaneFor(g, o.user_pages, o.op_percent);
    if (bpp > UINT32_MAX) return Err(fmt::format("size: {} is too large", size));
    g.blocks_per_plane = static_cast<uint32_t>(std::max<uint64_t>(bpp, 1));
  }
  if (auto e = g.Validate()) return Err(*e);
  if (auto e = o.timing.Validate(g.cell_type)) return Err(*e);
  if (o.user_pages == 0) return Err(std::string("size: the namespace would be empty"));
  if (o.user_pages >= UINT32_MAX || g.total_pages() >= UINT32_MAX) {
    return Err(fmt::format("size: {} has too many flash pages for 32-bit page "
                           "numbers; use a larger flash.page-size",
                           g.ToString()));
  }

  // Garbage-collection thresholds (free blocks over the whole device).
  o.gc_fg_blocks = c.GetUint("ftl.gc-fg-blocks");
  // Default: a few free blocks more than the foreground threshold, so idle
  // time absorbs bursts, but never so many that background GC eats the
  // over-provisioning (which would raise write amplification).
  o.gc_bg_blocks = Given(c, "ftl.gc-bg-blocks")
                       ? c.GetUint("ftl.gc-bg-blocks")
                       : o.gc_fg_blocks +
                             std::max<uint64_t>(1, std::min<uint64_t>(
                                                       g.dies(), o.spare_blocks() / 8));
  if (o.gc_bg_blocks < o.gc_fg_blocks) {
    return Err(fmt::format("ftl.gc-bg-blocks: {} is below ftl.gc-fg-blocks {}",
                           o.gc_bg_blocks, o.gc_fg_blocks));
  }
  if (o.spare_blocks() < o.min_spare_blocks()) {
    if (Given(c, "flash.blocks-per-plane")) {
      return Err(fmt::format(
          "ftl.op-percent: {} leaves {} spare blocks on {}; garbage collection "
          "needs at least {} (ftl.gc-fg-blocks + 2): lower size or add blocks",
          o.op_percent, o.spare_blocks(), g.ToString(), o.min_spare_blocks()));
    }
    uint32_t need = o.op_percent;
    FtlOptions t = o;
    while (need < 1000) {
      t.geometry.blocks_per_plane = static_cast<uint32_t>(
          BlocksPerPlaneFor(g, o.user_pages, ++need));
      if (t.spare_blocks() >= t.min_spare_blocks()) break;
    }
    return Err(fmt::format(
        "ftl.op-percent: {} leaves {} spare blocks; garbage collection needs "
        "at least {} (ftl.gc-fg-blocks + 2) to always make progress: use "
        "ftl.op-percent={} or more, or smaller blocks (flash.pages-per-block)",
        o.op_percent, o.spare_blocks(), o.min_spare_blocks(), need));
  }

  const uint64_t buffer = c.GetSize("ftl.write-buffer");
  o.write_buffer_pages = static_cast<uint32_t>(buffer / g.page_size);
  if (buffer % g.page_size != 0) {
    return Err(fmt::format(
        "ftl.write-buffer: {} is not a multiple of flash.page-size {}", buffer,
        g.page_size));
  }
  return o;
}

}  // namespace salix::ftl

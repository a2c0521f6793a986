#include "hil/stats_page.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace salix {
namespace {

uint32_t SaturateU32(double v) {
  if (!(v > 0)) return 0;  // also NaN
  if (v >= static_cast<double>(UINT32_MAX)) return UINT32_MAX;
  return static_cast<uint32_t>(std::llround(v));
}

void FillMedia(const MediaStats& m, salix_stats_log* out) {
  out->flags |= SALIX_STATS_MEDIA_VALID;
  if (m.gc_active) out->flags |= SALIX_STATS_GC_ACTIVE;
  out->flash_page_size = m.page_size;
  // In double: nand * 1000 overflows 64 bits long before a drive wears out
  // only in theory, but the ratio needs no exactness beyond a milli.
  out->waf_milli =
      m.host_pages_written == 0
          ? 0
          : SaturateU32(static_cast<double>(m.nand_pages_written) * 1000.0 /
                        static_cast<double>(m.host_pages_written));
  out->host_pages_written = m.host_pages_written;
  out->nand_pages_written = m.nand_pages_written;
  out->nand_pages_read = m.nand_pages_read;
  out->gc_runs = m.gc_runs;
  out->gc_pages_moved = m.gc_pages_moved;
  out->erases = m.erases;
  out->erase_count_min = m.erase_count_min;
  out->erase_count_max = m.erase_count_max;
  out->erase_count_avg_milli = SaturateU32(m.erase_count_avg * 1000.0);
  out->rated_pe_cycles = m.rated_pe_cycles;
  out->free_blocks = m.free_blocks;
  out->total_blocks = m.total_blocks;
  out->spare_blocks = m.spare_blocks;
  out->metadata_bytes = m.metadata_bytes;
}

}  // namespace

void BuildStatsPage(const StatsPageInputs& in, salix_stats_log* out) {
  std::memset(out, 0, sizeof(*out));
  static_assert(sizeof(out->magic) == sizeof(SALIX_STATS_LOG_MAGIC) - 1);
  std::memcpy(out->magic, SALIX_STATS_LOG_MAGIC, sizeof(out->magic));
  out->version = SALIX_STATS_LOG_VERSION;
  // Keep a NUL terminator so C readers can print it directly.
  std::memcpy(out->personality, in.personality.data(),
              std::min(in.personality.size(), sizeof(out->personality) - 1));

  out->host_read_commands = in.host->host_read_commands;
  out->host_write_commands = in.host->host_write_commands;
  out->host_bytes_read = in.host->bytes_read;
  out->host_bytes_written = in.host->bytes_written;
  out->parity_commands = in.host->parity_commands;
  out->parity_source_bytes = in.host->parity_source_bytes;
  out->copy_commands = in.host->copy_commands;
  out->copy_bytes = in.host->copy_bytes;

  if (in.media != nullptr) FillMedia(*in.media, out);

  const Lateness& l = *in.lateness;
  out->lateness_samples = l.samples();
  out->lateness_sum_ns = l.sum_ns();
  out->lateness_max_ns = l.max_ns();
  static_assert(sizeof(out->lateness_hist) / sizeof(out->lateness_hist[0]) ==
                Lateness::kBuckets);
  std::copy(l.histogram().begin(), l.histogram().end(), out->lateness_hist);
}

}  // namespace salix

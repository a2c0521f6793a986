// stats.cc - decoding the Salix statistics log page.
#include "salix/host/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "salix/stats_log.h"

namespace salix::host {

static_assert(LatenessCounters::kBuckets == SALIX_STATS_LATENESS_BUCKETS);

uint64_t LatenessCounters::bucket_low_ns(size_t i) {
  return i == 0 ? 0 : (uint64_t{1} << (i - 1)) * 1000;
}

uint64_t LatenessCounters::bucket_high_ns(size_t i) {
  return i + 1 >= kBuckets ? UINT64_MAX : (uint64_t{1} << i) * 1000;
}

double LatenessCounters::quantile_ns(double q) const {
  uint64_t total = 0;
  for (uint64_t n : histogram) total += n;
  if (total == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  double rank = q * static_cast<double>(total);  // completions at or below
  double below = 0;
  for (size_t i = 0; i < kBuckets; i++) {
    double n = static_cast<double>(histogram[i]);
    if (n == 0 || below + n < rank) {
      below += n;
      continue;
    }
    double lo = static_cast<double>(bucket_low_ns(i));
    uint64_t hi_ns = bucket_high_ns(i);
    double hi = hi_ns == UINT64_MAX ? std::max(lo, static_cast<double>(max_ns))
                                    : static_cast<double>(hi_ns);
    double v = lo + (hi - lo) * ((rank - below) / n);
    return max_ns ? std::min(v, static_cast<double>(max_ns)) : v;
  }
  return static_cast<double>(max_ns);
}

Result<SalixStats> parse_salix_stats(const uint8_t* page, size_t length) {
  if (page == nullptr || length < sizeof(salix_stats_log)) {
    return Error{fmt::format("statistics page too short: {} bytes, need {}",
                             page ? length : 0, sizeof(salix_stats_log))};
  }
  salix_stats_log raw;
  std::memcpy(&raw, page, sizeof(raw));
  if (std::memcmp(raw.magic, SALIX_STATS_LOG_MAGIC, sizeof(raw.magic)) != 0) {
    return Error{"not a Salix statistics page (bad magic)"};
  }
  if (raw.version != SALIX_STATS_LOG_VERSION) {
    return Error{fmt::format("statistics page version {} is not supported (this "
                             "salixctl reads version {}); update the host tools",
                             raw.version, SALIX_STATS_LOG_VERSION)};
  }
  SalixStats s;
  s.version = raw.version;
  s.personality.assign(raw.personality, strnlen(raw.personality, sizeof(raw.personality)));
  s.host_read_commands = raw.host_read_commands;
  s.host_write_commands = raw.host_write_commands;
  s.host_bytes_read = raw.host_bytes_read;
  s.host_bytes_written = raw.host_bytes_written;
  if (raw.flags & SALIX_STATS_MEDIA_VALID) {
    MediaCounters m;
    m.flash_page_size = raw.flash_page_size;
    m.waf = raw.waf_milli / 1000.0;
    m.host_pages_written = raw.host_pages_written;
    m.nand_pages_written = raw.nand_pages_written;
    m.nand_pages_read = raw.nand_pages_read;
    m.gc_runs = raw.gc_runs;
    m.gc_pages_moved = raw.gc_pages_moved;
    m.erases = raw.erases;
    m.erase_count_min = raw.erase_count_min;
    m.erase_count_max = raw.erase_count_max;
    m.erase_count_avg = raw.erase_count_avg_milli / 1000.0;
    m.rated_pe_cycles = raw.rated_pe_cycles;
    m.free_blocks = raw.free_blocks;
    m.total_blocks = raw.total_blocks;
    m.spare_blocks = raw.spare_blocks;
    m.metadata_bytes = raw.metadata_bytes;
    m.gc_active = (raw.flags & SALIX_STATS_GC_ACTIVE) != 0;
    s.media = m;
  }
  s.lateness.samples = raw.lateness_samples;
  s.lateness.sum_ns = raw.lateness_sum_ns;
  s.lateness.max_ns = raw.lateness_max_ns;
  std::memcpy(s.lateness.histogram.data(), raw.lateness_hist, sizeof(raw.lateness_hist));
  return s;
}

}  // namespace salix::host

// stats.h - the Salix statistics log page (vendor LID C0h), decoded.
//
// The raw layout is <salix/stats_log.h>; this is what tools and the array
// engine work with: plain values, the media part present only when the
// device models media, and the lateness histogram with its bucket bounds.
#ifndef SALIX_HOST_STATS_H
#define SALIX_HOST_STATS_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "salix/host/error.h"

namespace salix::host {

struct MediaCounters {
  uint32_t flash_page_size = 0;  // bytes; 0 when the device did not say
  double waf = 0;                // NAND pages written / host pages written
  uint64_t host_pages_written = 0;
  uint64_t nand_pages_written = 0;
  uint64_t nand_pages_read = 0;
  uint64_t gc_runs = 0;
  uint64_t gc_pages_moved = 0;
  uint64_t erases = 0;
  uint32_t erase_count_min = 0;
  uint32_t erase_count_max = 0;
  double erase_count_avg = 0;
  uint32_t rated_pe_cycles = 0;  // 0: unknown
  uint64_t free_blocks = 0;
  uint64_t total_blocks = 0;
  uint64_t spare_blocks = 0;
  uint64_t metadata_bytes = 0;  // FTL tables in controller DRAM; 0: unknown
  bool gc_active = false;
};

struct LatenessCounters {
  static constexpr size_t kBuckets = 32;
  uint64_t samples = 0;
  uint64_t sum_ns = 0;
  uint64_t max_ns = 0;
  std::array<uint64_t, kBuckets> histogram{};

  double mean_ns() const {
    return samples ? static_cast<double>(sum_ns) / static_cast<double>(samples) : 0;
  }
  // Lower and upper bound of bucket i in ns, [low, high); high is UINT64_MAX
  // for the last bucket, which also takes everything above.
  static uint64_t bucket_low_ns(size_t i);
  static uint64_t bucket_high_ns(size_t i);
  // Estimated q-quantile (0 < q <= 1) in ns from the histogram: the bucket
  // holding the q * samples-th completion, interpolated linearly inside it
  // (the last bucket ends at max_ns), and never above max_ns. An estimate,
  // good to the bucket's width (a factor of 2). 0 without samples.
  double quantile_ns(double q) const;
};

struct SalixStats {
  uint32_t version = 0;
  std::string personality;
  uint64_t host_read_commands = 0;
  uint64_t host_write_commands = 0;
  uint64_t host_bytes_read = 0;
  uint64_t host_bytes_written = 0;
  std::optional<MediaCounters> media;  // absent: no media model (nossd)
  LatenessCounters lateness;
};

// Decodes a statistics page. Errors: a null or short buffer, no Salix
// magic, or a version this reader does not know (its fields might mean
// something else).
Result<SalixStats> parse_salix_stats(const uint8_t* page, size_t length);

// Linux: reads the page from a controller (/dev/nvmeN; "nvmeN" is accepted)
// with Get Log Page through libnvme. Refuses controllers without the Salix
// identity in Identify Controller. Needs root in the guest.
Result<SalixStats> read_salix_stats(const std::string& device);

}  // namespace salix::host

#endif  // SALIX_HOST_STATS_H

#include "sim/stats_snapshot.h"

#include <fmt/format.h>

#include <cstring>
#include <span>

namespace salix::sim {

Result<salix_stats_log, std::string> ReadStatsPage(
    embedded::EmbeddedHost& host) {
  salix_stats_log page;
  Status s = host.GetLogPage(
      SALIX_LOG_STATS,
      std::span<uint8_t>(reinterpret_cast<uint8_t*>(&page), sizeof(page)));
  if (!s.ok()) {
    return Err(fmt::format("Get Log Page C0h failed: {}", s.ToString()));
  }
  if (std::memcmp(page.magic, SALIX_STATS_LOG_MAGIC, sizeof(page.magic)) != 0) {
    return Err(std::string("log page C0h is not a Salix statistics page"));
  }
  if (page.version != SALIX_STATS_LOG_VERSION) {
    return Err(fmt::format(
        "statistics page version {}; this simulator reads version {}",
        page.version, SALIX_STATS_LOG_VERSION));
  }
  return page;
}

StatsDelta Diff(const salix_stats_log& before, const salix_stats_log& after) {
  StatsDelta d;
  d.media = (after.flags & SALIX_STATS_MEDIA_VALID) != 0;
  d.flash_page_size = after.flash_page_size;
  d.host_read_commands = after.host_read_commands - before.host_read_commands;
  d.host_write_commands = after.host_write_commands - before.host_write_commands;
  d.host_bytes_read = after.host_bytes_read - before.host_bytes_read;
  d.host_bytes_written = after.host_bytes_written - before.host_bytes_written;
  if (d.media) {
    d.host_pages_written = after.host_pages_written - before.host_pages_written;
    d.nand_pages_written = after.nand_pages_written - before.nand_pages_written;
    d.nand_pages_read = after.nand_pages_read - before.nand_pages_read;
    d.gc_runs = after.gc_runs - before.gc_runs;
    d.gc_pages_moved = after.gc_pages_moved - before.gc_pages_moved;
    d.erases = after.erases - before.erases;
  }
  return d;
}

}  // namespace salix::sim

// stats_snapshot.h - reading the Salix statistics log page (C0h) and
// subtracting two reads.
//
// The page's counters are cumulative since the controller was created, so a
// phase's figures are after - before. The simulator reads the page through
// the embedded host's Get Log Page, like any host would.
//
// Thread-safety: uses the host; same rules as EmbeddedHost.
#ifndef SALIX_SIM_STATS_SNAPSHOT_H
#define SALIX_SIM_STATS_SNAPSHOT_H

#include <salix/stats_log.h>

#include <cstdint>
#include <string>

#include "core/result.h"
#include "embedded/embedded_host.h"

namespace salix::sim {

// Errors: the command failed, or the page is not a Salix statistics page
// this code understands.
Result<salix_stats_log, std::string> ReadStatsPage(
    embedded::EmbeddedHost& host);

// FTL DRAM metadata (mapping table and the like), when the page carries it;
// 0 otherwise. Works with page layouts with and without the field.
template <typename Page>
uint64_t MetadataBytes(const Page& page) {
  if constexpr (requires { page.metadata_bytes; }) {
    return page.metadata_bytes;
  } else {
    return 0;
  }
}

// A phase's counters: after - before.
struct StatsDelta {
  bool media = false;  // the personality reports media counters
  uint32_t flash_page_size = 0;
  uint64_t host_read_commands = 0;
  uint64_t host_write_commands = 0;
  uint64_t host_bytes_read = 0;
  uint64_t host_bytes_written = 0;
  uint64_t host_pages_written = 0;
  uint64_t nand_pages_written = 0;
  uint64_t nand_pages_read = 0;
  uint64_t gc_runs = 0;
  uint64_t gc_pages_moved = 0;
  uint64_t erases = 0;

  // NAND pages programmed per host page written; 0 without media counters
  // or host writes.
  double waf() const {
    return media && host_pages_written
               ? double(nand_pages_written) / double(host_pages_written)
               : 0.0;
  }
};

StatsDelta Diff(const salix_stats_log& before, const salix_stats_log& after);

}  // namespace salix::sim

#endif  // SALIX_SIM_STATS_SNAPSHOT_H

// stats_report.h - the Salix statistics page as text for people (host vs
// NAND writes, WAF, GC, wear, blocks, a lateness bar chart) or as one JSON
// object for scripts. What `salixctl stats` prints.
#ifndef SALIX_HOST_STATS_REPORT_H
#define SALIX_HOST_STATS_REPORT_H

#include <string>
#include <string_view>

#include "salix/host/stats.h"

namespace salix::host {

// Multi-line report; 'device' names the controller in the title.
std::string format_stats_text(const SalixStats& stats, std::string_view device);
// One JSON object ending in a newline. Media fields are null when the device
// has no media model; the histogram lists only non-empty buckets.
std::string format_stats_json(const SalixStats& stats, std::string_view device);

}  // namespace salix::host

#endif  // SALIX_HOST_STATS_REPORT_H

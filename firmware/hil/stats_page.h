// stats_page.h - builds the Salix statistics log page (vendor log C0h,
// layout in <salix/stats_log.h>) from what the HIL counts and what the
// personality reports about its media.
//
// Counters are cumulative since the controller was created: Format NVM and
// controller resets do not clear them (the SMART log's host counters do not
// reset either, and wear cannot), so an experiment diffs two snapshots.
//
// Thread-safety: pure function of its arguments.
#ifndef SALIX_HIL_STATS_PAGE_H
#define SALIX_HIL_STATS_PAGE_H

#include <salix/stats_log.h>

#include <string_view>

#include "core/personality.h"
#include "hil/lateness.h"
#include "hil/logs.h"

namespace salix {

struct StatsPageInputs {
  std::string_view personality;      // truncated to 15 characters
  const HealthCounters* host;        // REQUIRES: non-null
  const MediaStats* media;           // nullptr: personality has no media model
  const Lateness* lateness;          // REQUIRES: non-null
};

void BuildStatsPage(const StatsPageInputs& in, salix_stats_log* out);

}  // namespace salix

#endif  // SALIX_HIL_STATS_PAGE_H

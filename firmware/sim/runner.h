// runner.h - one simulation: bring the firmware up on a virtual clock,
// precondition, run the measured phase, collect the figures.
//
// The runner is a real NVMe host (embedded/embedded_host.h): one direct I/O
// queue pair, SQEs and CQEs in guest memory, doorbells through BAR0. It keeps
// --qd commands in flight (closed loop; a trace with original timing is open
// loop bounded by --qd) and, when the firmware has nothing due now, jumps the
// clock to the firmware's next due time. A command's latency is the
// simulated time from its submission to the reap of its CQE. Nothing on the
// per-command path allocates: every queue slot owns one DMA buffer of the
// largest I/O, described with exactly as many PRP entries as each command
// needs.
//
// Media figures (WAF, GC, erases) are the difference of two reads of the
// statistics log page: after preconditioning and at the end.
//
// Thread-safety: one simulation per call; calls may run concurrently.
#ifndef SALIX_SIM_RUNNER_H
#define SALIX_SIM_RUNNER_H

#include <salix/stats_log.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "sim/latency_histogram.h"
#include "sim/options.h"
#include "sim/stats_snapshot.h"
#include "sim/timeseries.h"

namespace salix::sim {

struct Progress {
  const char* phase;           // "precondition" or "measure"
  double fraction;             // of the phase, 0..1; < 0 when unknown (trace)
  double waf;                  // of the phase so far; 0 when unknown
  double ops_per_wall_second;  // since the previous report
  double sim_seconds;          // of the phase so far
};
// Called every few wall seconds during long phases.
using ProgressFn = std::function<void(const Progress&)>;

struct PhaseFigures {
  uint64_t ops = 0;
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t sim_ns = 0;
  double wall_seconds = 0;
};

struct RunResult {
  std::string personality;     // as the statistics page names it
  uint64_t capacity_bytes = 0;
  uint32_t lba_size = 0;
  uint64_t seed = 0;
  uint64_t target_writes = 0;  // write commands the measured phase asked for
  PhaseFigures precondition;
  PhaseFigures measured;
  StatsDelta delta;            // measured phase, from the statistics page
  salix_stats_log final_page{};  // gauges: erase counts, free blocks, ...
  LatencyHistogram read_latency;
  LatencyHistogram write_latency;
  std::vector<Sample> timeseries;
  // Host ops per wall second over the second half of the measured phase
  // (by ops), where GC has reached its steady state; 0 if too short to say.
  double steady_ops_per_wall_second = 0;
  // WAF over the same second half: the steady-state figure once the
  // transient after preconditioning is over; 0 when unknown.
  double steady_waf = 0;
  uint64_t trace_requests = 0;
};

// Errors: bad configuration (the firmware's message), a malformed trace
// ("file:line: reason"), a command that failed, or a firmware that stopped
// completing commands.
Result<std::unique_ptr<RunResult>, std::string> RunSimulation(
    const SimOptions& options, const ProgressFn& progress = {});

}  // namespace salix::sim

#endif  // SALIX_SIM_RUNNER_H

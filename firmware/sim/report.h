// report.h - a finished simulation as text for people and as JSON for
// scripts (--json: exactly one object on stdout; --plot reads it).
//
// JSON keys (units in the name where not obvious): host_writes (write
// commands in the measured phase), host_reads, host_ops, nand_writes (NAND
// pages programmed), host_pages_written, waf (null without media counters),
// sim_seconds, iops, mb_per_second (10^6 bytes), read_latency_us and
// write_latency_us ({p50, p99, p999, mean, max, count}), gc_runs,
// gc_pages_moved, erases, erase_count_{min,avg,max}, metadata_bytes,
// wall_seconds (measured phase), host_ops_per_wall_second,
// steady_host_ops_per_wall_second, cpu_seconds, peak_rss_bytes, the configuration
// (store, profile, capacity_bytes, op_percent, gc_policy, workload, seed,
// ...), command (to rerun) and "timeseries": [{sim_seconds, wall_seconds,
// host_ops, host_writes, nand_writes, waf, iops, gc_runs, gc_pages_moved}].
//
// Thread-safety: pure functions.
#ifndef SALIX_SIM_REPORT_H
#define SALIX_SIM_REPORT_H

#include <cstdint>
#include <string>

#include "sim/options.h"
#include "sim/runner.h"

namespace salix::sim {

struct RunEnvironment {
  double total_wall_seconds = 0;  // the whole process, setup included
  uint64_t peak_rss_bytes = 0;
  double cpu_seconds = 0;  // process CPU time, setup included
};

std::string FormatJson(const SimOptions& o, const RunResult& r,
                       const RunEnvironment& env);
std::string FormatSummary(const SimOptions& o, const RunResult& r,
                          const RunEnvironment& env);

// "4 KiB", "1.5 GiB": binary units for sizes.
std::string HumanBytes(uint64_t bytes);

}  // namespace salix::sim

#endif  // SALIX_SIM_REPORT_H

// timeseries.h - the measured phase sampled every N host operations.
//
// Each sample holds the phase's counters so far (from the statistics page)
// plus the throughput of the interval since the previous sample, in
// simulated time. Samples are what --plot draws and what the JSON
// "timeseries" array holds.
//
// Thread-safety: not synchronized.
#ifndef SALIX_SIM_TIMESERIES_H
#define SALIX_SIM_TIMESERIES_H

#include <cstdint>
#include <vector>

#include "sim/stats_snapshot.h"

namespace salix::sim {

struct Sample {
  double sim_seconds = 0;   // since the measured phase began
  double wall_seconds = 0;  // likewise, on the wall clock
  uint64_t host_ops = 0;    // completed by the simulator so far
  uint64_t host_writes = 0;  // write commands (statistics page)
  uint64_t host_pages_written = 0;
  uint64_t nand_pages_written = 0;
  double waf = 0;           // so far in the phase
  double iops = 0;          // host ops per simulated second, this interval
  double wall_ops_per_second = 0;  // host ops per wall second, this interval
  uint64_t gc_runs = 0;
  uint64_t gc_pages_moved = 0;
};

class TimeSeries {
 public:
  // REQUIRES: every_ops >= 1.
  explicit TimeSeries(uint64_t every_ops) : every_(every_ops), next_(every_ops) {}

  bool Due(uint64_t host_ops) const { return host_ops >= next_; }
  // Appends a sample; since_start is the phase's delta up to now.
  void Add(const StatsDelta& since_start, uint64_t host_ops, double sim_seconds,
           double wall_seconds);

  uint64_t every() const { return every_; }
  const std::vector<Sample>& samples() const { return samples_; }

 private:
  uint64_t every_;
  uint64_t next_;
  std::vector<Sample> samples_;
};

}  // namespace salix::sim

#endif  // SALIX_SIM_TIMESERIES_H

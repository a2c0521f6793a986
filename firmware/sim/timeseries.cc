#include "sim/timeseries.h"

namespace salix::sim {

void TimeSeries::Add(const StatsDelta& d, uint64_t host_ops,
                     double sim_seconds, double wall_seconds) {
  Sample s;
  s.sim_seconds = sim_seconds;
  s.wall_seconds = wall_seconds;
  s.host_ops = host_ops;
  s.host_writes = d.host_write_commands;
  s.host_pages_written = d.host_pages_written;
  s.nand_pages_written = d.nand_pages_written;
  s.waf = d.waf();
  s.gc_runs = d.gc_runs;
  s.gc_pages_moved = d.gc_pages_moved;
  const Sample prev = samples_.empty() ? Sample{} : samples_.back();
  double dt = sim_seconds - prev.sim_seconds;
  double dw = wall_seconds - prev.wall_seconds;
  double ops = double(host_ops - prev.host_ops);
  s.iops = dt > 0 ? ops / dt : 0;
  s.wall_ops_per_second = dw > 0 ? ops / dw : 0;
  samples_.push_back(s);
  while (next_ <= host_ops) next_ += every_;
}

}  // namespace salix::sim

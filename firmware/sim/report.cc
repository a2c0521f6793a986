#include "sim/report.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/config.h"
#include "sim/json_writer.h"
#include "sim/stats_snapshot.h"

namespace salix::sim {
namespace {

// What the run looked like from the outside, shared by both formats.
struct Derived {
  std::string store;
  std::string profile;
  std::string op_percent;
  std::string gc_policy;
  std::string timing;
  double sim_seconds;
  double iops;
  double mb_per_second;
  double ops_per_wall_second;
  uint64_t metadata_bytes;
};

Derived Derive(const SimOptions& o, const RunResult& r) {
  Derived d;
  bool flash = PersonalityHasFlash(o.personality);
  // nossd keeps every payload in RAM; it has no flash store to choose.
  d.store = flash ? EffectiveProperty(o, "flash.store") : "data";
  d.profile = flash ? EffectiveProperty(o, "flash.profile") : "";
  d.op_percent = flash ? EffectiveProperty(o, "ftl.op-percent") : "";
  d.gc_policy = flash ? EffectiveProperty(o, "ftl.gc-policy") : "";
  d.timing = flash ? EffectiveProperty(o, "timing.mode") : "off";
  d.sim_seconds = double(r.measured.sim_ns) / 1e9;
  uint64_t bytes = r.delta.host_bytes_read + r.delta.host_bytes_written;
  // With no simulated time (timing off, nossd) throughput is unbounded:
  // infinity, which the JSON writes as null and the summary as "-".
  const double inf = std::numeric_limits<double>::infinity();
  d.iops = d.sim_seconds > 0 ? double(r.measured.ops) / d.sim_seconds : inf;
  d.mb_per_second = d.sim_seconds > 0 ? double(bytes) / 1e6 / d.sim_seconds : inf;
  d.ops_per_wall_second = r.measured.wall_seconds > 0
                              ? double(r.measured.ops) / r.measured.wall_seconds
                              : 0;
  d.metadata_bytes = MetadataBytes(r.final_page);
  return d;
}

void Latency(JsonWriter& j, std::string_view key, const LatencyHistogram& h) {
  j.Key(key).BeginObject();
  j.Field("p50", double(h.Percentile(0.50)) / 1e3);
  j.Field("p99", double(h.Percentile(0.99)) / 1e3);
  j.Field("p999", double(h.Percentile(0.999)) / 1e3);
  j.Field("mean", h.mean() / 1e3);
  j.Field("max", double(h.max()) / 1e3);
  j.Field("count", h.count());
  j.EndObject();
}

void StringOrNull(JsonWriter& j, std::string_view key, const std::string& v) {
  j.Key(key);
  if (v.empty()) j.Null();
  else j.String(v);
}

std::string LatencyLine(const LatencyHistogram& h) {
  if (h.count() == 0) return "-";
  return fmt::format("p50 {:.1f}  p99 {:.1f}  p99.9 {:.1f}  (mean {:.1f}, max {:.1f})",
                     double(h.Percentile(0.50)) / 1e3,
                     double(h.Percentile(0.99)) / 1e3,
                     double(h.Percentile(0.999)) / 1e3, h.mean() / 1e3,
                     double(h.max()) / 1e3);
}

std::string Count(double v) {
  if (!std::isfinite(v)) return "-";
  if (v >= 1e9) return fmt::format("{:.2f} G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f} K", v / 1e3);
  return fmt::format("{:.0f}", v);
}

}  // namespace

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    u++;
  }
  if (u == 0) return fmt::format("{} B", bytes);
  if (v == double(uint64_t(v))) return fmt::format("{} {}", uint64_t(v), units[u]);
  return fmt::format("{:.1f} {}", v, units[u]);
}

std::string FormatJson(const SimOptions& o, const RunResult& r,
                       const RunEnvironment& env) {
  Derived d = Derive(o, r);
  const StatsDelta& m = r.delta;
  const salix_stats_log& f = r.final_page;
  JsonWriter j;
  j.BeginObject();
  j.Field("command", RerunCommand(o));
  j.Field("seed", r.seed);
  j.Field("personality", r.personality);
  StringOrNull(j, "profile", d.profile);
  j.Field("capacity_bytes", r.capacity_bytes);
  j.Field("lba_size", uint64_t{r.lba_size});
  j.Key("op_percent");
  if (auto v = ParseUint(d.op_percent); v.ok()) j.Uint(v.value());
  else j.Null();
  StringOrNull(j, "gc_policy", d.gc_policy);
  j.Field("store", d.store);
  j.Field("timing", d.timing);
  j.Field("clock", "virtual");
  j.Field("workload", WorkloadName(o.workload));
  if (o.workload == WorkloadKind::kTrace) {
    j.Field("trace", o.trace_path);
    j.Field("trace_requests", r.trace_requests);
    j.Field("trace_timing",
            o.trace_timing == TraceTiming::kOriginal ? "original" : "asap");
  } else {
    j.Field("read_ratio", EffectiveReadRatio(o));
    j.Field("writes_multiple", o.writes);
  }
  if (o.workload == WorkloadKind::kZipfian) j.Field("zipf_theta", o.zipf_theta);
  j.Field("bs", uint64_t{o.bs});
  j.Field("qd", uint64_t{o.qd});
  j.Key("precondition").Bool(o.precondition);

  j.Field("host_ops", r.measured.ops);
  j.Field("host_writes", m.host_write_commands);
  j.Field("host_reads", m.host_read_commands);
  j.Field("target_writes", r.target_writes);
  j.Field("host_write_bytes", m.host_bytes_written);
  j.Field("host_read_bytes", m.host_bytes_read);
  j.Key("media_valid").Bool(m.media);
  j.Field("flash_page_size", uint64_t{m.flash_page_size});
  j.Field("host_pages_written", m.host_pages_written);
  j.Field("nand_writes", m.nand_pages_written);
  j.Field("nand_pages_read", m.nand_pages_read);
  j.Key("waf");
  if (m.media) j.Double(m.waf());
  else j.Null();
  j.Key("steady_waf");
  if (r.steady_waf > 0) j.Double(r.steady_waf);
  else j.Null();
  j.Field("gc_runs", m.gc_runs);
  j.Field("gc_pages_moved", m.gc_pages_moved);
  j.Field("erases", m.erases);
  j.Field("erase_count_min", uint64_t{f.erase_count_min});
  j.Field("erase_count_avg", f.erase_count_avg_milli / 1000.0);
  j.Field("erase_count_max", uint64_t{f.erase_count_max});
  j.Field("free_blocks", f.free_blocks);
  j.Field("total_blocks", f.total_blocks);
  j.Field("spare_blocks", f.spare_blocks);
  j.Field("metadata_bytes", d.metadata_bytes);

  j.Field("sim_seconds", d.sim_seconds);
  j.Field("iops", d.iops);
  j.Field("mb_per_second", d.mb_per_second);
  Latency(j, "read_latency_us", r.read_latency);
  Latency(j, "write_latency_us", r.write_latency);

  j.Field("wall_seconds", r.measured.wall_seconds);
  j.Field("host_ops_per_wall_second", d.ops_per_wall_second);
  j.Field("steady_host_ops_per_wall_second", r.steady_ops_per_wall_second);
  j.Field("precondition_ops", r.precondition.ops);
  j.Field("precondition_wall_seconds", r.precondition.wall_seconds);
  j.Field("precondition_sim_seconds", double(r.precondition.sim_ns) / 1e9);
  j.Field("total_wall_seconds", env.total_wall_seconds);
  j.Field("cpu_seconds", env.cpu_seconds);
  j.Field("peak_rss_bytes", env.peak_rss_bytes);

  j.Key("timeseries").BeginArray();
  for (const Sample& s : r.timeseries) {
    j.BeginObject();
    j.Field("sim_seconds", s.sim_seconds);
    j.Field("wall_seconds", s.wall_seconds);
    j.Field("host_ops", s.host_ops);
    j.Field("host_writes", s.host_writes);
    j.Field("nand_writes", s.nand_pages_written);
    j.Key("waf");
    if (m.media) j.Double(s.waf);
    else j.Null();
    j.Field("iops", s.iops);
    j.Field("gc_runs", s.gc_runs);
    j.Field("gc_pages_moved", s.gc_pages_moved);
    j.EndObject();
  }
  j.EndArray();
  j.EndObject();
  return j.str() + "\n";
}

std::string FormatSummary(const SimOptions& o, const RunResult& r,
                          const RunEnvironment& env) {
  Derived d = Derive(o, r);
  const StatsDelta& m = r.delta;
  const salix_stats_log& f = r.final_page;
  std::string s;
  auto line = [&s](std::string text) { s += text + "\n"; };
  auto or_default = [](const std::string& v) {
    return v.empty() ? std::string("(default)") : v;
  };

  std::string device = fmt::format("{}, {} ({}-byte blocks)", r.personality,
                                   HumanBytes(r.capacity_bytes), r.lba_size);
  if (PersonalityHasFlash(o.personality)) {
    device += fmt::format(", profile {}, OP {}%, GC {}", or_default(d.profile),
                          or_default(d.op_percent), or_default(d.gc_policy));
  }
  line("device:    " + device);
  line(fmt::format("store:     {}{}; timing {} on the virtual clock",
                   d.store,
                   d.store == "metadata" ? " (no payloads: OOB and mapping only)"
                                         : " (payloads kept)",
                   d.timing));
  std::string wl;
  if (o.workload == WorkloadKind::kTrace) {
    wl = fmt::format("trace {} ({} requests, {} timing)", o.trace_path,
                     r.trace_requests,
                     o.trace_timing == TraceTiming::kOriginal ? "original"
                                                              : "asap");
  } else {
    wl = fmt::format("{}, read ratio {:.2f}, {:.2f} x capacity written",
                     WorkloadName(o.workload), EffectiveReadRatio(o), o.writes);
    if (o.workload == WorkloadKind::kZipfian) {
      wl += fmt::format(", theta {}", o.zipf_theta);
    }
  }
  line(fmt::format("workload:  {}; bs {}, QD {}, seed {}", wl, HumanBytes(o.bs),
                   o.qd, r.seed));
  if (o.precondition) {
    line(fmt::format("precondition: {} sequential writes, {:.1f} s wall, {:.3f} s simulated",
                     r.precondition.ops, r.precondition.wall_seconds,
                     double(r.precondition.sim_ns) / 1e9));
  } else {
    line("precondition: off (measured phase starts on an empty drive)");
  }
  line(fmt::format("measured:  {} ops ({} reads, {} writes) in {:.3f} s simulated",
                   r.measured.ops, m.host_read_commands, m.host_write_commands,
                   d.sim_seconds));
  if (m.media) {
    line(fmt::format("  WAF              {:.3f}  (NAND {} pages / host {} pages of {} bytes); "
                     "second half of the phase {:.3f}",
                     m.waf(), m.nand_pages_written, m.host_pages_written,
                     m.flash_page_size, r.steady_waf));
  } else {
    line("  WAF              - (the personality has no media counters)");
  }
  if (std::isfinite(d.iops)) {
    line(fmt::format("  throughput       {} IOPS, {:.1f} MB/s (simulated time)",
                     Count(d.iops), d.mb_per_second));
  } else {
    line("  throughput       - (no simulated time passed: timing off)");
  }
  line("  read  latency us " + LatencyLine(r.read_latency));
  line("  write latency us " + LatencyLine(r.write_latency));
  if (m.media) {
    line(fmt::format("  GC               {} runs, {} pages moved", m.gc_runs,
                     m.gc_pages_moved));
    line(fmt::format("  erases           {} (per block: min {}, avg {:.2f}, max {}; "
                     "free blocks {} of {})",
                     m.erases, f.erase_count_min, f.erase_count_avg_milli / 1000.0,
                     f.erase_count_max, f.free_blocks, f.total_blocks));
  }
  if (d.metadata_bytes != 0) {
    line(fmt::format("  FTL metadata     {} DRAM", HumanBytes(d.metadata_bytes)));
  }
  line(fmt::format("speed:     {:.2f} s wall for the measured phase, {} host ops "
                   "per wall second (steady state {}); {:.1f} s in all",
                   r.measured.wall_seconds, Count(d.ops_per_wall_second),
                   r.steady_ops_per_wall_second > 0
                       ? Count(r.steady_ops_per_wall_second)
                       : std::string("-"),
                   env.total_wall_seconds));
  // The CPU share only means something over a run long enough to time.
  std::string cpu = fmt::format("CPU {:.1f} s", env.cpu_seconds);
  if (env.total_wall_seconds >= 1) {
    cpu += fmt::format(" ({:.0f}% of the wall time)",
                       100 * env.cpu_seconds / env.total_wall_seconds);
  }
  line(fmt::format("memory:    peak RSS {}; {}", HumanBytes(env.peak_rss_bytes), cpu));
  line("rerun:     " + RerunCommand(o));
  return s;
}

}  // namespace salix::sim

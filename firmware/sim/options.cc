#include "sim/options.h"

#include <fmt/format.h>
#include <salix/salix.h>

#include <charconv>
#include <cmath>
#include <random>
#include <string_view>

#include "core/config.h"

namespace salix::sim {
namespace {

Result<double, std::string> ParseDouble(std::string_view opt,
                                        std::string_view v) {
  double d = 0;
  const char* end = v.data() + v.size();
  auto [p, ec] = std::from_chars(v.data(), end, d);
  if (v.empty() || ec != std::errc() || p != end || !std::isfinite(d)) {
    return Err(fmt::format("{}: '{}' is not a number", opt, v));
  }
  return d;
}

Result<uint64_t, std::string> ParseCount(std::string_view opt,
                                         std::string_view v) {
  auto r = ParseUint(v);
  if (!r.ok()) return Err(fmt::format("{}: {}", opt, r.error()));
  return r.value();
}

Result<bool, std::string> ParseOnOff(std::string_view opt, std::string_view v) {
  if (v == "on" || v == "yes" || v == "1") return true;
  if (v == "off" || v == "no" || v == "0") return false;
  return Err(fmt::format("{}: expected on or off, got '{}'", opt, v));
}

std::string ShellQuote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || std::string_view("-_./=:,+%@").find(c) !=
                                             std::string_view::npos;
    if (!ok) plain = false;
  }
  if (plain) return s;
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

// Options that take a value.
constexpr std::string_view kValued[] = {
    "--profile", "--capacity", "--op-percent", "--gc",    "--workload",
    "--writes",  "--read-ratio", "--zipf-theta", "--seed", "--trace",
    "--trace-timing", "--qd", "--bs", "--store", "--timing",
    "--precondition", "-o", "--plot", "--sample-every", "--personality",
    "--progress"};

bool TakesValue(std::string_view name) {
  for (auto v : kValued) {
    if (v == name) return true;
  }
  return false;
}

}  // namespace

const char* WorkloadName(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::kUniform: return "uniform";
    case WorkloadKind::kZipfian: return "zipfian";
    case WorkloadKind::kSequential: return "sequential";
    case WorkloadKind::kMixed: return "mixed";
    case WorkloadKind::kTrace: return "trace";
  }
  return "?";
}

double EffectiveReadRatio(const SimOptions& o) {
  if (o.read_ratio_set) return o.read_ratio;
  return o.workload == WorkloadKind::kMixed ? 0.5 : 0.0;
}

std::string SimUsage() {
  return R"(salix-sim: the Salix firmware on a virtual clock, driven by workloads or traces.

usage: salix-sim [options]        (or: ./salix sim [options])

device
  --personality NAME   namespace personality (default ftl)
  --capacity SIZE      namespace size, K/M/G/T suffixes (default 1G)      -> size
  --profile NAME       drive profile                                      -> flash.profile
  --op-percent N       over-provisioning in percent                       -> ftl.op-percent
  --gc POLICY          greedy | cost-benefit | fifo                       -> ftl.gc-policy
  --store MODE         metadata (no payloads, default) | data             -> flash.store
  --timing MODE        realtime (default; on the virtual clock: virtual timing) | off
                                                                          -> timing.mode
  -o KEY=VALUE         any other firmware property (repeatable; applied last)
workload
  --workload KIND      uniform (default) | zipfian | sequential | mixed | trace
  --writes X           host writes in the measured phase, as a multiple of the
                       capacity (default 1)
  --read-ratio R       fraction of reads, 0..1 (default 0; mixed: 0.5)
  --zipf-theta T       Zipf skew, 0 <= T < 1 (default 0.99)
  --bs SIZE            I/O size (default 4k)
  --qd N               commands kept in flight (default 32)
  --seed N             random seed (default: random, printed)
  --trace FILE         MSR Cambridge / SNIA CSV trace (with --workload trace)
  --trace-timing M     asap (default: back to back at --qd) | original (open loop
                       at the trace's timestamps)
  --precondition on|off  fill the namespace sequentially once before the
                       measured phase (default on)
output
  --json               one JSON object on stdout instead of the summary
  --plot FILE.png      throughput, WAF and GC over simulated time (python3-matplotlib)
  --sample-every N     time-series interval in host ops (default: ~200 samples)
  --progress on|off    progress lines on stderr every few seconds (default on)
  -h, --help           this text

Flash, timing and FTL keys are passed only to personalities that model flash
(not nossd). Measured figures are the difference of two reads of the Salix
statistics log page (C0h), before and after the measured phase.
)";
}

Result<SimOptions, std::string> ParseSimArgs(std::span<const char* const> args) {
  SimOptions o;
  for (const char* a : args) o.args.emplace_back(a);
  for (size_t i = 0; i < args.size(); i++) {
    std::string_view arg = args[i];
    std::string_view name = arg;
    std::string_view value;
    bool has_value = false;
    if (arg.starts_with("--") && arg.find('=') != std::string_view::npos) {
      size_t eq = arg.find('=');
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    } else if (arg.starts_with("-o") && arg.size() > 2) {
      name = "-o";
      value = arg.substr(2);
      has_value = true;
    }
    if (TakesValue(name) && !has_value) {
      if (i + 1 >= args.size()) {
        return Err(fmt::format("{} needs a value (see --help)", name));
      }
      value = args[++i];
      has_value = true;
    } else if (!TakesValue(name) && has_value) {
      return Err(fmt::format("{} takes no value", name));
    }

    if (name == "-h" || name == "--help") {
      o.help = true;
    } else if (name == "--json") {
      o.json = true;
    } else if (name == "--personality") {
      o.personality = value;
    } else if (name == "--profile") {
      o.profile = value;
    } else if (name == "--capacity") {
      auto r = ParseSize(value);
      if (!r.ok()) return Err(fmt::format("--capacity: {}", r.error()));
      o.capacity = value;
    } else if (name == "--op-percent") {
      auto r = ParseCount(name, value);
      if (!r.ok()) return Err(r.error());
      o.op_percent = value;
    } else if (name == "--gc") {
      if (value != "greedy" && value != "cost-benefit" && value != "fifo") {
        return Err(fmt::format(
            "--gc: '{}' is not a policy (greedy, cost-benefit, fifo)", value));
      }
      o.gc_policy = value;
    } else if (name == "--workload") {
      if (value == "uniform") o.workload = WorkloadKind::kUniform;
      else if (value == "zipfian" || value == "zipf") o.workload = WorkloadKind::kZipfian;
      else if (value == "sequential") o.workload = WorkloadKind::kSequential;
      else if (value == "mixed") o.workload = WorkloadKind::kMixed;
      else if (value == "trace") o.workload = WorkloadKind::kTrace;
      else {
        return Err(fmt::format(
            "--workload: '{}' is not one of uniform, zipfian, sequential, "
            "mixed, trace",
            value));
      }
    } else if (name == "--writes") {
      auto r = ParseDouble(name, value);
      if (!r.ok()) return Err(r.error());
      if (r.value() <= 0) return Err(std::string("--writes must be above 0"));
      o.writes = r.value();
      o.writes_set = true;
    } else if (name == "--read-ratio") {
      auto r = ParseDouble(name, value);
      if (!r.ok()) return Err(r.error());
      if (r.value() < 0 || r.value() > 1) {
        return Err(fmt::format("--read-ratio must be in 0..1, got {}", value));
      }
      o.read_ratio = r.value();
      o.read_ratio_set = true;
    } else if (name == "--zipf-theta") {
      auto r = ParseDouble(name, value);
      if (!r.ok()) return Err(r.error());
      if (r.value() < 0 || r.value() >= 1) {
        return Err(fmt::format("--zipf-theta must be in [0, 1), got {}", value));
      }
      o.zipf_theta = r.value();
    } else if (name == "--seed") {
      auto r = ParseCount(name, value);
      if (!r.ok()) return Err(r.error());
      o.seed = r.value();
      o.seed_set = true;
    } else if (name == "--trace") {
      o.trace_path = value;
    } else if (name == "--trace-timing") {
      if (value == "asap") o.trace_timing = TraceTiming::kAsap;
      else if (value == "original") o.trace_timing = TraceTiming::kOriginal;
      else return Err(fmt::format("--trace-timing: '{}' is not asap or original", value));
    } else if (name == "--qd") {
      auto r = ParseCount(name, value);
      if (!r.ok()) return Err(r.error());
      if (r.value() < 1 || r.value() > 1023) {
        return Err(fmt::format("--qd must be 1..1023, got {}", value));
      }
      o.qd = static_cast<uint32_t>(r.value());
    } else if (name == "--bs") {
      auto r = ParseSize(value);
      if (!r.ok()) return Err(fmt::format("--bs: {}", r.error()));
      if (r.value() < 512 || r.value() % 512 != 0 || r.value() > (8u << 20)) {
        return Err(fmt::format(
            "--bs must be a multiple of 512 bytes up to 8M, got {}", value));
      }
      o.bs = static_cast<uint32_t>(r.value());
    } else if (name == "--store") {
      if (value != "metadata" && value != "data") {
        return Err(fmt::format("--store: '{}' is not metadata or data", value));
      }
      o.store = value;
    } else if (name == "--timing") {
      if (value != "realtime" && value != "off") {
        return Err(fmt::format("--timing: '{}' is not realtime or off", value));
      }
      o.timing = value;
    } else if (name == "--precondition") {
      auto r = ParseOnOff(name, value);
      if (!r.ok()) return Err(r.error());
      o.precondition = r.value();
    } else if (name == "--progress") {
      auto r = ParseOnOff(name, value);
      if (!r.ok()) return Err(r.error());
      o.progress = r.value();
    } else if (name == "-o") {
      size_t eq = value.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return Err(fmt::format("-o: expected KEY=VALUE, got '{}'", value));
      }
      o.extra.emplace_back(std::string(value.substr(0, eq)),
                           std::string(value.substr(eq + 1)));
    } else if (name == "--plot") {
      o.plot_path = value;
    } else if (name == "--sample-every") {
      auto r = ParseCount(name, value);
      if (!r.ok()) return Err(r.error());
      if (r.value() == 0) return Err(std::string("--sample-every must be >= 1"));
      o.sample_every = r.value();
    } else {
      return Err(fmt::format("unknown option '{}' (see --help)", arg));
    }
  }
  if (o.help) return o;
  if (o.workload == WorkloadKind::kTrace) {
    if (o.trace_path.empty()) {
      return Err(std::string("--workload trace needs --trace FILE"));
    }
    if (o.read_ratio_set) {
      return Err(std::string(
          "--read-ratio does not apply to a trace: each request's Type says "
          "read or write"));
    }
    if (o.writes_set) {
      return Err(std::string(
          "--writes does not apply to a trace: it is replayed once, to its end"));
    }
  } else if (!o.trace_path.empty()) {
    return Err(std::string("--trace FILE goes with --workload trace"));
  }
  if (!o.seed_set) {
    std::random_device rd;
    o.seed = (uint64_t{rd()} << 32) ^ rd();
  }
  return o;
}

bool PersonalityHasFlash(const std::string& personality) {
  return personality != "nossd";
}

std::vector<std::pair<std::string, std::string>> FirmwareConfig(
    const SimOptions& o) {
  std::vector<std::pair<std::string, std::string>> c;
  c.emplace_back("personality", o.personality);
  c.emplace_back("size", o.capacity);
  // One I/O queue pair is all the simulator uses; fewer queues make every
  // controller run cheaper.
  c.emplace_back("queues", "1");
  if (PersonalityHasFlash(o.personality)) {
    if (!o.profile.empty()) c.emplace_back("flash.profile", o.profile);
    c.emplace_back("flash.store", o.store);
    c.emplace_back("timing.mode", o.timing);
    if (!o.op_percent.empty()) c.emplace_back("ftl.op-percent", o.op_percent);
    if (!o.gc_policy.empty()) c.emplace_back("ftl.gc-policy", o.gc_policy);
  }
  for (const auto& kv : o.extra) c.push_back(kv);
  return c;
}

std::string EffectiveProperty(const SimOptions& o, const std::string& key) {
  auto config = FirmwareConfig(o);
  for (auto it = config.rbegin(); it != config.rend(); ++it) {
    if (it->first == key) return it->second;
  }
  const char *name = nullptr, *def = nullptr, *help = nullptr;
  for (size_t i = 0; salix_config_describe(i, &name, &def, &help); i++) {
    if (key == name) return def ? def : "";
  }
  return "";
}

std::string RerunCommand(const SimOptions& o) {
  std::string cmd = "./salix sim";
  bool skip_next = false;
  for (size_t i = 0; i < o.args.size(); i++) {
    const std::string& a = o.args[i];
    if (skip_next) {
      skip_next = false;
      continue;
    }
    // The seed is always appended below, so drop a given one.
    if (a == "--seed") {
      skip_next = true;
      continue;
    }
    if (a.starts_with("--seed=")) continue;
    cmd += " " + ShellQuote(a);
  }
  cmd += fmt::format(" --seed {}", o.seed);
  return cmd;
}

}  // namespace salix::sim

// options.h - the salix-sim command line and what it means for the firmware.
//
// ParseSimArgs turns argv into SimOptions (checking every value, the error
// naming the option); FirmwareConfig turns SimOptions into the controller
// properties, in the order they are applied. Flash, timing and FTL keys are
// only passed to personalities that read them (not nossd, which rejects
// them); -o KEY=VALUE pairs come last, so they override the named options.
//
// Thread-safety: pure functions over values.
#ifndef SALIX_SIM_OPTIONS_H
#define SALIX_SIM_OPTIONS_H

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "sim/synthetic_workload.h"
#include "sim/trace_workload.h"

namespace salix::sim {

enum class WorkloadKind { kUniform, kZipfian, kSequential, kMixed, kTrace };

struct SimOptions {
  std::string personality = "ftl";
  std::string profile;     // empty: the firmware's default
  std::string capacity = "1G";
  std::string op_percent;  // empty: the firmware's default
  std::string gc_policy;   // empty: the firmware's default
  WorkloadKind workload = WorkloadKind::kUniform;
  double writes = 1.0;     // host writes in the measured phase / capacity
  bool writes_set = false;
  double read_ratio = 0;   // mixed defaults to 0.5
  bool read_ratio_set = false;
  double zipf_theta = 0.99;
  uint64_t seed = 0;
  bool seed_set = false;
  std::string trace_path;
  TraceTiming trace_timing = TraceTiming::kAsap;
  uint32_t qd = 32;
  uint32_t bs = 4096;
  std::string store = "metadata";
  std::string timing = "realtime";
  bool precondition = true;
  std::vector<std::pair<std::string, std::string>> extra;  // -o KEY=VALUE
  bool json = false;
  std::string plot_path;
  uint64_t sample_every = 0;  // host ops; 0: about 200 samples per run
  bool progress = true;
  bool help = false;
  std::vector<std::string> args;  // as given, for the rerun line
};

// args excludes the program name.
Result<SimOptions, std::string> ParseSimArgs(std::span<const char* const> args);
std::string SimUsage();

const char* WorkloadName(WorkloadKind kind);
// The read ratio the run uses (mixed without --read-ratio: 0.5).
double EffectiveReadRatio(const SimOptions& o);

std::vector<std::pair<std::string, std::string>> FirmwareConfig(
    const SimOptions& o);
// The value a property will have: the last one FirmwareConfig sets, else the
// firmware's documented default, else "".
std::string EffectiveProperty(const SimOptions& o, const std::string& key);
// Whether the personality reads flash.*, timing.* and ftl.* keys.
bool PersonalityHasFlash(const std::string& personality);

// A command line that reruns exactly this simulation (the seed included).
std::string RerunCommand(const SimOptions& o);

}  // namespace salix::sim

#endif  // SALIX_SIM_OPTIONS_H

// salix-sim: the simulator's command line (see options.cc for --help).
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "sim/options.h"
#include "sim/report.h"
#include "sim/resource_usage.h"
#include "sim/runner.h"

extern char** environ;

namespace salix::sim {
namespace {

void PrintProgress(const Progress& p) {
  std::string done = p.fraction >= 0 ? fmt::format("{:5.1f}%", 100 * p.fraction)
                                     : std::string("   ?  ");
  std::string waf = p.waf > 0 ? fmt::format("WAF {:.2f}", p.waf) : "WAF -";
  fmt::print(stderr, "[sim] {:<12} {}  {}  {:.0f} ops/wall s  sim {:.3f} s\n",
             p.phase, done, waf, p.ops_per_wall_second, p.sim_seconds);
  std::fflush(stderr);
}

// Runs python3 plot.py JSON PNG. The script comes from the source tree
// (compiled-in path) unless SALIX_SIM_PLOT names another. The interpreter is
// SALIX_PYTHON, else Debian's /usr/bin/python3 (where python3-matplotlib
// lands, even when a pyenv python3 comes first on PATH), else python3.
int Plot(const std::string& json, const std::string& png) {
  const char* env = std::getenv("SALIX_SIM_PLOT");
  std::string script = env ? env : SALIX_SIM_PLOT_SCRIPT;
  char tmpl[] = "/tmp/salix-sim-XXXXXX.json";
  int fd = mkstemps(tmpl, 5);
  if (fd < 0) {
    fmt::print(stderr, "salix-sim: cannot create a temporary file for --plot\n");
    return 1;
  }
  std::FILE* f = fdopen(fd, "w");
  std::fwrite(json.data(), 1, json.size(), f);
  std::fclose(f);
  std::string py = "python3";
  if (const char* p = std::getenv("SALIX_PYTHON")) {
    py = p;
  } else if (access("/usr/bin/python3", X_OK) == 0) {
    py = "/usr/bin/python3";
  }
  char* argv[] = {py.data(), script.data(), tmpl, const_cast<char*>(png.c_str()),
                  nullptr};
  pid_t pid;
  int rc = posix_spawnp(&pid, py.c_str(), nullptr, nullptr, argv, environ);
  int status = 0;
  if (rc == 0) waitpid(pid, &status, 0);
  unlink(tmpl);
  if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fmt::print(stderr,
               "salix-sim: plotting failed ({} {}); is python3-matplotlib "
               "installed? (./salix deps)\n",
               py, script);
    return 1;
  }
  fmt::print(stderr, "[sim] plot written to {}\n", png);
  return 0;
}

int Main(int argc, char** argv) {
  auto start = std::chrono::steady_clock::now();
  auto parsed = ParseSimArgs(std::span<const char* const>(argv + 1, argc - 1));
  if (!parsed.ok()) {
    fmt::print(stderr, "salix-sim: {}\n", parsed.error());
    return 2;
  }
  const SimOptions& o = parsed.value();
  if (o.help) {
    fmt::print("{}", SimUsage());
    return 0;
  }
  fmt::print(stderr, "[sim] seed {}\n", o.seed);
  ProgressFn progress;
  if (o.progress) progress = PrintProgress;
  auto result = RunSimulation(o, progress);
  if (!result.ok()) {
    fmt::print(stderr, "salix-sim: {}\n", result.error());
    return 1;
  }
  RunEnvironment env;
  env.total_wall_seconds = std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - start)
                               .count();
  env.peak_rss_bytes = PeakRssBytes();
  env.cpu_seconds = CpuSeconds();
  std::string json = FormatJson(o, *result.value(), env);
  if (o.json) {
    fmt::print("{}", json);
  } else {
    fmt::print("{}", FormatSummary(o, *result.value(), env));
  }
  std::fflush(stdout);
  if (!o.plot_path.empty()) return Plot(json, o.plot_path);
  return 0;
}

}  // namespace
}  // namespace salix::sim

int main(int argc, char** argv) { return salix::sim::Main(argc, argv); }

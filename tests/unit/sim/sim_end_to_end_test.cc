// A whole simulation on a small device: the JSON report has the keys scripts
// rely on and the measured phase wrote exactly what was asked.
#include <catch2/catch.hpp>
#include <salix/salix.h>
#include <unistd.h>

#include <cstdlib>

#include <string>
#include <vector>

#include "sim/options.h"
#include "sim/report.h"
#include "sim/runner.h"

namespace salix::sim {
namespace {

bool PersonalityExists(const char* name) {
  salix_config* cfg = salix_config_new();
  char* err = nullptr;
  bool ok = salix_config_set(cfg, "personality", name, &err);
  salix_free_string(err);
  salix_config_free(cfg);
  return ok;
}

SimOptions Options(std::vector<const char*> args) {
  auto r = ParseSimArgs(args);
  if (!r.ok()) FAIL(r.error());
  return r.value();
}

std::string RunJson(const SimOptions& o, RunResult* out = nullptr) {
  auto r = RunSimulation(o);
  if (!r.ok()) FAIL("simulation failed: " << r.error());
  if (out != nullptr) *out = *r.value();
  return FormatJson(o, *r.value(), RunEnvironment{1.0, 1});
}

const char* const kRequiredKeys[] = {
    "host_writes", "nand_writes", "waf", "sim_seconds", "wall_seconds",
    "host_ops_per_wall_second", "read_latency_us", "write_latency_us", "p50",
    "p99", "p999", "store", "profile", "capacity_bytes", "op_percent",
    "gc_policy", "workload", "seed", "gc_runs", "gc_pages_moved",
    "peak_rss_bytes", "metadata_bytes", "timeseries", "iops"};

void CheckKeys(const std::string& json) {
  CHECK(json.front() == '{');
  CHECK(json.find('\n') == json.size() - 1);  // one object, one line
  for (const char* key : kRequiredKeys) {
    INFO(key);
    CHECK(json.find(std::string("\"") + key + "\":") != std::string::npos);
  }
}

}  // namespace

TEST_CASE("nossd end to end: required JSON keys and exactly the host writes asked") {
  SimOptions o = Options({"--personality", "nossd", "--capacity", "4M",
                          "--writes", "1.5", "--seed", "1", "--progress", "off"});
  RunResult r;
  std::string json = RunJson(o, &r);
  CheckKeys(json);
  // 1.5 x 4 MiB in 4 KiB writes.
  CHECK(json.find("\"host_writes\":1536,") != std::string::npos);
  CHECK(r.measured.writes == 1536);
  CHECK(r.precondition.writes == 4 * 8);  // 128 KiB chunks
  CHECK(json.find("\"store\":\"data\"") != std::string::npos);
  CHECK(json.find("\"waf\":null") != std::string::npos);  // no media counters
  CHECK(r.write_latency.count() == 1536);
  CHECK_FALSE(r.timeseries.empty());
  CHECK(r.timeseries.back().host_ops == 1536);
}

TEST_CASE("A mixed run keeps QD commands in flight and counts reads apart") {
  SimOptions o = Options({"--personality", "nossd", "--capacity", "4M",
                          "--workload", "mixed", "--read-ratio", "0.7",
                          "--qd", "8", "--bs", "8k", "--seed", "4",
                          "--precondition", "off", "--progress", "off"});
  RunResult r;
  RunJson(o, &r);
  CHECK(r.measured.writes == 512);  // 4 MiB / 8 KiB
  CHECK(r.delta.host_write_commands == 512);
  CHECK(r.delta.host_read_commands == r.measured.reads);
  double ratio = double(r.measured.reads) / double(r.measured.ops);
  CHECK(ratio == Approx(0.7).margin(0.05));
  CHECK(r.precondition.ops == 0);
}

TEST_CASE("The same seed gives the same simulation") {
  SimOptions o = Options({"--personality", "nossd", "--capacity", "2M",
                          "--workload", "zipfian", "--read-ratio", "0.5",
                          "--seed", "77", "--progress", "off"});
  RunResult a, b;
  RunJson(o, &a);
  RunJson(o, &b);
  CHECK(a.measured.reads == b.measured.reads);
  CHECK(a.measured.sim_ns == b.measured.sim_ns);
}

namespace {

// Writes text to a new temporary .csv file and returns its path.
std::string TempTrace(const std::string& text) {
  char path[] = "/tmp/salix-sim-test-XXXXXX.csv";
  int fd = mkstemps(path, 4);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == ssize_t(text.size()));
  close(fd);
  return path;
}

}  // namespace

TEST_CASE("A trace replays once: every request, split and wrapped, as I/Os") {
  // 1 MiB namespace; the second request wraps, the third is split in two.
  std::string path = TempTrace(
      "10,h,0,Write,0,4096,1\n"
      "20,h,0,Write,1044480,8192,1\n"
      "30,h,0,Read,0,262144,1\n");
  SimOptions o = Options({"--personality", "nossd", "--capacity", "1M",
                          "--workload", "trace", "--trace", path.c_str(),
                          "--precondition", "off", "--progress", "off"});
  RunResult r;
  std::string json = RunJson(o, &r);
  unlink(path.c_str());
  CHECK(r.trace_requests == 3);
  CHECK(r.measured.writes == 3);  // 1 + the wrapped request's 2 pieces
  CHECK(r.measured.reads == 2);   // 256 KiB in 128 KiB I/Os
  CHECK(r.delta.host_bytes_written == 12288);
  CHECK(r.delta.host_bytes_read == 262144);
  CHECK(json.find("\"trace_requests\":3") != std::string::npos);
}

TEST_CASE("Original trace timing issues requests no earlier than their timestamps") {
  // Two requests 1 s apart (10^7 ticks of 100 ns): the phase lasts >= 1 s of
  // simulated time even on nossd, where commands take no time at all.
  std::string path = TempTrace(
      "5000000,h,0,Write,0,4096,1\n"
      "15000000,h,0,Write,4096,4096,1\n");
  SimOptions o = Options({"--personality", "nossd", "--capacity", "1M",
                          "--workload", "trace", "--trace", path.c_str(),
                          "--trace-timing", "original", "--precondition", "off",
                          "--progress", "off"});
  RunResult r;
  RunJson(o, &r);
  CHECK(r.measured.writes == 2);
  CHECK(r.measured.sim_ns >= 1'000'000'000);
  CHECK(r.measured.sim_ns < 1'001'000'000);
  o.trace_timing = TraceTiming::kAsap;
  RunJson(o, &r);
  unlink(path.c_str());
  CHECK(r.measured.sim_ns < 1'000'000);
}

TEST_CASE("A malformed trace line fails the run with its location") {
  std::string path = TempTrace(
      "1,h,0,Write,0,4096,1\n2,h,0,Write,4096,4096,1\n3,h,0,Erase,0,4096,1\n");
  SimOptions o = Options({"--personality", "nossd", "--capacity", "1M",
                          "--workload", "trace", "--trace", path.c_str(),
                          "--progress", "off"});
  auto r = RunSimulation(o);
  unlink(path.c_str());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error(), Catch::Contains(path + ":3: "));
}

TEST_CASE("ftl end to end: media figures and exactly the host writes asked") {
  if (!PersonalityExists("ftl")) {
    WARN("no ftl personality in this firmware yet; skipped");
    return;
  }
  SimOptions o = Options({"--capacity", "16M", "--writes", "2", "--seed", "2",
                          "--progress", "off"});
  RunResult r;
  std::string json = RunJson(o, &r);
  CheckKeys(json);
  CHECK(r.delta.host_write_commands == 8192);
  CHECK(r.delta.media);
  CHECK(r.delta.waf() >= 1.0);
  CHECK(json.find("\"store\":\"metadata\"") != std::string::npos);
}

}  // namespace salix::sim

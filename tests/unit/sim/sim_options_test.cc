// The salix-sim command line and the firmware properties it turns into.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/options.h"

namespace salix::sim {
namespace {

Result<SimOptions, std::string> Parse(std::vector<const char*> args) {
  return ParseSimArgs(args);
}

bool HasKey(const std::vector<std::pair<std::string, std::string>>& c,
            const std::string& prefix) {
  return std::any_of(c.begin(), c.end(),
                     [&](const auto& kv) { return kv.first.starts_with(prefix); });
}

}  // namespace

TEST_CASE("Defaults: ftl, uniform writes once over 1G, 4k at QD32, metadata store") {
  auto r = Parse({"--seed", "3"});
  REQUIRE(r.ok());
  const SimOptions& o = r.value();
  CHECK(o.personality == "ftl");
  CHECK(o.workload == WorkloadKind::kUniform);
  CHECK(o.writes == 1.0);
  CHECK(o.bs == 4096);
  CHECK(o.qd == 32);
  CHECK(o.store == "metadata");
  CHECK(o.timing == "realtime");
  CHECK(o.precondition);
  CHECK(o.seed == 3);
  CHECK(EffectiveReadRatio(o) == 0.0);
}

TEST_CASE("Named options map to firmware properties; -o comes last and wins") {
  auto r = Parse({"--capacity", "64G", "--op-percent=7", "--gc", "cost-benefit",
                  "--profile", "tlc-datacenter", "--store", "data", "--timing",
                  "off", "-o", "flash.channels=8", "-oftl.op-percent=9"});
  REQUIRE(r.ok());
  auto c = FirmwareConfig(r.value());
  using KV = std::pair<std::string, std::string>;
  CHECK(std::find(c.begin(), c.end(), KV{"size", "64G"}) != c.end());
  CHECK(std::find(c.begin(), c.end(), KV{"flash.profile", "tlc-datacenter"}) != c.end());
  CHECK(std::find(c.begin(), c.end(), KV{"flash.store", "data"}) != c.end());
  CHECK(std::find(c.begin(), c.end(), KV{"timing.mode", "off"}) != c.end());
  CHECK(std::find(c.begin(), c.end(), KV{"ftl.gc-policy", "cost-benefit"}) != c.end());
  CHECK(c.back() == KV{"ftl.op-percent", "9"});
  CHECK(EffectiveProperty(r.value(), "ftl.op-percent") == "9");
  CHECK(EffectiveProperty(r.value(), "flash.channels") == "8");
}

TEST_CASE("nossd gets no flash, timing or FTL keys (it would reject them)") {
  auto r = Parse({"--personality", "nossd", "--op-percent", "7", "--gc", "greedy"});
  REQUIRE(r.ok());
  auto c = FirmwareConfig(r.value());
  CHECK_FALSE(HasKey(c, "flash."));
  CHECK_FALSE(HasKey(c, "ftl."));
  CHECK_FALSE(HasKey(c, "timing."));
}

TEST_CASE("Bad values are rejected naming the option") {
  const std::vector<std::pair<std::vector<const char*>, const char*>> cases = {
      {{"--gc", "lru"}, "--gc"},
      {{"--workload", "random"}, "--workload"},
      {{"--read-ratio", "1.5"}, "--read-ratio"},
      {{"--zipf-theta", "1"}, "--zipf-theta"},
      {{"--qd", "0"}, "--qd"},
      {{"--bs", "100"}, "--bs"},
      {{"--store", "ram"}, "--store"},
      {{"--timing", "virtual"}, "--timing"},
      {{"--writes", "-1"}, "--writes"},
      {{"--capacity", "lots"}, "--capacity"},
      {{"-o", "novalue"}, "-o"},
      {{"--qd"}, "--qd needs a value"},
      {{"--frobnicate"}, "unknown option"},
      {{"--workload", "trace"}, "--trace FILE"},
      {{"--workload", "trace", "--trace", "t.csv", "--read-ratio", "0.5"},
       "--read-ratio"},
      {{"--workload", "trace", "--trace", "t.csv", "--writes", "2"}, "--writes"},
      {{"--trace", "t.csv"}, "--workload trace"},
  };
  for (const auto& [args, says] : cases) {
    auto r = Parse(args);
    INFO(args[0]);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains(says));
  }
}

TEST_CASE("Mixed defaults to half reads; an explicit ratio applies to any generator") {
  auto m = Parse({"--workload", "mixed"});
  REQUIRE(m.ok());
  CHECK(EffectiveReadRatio(m.value()) == 0.5);
  auto z = Parse({"--workload", "zipfian", "--read-ratio", "0.25"});
  REQUIRE(z.ok());
  CHECK(EffectiveReadRatio(z.value()) == 0.25);
}

TEST_CASE("The rerun command carries the seed, even a random one") {
  auto r = Parse({"--capacity", "8G", "--seed", "11", "-o", "a b=c"});
  REQUIRE(r.ok());
  CHECK(RerunCommand(r.value()) == "./salix sim --capacity 8G -o 'a b=c' --seed 11");
  auto random = Parse({"--qd", "4"});
  REQUIRE(random.ok());
  CHECK(RerunCommand(random.value()) ==
        "./salix sim --qd 4 --seed " + std::to_string(random.value().seed));
}

}  // namespace salix::sim

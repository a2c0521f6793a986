// Interpreter speed, in instructions per second, for the checksum and the
// B-tree example apps. Hidden ([.benchmark]): run it with
//   <build>/tests/unit/salix-unit '[.benchmark][apps-bench]'
// It measures, prints and asserts only that the apps ran correctly.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <map>
#include <random>

#include "apps/examples/checksum.h"
#include "btree_builder.h"
#include "memory_env.h"

namespace salix::apps::ebpf::test {
namespace {

using Clock = std::chrono::steady_clock;

struct Tally {
  uint64_t insns = 0, runs = 0, lbas = 0;
  double seconds = 0;
  void Print(const char* what) const {
    fmt::print("{:<34} {:>8.1f} M insns/s  {:>10} insns in {} runs ({:.3f} s, {} LBAs read)\n",
               what, insns / seconds / 1e6, insns, runs, seconds, lbas);
  }
};

}  // namespace

TEST_CASE("Interpreter speed on the example apps", "[.benchmark][apps-bench]") {
  fmt::print("rerun: salix-unit '[.benchmark][apps-bench]' (build type matters: debugoptimized "
             "by default)\n");
  {
    MemoryEnv env(4096, 256);
    std::mt19937 rng(1);
    for (auto& b : env.data()) b = static_cast<uint8_t>(rng());
    Domain d = DomainOf({{0, 256, kRightRead}});
    auto interp = MakeInterpreter(VerifyOrDie(ExampleProgram("checksum")), 64 * 1024);
    checksum_params p{0, 256, 0};
    std::vector<uint8_t> out(4);
    Invocation inv;
    inv.input = BytesOf(p);
    inv.output = out;
    inv.domain = &d;
    inv.budget = uint64_t{1} << 30;
    Tally t;
    const auto start = Clock::now();
    while (t.seconds < 1.0) {
      auto r = interp->Run(inv, env);
      REQUIRE(r.ok());
      t.insns += r->stats.insns;
      t.lbas += r->stats.lbas_read;
      ++t.runs;
      t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }
    t.Print("checksum (CRC32C, 1 MiB per run)");
    fmt::print("{:<34} {:>8.1f} MB/s checksummed\n", "", t.lbas * 4096.0 / t.seconds / 1e6);
  }
  {
    MemoryEnv env(4096, 2048);
    std::mt19937_64 rng(2);
    std::map<uint64_t, uint64_t> kv;
    while (kv.size() < 100000) kv[rng() % 100'000'000] = rng();
    std::vector<std::pair<uint64_t, uint64_t>> sorted(kv.begin(), kv.end());
    BuiltTree tree = BuildBtree(env, 0, sorted, 0);
    std::vector<uint64_t> keys;
    for (int i = 0; i < 4096; ++i) keys.push_back(sorted[rng() % sorted.size()].first);
    Domain d = DomainOf({{0, tree.nodes, kRightRead}});
    auto interp = MakeInterpreter(VerifyOrDie(ExampleProgram("btree_lookup")), 4096);
    std::vector<uint8_t> out(8);
    Tally t;
    const auto start = Clock::now();
    while (t.seconds < 1.0) {
      for (int k = 0; k < 256; ++k) {
        btree_lookup_params p{tree.root_lba, keys[(t.runs + k) % keys.size()]};
        Invocation inv;
        inv.input = BytesOf(p);
        inv.output = out;
        inv.domain = &d;
        auto r = interp->Run(inv, env);
        REQUIRE(r.ok());
        REQUIRE(r->r0 == 1);
        t.insns += r->stats.insns;
        t.lbas += r->stats.lbas_read;
      }
      t.runs += 256;
      t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }
    t.Print(fmt::format("btree lookup (100k keys, depth {})", tree.depth).c_str());
    fmt::print("{:<34} {:>8.0f} lookups/s, {:.0f} insns per lookup\n", "", t.runs / t.seconds,
               double(t.insns) / t.runs);
  }
}

}  // namespace salix::apps::ebpf::test

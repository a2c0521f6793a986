// Workload generators: deterministic per seed, inside the namespace, with the
// skew, wrap-around and read/write mix they promise.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <vector>

#include "sim/synthetic_workload.h"
#include "sim/zipfian.h"

namespace salix::sim {
namespace {

SyntheticSpec Spec(Pattern p, uint64_t seed = 7, double read_ratio = 0) {
  SyntheticSpec s;
  s.pattern = p;
  s.space = IoSpace{/*capacity_blocks=*/8192, /*lba_size=*/512,
                    /*block_bytes=*/4096};  // 1024 units of 8 blocks
  s.seed = seed;
  s.read_ratio = read_ratio;
  return s;
}

std::vector<IoOp> Take(Workload& w, size_t n) {
  std::vector<IoOp> ops(n);
  for (auto& op : ops) REQUIRE(w.Next(&op));
  return ops;
}

bool Same(const std::vector<IoOp>& a, const std::vector<IoOp>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const IoOp& x, const IoOp& y) {
                      return x.write == y.write && x.slba == y.slba &&
                             x.nlb == y.nlb;
                    });
}

}  // namespace

TEST_CASE("Every generator repeats its sequence for the same seed") {
  for (Pattern p : {Pattern::kUniform, Pattern::kZipfian, Pattern::kSequential}) {
    auto a = MakeSyntheticWorkload(Spec(p, 42, 0.3));
    auto b = MakeSyntheticWorkload(Spec(p, 42, 0.3));
    CHECK(Same(Take(*a, 5000), Take(*b, 5000)));
  }
}

TEST_CASE("Random generators give different sequences for different seeds") {
  for (Pattern p : {Pattern::kUniform, Pattern::kZipfian}) {
    auto a = MakeSyntheticWorkload(Spec(p, 1));
    auto b = MakeSyntheticWorkload(Spec(p, 2));
    CHECK_FALSE(Same(Take(*a, 1000), Take(*b, 1000)));
  }
}

TEST_CASE("Generated I/Os are whole units inside the namespace") {
  for (Pattern p : {Pattern::kUniform, Pattern::kZipfian, Pattern::kSequential}) {
    auto w = MakeSyntheticWorkload(Spec(p));
    for (const IoOp& op : Take(*w, 20000)) {
      CHECK(op.nlb == 8);
      CHECK(op.slba % 8 == 0);
      CHECK(op.slba + op.nlb <= 8192);
    }
  }
}

TEST_CASE("Uniform addresses cover the space evenly") {
  auto w = MakeSyntheticWorkload(Spec(Pattern::kUniform));
  std::vector<int> hits(1024);
  for (const IoOp& op : Take(*w, 1024 * 200)) hits[op.slba / 8]++;
  // 200 expected per unit; 5 standard deviations is ~70.
  CHECK(*std::min_element(hits.begin(), hits.end()) > 130);
  CHECK(*std::max_element(hits.begin(), hits.end()) < 270);
}

TEST_CASE("Zipfian addresses are skewed: the hottest 1% takes about half the I/O") {
  auto w = MakeSyntheticWorkload(Spec(Pattern::kZipfian));
  std::map<uint64_t, int> hits;
  const int n = 200000;
  for (const IoOp& op : Take(*w, n)) hits[op.slba]++;
  std::vector<int> counts;
  for (auto& [lba, c] : hits) counts.push_back(c);
  std::sort(counts.rbegin(), counts.rend());
  int top = 0;
  for (size_t i = 0; i < 10 && i < counts.size(); i++) top += counts[i];
  // theta 0.99 over 1024 items: H(10)/H(1024) is about 0.39; uniform: 0.01.
  CHECK(double(top) / n > 0.3);
  CHECK(double(top) / n < 0.5);
}

TEST_CASE("Zipfian with theta 0 is uniform and ranks stay in range") {
  Zipfian z(1000, 0.0);
  Rng rng(3);
  std::vector<int> hits(1000);
  for (int i = 0; i < 200000; i++) {
    uint64_t k = z.Draw(rng);
    REQUIRE(k < 1000);
    hits[k]++;
  }
  CHECK(*std::max_element(hits.begin(), hits.end()) < 300);
}

TEST_CASE("Zeta is exact for small n and continuous across the exact/approximate seam") {
  CHECK(Zipfian::Zeta(1, 0.99) == Approx(1.0));
  CHECK(Zipfian::Zeta(3, 0.5) == Approx(1 + 1 / std::sqrt(2.0) + 1 / std::sqrt(3.0)));
  double below = Zipfian::Zeta(1u << 20, 0.99);
  double above = Zipfian::Zeta((1u << 20) + 1, 0.99);
  CHECK(above - below == Approx(std::pow(double((1u << 20) + 1), -0.99)).epsilon(1e-3));
}

TEST_CASE("Sequential starts at unit 0 and wraps after the last unit") {
  auto w = MakeSyntheticWorkload(Spec(Pattern::kSequential));
  auto ops = Take(*w, 1024 + 3);
  for (size_t i = 0; i < 1024; i++) CHECK(ops[i].slba == i * 8);
  CHECK(ops[1024].slba == 0);
  CHECK(ops[1026].slba == 16);
}

TEST_CASE("The read ratio is respected within a few percent") {
  for (double r : {0.0, 0.1, 0.5, 0.7, 1.0}) {
    auto w = MakeSyntheticWorkload(Spec(Pattern::kUniform, 9, r));
    int reads = 0;
    const int n = 100000;
    for (const IoOp& op : Take(*w, n)) reads += op.write ? 0 : 1;
    CHECK(double(reads) / n == Approx(r).margin(0.01));
  }
}

TEST_CASE("Changing the read ratio does not move the addresses") {
  auto a = MakeSyntheticWorkload(Spec(Pattern::kZipfian, 5, 0.0));
  auto b = MakeSyntheticWorkload(Spec(Pattern::kZipfian, 5, 0.6));
  auto x = Take(*a, 2000), y = Take(*b, 2000);
  for (size_t i = 0; i < x.size(); i++) REQUIRE(x[i].slba == y[i].slba);
}

}  // namespace salix::sim

// The latency histogram against a sorted-vector oracle.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/latency_histogram.h"
#include "sim/rng.h"

namespace salix::sim {
namespace {

uint64_t Oracle(std::vector<uint64_t> v, double q) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<size_t>(std::ceil(q * double(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

void CheckAgainstOracle(const std::vector<uint64_t>& values) {
  LatencyHistogram h;
  for (uint64_t v : values) h.Record(v);
  REQUIRE(h.count() == values.size());
  for (double q : {0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    uint64_t want = Oracle(values, q);
    uint64_t got = h.Percentile(q);
    INFO("q=" << q << " oracle=" << want << " histogram=" << got);
    CHECK(std::abs(double(got) - double(want)) <= double(want) / 256 + 0.5);
  }
  CHECK(h.min() == *std::min_element(values.begin(), values.end()));
  CHECK(h.max() == *std::max_element(values.begin(), values.end()));
}

}  // namespace

TEST_CASE("Percentiles match a sorted vector within 1/256 of the value") {
  uint64_t seed = 20261201;
  INFO("seed " << seed);
  Rng rng(seed);
  SECTION("uniform 0..1 ms") {
    std::vector<uint64_t> v(100000);
    for (auto& x : v) x = rng.Below(1'000'000);
    CheckAgainstOracle(v);
  }
  SECTION("log-uniform over 9 decades with a long tail") {
    std::vector<uint64_t> v(100000);
    for (auto& x : v) x = static_cast<uint64_t>(std::pow(10.0, 9 * rng.Unit()));
    CheckAgainstOracle(v);
  }
  SECTION("a few distinct values") {
    std::vector<uint64_t> v;
    for (int i = 0; i < 990; i++) v.push_back(50'000);
    for (int i = 0; i < 9; i++) v.push_back(2'000'000);
    v.push_back(90'000'000);
    CheckAgainstOracle(v);
  }
}

TEST_CASE("Small values are counted exactly") {
  LatencyHistogram h;
  for (uint64_t v = 0; v < 256; v++) h.Record(v);
  CHECK(h.Percentile(0.5) == 127);
  CHECK(h.Percentile(1.0) == 255);
  CHECK(h.Percentile(0.0) == 0);
}

TEST_CASE("Bucket bounds tile the whole 64-bit range") {
  for (size_t i = 0; i + 1 < LatencyHistogram::kBuckets; i++) {
    REQUIRE(LatencyHistogram::BucketLow(i) + LatencyHistogram::BucketWidth(i) ==
            LatencyHistogram::BucketLow(i + 1));
    REQUIRE(LatencyHistogram::Index(LatencyHistogram::BucketLow(i)) == i);
  }
  CHECK(LatencyHistogram::Index(UINT64_MAX) == LatencyHistogram::kBuckets - 1);
}

TEST_CASE("An empty histogram reports zeros; merging adds counts") {
  LatencyHistogram a, b;
  CHECK(a.Percentile(0.99) == 0);
  CHECK(a.count() == 0);
  a.Record(1000);
  b.Record(3000);
  b.Record(5000);
  a.Merge(b);
  CHECK(a.count() == 3);
  CHECK(a.min() == 1000);
  CHECK(a.max() == 5000);
  CHECK(a.mean() == Approx(3000));
}

}  // namespace salix::sim

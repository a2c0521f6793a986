// The parity library against naive bitwise GF(2^8) arithmetic, and
// encode / lose / recover round trips with random data.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "ftl_util.h"  // TestSeed
#include "parity/gf256.h"
#include "parity/parity.h"

namespace salix::parity {
namespace {

// Schoolbook multiplication modulo x^8 + x^4 + x^3 + x^2 + 1.
uint8_t NaiveMul(uint8_t a, uint8_t b) {
  unsigned r = 0, x = a;
  for (unsigned bit = 0; bit < 8; bit++) {
    if (b & (1u << bit)) r ^= x;
    x <<= 1;
    if (x & 0x100) x ^= 0x11D;
  }
  return static_cast<uint8_t>(r);
}

uint8_t NaivePow2(unsigned e) {
  uint8_t r = 1;
  for (unsigned i = 0; i < e; i++) r = NaiveMul(r, 2);
  return r;
}

std::vector<uint8_t> Random(std::mt19937_64& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

std::vector<uint8_t> NaiveQ(const std::vector<std::vector<uint8_t>>& data,
                            const std::vector<uint8_t>& coefs, size_t n) {
  std::vector<uint8_t> q(n, 0);
  for (size_t i = 0; i < data.size(); i++) {
    const uint8_t g = NaivePow2(coefs[i] % 255);
    for (size_t j = 0; j < n; j++) q[j] ^= NaiveMul(g, data[i][j]);
  }
  return q;
}

uint64_t Seed() {
  const uint64_t seed = test::TestSeed();
  std::printf("parity test seed %llu (rerun with SALIX_SEED=%llu)\n",
              static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  return seed;
}

TEST_CASE("GF(2^8) tables agree with bitwise arithmetic over 0x11D") {
  for (unsigned a = 0; a < 256; a++) {
    for (unsigned b = 0; b < 256; b++) {
      INFO(a << " * " << b);
      REQUIRE(GfMul(a, b) == NaiveMul(a, b));
    }
  }
  for (unsigned e = 0; e < 600; e++) REQUIRE(GfExp(e) == NaivePow2(e));
  CHECK(GfExp(255) == 1);
  CHECK(GfExp(1) == 2);
  for (unsigned a = 1; a < 256; a++) {
    INFO("a = " << a);
    CHECK(GfMul(a, GfInv(a)) == 1);
    CHECK(GfExp(GfLog(a)) == a);
    CHECK(GfDiv(GfMul(a, 77), 77) == a);
  }
  CHECK(GfInv(0) == 0);
}

TEST_CASE("XorInto and MulAddInto match bytewise math at any length and offset") {
  std::mt19937_64 rng(Seed());
  for (size_t len : {0u, 1u, 7u, 8u, 9u, 31u, 32u, 33u, 100u, 4096u + 5}) {
    for (size_t off : {0u, 1u, 3u}) {
      auto src = Random(rng, len + off);
      auto dst = Random(rng, len + off);
      const uint8_t factor = static_cast<uint8_t>(rng());
      auto want_x = dst, want_m = dst;
      for (size_t i = off; i < len + off; i++) {
        want_x[i] ^= src[i];
        want_m[i] ^= NaiveMul(factor, src[i]);
      }
      auto got_x = dst, got_m = dst;
      XorInto(std::span(got_x).subspan(off), std::span(src).subspan(off));
      MulAddInto(std::span(got_m).subspan(off), std::span<const uint8_t>(src).subspan(off),
                 factor);
      INFO("len " << len << " off " << off << " factor " << int(factor));
      CHECK(got_x == want_x);
      CHECK(got_m == want_m);
    }
  }
}

TEST_CASE("ComputeP is the XOR and ComputeQ the g-weighted sum of the sources") {
  std::mt19937_64 rng(Seed());
  for (int round = 0; round < 50; round++) {
    const size_t k = 1 + rng() % 16;
    const size_t n = 1 + rng() % 700;
    std::vector<std::vector<uint8_t>> data;
    std::vector<uint8_t> coefs;
    // Distinct coefficients with gaps both small (doubling) and large (table).
    std::vector<uint8_t> all(255);
    for (unsigned i = 0; i < 255; i++) all[i] = static_cast<uint8_t>(i);
    std::shuffle(all.begin(), all.end(), rng);
    for (size_t i = 0; i < k; i++) {
      data.push_back(Random(rng, n));
      coefs.push_back(round % 2 ? all[i] : static_cast<uint8_t>(i));
    }
    std::vector<Source> sources;
    std::vector<Bytes> plain;
    for (size_t i = 0; i < k; i++) {
      sources.push_back({data[i], coefs[i]});
      plain.push_back(data[i]);
    }
    std::vector<uint8_t> p(n), p2(n), q(n);
    REQUIRE(ComputeP(std::span<const Bytes>(plain), p));
    REQUIRE(ComputeP(std::span<const Source>(sources), p2));
    REQUIRE(ComputeQ(sources, q));
    std::vector<uint8_t> want_p(n, 0);
    for (auto& d : data) {
      for (size_t j = 0; j < n; j++) want_p[j] ^= d[j];
    }
    INFO("round " << round << " k " << k << " n " << n);
    CHECK(p == want_p);
    CHECK(p2 == want_p);
    CHECK(q == NaiveQ(data, coefs, n));
  }
}

TEST_CASE("Parity functions refuse unequal lengths and repeated coefficients") {
  std::vector<uint8_t> a(64, 1), b(64, 2), c(63, 3), out(64, 0x5A);
  const auto before = out;
  std::vector<Source> bad_len{{a, 0}, {c, 1}};
  CHECK_FALSE(ComputeQ(bad_len, out));
  CHECK_FALSE(ComputeP(std::span<const Source>(bad_len), out));
  std::vector<Source> repeat{{a, 3}, {b, 3}};
  CHECK_FALSE(ComputeQ(repeat, out));
  std::vector<Source> aliased{{a, 0}, {b, 255}};  // g^255 == g^0
  CHECK_FALSE(ComputeQ(aliased, out));
  CHECK(out == before);
  std::vector<uint8_t> x(64), y(64);
  std::vector<Source> none;
  CHECK_FALSE(RecoverTwoFromPQ(a, b, none, 4, 4, x, y));
  std::vector<Source> one{{a, 4}};
  CHECK_FALSE(RecoverFromQ(b, one, 4, x));
}

TEST_CASE("Any one or two lost chunks of a RAID-6 stripe are recovered") {
  std::mt19937_64 rng(Seed());
  for (int round = 0; round < 40; round++) {
    const size_t k = 2 + rng() % 10;
    const size_t n = 8 * (1 + rng() % 64) + rng() % 8;
    std::vector<std::vector<uint8_t>> data;
    std::vector<uint8_t> coefs;
    // Coefficients are stripe indices, in a random (partial) placement.
    const unsigned base = rng() % 200;
    for (size_t i = 0; i < k; i++) {
      data.push_back(Random(rng, n));
      coefs.push_back(static_cast<uint8_t>(base + i * (1 + round % 3)));
    }
    std::vector<Source> all;
    for (size_t i = 0; i < k; i++) all.push_back({data[i], coefs[i]});
    std::vector<uint8_t> p(n), q(n);
    REQUIRE(ComputeP(std::span<const Source>(all), p));
    REQUIRE(ComputeQ(all, q));
    INFO("round " << round << " k " << k << " n " << n);

    for (size_t x = 0; x < k; x++) {
      std::vector<Source> rest;
      std::vector<Bytes> rest_plain;
      for (size_t i = 0; i < k; i++) {
        if (i == x) continue;
        rest.push_back(all[i]);
        rest_plain.push_back(data[i]);
      }
      std::vector<uint8_t> out(n);
      REQUIRE(RecoverFromP(p, rest_plain, out));
      CHECK(out == data[x]);
      std::fill(out.begin(), out.end(), 0);
      REQUIRE(RecoverFromQ(q, rest, coefs[x], out));  // P lost as well
      CHECK(out == data[x]);

      for (size_t y = x + 1; y < k; y++) {
        std::vector<Source> rest2;
        for (size_t i = 0; i < k; i++) {
          if (i != x && i != y) rest2.push_back(all[i]);
        }
        std::vector<uint8_t> dx(n), dy(n);
        REQUIRE(RecoverTwoFromPQ(p, q, rest2, coefs[x], coefs[y], dx, dy));
        INFO("lost " << x << " and " << y);
        CHECK(dx == data[x]);
        CHECK(dy == data[y]);
      }
    }
  }
}

// Throughput, not behaviour: run by hand with
//   salix-unit '[.parity-bench]'
TEST_CASE("Parity throughput", "[.parity-bench]") {
  std::mt19937_64 rng(1);
  const size_t n = 256 * 1024, k = 8, reps = 200;
  std::vector<std::vector<uint8_t>> data;
  std::vector<Source> sources;
  for (size_t i = 0; i < k; i++) data.push_back(Random(rng, n));
  for (size_t i = 0; i < k; i++) sources.push_back({data[i], static_cast<uint8_t>(i)});
  std::vector<uint8_t> out(n);
  auto time = [&](const char* what, auto&& fn) {
    auto t0 = std::chrono::steady_clock::now();
    for (size_t r = 0; r < reps; r++) fn();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-28s %.2f GB/s of source data\n", what, k * n * reps / s / 1e9);
  };
  time("XorInto (P, 8 x 256 KiB)", [&] { REQUIRE(ComputeP(std::span<const Source>(sources), out)); });
  time("ComputeQ (coef 0..7)", [&] { REQUIRE(ComputeQ(sources, out)); });
  for (size_t i = 0; i < k; i++) sources[i].coef = static_cast<uint8_t>(i * 20);
  time("ComputeQ (coef gaps of 20)", [&] { REQUIRE(ComputeQ(sources, out)); });
  time("MulAddInto", [&] {
    for (size_t i = 0; i < k; i++) MulAddInto(out, data[i], 0x53);
  });
}

}  // namespace
}  // namespace salix::parity

// rng.h - the simulator's pseudo-random numbers: small, fast, reproducible.
//
// xoshiro256** seeded through splitmix64, so any 64-bit seed (0 included)
// gives a well-mixed state. The sequence depends only on the seed, never on
// the platform or the standard library, so a run printed with its seed can
// be replayed anywhere.
//
// Thread-safety: a value type; one generator per thread.
#ifndef SALIX_SIM_RNG_H
#define SALIX_SIM_RNG_H

#include <cstdint>

namespace salix::sim {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& w : s_) w = SplitMix(seed);
  }

  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, bound). REQUIRES: bound > 0. Lemire's multiply-shift;
  // the bias (below 2^-64 * bound) is irrelevant for workload generation.
  uint64_t Below(uint64_t bound) {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(Next()) * bound) >> 64);
  }

  // Uniform in [0, 1) with 53 bits.
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  uint64_t s_[4];
};

}  // namespace salix::sim

#endif  // SALIX_SIM_RNG_H

// zipfian.h - Zipf-distributed ranks over n items (Gray et al., "Quickly
// generating billion-record synthetic databases", SIGMOD'94).
//
// Rank 0 is the most popular item; P(rank k) is proportional to
// 1 / (k+1)^theta. Setup costs O(min(n, 2^20)) (the zeta constant is summed
// exactly for the first 2^20 terms and by Euler-Maclaurin beyond, accurate
// far below the sampling noise of any run), each draw O(1).
//
// Thread-safety: immutable after construction; the Rng is the caller's.
#ifndef SALIX_SIM_ZIPFIAN_H
#define SALIX_SIM_ZIPFIAN_H

#include <cstdint>

#include "sim/rng.h"

namespace salix::sim {

class Zipfian {
 public:
  // REQUIRES: n >= 1, 0 <= theta < 1 (theta 0 is uniform).
  Zipfian(uint64_t n, double theta);

  uint64_t Draw(Rng& rng) const;

  uint64_t n() const { return n_; }
  double theta() const { return theta_; }
  // Generalized harmonic number H(n, theta) = sum_{i=1..n} i^-theta.
  static double Zeta(uint64_t n, double theta);

 private:
  uint64_t n_;
  double theta_;
  double zetan_;
  double alpha_;
  double eta_;
  double half_pow_theta_;
};

}  // namespace salix::sim

#endif  // SALIX_SIM_ZIPFIAN_H

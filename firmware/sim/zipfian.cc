#include "sim/zipfian.h"

#include <algorithm>
#include <cmath>

namespace salix::sim {
namespace {

constexpr uint64_t kExactTerms = uint64_t{1} << 20;

}  // namespace

double Zipfian::Zeta(uint64_t n, double theta) {
  uint64_t exact = std::min(n, kExactTerms);
  double sum = 0;
  // Smallest terms first keeps the floating-point sum accurate.
  for (uint64_t i = exact; i >= 1; i--) sum += std::pow(double(i), -theta);
  if (n == exact) return sum;
  // Tail sum_{i=m+1..n} f(i) with f(x) = x^-theta, by Euler-Maclaurin:
  // integral + (f(n) - f(m)) / 2 + (f'(n) - f'(m)) / 12.
  double m = double(exact), nn = double(n);
  auto f = [theta](double x) { return std::pow(x, -theta); };
  auto df = [theta](double x) { return -theta * std::pow(x, -theta - 1); };
  double integral = theta == 1.0
                        ? std::log(nn / m)
                        : (std::pow(nn, 1 - theta) - std::pow(m, 1 - theta)) /
                              (1 - theta);
  return sum + integral + (f(nn) - f(m)) / 2 + (df(nn) - df(m)) / 12;
}

Zipfian::Zipfian(uint64_t n, double theta)
    : n_(n), theta_(theta), zetan_(Zeta(n, theta)) {
  double zeta2 = Zeta(std::min<uint64_t>(n, 2), theta);
  alpha_ = 1.0 / (1.0 - theta);
  eta_ = n <= 2 ? 1.0
                : (1.0 - std::pow(2.0 / double(n), 1.0 - theta)) /
                      (1.0 - zeta2 / zetan_);
  half_pow_theta_ = std::pow(0.5, theta);
}

uint64_t Zipfian::Draw(Rng& rng) const {
  double u = rng.Unit();
  double uz = u * zetan_;
  if (uz < 1.0) return 0;
  if (n_ >= 2 && uz < 1.0 + half_pow_theta_) return 1;
  auto k = static_cast<uint64_t>(double(n_) *
                                 std::pow(eta_ * u - eta_ + 1.0, alpha_));
  return std::min(k, n_ - 1);
}

}  // namespace salix::sim

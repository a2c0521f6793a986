// gf256.h - arithmetic in GF(2^8) as RAID-6 uses it.
//
// The field is GF(2)[x] / (x^8 + x^4 + x^3 + x^2 + 1) (0x11D) with generator
// g = 2: the choice of Linux md and of H. P. Anvin, "The mathematics of
// RAID-6", so parity computed by a Salix device, by the host driver and by
// md agree byte for byte. Addition is XOR.
//
// The tables are compile-time constants (no mutable state): exp (g^i,
// doubled so a sum of two logs needs no modulo), log, and the full 64 KiB
// product table that the buffer routines in parity.h index one row of.
//
// Thread-safety: pure functions.
#ifndef SALIX_PARITY_GF256_H
#define SALIX_PARITY_GF256_H

#include <array>
#include <cstdint>

namespace salix::parity {

inline constexpr unsigned kGfPolynomial = 0x11D;
inline constexpr uint8_t kGfGenerator = 2;
// The multiplicative group's order: g^255 = g^0 = 1.
inline constexpr unsigned kGfOrder = 255;

namespace internal {

struct GfTables {
  std::array<uint8_t, 512> exp{};  // exp[i] = g^i for i < 510
  std::array<uint8_t, 256> log{};  // log[g^i] = i; log[0] unused (0)
};

constexpr GfTables MakeTables() {
  GfTables t;
  unsigned x = 1;
  for (unsigned i = 0; i < kGfOrder; i++) {
    t.exp[i] = static_cast<uint8_t>(x);
    t.exp[i + kGfOrder] = static_cast<uint8_t>(x);
    t.log[x] = static_cast<uint8_t>(i);
    x <<= 1;
    if (x & 0x100) x ^= kGfPolynomial;
  }
  t.exp[510] = t.exp[0];
  t.exp[511] = t.exp[1];
  return t;
}

inline constexpr GfTables kTables = MakeTables();

constexpr uint8_t MulSlow(uint8_t a, uint8_t b) {
  if (a == 0 || b == 0) return 0;
  return kTables.exp[kTables.log[a] + kTables.log[b]];
}

using MulTable = std::array<std::array<uint8_t, 256>, 256>;
constexpr MulTable MakeMulTable() {
  MulTable m{};
  for (unsigned a = 0; a < 256; a++) {
    for (unsigned b = 0; b < 256; b++) {
      m[a][b] = MulSlow(static_cast<uint8_t>(a), static_cast<uint8_t>(b));
    }
  }
  return m;
}

// mul[a][b] = a * b.
inline constexpr MulTable kMul = MakeMulTable();

}  // namespace internal

constexpr uint8_t GfAdd(uint8_t a, uint8_t b) {
  return static_cast<uint8_t>(a ^ b);
}

constexpr uint8_t GfMul(uint8_t a, uint8_t b) { return internal::kMul[a][b]; }

// g^i for any i (taken modulo 255).
constexpr uint8_t GfExp(unsigned i) { return internal::kTables.exp[i % kGfOrder]; }

// The i with g^i = a, in [0, 255). REQUIRES: a != 0.
constexpr uint8_t GfLog(uint8_t a) { return internal::kTables.log[a]; }

// a^-1. REQUIRES: a != 0 (0 has no inverse; returns 0).
constexpr uint8_t GfInv(uint8_t a) {
  if (a == 0) return 0;
  return internal::kTables.exp[kGfOrder - internal::kTables.log[a]];
}

// a / b. REQUIRES: b != 0 (returns 0).
constexpr uint8_t GfDiv(uint8_t a, uint8_t b) {
  if (a == 0 || b == 0) return 0;
  return internal::kTables
      .exp[internal::kTables.log[a] + kGfOrder - internal::kTables.log[b]];
}

// One row of the product table: row[x] = factor * x.
constexpr const std::array<uint8_t, 256>& GfMulRow(uint8_t factor) {
  return internal::kMul[factor];
}

}  // namespace salix::parity

#endif  // SALIX_PARITY_GF256_H

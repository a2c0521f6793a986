// parity.h - P and Q parity over equal-length byte buffers.
//
// P = D_0 ^ D_1 ^ ... (XOR). Q = sum_i g^c_i * D_i in GF(2^8) (gf256.h),
// where c_i is source i's coefficient: its data index in the stripe, so a
// partial stripe or sources in any order give the same Q as Linux md for
// the indices present. Coefficients are exponents of g taken modulo 255;
// two sources of one stripe need distinct coefficients (mod 255) for Q to
// recover them.
//
// The inner loops work on 64-bit words (XOR, and multiplication by g as a
// word-wide shift-and-reduce); multiplication by an arbitrary factor goes
// through one 256-byte row of the product table. ComputeQ sorts the sources
// by coefficient and evaluates Q by Horner's rule, so a stripe with
// consecutive coefficients costs one XOR and one word-wide doubling per
// source byte, as md's generic RAID-6 code does.
//
// Buffers may be of any length (no alignment needed). Functions that take
// several buffers return false, and leave the output untouched, when the
// lengths differ or a coefficient repeats.
//
// Thread-safety: pure functions of their arguments; no state.
// Used by the firmware (Parity Compute) and by the host driver, so it
// depends on nothing but the C++ standard library.
#ifndef SALIX_PARITY_PARITY_H
#define SALIX_PARITY_PARITY_H

#include <cstdint>
#include <span>

namespace salix::parity {

using Bytes = std::span<const uint8_t>;
using MutableBytes = std::span<uint8_t>;

// A data chunk and its Q coefficient (exponent of g).
struct Source {
  Bytes data;
  uint8_t coef = 0;
};

// dst ^= src over min(dst.size(), src.size()) bytes.
void XorInto(MutableBytes dst, Bytes src);
// dst ^= factor * src over min(dst.size(), src.size()) bytes.
void MulAddInto(MutableBytes dst, Bytes src, uint8_t factor);
// buf *= factor, in place.
void MulInPlace(MutableBytes buf, uint8_t factor);

// out = XOR of every source. No sources: out is zeroed.
bool ComputeP(std::span<const Bytes> sources, MutableBytes out);
bool ComputeP(std::span<const Source> sources, MutableBytes out);
// out = sum of g^coef * data over the sources. No sources: out is zeroed.
bool ComputeQ(std::span<const Source> sources, MutableBytes out);

// ---- reconstruction (H. P. Anvin, "The mathematics of RAID-6", 2011) -----

// One lost data chunk from P and the surviving data chunks:
// out = P ^ XOR(survivors).
bool RecoverFromP(Bytes p, std::span<const Bytes> survivors, MutableBytes out);

// One lost data chunk (coefficient 'lost') from Q and the surviving data
// chunks, when P is lost too: out = (Q + sum g^c_i D_i) * g^-lost.
// False when 'lost' repeats a survivor's coefficient.
bool RecoverFromQ(Bytes q, std::span<const Source> survivors, uint8_t lost,
                  MutableBytes out);

// Two lost data chunks x and y (coefficients cx != cy mod 255) from P, Q and
// the surviving data chunks:
//   P' = P + sum D_i, Q' = Q + sum g^c_i D_i (survivors)
//   D_x = (Q' + g^cy P') / (g^cx + g^cy),  D_y = P' + D_x.
// 'out_x' and 'out_y' must not overlap the inputs.
bool RecoverTwoFromPQ(Bytes p, Bytes q, std::span<const Source> survivors,
                      uint8_t cx, uint8_t cy, MutableBytes out_x,
                      MutableBytes out_y);

}  // namespace salix::parity

#endif  // SALIX_PARITY_PARITY_H

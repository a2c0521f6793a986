#include "parity/parity.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "parity/gf256.h"

namespace salix::parity {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ull;
constexpr uint64_t kLowBits = 0x7f7f7f7f7f7f7f7full;
// At most this many doublings per word before a table multiply is cheaper.
constexpr unsigned kMaxDoublings = 6;

uint64_t Load(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
void Store(uint8_t* p, uint64_t v) { std::memcpy(p, &v, sizeof(v)); }

// Eight products by g at once: shift each byte left, and reduce the bytes
// whose top bit fell out by the polynomial's low byte (0x1D).
uint64_t Mul2(uint64_t v) {
  const uint64_t carry = (v & kHighBits) >> 7;
  return ((v & kLowBits) << 1) ^ (carry * (kGfPolynomial & 0xFF));
}

uint64_t MulWord(uint64_t v, const std::array<uint8_t, 256>& row) {
  uint64_t r = 0;
  for (unsigned b = 0; b < 64; b += 8) {
    r |= uint64_t{row[(v >> b) & 0xFF]} << b;
  }
  return r;
}

// v * g^e for a word of bytes.
uint64_t MulPowWord(uint64_t v, unsigned e) {
  if (e <= kMaxDoublings) {
    for (unsigned i = 0; i < e; i++) v = Mul2(v);
    return v;
  }
  return MulWord(v, GfMulRow(GfExp(e)));
}

uint8_t MulPowByte(uint8_t v, unsigned e) { return GfMul(v, GfExp(e)); }

bool SameLength(std::span<const Bytes> sources, size_t n) {
  return std::all_of(sources.begin(), sources.end(),
                     [n](Bytes b) { return b.size() == n; });
}
bool SameLength(std::span<const Source> sources, size_t n) {
  return std::all_of(sources.begin(), sources.end(),
                     [n](const Source& s) { return s.data.size() == n; });
}

// Source indices by descending coefficient (mod 255); false on a repeat.
// 'order' holds up to 255 entries: more sources than that must repeat.
bool SortByCoef(std::span<const Source> sources,
                std::array<uint8_t, kGfOrder>* order) {
  if (sources.size() > kGfOrder) return false;
  for (size_t i = 0; i < sources.size(); i++) (*order)[i] = static_cast<uint8_t>(i);
  auto coef = [&](uint8_t i) { return sources[i].coef % kGfOrder; };
  std::sort(order->begin(), order->begin() + sources.size(),
            [&](uint8_t a, uint8_t b) { return coef(a) > coef(b); });
  for (size_t i = 1; i < sources.size(); i++) {
    if (coef((*order)[i]) == coef((*order)[i - 1])) return false;
  }
  return true;
}

// out = sum g^c_i D_i by Horner's rule over the sorted sources (see parity.h).
void HornerQ(std::span<const Source> sources,
             const std::array<uint8_t, kGfOrder>& order, MutableBytes out) {
  const size_t n = out.size();
  const size_t count = sources.size();
  auto coef = [&](size_t j) { return sources[order[j]].coef % kGfOrder; };
  size_t off = 0;
  for (; off + 8 <= n; off += 8) {
    uint64_t acc = Load(sources[order[0]].data.data() + off);
    for (size_t j = 1; j < count; j++) {
      acc = MulPowWord(acc, coef(j - 1) - coef(j));
      acc ^= Load(sources[order[j]].data.data() + off);
    }
    Store(out.data() + off, MulPowWord(acc, coef(count - 1)));
  }
  for (; off < n; off++) {
    uint8_t acc = sources[order[0]].data[off];
    for (size_t j = 1; j < count; j++) {
      acc = static_cast<uint8_t>(MulPowByte(acc, coef(j - 1) - coef(j)) ^
                                 sources[order[j]].data[off]);
    }
    out[off] = MulPowByte(acc, coef(count - 1));
  }
}

}  // namespace

void XorInto(MutableBytes dst, Bytes src) {
  const size_t n = std::min(dst.size(), src.size());
  uint8_t* d = dst.data();
  const uint8_t* s = src.data();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    Store(d + i, Load(d + i) ^ Load(s + i));
    Store(d + i + 8, Load(d + i + 8) ^ Load(s + i + 8));
    Store(d + i + 16, Load(d + i + 16) ^ Load(s + i + 16));
    Store(d + i + 24, Load(d + i + 24) ^ Load(s + i + 24));
  }
  for (; i + 8 <= n; i += 8) Store(d + i, Load(d + i) ^ Load(s + i));
  for (; i < n; i++) d[i] ^= s[i];
}

void MulAddInto(MutableBytes dst, Bytes src, uint8_t factor) {
  if (factor == 0) return;
  if (factor == 1) return XorInto(dst, src);
  const size_t n = std::min(dst.size(), src.size());
  const auto& row = GfMulRow(factor);
  uint8_t* d = dst.data();
  const uint8_t* s = src.data();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) Store(d + i, Load(d + i) ^ MulWord(Load(s + i), row));
  for (; i < n; i++) d[i] ^= row[s[i]];
}

void MulInPlace(MutableBytes buf, uint8_t factor) {
  if (factor == 1) return;
  const auto& row = GfMulRow(factor);
  for (uint8_t& b : buf) b = row[b];
}

bool ComputeP(std::span<const Bytes> sources, MutableBytes out) {
  if (!SameLength(sources, out.size())) return false;
  if (sources.empty()) {
    std::fill(out.begin(), out.end(), 0);
    return true;
  }
  if (sources[0].data() != out.data()) {
    std::memmove(out.data(), sources[0].data(), out.size());
  }
  for (size_t i = 1; i < sources.size(); i++) XorInto(out, sources[i]);
  return true;
}

bool ComputeP(std::span<const Source> sources, MutableBytes out) {
  if (!SameLength(sources, out.size())) return false;
  if (sources.empty()) {
    std::fill(out.begin(), out.end(), 0);
    return true;
  }
  if (sources[0].data.data() != out.data()) {
    std::memmove(out.data(), sources[0].data.data(), out.size());
  }
  for (size_t i = 1; i < sources.size(); i++) XorInto(out, sources[i].data);
  return true;
}

bool ComputeQ(std::span<const Source> sources, MutableBytes out) {
  if (!SameLength(sources, out.size())) return false;
  std::array<uint8_t, kGfOrder> order;
  if (!SortByCoef(sources, &order)) return false;
  if (sources.empty()) {
    std::fill(out.begin(), out.end(), 0);
    return true;
  }
  HornerQ(sources, order, out);
  return true;
}

bool RecoverFromP(Bytes p, std::span<const Bytes> survivors, MutableBytes out) {
  if (p.size() != out.size() || !SameLength(survivors, out.size())) return false;
  std::memmove(out.data(), p.data(), out.size());
  for (Bytes s : survivors) XorInto(out, s);
  return true;
}

bool RecoverFromQ(Bytes q, std::span<const Source> survivors, uint8_t lost,
                  MutableBytes out) {
  if (q.size() != out.size() || !SameLength(survivors, out.size())) return false;
  std::array<uint8_t, kGfOrder> order;
  if (!SortByCoef(survivors, &order)) return false;
  for (const Source& s : survivors) {
    if (s.coef % kGfOrder == lost % kGfOrder) return false;
  }
  // Q' = Q + sum g^c_i D_i = g^lost * D_lost.
  if (survivors.empty()) {
    std::memmove(out.data(), q.data(), out.size());
  } else {
    HornerQ(survivors, order, out);
    XorInto(out, q);
  }
  MulInPlace(out, GfInv(GfExp(lost)));
  return true;
}

bool RecoverTwoFromPQ(Bytes p, Bytes q, std::span<const Source> survivors,
                      uint8_t cx, uint8_t cy, MutableBytes out_x,
                      MutableBytes out_y) {
  const size_t n = out_x.size();
  if (p.size() != n || q.size() != n || out_y.size() != n ||
      !SameLength(survivors, n)) {
    return false;
  }
  if (cx % kGfOrder == cy % kGfOrder) return false;
  std::array<uint8_t, kGfOrder> order;
  if (!SortByCoef(survivors, &order)) return false;
  for (const Source& s : survivors) {
    const unsigned c = s.coef % kGfOrder;
    if (c == cx % kGfOrder || c == cy % kGfOrder) return false;
  }
  // out_y = P' = P + sum D_i; out_x = Q' = Q + sum g^c_i D_i.
  std::memmove(out_y.data(), p.data(), n);
  for (const Source& s : survivors) XorInto(out_y, s.data);
  if (survivors.empty()) {
    std::memmove(out_x.data(), q.data(), n);
  } else {
    HornerQ(survivors, order, out_x);
    XorInto(out_x, q);
  }
  // D_x = A * P' + B * Q' with B = 1 / (g^cx + g^cy), A = g^cy * B.
  const uint8_t b = GfInv(GfAdd(GfExp(cx), GfExp(cy)));
  const uint8_t a = GfMul(GfExp(cy), b);
  MulInPlace(out_x, b);
  MulAddInto(out_x, out_y, a);
  // D_y = P' + D_x.
  XorInto(out_y, out_x);
  return true;
}

}  // namespace salix::parity

// alu.h - the exact semantics of eBPF arithmetic, byte swaps and compares.
//
// One definition used by the interpreter (each handler calls these with a
// constant 'op', so the switch folds away) and by the verifier's constant
// folding, so the two cannot disagree. Semantics follow RFC 9669:
// unsigned division by zero gives 0, modulo by zero leaves dst; shifts use
// the low 6 (5 for 32-bit) bits of the amount; signed division overflow
// (INT_MIN / -1) wraps to INT_MIN and its modulo is 0, as Linux does.
#ifndef SALIX_APPS_EBPF_ALU_H
#define SALIX_APPS_EBPF_ALU_H

#include <cstdint>
#include <type_traits>

#include "apps/ebpf/opcodes.h"

namespace salix::apps::ebpf {

inline uint64_t Alu64(uint8_t op, int16_t off, uint64_t d, uint64_t s) {
  const int64_t sd = static_cast<int64_t>(d);
  const int64_t ss = static_cast<int64_t>(s);
  switch (op) {
    case kAluAdd: return d + s;
    case kAluSub: return d - s;
    case kAluMul: return d * s;
    case kAluDiv:
      if (off == 1) {
        if (ss == 0) return 0;
        if (ss == -1) return 0 - d;
        return static_cast<uint64_t>(sd / ss);
      }
      return s != 0 ? d / s : 0;
    case kAluOr: return d | s;
    case kAluAnd: return d & s;
    case kAluLsh: return d << (s & 63);
    case kAluRsh: return d >> (s & 63);
    case kAluNeg: return 0 - d;
    case kAluMod:
      if (off == 1) {
        if (ss == 0) return d;
        if (ss == -1) return 0;
        return static_cast<uint64_t>(sd % ss);
      }
      return s != 0 ? d % s : d;
    case kAluXor: return d ^ s;
    case kAluMov:
      switch (off) {
        case 8: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(s)));
        case 16: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(s)));
        case 32: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(s)));
        default: return s;
      }
    case kAluArsh: return static_cast<uint64_t>(sd >> (s & 63));
  }
  return 0;
}

inline uint32_t Alu32(uint8_t op, int16_t off, uint32_t d, uint32_t s) {
  const int32_t sd = static_cast<int32_t>(d);
  const int32_t ss = static_cast<int32_t>(s);
  switch (op) {
    case kAluAdd: return d + s;
    case kAluSub: return d - s;
    case kAluMul: return d * s;
    case kAluDiv:
      if (off == 1) {
        if (ss == 0) return 0;
        if (ss == -1) return 0 - d;
        return static_cast<uint32_t>(sd / ss);
      }
      return s != 0 ? d / s : 0;
    case kAluOr: return d | s;
    case kAluAnd: return d & s;
    case kAluLsh: return d << (s & 31);
    case kAluRsh: return d >> (s & 31);
    case kAluNeg: return 0 - d;
    case kAluMod:
      if (off == 1) {
        if (ss == 0) return d;
        if (ss == -1) return 0;
        return static_cast<uint32_t>(sd % ss);
      }
      return s != 0 ? d % s : d;
    case kAluXor: return d ^ s;
    case kAluMov:
      switch (off) {
        case 8: return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(s)));
        case 16: return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(s)));
        default: return s;
      }
    case kAluArsh: return static_cast<uint32_t>(sd >> (s & 31));
  }
  return 0;
}

// Byte-order conversion (class ALU: to-le / to-be) or unconditional swap
// (class ALU64), width 'bits' in {16, 32, 64}. The host is little-endian.
inline uint64_t ByteSwap(bool swap, int32_t bits, uint64_t d) {
  switch (bits) {
    case 16: return swap ? __builtin_bswap16(static_cast<uint16_t>(d)) : (d & 0xffff);
    case 32: return swap ? __builtin_bswap32(static_cast<uint32_t>(d)) : (d & 0xffffffffu);
    default: return swap ? __builtin_bswap64(d) : d;
  }
}

template <typename U>
inline bool Compare(uint8_t op, U a, U b) {
  using S = std::make_signed_t<U>;
  const S sa = static_cast<S>(a);
  const S sb = static_cast<S>(b);
  switch (op) {
    case kJmpJeq: return a == b;
    case kJmpJgt: return a > b;
    case kJmpJge: return a >= b;
    case kJmpJset: return (a & b) != 0;
    case kJmpJne: return a != b;
    case kJmpJsgt: return sa > sb;
    case kJmpJsge: return sa >= sb;
    case kJmpJlt: return a < b;
    case kJmpJle: return a <= b;
    case kJmpJslt: return sa < sb;
    case kJmpJsle: return sa <= sb;
  }
  return false;
}

}  // namespace salix::apps::ebpf

#endif  // SALIX_APPS_EBPF_ALU_H

#include "apps/ebpf/verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <set>

#include "apps/ebpf/alu.h"
#include "apps/ebpf/helpers.h"
#include "apps/ebpf/memory_map.h"
#include "apps/ebpf/opcodes.h"

namespace salix::apps::ebpf {

std::string VerifyError::ToString() const {
  return fmt::format("instruction {}: {}", insn, reason);
}

namespace {

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kU32Max = std::numeric_limits<uint32_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int kNumSlots = kStackSize / 8;

// ---------------------------------------------------------------------------
// Abstract values.

enum class Kind : uint8_t {
  kUninit,  // never written on some path
  kScalar,  // a number in [umin, umax]
  kPtr,     // region base + an offset in [omin, omax]
  kAny,     // initialised, but a pointer on one path and not on another
};

struct Value {
  Kind kind = Kind::kUninit;
  Region region = Region::kNone;
  uint64_t umin = 0, umax = 0;
  int64_t omin = 0, omax = 0;

  static Value Scalar(uint64_t lo, uint64_t hi) {
    Value v;
    v.kind = Kind::kScalar;
    v.umin = lo;
    v.umax = hi;
    return v;
  }
  static Value Const(uint64_t c) { return Scalar(c, c); }
  static Value Unknown() { return Scalar(0, kU64Max); }
  static Value Bits(int bytes) {
    return Scalar(0, bytes >= 8 ? kU64Max : (uint64_t{1} << (8 * bytes)) - 1);
  }
  static Value Ptr(Region r, int64_t lo, int64_t hi) {
    Value v;
    v.kind = Kind::kPtr;
    v.region = r;
    v.omin = lo;
    v.omax = hi;
    return v;
  }
  static Value Any() {
    Value v;
    v.kind = Kind::kAny;
    return v;
  }

  bool init() const { return kind != Kind::kUninit; }
  bool scalar() const { return kind == Kind::kScalar; }
  bool ptr() const { return kind == Kind::kPtr; }
  bool is_const() const { return scalar() && umin == umax; }
  bool operator==(const Value&) const = default;
};

std::string Describe(const Value& v) {
  switch (v.kind) {
    case Kind::kUninit: return "uninitialised";
    case Kind::kScalar:
      return v.is_const() ? fmt::format("the number {}", static_cast<int64_t>(v.umin))
                          : "a number";
    case Kind::kPtr: return fmt::format("a pointer to {}", RegionName(v.region));
    case Kind::kAny: return "a pointer on some paths and a number on others";
  }
  return "?";
}

Value Join(const Value& a, const Value& b) {
  if (!a.init() || !b.init()) return Value{};
  if (a.scalar() && b.scalar()) {
    return Value::Scalar(std::min(a.umin, b.umin), std::max(a.umax, b.umax));
  }
  if (a.ptr() && b.ptr() && a.region == b.region) {
    return Value::Ptr(a.region, std::min(a.omin, b.omin), std::max(a.omax, b.omax));
  }
  return Value::Any();
}

// 'joined' is Join(old, incoming): push every bound that moved to its limit.
Value Widen(const Value& old, Value joined) {
  if (old.kind != joined.kind || old.region != joined.region) return joined;
  if (joined.scalar()) {
    if (joined.umin < old.umin) joined.umin = 0;
    if (joined.umax > old.umax) joined.umax = kU64Max;
  } else if (joined.ptr()) {
    if (joined.omin < old.omin) joined.omin = kI64Min;
    if (joined.omax > old.omax) joined.omax = kI64Max;
  }
  return joined;
}

int64_t SatAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kI64Max : kI64Min;
  return r;
}

struct State {
  std::array<Value, kNumRegisters> r;
  // Stack slot i holds bytes [8i, 8i + 8) of the frame. The stack is zeroed
  // at every run, so a slot never written holds the number 0.
  std::array<Value, kNumSlots> slot;
  bool operator==(const State&) const = default;
};

// Merges 'in' into 'into'. Returns true if 'into' changed.
bool MergeInto(State& into, const State& in, bool widen) {
  bool changed = false;
  auto merge = [&](Value& a, const Value& b) {
    Value j = Join(a, b);
    if (widen) j = Widen(a, j);
    if (!(j == a)) {
      a = j;
      changed = true;
    }
  };
  for (int i = 0; i < kNumRegisters; ++i) merge(into.r[i], in.r[i]);
  for (int i = 0; i < kNumSlots; ++i) merge(into.slot[i], in.slot[i]);
  return changed;
}

// ---------------------------------------------------------------------------
// Pass 1: encoding.

bool IsLddw(const Insn& i) { return i.opcode == kOpLddw; }

const char* AluName(uint8_t op) {
  switch (op) {
    case kAluAdd: return "add";
    case kAluSub: return "sub";
    case kAluMul: return "mul";
    case kAluDiv: return "div";
    case kAluOr: return "or";
    case kAluAnd: return "and";
    case kAluLsh: return "lsh";
    case kAluRsh: return "rsh";
    case kAluNeg: return "neg";
    case kAluMod: return "mod";
    case kAluXor: return "xor";
    case kAluMov: return "mov";
    case kAluArsh: return "arsh";
    case kAluEnd: return "byte swap";
  }
  return "?";
}

std::string Unsupported(const Insn& i, std::string_view why = {}) {
  if (why.empty()) return fmt::format("unsupported opcode 0x{:02x}", i.opcode);
  return fmt::format("unsupported opcode 0x{:02x} ({})", i.opcode, why);
}

// The jump target of a jump instruction at 'pc' (JA32 takes imm).
int64_t JumpTarget(const Insn& i, size_t pc) {
  if (ClassOf(i.opcode) == kClassJmp32 && OpOf(i.opcode) == kJmpJa) {
    return static_cast<int64_t>(pc) + 1 + i.imm;
  }
  return static_cast<int64_t>(pc) + 1 + i.off;
}

bool IsConditionalJumpOp(uint8_t op) {
  switch (op) {
    case kJmpJeq: case kJmpJgt: case kJmpJge: case kJmpJset: case kJmpJne:
    case kJmpJsgt: case kJmpJsge: case kJmpJlt: case kJmpJle: case kJmpJslt:
    case kJmpJsle:
      return true;
  }
  return false;
}

// Returns the reason 'i' at 'pc' is malformed, or "" if its encoding is
// acceptable. 'second' marks lddw second slots.
std::string CheckEncoding(const std::vector<Insn>& insns, size_t pc,
                          const std::vector<bool>& second, size_t rodata_size) {
  const Insn& i = insns[pc];
  const uint8_t cls = ClassOf(i.opcode);
  const uint8_t dst = i.dst(), src = i.src();
  if (dst >= kNumRegisters) return fmt::format("bad register number r{} (dst)", dst);
  if (src >= kNumRegisters) return fmt::format("bad register number r{} (src)", src);
  switch (cls) {
    case kClassAlu:
    case kClassAlu64: {
      const bool is64 = cls == kClassAlu64;
      const uint8_t op = OpOf(i.opcode);
      if (op > kAluEnd) return Unsupported(i);
      if (op == kAluEnd) {
        if (is64 && SrcOf(i.opcode) != kSrcK) return Unsupported(i);
        if (i.imm != 16 && i.imm != 32 && i.imm != 64) {
          return fmt::format("byte swap width {} is not 16, 32 or 64", i.imm);
        }
      } else if (op == kAluNeg) {
        if (SrcOf(i.opcode) != kSrcK) return Unsupported(i, "neg takes no source");
      }
      if (op == kAluDiv || op == kAluMod) {
        if (i.off != 0 && i.off != 1) return Unsupported(i, fmt::format("offset {}", i.off));
      } else if (op == kAluMov) {
        const bool sx_ok = SrcOf(i.opcode) == kSrcX &&
                           (i.off == 8 || i.off == 16 || (is64 && i.off == 32));
        if (i.off != 0 && !sx_ok) return Unsupported(i, fmt::format("offset {}", i.off));
      } else if (i.off != 0) {
        return Unsupported(i, fmt::format("offset {}", i.off));
      }
      if (dst == kFrameRegister) return "write to r10 (the frame pointer is read-only)";
      if (SrcOf(i.opcode) == kSrcK && op != kAluEnd) {
        if ((op == kAluDiv || op == kAluMod) && i.imm == 0) {
          return op == kAluDiv ? "division by zero constant" : "modulo by zero constant";
        }
        if ((op == kAluLsh || op == kAluRsh || op == kAluArsh) &&
            (i.imm < 0 || i.imm >= (is64 ? 64 : 32))) {
          return fmt::format("shift by {} is out of range for a {}-bit operation", i.imm,
                             is64 ? 64 : 32);
        }
      }
      return {};
    }
    case kClassJmp:
    case kClassJmp32: {
      const uint8_t op = OpOf(i.opcode);
      if (op == kJmpCall || op == kJmpExit) {
        if (cls == kClassJmp32 || SrcOf(i.opcode) != kSrcK) return Unsupported(i);
        if (op == kJmpExit) return {};
        if (src == kCallLocal) {
          return "bpf-to-bpf calls are not supported (make the callee static inline)";
        }
        if (src != kCallHelper) return fmt::format("unsupported call kind (src {})", src);
        if (FindHelper(i.imm) == nullptr) return fmt::format("unknown helper id {}", i.imm);
        return {};
      }
      if (op != kJmpJa && !IsConditionalJumpOp(op)) return Unsupported(i);
      if (op == kJmpJa && SrcOf(i.opcode) != kSrcK) return Unsupported(i);
      const int64_t t = JumpTarget(i, pc);
      if (t < 0 || t >= static_cast<int64_t>(insns.size())) {
        return fmt::format("jump out of range: target {}, program has {} instructions", t,
                           insns.size());
      }
      if (second[t]) {
        return fmt::format("jump into the middle of the lddw at instruction {}", t - 1);
      }
      return {};
    }
    case kClassLd: {
      if (!IsLddw(i)) {
        const uint8_t mode = ModeOf(i.opcode);
        return Unsupported(i, mode == kModeAbs || mode == kModeInd ? "legacy packet access"
                                                                   : "");
      }
      if (pc + 1 >= insns.size()) return "lddw at the end of the program has no second slot";
      const Insn& n = insns[pc + 1];
      if (n.opcode != 0 || n.regs != 0 || n.off != 0) {
        return "malformed lddw: the second slot must be zero except its immediate";
      }
      if (i.off != 0) return "malformed lddw: offset must be 0";
      if (dst == kFrameRegister) return "write to r10 (the frame pointer is read-only)";
      if (src == kPseudoRodata) {
        if (n.imm != 0 || static_cast<uint32_t>(i.imm) > rodata_size) {
          return fmt::format("lddw of read-only data offset {} outside the {} bytes of rodata",
                             static_cast<uint32_t>(i.imm), rodata_size);
        }
      } else if (src != kPseudoNone) {
        return fmt::format("unsupported lddw source {} (maps are not supported)", src);
      }
      return {};
    }
    case kClassLdx: {
      const uint8_t mode = ModeOf(i.opcode);
      if (mode != kModeMem && !(mode == kModeMemSx && SizeOf(i.opcode) != kSizeDw)) {
        return Unsupported(i);
      }
      if (dst == kFrameRegister) return "write to r10 (the frame pointer is read-only)";
      return {};
    }
    case kClassSt:
    case kClassStx: {
      const uint8_t mode = ModeOf(i.opcode);
      if (mode == kModeAtomic) return Unsupported(i, "atomic operations are not supported");
      if (mode != kModeMem) return Unsupported(i);
      if (cls == kClassSt && src != 0) return "store-immediate with a source register";
      return {};
    }
  }
  return Unsupported(i);
}

// ---------------------------------------------------------------------------
// Pass 2: abstract interpretation.

// An error reason, or nullopt if the instruction is acceptable.
using Step = std::optional<std::string>;

class Analyzer {
 public:
  Analyzer(const Program& p, const VerifierOptions& o)
      : insns_(p.insns()), rodata_size_(p.rodata().size()), options_(o) {}

  // Returns an error for the first refused instruction.
  std::optional<VerifyError> Run(const std::vector<bool>& second, uint64_t* steps);

 private:
  uint64_t RegionSize(Region r) const {
    switch (r) {
      case Region::kCtx: return sizeof(AppCtx);
      case Region::kStack: return kStackSize;
      case Region::kRodata: return rodata_size_;
      case Region::kScratch:
        return options_.scratch_size ? *options_.scratch_size : uint64_t{1} << 32;
      default: return uint64_t{1} << 32;
    }
  }

  Step Read(const State& s, int reg, std::string_view what = {}) const {
    if (s.r[reg].init()) return std::nullopt;
    if (what.empty()) return fmt::format("r{} is not initialised", reg);
    return fmt::format("r{} ({}) is not initialised", reg, what);
  }

  Step Alu(State& s, const Insn& i);
  Step AluScalar(Value& d, const Value& src, uint8_t op, int16_t off, bool is64, int32_t imm,
                 uint8_t cls, uint8_t srcbit);
  Step Memory(State& s, const Insn& i, size_t pc);
  Step Call(State& s, const Insn& i);
  // Checks [base + off, + size) against base's region. 'write': a store.
  Step CheckAccess(const Value& base, int reg, int64_t off, uint64_t size, bool write) const;
  // Marks stack slots a store to [lo, hi + size) may touch as numbers.
  static void ClobberStack(State& s, int64_t lo, int64_t hi, uint64_t size);
  // The states after a conditional jump; nullopt: the path is impossible.
  void Branch(const State& s, const Insn& i, std::optional<State>* taken,
              std::optional<State>* fall) const;

  const std::vector<Insn>& insns_;
  uint64_t rodata_size_;
  const VerifierOptions& options_;
};

void Analyzer::ClobberStack(State& s, int64_t lo, int64_t hi, uint64_t size) {
  const int64_t first = std::max<int64_t>(lo, 0);
  const int64_t end = std::min<int64_t>(SatAdd(hi, static_cast<int64_t>(size)), kStackSize);
  for (int64_t k = first / 8; k < kNumSlots && k * 8 < end; ++k) s.slot[k] = Value::Unknown();
}

Step Analyzer::CheckAccess(const Value& base, int reg, int64_t off, uint64_t size,
                           bool write) const {
  if (!base.init()) return fmt::format("r{} is not initialised", reg);
  if (base.scalar()) {
    return fmt::format("memory access through r{}, which is not a pointer ({})", reg,
                       Describe(base));
  }
  if (!base.ptr()) return std::nullopt;  // kAny: the run-time check decides
  if (write && !RegionWritable(base.region)) {
    return fmt::format("store into read-only {} through r{}", RegionName(base.region), reg);
  }
  const uint64_t region = RegionSize(base.region);
  const int64_t lo = SatAdd(base.omin, off), hi = SatAdd(base.omax, off);
  // Valid start offsets are [0, region - size]; refuse if none is possible.
  if (size > region || hi < 0 || (lo > 0 && static_cast<uint64_t>(lo) > region - size)) {
    if (lo == hi) {
      return fmt::format("{}-byte access at offset {} of {} (r{}{:+}) is out of bounds ({} "
                         "bytes)",
                         size, lo, RegionName(base.region), reg, off, region);
    }
    return fmt::format("{}-byte access at offsets [{}, {}] of {} (r{}{:+}) is always out of "
                       "bounds ({} bytes)",
                       size, lo, hi, RegionName(base.region), reg, off, region);
  }
  return std::nullopt;
}

Step Analyzer::AluScalar(Value& d, const Value& sv, uint8_t op, int16_t off, bool is64,
                         int32_t imm, uint8_t cls, uint8_t srcbit) {
  // Operands as the operation sees them.
  Value a = d, b = sv;
  if (!is64) {
    auto trunc = [](const Value& v) {
      return v.umax <= kU32Max ? v : (v.is_const() ? Value::Const(v.umin & kU32Max)
                                                   : Value::Scalar(0, kU32Max));
    };
    a = trunc(a);
    b = trunc(b);
  }
  Value r = Value::Unknown();
  if (op == kAluEnd) {
    const bool swap = cls == kClassAlu64 || srcbit == kToBe;
    r = a.is_const() ? Value::Const(ByteSwap(swap, imm, a.umin))
                     : Value::Bits(imm / 8);
    if (!swap && !a.is_const() && a.umax <= (imm == 64 ? kU64Max : (uint64_t{1} << imm) - 1)) {
      r = a;
    }
    d = r;
    return std::nullopt;
  }
  if ((op == kAluDiv || op == kAluMod) && b.is_const() && b.umin == 0) {
    return op == kAluDiv ? "division by a register that is always zero"
                         : "modulo by a register that is always zero";
  }
  if (a.is_const() && b.is_const() && op != kAluMov) {
    r = Value::Const(is64 ? Alu64(op, off, a.umin, b.umin)
                          : Alu32(op, off, static_cast<uint32_t>(a.umin),
                                  static_cast<uint32_t>(b.umin)));
  } else if (op == kAluMov) {
    r = off == 0 ? b
                 : (b.is_const() ? Value::Const(is64 ? Alu64(op, off, 0, b.umin)
                                                     : Alu32(op, off, 0, static_cast<uint32_t>(b.umin)))
                                 : Value::Unknown());
  } else {
    const bool sign = off == 1;
    switch (op) {
      case kAluAdd:
        if (a.umax <= kU64Max - b.umax) {
          r = Value::Scalar(a.umin + b.umin, a.umax + b.umax);
        } else if (b.is_const() && static_cast<int64_t>(b.umin) < 0 && is64) {
          // Adding a negative constant (i--): a subtraction that may not wrap.
          const uint64_t k = 0 - b.umin;
          if (a.umin >= k) r = Value::Scalar(a.umin - k, a.umax - k);
        }
        break;
      case kAluSub:
        if (a.umin >= b.umax) r = Value::Scalar(a.umin - b.umax, a.umax - b.umin);
        break;
      case kAluMul:
        if (b.umax == 0 || a.umax <= kU64Max / b.umax) {
          r = Value::Scalar(a.umin * b.umin, a.umax * b.umax);
        }
        break;
      case kAluDiv:
        if (!sign) {
          r = b.umin > 0 ? Value::Scalar(a.umin / b.umax, a.umax / b.umin)
                         : Value::Scalar(0, a.umax);
        }
        break;
      case kAluMod:
        if (!sign) {
          r = b.umin > 0 ? Value::Scalar(0, std::min(a.umax, b.umax - 1))
                         : Value::Scalar(0, a.umax);
        }
        break;
      case kAluAnd: r = Value::Scalar(0, std::min(a.umax, b.umax)); break;
      case kAluOr:
      case kAluXor: {
        const uint64_t m = std::max(a.umax, b.umax);
        const uint64_t mask = m == 0 ? 0 : (kU64Max >> __builtin_clzll(m));
        r = Value::Scalar(0, mask);
        break;
      }
      case kAluLsh:
        if (b.is_const()) {
          const uint64_t k = b.umin & (is64 ? 63 : 31);
          if (a.umax <= (kU64Max >> k)) r = Value::Scalar(a.umin << k, a.umax << k);
        }
        break;
      case kAluRsh:
        if (b.is_const()) {
          const uint64_t k = b.umin & (is64 ? 63 : 31);
          r = Value::Scalar(a.umin >> k, a.umax >> k);
        } else {
          r = Value::Scalar(0, a.umax);
        }
        break;
      case kAluArsh:
        if (b.is_const() && a.umax <= (is64 ? uint64_t(kI64Max) : uint64_t{0x7fffffff})) {
          const uint64_t k = b.umin & (is64 ? 63 : 31);
          r = Value::Scalar(a.umin >> k, a.umax >> k);
        }
        break;
      default: break;  // neg, signed div/mod of ranges: unknown
    }
  }
  if (!is64 && r.umax > kU32Max) r = Value::Scalar(0, kU32Max);
  d = r;
  (void)imm;
  return std::nullopt;
}

Step Analyzer::Alu(State& s, const Insn& i) {
  const uint8_t cls = ClassOf(i.opcode);
  const uint8_t op = OpOf(i.opcode);
  // A byte swap works on the whole register in either class.
  const bool is64 = cls == kClassAlu64 || op == kAluEnd;
  const bool x = SrcOf(i.opcode) == kSrcX && op != kAluEnd;
  const int dst = i.dst(), src = i.src();
  if (x) {
    if (auto e = Read(s, src)) return e;
  }
  if (op != kAluMov) {
    if (auto e = Read(s, dst)) return e;
  }
  // The source operand: register or immediate (sign-extended to 64 bits;
  // 32-bit operations use its low half).
  const Value sv = x ? s.r[src]
                     : Value::Const(static_cast<uint64_t>(static_cast<int64_t>(i.imm)));
  Value& d = s.r[dst];

  if (op == kAluMov && i.off == 0 && is64) {
    d = sv;  // copies pointers too
    return std::nullopt;
  }
  const bool dptr = op != kAluMov && d.kind == Kind::kPtr;
  const bool sptr = sv.kind == Kind::kPtr;
  if (dptr || sptr) {
    const int preg = dptr ? dst : src;
    if (!is64) {
      return fmt::format("32-bit {} on r{}, which is {}", AluName(op), preg,
                         Describe(dptr ? d : sv));
    }
    if (op == kAluMov) {
      return fmt::format("sign-extending move of r{}, which is {}", src, Describe(sv));
    }
    if (op == kAluAdd) {
      if (dptr && sptr) return fmt::format("adding two pointers (r{} and r{})", dst, src);
      const Value& p = dptr ? d : sv;
      const Value& n = dptr ? sv : d;
      int64_t lo = kI64Min, hi = kI64Max;
      if (n.kind == Kind::kAny) {
        d = Value::Any();
        return std::nullopt;
      }
      if (n.is_const()) {
        lo = hi = static_cast<int64_t>(n.umin);
      } else if (n.umax <= static_cast<uint64_t>(kI64Max)) {
        lo = static_cast<int64_t>(n.umin);
        hi = static_cast<int64_t>(n.umax);
      }
      const bool unbounded = lo == kI64Min;
      d = Value::Ptr(p.region, unbounded ? kI64Min : SatAdd(p.omin, lo),
                     unbounded ? kI64Max : SatAdd(p.omax, hi));
      return std::nullopt;
    }
    if (op == kAluSub) {
      if (dptr && sptr) {
        d = Value::Unknown();  // pointer difference: a number
        return std::nullopt;
      }
      if (sptr) return fmt::format("subtracting pointer r{} from a number", src);
      if (sv.kind == Kind::kAny) {
        d = Value::Any();
        return std::nullopt;
      }
      if (sv.is_const()) {
        const int64_t c = static_cast<int64_t>(sv.umin);
        if (c == kI64Min) {
          d = Value::Ptr(d.region, kI64Min, kI64Max);
        } else {
          d = Value::Ptr(d.region, SatAdd(d.omin, -c), SatAdd(d.omax, -c));
        }
      } else if (sv.umax <= static_cast<uint64_t>(kI64Max)) {
        d = Value::Ptr(d.region, SatAdd(d.omin, -static_cast<int64_t>(sv.umax)),
                       SatAdd(d.omax, -static_cast<int64_t>(sv.umin)));
      } else {
        d = Value::Ptr(d.region, kI64Min, kI64Max);
      }
      return std::nullopt;
    }
    return fmt::format("pointer arithmetic other than add/sub: {} on r{}, which is {}",
                       AluName(op), preg, Describe(dptr ? d : sv));
  }
  if ((op != kAluMov && d.kind == Kind::kAny) || sv.kind == Kind::kAny) {
    // Might be a pointer: the result is at best a number.
    if ((op == kAluAdd || op == kAluSub) && is64) {
      d = Value::Any();
    } else {
      d = is64 ? Value::Unknown() : Value::Scalar(0, kU32Max);
    }
    return std::nullopt;
  }
  Value dv = op == kAluMov ? Value::Const(0) : d;
  if (auto e = AluScalar(dv, sv, op, i.off, is64, i.imm, cls, SrcOf(i.opcode))) return e;
  d = dv;
  return std::nullopt;
}

Step Analyzer::Memory(State& s, const Insn& i, size_t pc) {
  (void)pc;
  const uint8_t cls = ClassOf(i.opcode);
  const int size = SizeBytes(i.opcode);
  if (cls == kClassLdx) {
    const int base = i.src();
    const Value b = s.r[base];
    if (auto e = CheckAccess(b, base, i.off, size, /*write=*/false)) return e;
    const bool sx = ModeOf(i.opcode) == kModeMemSx;
    Value loaded = sx ? Value::Unknown() : Value::Bits(size);
    if (b.ptr() && b.omin == b.omax) {
      const int64_t at = SatAdd(b.omin, i.off);
      if (b.region == Region::kCtx && size == 8 && CtxPointerField(at) != Region::kNone) {
        loaded = Value::Ptr(CtxPointerField(at), 0, 0);
      } else if (b.region == Region::kStack && size == 8 && at % 8 == 0 && at >= 0 &&
                 at < kStackSize) {
        loaded = s.slot[at / 8];  // a fill: whatever was spilled
      }
    }
    s.r[i.dst()] = loaded;
    return std::nullopt;
  }
  // ST / STX: dst is the base.
  const int base = i.dst();
  const Value b = s.r[base];
  if (cls == kClassStx) {
    if (auto e = Read(s, i.src(), "the value stored")) return e;
  }
  if (auto e = CheckAccess(b, base, i.off, size, /*write=*/true)) return e;
  if (b.kind == Kind::kAny) {
    ClobberStack(s, 0, kStackSize, 0);  // might have hit the stack
    return std::nullopt;
  }
  if (b.region != Region::kStack) return std::nullopt;
  const int64_t lo = SatAdd(b.omin, i.off), hi = SatAdd(b.omax, i.off);
  if (lo == hi && size == 8 && lo % 8 == 0) {
    s.slot[lo / 8] = cls == kClassStx
                         ? s.r[i.src()]
                         : Value::Const(static_cast<uint64_t>(static_cast<int64_t>(i.imm)));
  } else {
    ClobberStack(s, lo, hi, size);
  }
  return std::nullopt;
}

Step Analyzer::Call(State& s, const Insn& i) {
  const HelperSignature* h = FindHelper(i.imm);  // pass 1 checked it exists
  for (int a = 0; a < 5; ++a) {
    const ArgKind kind = h->args[a];
    if (kind == ArgKind::kNone) continue;
    const int reg = a + 1;
    const Value& v = s.r[reg];
    if (!v.init()) {
      return fmt::format("r{} (argument {} of {}) is not initialised", reg, reg, h->name);
    }
    if (kind == ArgKind::kScalar) {
      if (v.ptr()) {
        return fmt::format("argument {} of {} must be a number, r{} is {}", reg, h->name, reg,
                           Describe(v));
      }
      continue;
    }
    if (v.scalar()) {
      return fmt::format("argument {} of {} must be a pointer, r{} is {}", reg, h->name, reg,
                         Describe(v));
    }
    if (!v.ptr()) continue;  // kAny: checked at run time
    if (kind == ArgKind::kWritableMem && !RegionWritable(v.region)) {
      return fmt::format("argument {} of {} must point to writable memory (stack, scratch or "
                         "output), r{} is {}",
                         reg, h->name, reg, Describe(v));
    }
    const Value& len = s.r[h->length_arg[a] + 1];
    const uint64_t min_len = len.scalar() ? len.umin : 0;
    if (min_len > 0) {
      if (auto e = CheckAccess(v, reg, 0, min_len, kind == ArgKind::kWritableMem)) {
        return fmt::format("buffer argument {} of {}: {}", reg, h->name, *e);
      }
    }
    if (kind == ArgKind::kWritableMem && v.region == Region::kStack) {
      const uint64_t max_len = len.scalar() ? len.umax : kU64Max;
      ClobberStack(s, v.omin, v.omax, std::min<uint64_t>(max_len, kStackSize));
    }
  }
  for (int reg = 1; reg <= 5; ++reg) s.r[reg] = Value{};
  s.r[0] = Value::Unknown();
  return std::nullopt;
}

// Narrows a scalar against constant c for one outcome of 'op'; false if
// that outcome is impossible.
bool Narrow(Value& v, uint8_t op, uint64_t c, bool taken) {
  // Express the outcome as a compare that holds.
  auto clamp = [&](uint64_t lo, uint64_t hi) {
    v.umin = std::max(v.umin, lo);
    v.umax = std::min(v.umax, hi);
    return v.umin <= v.umax;
  };
  if (!taken) {
    switch (op) {
      case kJmpJeq: op = kJmpJne; break;
      case kJmpJne: op = kJmpJeq; break;
      case kJmpJgt: op = kJmpJle; break;
      case kJmpJge: op = kJmpJlt; break;
      case kJmpJlt: op = kJmpJge; break;
      case kJmpJle: op = kJmpJgt; break;
      default: return true;
    }
  }
  switch (op) {
    case kJmpJeq: return clamp(c, c);
    case kJmpJne:
      if (v.is_const()) return v.umin != c;
      if (v.umin == c) ++v.umin;
      if (v.umax == c) --v.umax;
      return true;
    case kJmpJgt: return c != kU64Max && clamp(c + 1, kU64Max);
    case kJmpJge: return clamp(c, kU64Max);
    case kJmpJlt: return c != 0 && clamp(0, c - 1);
    case kJmpJle: return clamp(0, c);
  }
  return true;
}

void Analyzer::Branch(const State& s, const Insn& i, std::optional<State>* taken,
                      std::optional<State>* fall) const {
  *taken = s;
  *fall = s;
  const bool is32 = ClassOf(i.opcode) == kClassJmp32;
  uint8_t op = OpOf(i.opcode);
  const Value& d = s.r[i.dst()];
  const bool x = SrcOf(i.opcode) == kSrcX;
  uint64_t c;
  if (x) {
    if (!s.r[i.src()].is_const()) return;
    c = s.r[i.src()].umin;
  } else {
    c = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
  }
  if (!d.scalar()) return;
  if (is32) {
    if (d.umax > kU32Max) return;
    c &= kU32Max;
  }
  // Signed compares act as unsigned ones when both sides are non-negative.
  const uint64_t sign_limit = is32 ? 0x7fffffffu : static_cast<uint64_t>(kI64Max);
  switch (op) {
    case kJmpJsgt: case kJmpJsge: case kJmpJslt: case kJmpJsle:
      if (d.umax > sign_limit || c > sign_limit) return;
      op = op == kJmpJsgt ? kJmpJgt : op == kJmpJsge ? kJmpJge : op == kJmpJslt ? kJmpJlt
                                                                                 : kJmpJle;
      break;
    case kJmpJset: return;
    default: break;
  }
  if (!Narrow((*taken)->r[i.dst()], op, c, true)) taken->reset();
  if (!Narrow((*fall)->r[i.dst()], op, c, false)) fall->reset();
}

std::optional<VerifyError> Analyzer::Run(const std::vector<bool>& second, uint64_t* steps) {
  const size_t n = insns_.size();
  // Basic blocks: leaders are 0, jump targets and instructions after jumps.
  std::vector<bool> leader(n, false);
  leader[0] = true;
  for (size_t pc = 0; pc < n; ++pc) {
    if (second[pc]) continue;
    const Insn& i = insns_[pc];
    const uint8_t cls = ClassOf(i.opcode);
    if (cls != kClassJmp && cls != kClassJmp32) continue;
    const uint8_t op = OpOf(i.opcode);
    if (op == kJmpCall) continue;
    if (op != kJmpExit) leader[JumpTarget(i, pc)] = true;
    if (pc + 1 < n) leader[pc + 1] = true;
  }
  // States only at block entries (a State is ~3 KB).
  std::vector<uint32_t> block(n, 0);
  uint32_t num_blocks = 0;
  for (size_t pc = 0; pc < n; ++pc) {
    if (leader[pc]) block[pc] = num_blocks++;
  }
  std::vector<std::optional<State>> entry(num_blocks);
  std::vector<uint32_t> merges(num_blocks, 0);
  std::set<size_t> work;  // block entries to (re)visit

  State init;
  init.r[1] = Value::Ptr(Region::kCtx, 0, 0);
  init.r[kFrameRegister] = Value::Ptr(Region::kStack, kStackSize, kStackSize);
  for (auto& sl : init.slot) sl = Value::Const(0);
  entry[block[0]] = init;
  work.insert(0);

  auto flow = [&](size_t to, const State& st) {
    const uint32_t b = block[to];
    if (!entry[b]) {
      entry[b] = st;
    } else if (!MergeInto(*entry[b], st, ++merges[b] > options_.widen_after)) {
      return;
    }
    work.insert(to);
  };

  while (!work.empty()) {
    // Lowest block first: loops settle before the code after them runs.
    size_t pc = *work.begin();
    work.erase(work.begin());
    State s = *entry[block[pc]];
    for (;;) {
      if (++*steps > options_.max_steps) {
        return VerifyError{static_cast<uint32_t>(pc),
                           fmt::format("program too complex to verify (more than {} steps)",
                                       options_.max_steps)};
      }
      const Insn& i = insns_[pc];
      const uint8_t cls = ClassOf(i.opcode);
      auto fail = [&](std::string r) {
        return VerifyError{static_cast<uint32_t>(pc), std::move(r)};
      };
      size_t next = pc + 1;
      if (cls == kClassAlu || cls == kClassAlu64) {
        if (auto e = Alu(s, i)) return fail(*e);
      } else if (cls == kClassLd) {  // lddw
        const uint64_t v = static_cast<uint32_t>(i.imm) |
                           (uint64_t{static_cast<uint32_t>(insns_[pc + 1].imm)} << 32);
        s.r[i.dst()] = i.src() == kPseudoRodata
                           ? Value::Ptr(Region::kRodata, static_cast<int64_t>(v),
                                        static_cast<int64_t>(v))
                           : Value::Const(v);
        next = pc + 2;
      } else if (cls == kClassLdx || cls == kClassSt || cls == kClassStx) {
        if (auto e = Memory(s, i, pc)) return fail(*e);
      } else {  // JMP / JMP32
        const uint8_t op = OpOf(i.opcode);
        if (op == kJmpExit) {
          if (!s.r[0].init()) return fail("r0 (the return value) is not initialised at exit");
          break;
        }
        if (op == kJmpCall) {
          if (auto e = Call(s, i)) return fail(*e);
        } else if (op == kJmpJa) {
          flow(JumpTarget(i, pc), s);
          break;
        } else {
          if (auto e = Read(s, i.dst())) return fail(*e);
          if (SrcOf(i.opcode) == kSrcX) {
            if (auto e = Read(s, i.src())) return fail(*e);
          }
          std::optional<State> taken, fall;
          Branch(s, i, &taken, &fall);
          if (taken) flow(JumpTarget(i, pc), *taken);
          if (fall) {
            if (pc + 1 >= n) return fail("falls off the end of the program (no exit)");
            flow(pc + 1, *fall);
          }
          break;
        }
      }
      if (next >= n) return fail("falls off the end of the program (no exit)");
      pc = next;
      if (leader[pc]) {
        flow(pc, s);
        break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Result<VerifiedProgram, VerifyError> Verify(const Program& program,
                                            const VerifierOptions& options) {
  const auto& insns = program.insns();
  if (insns.size() > options.max_insns) {
    return Err(VerifyError{0, fmt::format("program too large: {} instructions, at most {}",
                                          insns.size(), options.max_insns)});
  }
  std::vector<bool> second(insns.size(), false);
  bool has_exit = false;
  for (size_t pc = 0; pc + 1 < insns.size(); ++pc) {
    if (IsLddw(insns[pc])) second[++pc] = true;
  }
  for (size_t pc = 0; pc < insns.size(); ++pc) {
    if (second[pc]) continue;
    std::string why = CheckEncoding(insns, pc, second, program.rodata().size());
    if (!why.empty()) return Err(VerifyError{static_cast<uint32_t>(pc), std::move(why)});
    has_exit |= insns[pc].opcode == (kClassJmp | kJmpExit);
  }
  if (!has_exit) {
    return Err(VerifyError{static_cast<uint32_t>(insns.size() - 1),
                           "program has no exit instruction"});
  }
  uint64_t steps = 0;
  Analyzer analyzer(program, options);
  if (auto e = analyzer.Run(second, &steps)) return Err(std::move(*e));
  return VerifiedProgram(insns, program.rodata(), steps);
}

}  // namespace salix::apps::ebpf

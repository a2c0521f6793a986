#include "apps/ebpf/interpreter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "apps/ebpf/alu.h"
#include "apps/ebpf/opcodes.h"

namespace salix::apps::ebpf {
namespace {

// X-macros: one handler per (operation, width, operand kind), so the
// dispatch table and the decoder cannot drift apart.
#define SALIX_ALU_OPS(X)                                                              \
  X(ADD, kAluAdd) X(SUB, kAluSub) X(MUL, kAluMul) X(DIV, kAluDiv) X(OR, kAluOr)       \
  X(AND, kAluAnd) X(LSH, kAluLsh) X(RSH, kAluRsh) X(MOD, kAluMod) X(XOR, kAluXor)     \
  X(MOV, kAluMov) X(ARSH, kAluArsh)
#define SALIX_JMP_OPS(X)                                                              \
  X(JEQ, kJmpJeq) X(JGT, kJmpJgt) X(JGE, kJmpJge) X(JSET, kJmpJset) X(JNE, kJmpJne)   \
  X(JSGT, kJmpJsgt) X(JSGE, kJmpJsge) X(JLT, kJmpJlt) X(JLE, kJmpJle)                 \
  X(JSLT, kJmpJslt) X(JSLE, kJmpJsle)
#define SALIX_OTHER_HANDLERS(X)                                                       \
  X(NEG64) X(NEG32) X(LE) X(SWAP) X(JA) X(CALL) X(EXIT) X(LDXB) X(LDXH) X(LDXW)       \
  X(LDXDW) X(LDXSB) X(LDXSH) X(LDXSW) X(STB) X(STH) X(STW) X(STDW) X(STXB) X(STXH)    \
  X(STXW) X(STXDW) X(LDDW) X(INVALID)

enum Handler : uint8_t {
#define SALIX_A(N, OP) kH_##N##64K, kH_##N##64X, kH_##N##32K, kH_##N##32X,
#define SALIX_J(N, OP) kH_##N##K, kH_##N##X, kH_##N##32K, kH_##N##32X,
#define SALIX_O(N) kH_##N,
  SALIX_ALU_OPS(SALIX_A) SALIX_JMP_OPS(SALIX_J) SALIX_OTHER_HANDLERS(SALIX_O)
#undef SALIX_A
#undef SALIX_J
#undef SALIX_O
  kNumHandlers
};
static_assert(kNumHandlers <= 256);

using Decoded = Interpreter::Decoded;

uint64_t SignExtend(int32_t imm) { return static_cast<uint64_t>(static_cast<int64_t>(imm)); }

int32_t Target(const Insn& i, size_t pc) {
  if (ClassOf(i.opcode) == kClassJmp32 && OpOf(i.opcode) == kJmpJa) {
    return static_cast<int32_t>(pc + 1 + i.imm);
  }
  return static_cast<int32_t>(pc + 1 + i.off);
}

// REQUIRES: the program passed the verifier (every encoding is valid).
std::vector<Decoded> Decode(const std::vector<Insn>& insns) {
  Decoded invalid;
  invalid.handler = kH_INVALID;
  std::vector<Decoded> code(insns.size(), invalid);
  for (size_t pc = 0; pc < insns.size(); ++pc) {
    const Insn& i = insns[pc];
    Decoded& d = code[pc];
    d.dst = i.dst();
    d.src = i.src();
    d.off = i.off;
    d.imm = SignExtend(i.imm);
    d.handler = kH_INVALID;
    const uint8_t cls = ClassOf(i.opcode);
    const uint8_t op = OpOf(i.opcode);
    const bool x = SrcOf(i.opcode) == kSrcX;
    switch (cls) {
      case kClassAlu:
      case kClassAlu64: {
        const bool is64 = cls == kClassAlu64;
        if (op == kAluEnd) {
          d.handler = (is64 || x) ? kH_SWAP : kH_LE;
          d.imm = static_cast<uint64_t>(i.imm);
          break;
        }
        if (op == kAluNeg) {
          d.handler = is64 ? kH_NEG64 : kH_NEG32;
          break;
        }
        const int variant = (is64 ? 0 : 2) + (x ? 1 : 0);
        switch (op) {
#define SALIX_A(N, OP) \
  case OP: d.handler = static_cast<uint8_t>(kH_##N##64K + variant); break;
          SALIX_ALU_OPS(SALIX_A)
#undef SALIX_A
        }
        break;
      }
      case kClassJmp:
      case kClassJmp32: {
        if (op == kJmpExit) {
          d.handler = kH_EXIT;
        } else if (op == kJmpCall) {
          d.handler = kH_CALL;
        } else if (op == kJmpJa) {
          d.handler = kH_JA;
          d.off = Target(i, pc);
        } else {
          const int variant = (cls == kClassJmp ? 0 : 2) + (x ? 1 : 0);
          switch (op) {
#define SALIX_J(N, OP) \
  case OP: d.handler = static_cast<uint8_t>(kH_##N##K + variant); break;
            SALIX_JMP_OPS(SALIX_J)
#undef SALIX_J
          }
          d.off = Target(i, pc);
        }
        break;
      }
      case kClassLd:  // lddw; its second slot stays kH_INVALID (never a target)
        d.handler = kH_LDDW;
        d.imm = static_cast<uint32_t>(i.imm) |
                (uint64_t{static_cast<uint32_t>(insns[pc + 1].imm)} << 32);
        if (i.src() == kPseudoRodata) {
          d.imm = RegionBase(Region::kRodata) + static_cast<uint32_t>(i.imm);
        }
        ++pc;
        break;
      case kClassLdx: {
        const bool sx = ModeOf(i.opcode) == kModeMemSx;
        switch (SizeOf(i.opcode)) {
          case kSizeB: d.handler = sx ? kH_LDXSB : kH_LDXB; break;
          case kSizeH: d.handler = sx ? kH_LDXSH : kH_LDXH; break;
          case kSizeW: d.handler = sx ? kH_LDXSW : kH_LDXW; break;
          default: d.handler = kH_LDXDW; break;
        }
        break;
      }
      case kClassSt:
      case kClassStx: {
        const int base = cls == kClassSt ? kH_STB : kH_STXB;
        switch (SizeOf(i.opcode)) {
          case kSizeB: d.handler = static_cast<uint8_t>(base + 0); break;
          case kSizeH: d.handler = static_cast<uint8_t>(base + 1); break;
          case kSizeW: d.handler = static_cast<uint8_t>(base + 2); break;
          default: d.handler = static_cast<uint8_t>(base + 3); break;
        }
        break;
      }
    }
  }
  // A sentinel past the end: the verifier refuses fall-through on every path
  // it considers feasible, and this stops a run on one it pruned wrongly.
  code.push_back(invalid);
  return code;
}

std::string Where(uint64_t address) {
  const uint64_t slot = address >> SALIX_REGION_SHIFT;
  if (slot == 0 || slot > static_cast<uint64_t>(Region::kRodata)) {
    return fmt::format("0x{:x} (no region)", address);
  }
  return fmt::format("{}+{} (0x{:x})", RegionName(static_cast<Region>(slot)),
                     address & 0xffffffffu, address);
}

}  // namespace

std::string RunError::ToString() const {
  return fmt::format("instruction {}: {}", insn, reason);
}

Result<std::unique_ptr<Interpreter>, std::string> Interpreter::Create(
    const VerifiedProgram& program, const Options& options) {
  if (options.scratch_size > kMaxScratchSize) {
    return Err(fmt::format("scratch size {} exceeds the limit of {} bytes",
                           options.scratch_size, kMaxScratchSize));
  }
  return std::unique_ptr<Interpreter>(
      new Interpreter(Decode(program.insns()), program.rodata(), options.scratch_size));
}

Result<RunResult, RunError> Interpreter::Run(const Invocation& inv, AppEnv& env) {
  RunStats stats;
  std::memset(stack_, 0, sizeof(stack_));
  if (!scratch_.empty()) std::memset(scratch_.data(), 0, scratch_.size());
  ctx_ = AppCtx{};
  ctx_.input = RegionBase(Region::kInput);
  ctx_.output = RegionBase(Region::kOutput);
  ctx_.scratch = RegionBase(Region::kScratch);
  // A region is addressed by 32 bits: larger buffers show their first 4 GiB.
  constexpr size_t kMaxRegion = 0xffffffffu;
  ctx_.input_len = static_cast<uint32_t>(std::min(inv.input.size(), kMaxRegion));
  ctx_.output_cap = static_cast<uint32_t>(std::min(inv.output.size(), kMaxRegion));
  ctx_.scratch_len = static_cast<uint32_t>(scratch_.size());
  ctx_.lba_size = env.lba_size();
  ctx_.lba_count = env.lba_count();

  RegionTable regions;
  regions.Set(Region::kCtx, reinterpret_cast<uint8_t*>(&ctx_), sizeof(ctx_));
  regions.Set(Region::kStack, stack_, sizeof(stack_));
  regions.Set(Region::kScratch, scratch_.data(), scratch_.size());
  // Read-only regions: RegionTable grants them no writes.
  regions.Set(Region::kInput, const_cast<uint8_t*>(inv.input.data()), ctx_.input_len);
  regions.Set(Region::kOutput, inv.output.data(), ctx_.output_cap);
  regions.Set(Region::kRodata, rodata_.data(), rodata_.size());

  HelperContext hc;
  hc.regions = &regions;
  const Domain no_access;  // a missing domain grants nothing
  hc.domain = inv.domain != nullptr ? inv.domain : &no_access;
  hc.env = &env;
  hc.output_cap = ctx_.output_cap;
  hc.stats = &stats;

  uint64_t R[kNumRegisters] = {};
  R[1] = RegionBase(Region::kCtx);
  R[kFrameRegister] = RegionBase(Region::kStack) + kStackSize;

  const Decoded* const code = code_.data();
  const Decoded* i = code;
  const int64_t budget = static_cast<int64_t>(
      std::min<uint64_t>(inv.budget, static_cast<uint64_t>(INT64_MAX)));
  int64_t left = budget;
  uint64_t fault_address = 0;
  int fault_size = 0;
  bool fault_write = false;

  static const void* const kLabels[] = {
#define SALIX_A(N, OP) &&L_##N##64K, &&L_##N##64X, &&L_##N##32K, &&L_##N##32X,
#define SALIX_J(N, OP) &&L_##N##K, &&L_##N##X, &&L_##N##32K, &&L_##N##32X,
#define SALIX_O(N) &&L_##N,
      SALIX_ALU_OPS(SALIX_A) SALIX_JMP_OPS(SALIX_J) SALIX_OTHER_HANDLERS(SALIX_O)
#undef SALIX_A
#undef SALIX_J
#undef SALIX_O
  };
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == kNumHandlers);

#define DISPATCH()                                      \
  do {                                                  \
    if (__builtin_expect(--left < 0, 0)) goto budget_out; \
    goto* kLabels[i->handler];                          \
  } while (0)
#define NEXT()  \
  do {          \
    ++i;        \
    DISPATCH(); \
  } while (0)
#define JUMP()            \
  do {                    \
    i = code + i->off;    \
    DISPATCH();           \
  } while (0)

  DISPATCH();

#define SALIX_A(N, OP)                                                                   \
  L_##N##64K : R[i->dst] = Alu64(OP, static_cast<int16_t>(i->off), R[i->dst], i->imm);   \
  NEXT();                                                                                \
  L_##N##64X : R[i->dst] = Alu64(OP, static_cast<int16_t>(i->off), R[i->dst], R[i->src]); \
  NEXT();                                                                                \
  L_##N##32K : R[i->dst] = Alu32(OP, static_cast<int16_t>(i->off),                       \
                                 static_cast<uint32_t>(R[i->dst]),                       \
                                 static_cast<uint32_t>(i->imm));                         \
  NEXT();                                                                                \
  L_##N##32X : R[i->dst] = Alu32(OP, static_cast<int16_t>(i->off),                       \
                                 static_cast<uint32_t>(R[i->dst]),                       \
                                 static_cast<uint32_t>(R[i->src]));                      \
  NEXT();
  SALIX_ALU_OPS(SALIX_A)
#undef SALIX_A

#define SALIX_J(N, OP)                                                                   \
  L_##N##K : if (Compare<uint64_t>(OP, R[i->dst], i->imm)) JUMP();                        \
  NEXT();                                                                                \
  L_##N##X : if (Compare<uint64_t>(OP, R[i->dst], R[i->src])) JUMP();                     \
  NEXT();                                                                                \
  L_##N##32K : if (Compare<uint32_t>(OP, static_cast<uint32_t>(R[i->dst]),               \
                                     static_cast<uint32_t>(i->imm))) JUMP();             \
  NEXT();                                                                                \
  L_##N##32X : if (Compare<uint32_t>(OP, static_cast<uint32_t>(R[i->dst]),               \
                                     static_cast<uint32_t>(R[i->src]))) JUMP();          \
  NEXT();
  SALIX_JMP_OPS(SALIX_J)
#undef SALIX_J

L_NEG64:
  R[i->dst] = 0 - R[i->dst];
  NEXT();
L_NEG32:
  R[i->dst] = static_cast<uint32_t>(0 - static_cast<uint32_t>(R[i->dst]));
  NEXT();
L_LE:
  R[i->dst] = ByteSwap(false, static_cast<int32_t>(i->imm), R[i->dst]);
  NEXT();
L_SWAP:
  R[i->dst] = ByteSwap(true, static_cast<int32_t>(i->imm), R[i->dst]);
  NEXT();
L_JA:
  JUMP();
L_CALL:
  R[0] = CallHelper(static_cast<int32_t>(i->imm), &R[1], hc);
  R[1] = R[2] = R[3] = R[4] = R[5] = 0;  // clobbered: deterministic zeros
  NEXT();
L_LDDW:
  R[i->dst] = i->imm;
  i += 2;
  DISPATCH();

#define SALIX_LOAD(LABEL, T, U)                                                     \
  LABEL : {                                                                          \
    const uint64_t a = R[i->src] + static_cast<int64_t>(i->off);                     \
    const uint8_t* p = regions.Translate(a, sizeof(T), false);                       \
    if (__builtin_expect(p == nullptr, 0)) {                                         \
      fault_address = a;                                                             \
      fault_size = sizeof(T);                                                        \
      fault_write = false;                                                           \
      goto fault;                                                                    \
    }                                                                                \
    T v;                                                                             \
    std::memcpy(&v, p, sizeof(T));                                                   \
    R[i->dst] = static_cast<uint64_t>(static_cast<U>(v));                            \
  }                                                                                  \
  NEXT();
  SALIX_LOAD(L_LDXB, uint8_t, uint64_t)
  SALIX_LOAD(L_LDXH, uint16_t, uint64_t)
  SALIX_LOAD(L_LDXW, uint32_t, uint64_t)
  SALIX_LOAD(L_LDXDW, uint64_t, uint64_t)
  SALIX_LOAD(L_LDXSB, int8_t, int64_t)
  SALIX_LOAD(L_LDXSH, int16_t, int64_t)
  SALIX_LOAD(L_LDXSW, int32_t, int64_t)
#undef SALIX_LOAD

#define SALIX_STORE(LABEL, T, VALUE)                                                \
  LABEL : {                                                                          \
    const uint64_t a = R[i->dst] + static_cast<int64_t>(i->off);                     \
    uint8_t* p = regions.Translate(a, sizeof(T), true);                              \
    if (__builtin_expect(p == nullptr, 0)) {                                         \
      fault_address = a;                                                             \
      fault_size = sizeof(T);                                                        \
      fault_write = true;                                                            \
      goto fault;                                                                    \
    }                                                                                \
    const T v = static_cast<T>(VALUE);                                               \
    std::memcpy(p, &v, sizeof(T));                                                   \
  }                                                                                  \
  NEXT();
  SALIX_STORE(L_STB, uint8_t, i->imm)
  SALIX_STORE(L_STH, uint16_t, i->imm)
  SALIX_STORE(L_STW, uint32_t, i->imm)
  SALIX_STORE(L_STDW, uint64_t, i->imm)
  SALIX_STORE(L_STXB, uint8_t, R[i->src])
  SALIX_STORE(L_STXH, uint16_t, R[i->src])
  SALIX_STORE(L_STXW, uint32_t, R[i->src])
  SALIX_STORE(L_STXDW, uint64_t, R[i->src])
#undef SALIX_STORE

#undef DISPATCH
#undef NEXT
#undef JUMP

L_INVALID : {
  stats.insns = static_cast<uint64_t>(budget - left);
  return Err(RunError{RunError::Kind::kMemoryFault, static_cast<uint32_t>(i - code),
                      "internal error: executed an instruction slot that is not code (the verifier missed it)", stats});
}
fault : {
  stats.insns = static_cast<uint64_t>(budget - left);
  return Err(RunError{RunError::Kind::kMemoryFault, static_cast<uint32_t>(i - code),
                      fmt::format("{}-byte {} {} is outside the regions that allow it",
                                  fault_size, fault_write ? "store to" : "load from",
                                  Where(fault_address)),
                      stats});
}
budget_out : {
  stats.insns = static_cast<uint64_t>(budget);
  return Err(RunError{RunError::Kind::kBudgetExhausted, static_cast<uint32_t>(i - code),
                      fmt::format("instruction budget of {} exhausted", budget), stats});
}
L_EXIT:
  stats.insns = static_cast<uint64_t>(budget - left);
  return RunResult{R[0], hc.output_len, stats};
}

}  // namespace salix::apps::ebpf

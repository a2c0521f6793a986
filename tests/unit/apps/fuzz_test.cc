// Randomized: random instruction streams are either refused by the
// verifier or run to an end (exit, budget or memory fault) without
// crashing and without touching flash outside the domain.
#include <catch2/catch.hpp>

#include <random>
#include <map>
#include <cstdlib>
#include <cstdio>

#include "apps/ebpf/interpreter.h"
#include "assembler.h"
#include "memory_env.h"

namespace salix::apps::ebpf::test {
namespace {

// Mostly valid opcodes, so that some programs get past the verifier.
uint8_t RandomOpcode(std::mt19937& rng) {
  static constexpr uint8_t kAluOps[] = {kAluAdd, kAluSub, kAluMul, kAluDiv, kAluOr,
                                        kAluAnd, kAluLsh, kAluRsh, kAluNeg, kAluMod,
                                        kAluXor, kAluMov, kAluArsh, kAluEnd};
  static constexpr uint8_t kJmpOps[] = {kJmpJa,  kJmpJeq,  kJmpJgt,  kJmpJge,  kJmpJset,
                                        kJmpJne, kJmpJsgt, kJmpJsge, kJmpJlt,  kJmpJle,
                                        kJmpJslt, kJmpJsle, kJmpCall, kJmpExit};
  static constexpr uint8_t kSizes[] = {kSizeB, kSizeH, kSizeW, kSizeDw};
  switch (rng() % 8) {
    case 0: case 1: case 2:
      return static_cast<uint8_t>((rng() % 2 ? kClassAlu64 : kClassAlu) |
                                  (rng() % 2 ? kSrcX : kSrcK) | kAluOps[rng() % 14]);
    case 3: case 4:
      return static_cast<uint8_t>((rng() % 4 ? kClassJmp : kClassJmp32) |
                                  (rng() % 2 ? kSrcX : kSrcK) | kJmpOps[rng() % 14]);
    case 5:
      return static_cast<uint8_t>(kClassLdx | kModeMem | kSizes[rng() % 4]);
    case 6:
      return static_cast<uint8_t>((rng() % 2 ? kClassSt : kClassStx) | kModeMem |
                                  kSizes[rng() % 4]);
    case 7:
      if (rng() % 4 == 0) return static_cast<uint8_t>(rng());  // anything at all
      [[fallthrough]];
    default:
      return static_cast<uint8_t>(kClassAlu64 | kSrcK | kAluMov);
  }
}

int32_t RandomImm(std::mt19937& rng) {
  switch (rng() % 5) {
    case 0: return static_cast<int32_t>(rng());
    case 1: return -static_cast<int32_t>(rng() % 600);
    case 2: return static_cast<int32_t>(rng() % 5);  // helper ids, small numbers
    default: return static_cast<int32_t>(rng() % 64);
  }
}

}  // namespace

TEST_CASE("Random programs are refused or run without escaping", "[apps]") {
  const uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  MemoryEnv env(512, 64);
  for (size_t i = 0; i < env.data().size(); ++i) env.data()[i] = static_cast<uint8_t>(i);
  const auto flash_before = env.data();
  Domain domain = DomainOf({{8, 8, kRightReadWrite}});
  std::vector<uint8_t> input(64);
  for (auto& b : input) b = static_cast<uint8_t>(rng());
  std::vector<uint8_t> output(128);

  // SALIX_FUZZ_VERBOSE=1 prints why programs were refused (to tune the
  // generator) and what happened to the accepted ones.
  const bool verbose = getenv("SALIX_FUZZ_VERBOSE") != nullptr;
  std::map<std::string, int> reasons;
  int accepted = 0, exited = 0, faulted = 0, budget = 0;
  const int kPrograms = 100000;
  for (int n = 0; n < kPrograms; ++n) {
    Asm a;
    // Most programs start with every register set: pointers into each
    // region, numbers from the input and constants.
    if (rng() % 8) {
      a.Ldx(kSizeDw, 2, 1, 0).Ldx(kSizeDw, 3, 1, 16).Ldx(kSizeDw, 4, 1, 8).Mov(5, 10)
          .Ldx(kSizeDw, 6, 2, 0).Ldx(kSizeW, 7, 2, 8).MovImm(8, 8).MovImm(9, 512)
          .MovImm(0, 0);
    }
    const int len = 1 + rng() % 16;
    for (int k = 0; k < len; ++k) {
      const uint8_t dst = rng() % 64 == 0 ? rng() % 16 : rng() % 10;  // r10: rarely
      const uint8_t src = rng() % 64 == 0 ? rng() % 16 : rng() % 11;
      const uint8_t opcode = RandomOpcode(rng);
      const uint8_t cls = ClassOf(opcode);
      int16_t off;
      if (rng() % 32 == 0) {
        off = static_cast<int16_t>(rng());  // anything
      } else if (cls == kClassAlu || cls == kClassAlu64) {
        static constexpr int16_t kMovSx[] = {8, 16, 32};
        const uint8_t op = OpOf(opcode);
        off = 0;
        if ((op == kAluDiv || op == kAluMod) && rng() % 2) off = 1;  // signed
        if (op == kAluMov && SrcOf(opcode) == kSrcX && rng() % 4 == 0) off = kMovSx[rng() % 3];
      } else if (cls == kClassJmp || cls == kClassJmp32) {
        off = static_cast<int16_t>(static_cast<int>(rng() % 12) - 3);  // loops too
      } else {
        off = rng() % 2 ? static_cast<int16_t>(-8 * (1 + rng() % 64))
                        : static_cast<int16_t>(rng() % 64);
      }
      const uint8_t src_field = cls == kClassSt && rng() % 8 ? 0 : src;
      a.Raw(opcode, dst, src_field, off, RandomImm(rng));
    }
    if (rng() % 4) a.MovImm(0, 0).Exit();
    auto p = Program::FromInstructions(a.insns());
    REQUIRE(p.ok());
    auto v = Verify(*p);
    if (!v.ok()) {
      CHECK_FALSE(v.error().reason.empty());
      if (verbose) ++reasons[v.error().reason.substr(0, 40)];
      continue;
    }
    ++accepted;
    auto interp = MakeInterpreter(*v, 256);
    Invocation inv;
    inv.input = input;
    inv.output = output;
    inv.domain = &domain;
    inv.budget = 5000;
    auto r = interp->Run(inv, env);
    if (r.ok()) {
      ++exited;
      CHECK(r->output_len <= output.size());
    } else if (r.error().kind == RunError::Kind::kBudgetExhausted) {
      ++budget;
    } else {
      ++faulted;
    }
  }
  if (verbose) {
    for (auto& [r, c] : reasons) printf("%7d refused: %s\n", c, r.c_str());
    printf("seed %u: %d accepted: %d exited, %d faulted, %d out of budget\n", seed, accepted,
           exited, faulted, budget);
  }
  // Flash outside LBAs 8..15 is exactly as it was.
  for (size_t i = 0; i < env.data().size(); ++i) {
    const uint64_t lba = i / 512;
    if (lba >= 8 && lba < 16) continue;
    if (env.data()[i] != flash_before[i]) FAIL("byte " << i << " of LBA " << lba << " changed");
  }
  INFO(accepted << " accepted: " << exited << " exited, " << faulted << " faulted, " << budget
                << " out of budget");
  CHECK(accepted > kPrograms / 50);  // the fuzzer reaches the interpreter
  CHECK(exited > 0);
}

}  // namespace salix::apps::ebpf::test

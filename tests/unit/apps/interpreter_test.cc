// The interpreter: RFC 9669 semantics, budget, regions, helpers, stats.
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>

#include "apps/ebpf/interpreter.h"
#include "assembler.h"
#include "memory_env.h"

namespace salix::apps::ebpf::test {
namespace {

struct Fixture {
  MemoryEnv env{512, 64};
  Domain domain = DomainOf({{0, 64, kRightReadWrite}});
  std::vector<uint8_t> input;
  std::vector<uint8_t> output = std::vector<uint8_t>(256, 0);

  Result<RunResult, RunError> Run(const Asm& a, uint64_t budget = 100000,
                                  uint32_t scratch = 4096) {
    auto v = VerifyOrDie(a.Build());
    auto interp = MakeInterpreter(v, scratch);
    Invocation inv;
    inv.input = input;
    inv.output = output;
    inv.domain = &domain;
    inv.budget = budget;
    return interp->Run(inv, env);
  }
  uint64_t R0(const Asm& a) {
    auto r = Run(a);
    if (!r.ok()) FAIL(r.error().ToString());
    return r->r0;
  }
};

// r0 = input[0] <op> input[1], both 64-bit words the verifier cannot know.
uint64_t Binary(uint8_t cls, uint8_t op, uint64_t a, uint64_t b, int16_t off = 0) {
  Fixture f;
  f.input.resize(16);
  std::memcpy(f.input.data(), &a, 8);
  std::memcpy(f.input.data() + 8, &b, 8);
  Asm p;
  p.Ldx(kSizeDw, 6, 1, 0).Ldx(kSizeDw, 0, 6, 0).Ldx(kSizeDw, 2, 6, 8)
      .Raw(cls | kSrcX | op, 0, 2, off, 0).Exit();
  return f.R0(p);
}

constexpr uint64_t kI64Min = uint64_t{1} << 63;
constexpr uint64_t kMinus1 = ~uint64_t{0};

}  // namespace

TEST_CASE("Interpreter follows RFC 9669 for division and modulo, including by zero", "[apps]") {
  CHECK(Binary(kClassAlu64, kAluDiv, 7, 0) == 0);
  CHECK(Binary(kClassAlu64, kAluMod, 7, 0) == 7);
  CHECK(Binary(kClassAlu64, kAluDiv, 7, 2) == 3);
  CHECK(Binary(kClassAlu64, kAluDiv, kMinus1, 2) == kMinus1 / 2);  // unsigned
  CHECK(Binary(kClassAlu, kAluDiv, 0xffffffff00000007, 2) == 3);   // 32-bit: low halves
  CHECK(Binary(kClassAlu, kAluMod, 0x1234567800000007, 0) == 7);  // upper half cleared
  // Signed (v4, offset 1).
  CHECK(Binary(kClassAlu64, kAluDiv, static_cast<uint64_t>(-7), 2, 1) == static_cast<uint64_t>(-3));
  CHECK(Binary(kClassAlu64, kAluMod, static_cast<uint64_t>(-7), 2, 1) == static_cast<uint64_t>(-1));
  CHECK(Binary(kClassAlu64, kAluDiv, kI64Min, kMinus1, 1) == kI64Min);  // overflow wraps
  CHECK(Binary(kClassAlu64, kAluMod, kI64Min, kMinus1, 1) == 0);
  CHECK(Binary(kClassAlu64, kAluDiv, 5, 0, 1) == 0);
  CHECK(Binary(kClassAlu, kAluDiv, 0x80000000, 0xffffffff, 1) == 0x80000000);
}

TEST_CASE("Interpreter shifts, 32-bit results and sign extension", "[apps]") {
  CHECK(Binary(kClassAlu64, kAluLsh, 1, 65) == 2);  // amount masked to 6 bits
  CHECK(Binary(kClassAlu, kAluLsh, 1, 33) == 2);    // 5 bits
  CHECK(Binary(kClassAlu64, kAluArsh, kI64Min, 63) == kMinus1);
  CHECK(Binary(kClassAlu, kAluArsh, 0x80000000, 31) == 0xffffffff);  // zero-extended
  CHECK(Binary(kClassAlu, kAluAdd, 0xffffffff, 1) == 0);
  CHECK(Binary(kClassAlu64, kAluMov, 0, 0x80, 8) == static_cast<uint64_t>(-128));  // movsx
  CHECK(Binary(kClassAlu, kAluMov, 0, 0x8000, 16) == 0xffff8000);
  CHECK(Binary(kClassAlu64, kAluMov, 0, 0x80000000, 32) == 0xffffffff80000000);

  Fixture f;
  f.input = {0x80, 0x01, 0x02, 0x83};
  Asm sx;  // r0 = *(s8 *)input + *(s16 *)(input + 2)
  sx.Ldx(kSizeDw, 6, 1, 0).Ldxs(kSizeB, 0, 6, 0).Ldxs(kSizeH, 2, 6, 2)
      .AluReg(kAluAdd, 0, 2).Exit();
  CHECK(f.R0(sx) == static_cast<uint64_t>(-128 + static_cast<int16_t>(0x8302)));
}

TEST_CASE("Interpreter byte swaps and 64-bit immediates", "[apps]") {
  Fixture f;
  Asm be;
  be.Lddw(0, 0x1122334455667788).Raw(kClassAlu | kAluEnd | kToBe, 0, 0, 0, 32).Exit();
  CHECK(f.R0(be) == 0x88776655);
  Asm le;
  le.Lddw(0, 0x1122334455667788).Raw(kClassAlu | kAluEnd | kToLe, 0, 0, 0, 16).Exit();
  CHECK(f.R0(le) == 0x7788);
  Asm swap;
  swap.Lddw(0, 0x1122334455667788).Raw(kClassAlu64 | kAluEnd, 0, 0, 0, 64).Exit();
  CHECK(f.R0(swap) == 0x8877665544332211);
}

TEST_CASE("Interpreter compares signed, unsigned and 32-bit", "[apps]") {
  Fixture f;
  // r0 = 1 if (s64)-1 < 1 (signed) else 0
  Asm s;
  s.MovImm(0, 0).MovImm(1, -1).Jmp(kJmpJsge, 1, 1, 1).MovImm(0, 1).Exit();
  CHECK(f.R0(s) == 1);
  Asm u;  // unsigned: 0xfff..f > 1
  u.MovImm(0, 0).MovImm(1, -1).Jmp(kJmpJgt, 1, 1, 1).MovImm(0, 1).Exit();
  CHECK(f.R0(u) == 0);
  Asm w;  // JMP32 looks at the low half only: 0x1_00000000 == 0
  w.MovImm(0, 0).Lddw(1, uint64_t{1} << 32).Jmp32(kJmpJeq, 1, 0, 1).MovImm(0, 1).Exit();
  CHECK(f.R0(w) == 0);
  Asm set;
  set.MovImm(0, 0).MovImm(1, 6).Jmp(kJmpJset, 1, 4, 1).MovImm(0, 1).Exit();
  CHECK(f.R0(set) == 0);
}

TEST_CASE("Interpreter stops a never-ending loop when the budget is spent", "[apps]") {
  Fixture f;
  Asm a;
  a.MovImm(0, 0).AddImm(0, 1).Ja(-2).Exit();
  auto r = f.Run(a, 10000);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == RunError::Kind::kBudgetExhausted);
  CHECK(r.error().stats.insns == 10000);
  CHECK_THAT(r.error().reason, Catch::Contains("budget of 10000 exhausted"));

  Asm ok;  // a budget exactly large enough
  ok.MovImm(0, 1).Exit();
  auto exact = f.Run(ok, 2);
  REQUIRE(exact.ok());
  CHECK(exact->stats.insns == 2);
  CHECK_FALSE(f.Run(ok, 1).ok());
}

TEST_CASE("Interpreter zeroes stack and scratch at every run", "[apps]") {
  Fixture f;
  f.input.resize(8, 0x5a);
  // r0 = old stack word | old scratch word; then store input into both.
  Asm a;
  a.Ldx(kSizeDw, 6, 1, 0).Ldx(kSizeDw, 7, 1, 16)
      .Ldx(kSizeDw, 0, 10, -8).Ldx(kSizeDw, 2, 7, 100).AluReg(kAluOr, 0, 2)
      .Ldx(kSizeDw, 3, 6, 0).Stx(kSizeDw, 10, 3, -8).Stx(kSizeDw, 7, 3, 100).Exit();
  auto v = VerifyOrDie(a.Build());
  auto interp = MakeInterpreter(v, 4096);
  Invocation inv;
  inv.input = f.input;
  inv.output = f.output;
  inv.domain = &f.domain;
  for (int run = 0; run < 3; ++run) {
    auto r = interp->Run(inv, f.env);
    REQUIRE(r.ok());
    CHECK(r->r0 == 0);
  }
}

TEST_CASE("Interpreter helpers: emit, set_output_len and LBA reads and writes", "[apps]") {
  Fixture f;
  for (int i = 0; i < 512; ++i) f.env.Lba(3)[i] = static_cast<uint8_t>(i * 7);
  // read LBA 3 into scratch, write it to LBA 9, emit its first 16 bytes,
  // then write 4 bytes straight into output and set the length to 20.
  Asm a;
  a.Ldx(kSizeDw, 7, 1, 16).Ldx(kSizeDw, 8, 1, 8)
      .MovImm(1, 3).MovImm(2, 1).Mov(3, 7).MovImm(4, 512).Call(SALIX_HELPER_READ_LBA)
      .Jmp(kJmpJne, 0, 0, 12)
      .MovImm(1, 9).MovImm(2, 1).Mov(3, 7).MovImm(4, 512).Call(SALIX_HELPER_WRITE_LBA)
      .Mov(1, 7).MovImm(2, 16).Call(SALIX_HELPER_EMIT)
      .St(kSizeW, 8, 16, 0x0d0c0b0a).MovImm(1, 20).Call(SALIX_HELPER_SET_OUTPUT_LEN)
      .MovImm(0, 77).Exit();
  auto r = f.Run(a);
  if (!r.ok()) FAIL(r.error().ToString());
  CHECK(r->r0 == 77);
  CHECK(r->output_len == 20);
  CHECK(std::memcmp(f.output.data(), f.env.Lba(3), 16) == 0);
  CHECK(f.output[16] == 0x0a);
  CHECK(f.output[19] == 0x0d);
  CHECK(std::memcmp(f.env.Lba(9), f.env.Lba(3), 512) == 0);
  CHECK(r->stats.helper_calls == 4);
  CHECK(r->stats.lbas_read == 1);
  CHECK(r->stats.lbas_written == 1);
  CHECK(r->stats.refused_calls == 0);
}

TEST_CASE("Interpreter returns helper errors to the program: EIO, EINVAL, ENOSPC", "[apps]") {
  Fixture f;
  f.env.fail_at = 5;
  auto read = [&](int32_t lba, int32_t count) {
    Asm a;
    a.Ldx(kSizeDw, 3, 1, 16).MovImm(1, lba).MovImm(2, count).MovImm(4, 4096)
        .Call(SALIX_HELPER_READ_LBA).Exit();
    auto r = f.Run(a);
    REQUIRE(r.ok());
    return static_cast<int64_t>(r->r0);
  };
  CHECK(read(4, 2) == -SALIX_EIO);
  CHECK(read(0, 0) == -SALIX_EINVAL);
  CHECK(read(0, 9) == -SALIX_EINVAL);  // 9 * 512 > 4096-byte buffer
  CHECK(read(8, 8) == 0);

  Asm big;  // emit 300 bytes into a 256-byte output
  big.Ldx(kSizeDw, 1, 1, 16).MovImm(2, 300).Call(SALIX_HELPER_EMIT).Exit();
  auto r = f.Run(big);
  REQUIRE(r.ok());
  CHECK(static_cast<int64_t>(r->r0) == -SALIX_ENOSPC);
  CHECK(r->output_len == 0);
  CHECK(r->stats.refused_calls == 1);
}

TEST_CASE("Interpreter refuses a scratch size beyond its limit", "[apps]") {
  Asm a;
  a.MovImm(0, 0).Exit();
  auto v = VerifyOrDie(a.Build());
  Interpreter::Options o;
  o.scratch_size = Interpreter::kMaxScratchSize + 1;
  auto r = Interpreter::Create(v, o);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error(), Catch::Contains("exceeds the limit"));
}

}  // namespace salix::apps::ebpf::test

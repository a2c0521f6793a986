// The eBPF verifier: every class of malformed program is refused with a
// reason naming the fault and the instruction; good programs pass.
#include <catch2/catch.hpp>

#include <string>

#include "apps/ebpf/verifier.h"
#include "assembler.h"
#include "memory_env.h"

namespace salix::apps::ebpf::test {
namespace {

// Expects Verify() to refuse 'a' at instruction 'insn' with a reason
// containing 'reason'.
void ExpectRefused(const Asm& a, uint32_t insn, const std::string& reason,
                   const VerifierOptions& o = {}) {
  auto v = Verify(a.Build(), o);
  REQUIRE_FALSE(v.ok());
  INFO(v.error().ToString());
  CHECK(v.error().insn == insn);
  CHECK_THAT(v.error().reason, Catch::Contains(reason));
}

void ExpectAccepted(const Asm& a, const VerifierOptions& o = {}) {
  auto v = Verify(a.Build(), o);
  if (!v.ok()) FAIL(v.error().ToString());
}

// r6 = ctx->input; r0 = *(u64 *)(input + 0): a number the verifier cannot know.
Asm& LoadInputWord(Asm& a, uint8_t reg) {
  a.Ldx(kSizeDw, 6, 1, 0);
  return a.Ldx(kSizeDw, reg, 6, 0);
}

}  // namespace

TEST_CASE("Verifier accepts a minimal program and a bounded loop", "[apps]") {
  Asm a;
  a.MovImm(0, 0).Exit();
  ExpectAccepted(a);

  Asm loop;  // r0 = 0; for (r1 = 0; r1 != 100; r1++) r0 += r1;
  loop.MovImm(0, 0).MovImm(1, 0)
      .AluReg(kAluAdd, 0, 1).AddImm(1, 1).Jmp(kJmpJne, 1, 100, -3)
      .Exit();
  ExpectAccepted(loop);
}

TEST_CASE("Verifier refuses unknown and unsupported opcodes with the opcode", "[apps]") {
  Asm unknown;
  unknown.MovImm(0, 0).Raw(0xff, 0, 0, 0, 0).Exit();
  ExpectRefused(unknown, 1, "unsupported opcode 0xff");

  Asm atomic;  // lock *(u64 *)(r10 - 8) += r1
  atomic.MovImm(0, 0).MovImm(1, 1).Raw(kClassStx | kModeAtomic | kSizeDw, 10, 1, -8, 0).Exit();
  ExpectRefused(atomic, 2, "atomic operations are not supported");

  Asm packet;  // legacy ld_abs
  packet.MovImm(0, 0).Raw(kClassLd | kModeAbs | kSizeW, 0, 0, 0, 0).Exit();
  ExpectRefused(packet, 1, "legacy packet access");

  Asm alu_offset;  // add with a non-zero offset field
  alu_offset.MovImm(0, 0).Alu(kAluAdd, 0, 1, 3).Exit();
  ExpectRefused(alu_offset, 1, "unsupported opcode 0x07");

  Asm jmp32_call;
  jmp32_call.MovImm(0, 0).Raw(kClassJmp32 | kJmpCall, 0, 0, 0, 1).Exit();
  ExpectRefused(jmp32_call, 1, "unsupported opcode 0x86");
}

TEST_CASE("Verifier refuses bad register numbers and writes to r10", "[apps]") {
  Asm bad_dst;
  bad_dst.MovImm(11, 0).MovImm(0, 0).Exit();
  ExpectRefused(bad_dst, 0, "bad register number r11");

  Asm bad_src;
  bad_src.MovImm(0, 0).Raw(kClassAlu64 | kSrcX | kAluMov, 0, 12, 0, 0).Exit();
  ExpectRefused(bad_src, 1, "bad register number r12");

  Asm r10;
  r10.MovImm(0, 0).AddImm(10, 8).Exit();
  ExpectRefused(r10, 1, "write to r10");

  Asm r10_load;
  r10_load.MovImm(0, 0).Ldx(kSizeDw, 10, 1, 0).Exit();
  ExpectRefused(r10_load, 1, "write to r10");
}

TEST_CASE("Verifier refuses jumps out of range and into the middle of lddw", "[apps]") {
  Asm forward;
  forward.MovImm(0, 0).Ja(5).Exit();
  ExpectRefused(forward, 1, "jump out of range: target 7, program has 3 instructions");

  Asm backward;
  backward.MovImm(0, 0).Jmp(kJmpJeq, 0, 0, -3).Exit();
  ExpectRefused(backward, 1, "jump out of range: target -1");

  Asm into_lddw;
  into_lddw.MovImm(0, 0).Jmp(kJmpJeq, 0, 0, 1).Lddw(2, 0x1234567890).Exit();
  ExpectRefused(into_lddw, 1, "jump into the middle of the lddw at instruction 2");
}

TEST_CASE("Verifier refuses programs that fall off the end or never exit", "[apps]") {
  Asm off_end;  // the exit is skipped over on one path
  off_end.MovImm(0, 0).Jmp(kJmpJeq, 0, 0, 1).Exit().MovImm(0, 1);
  ExpectRefused(off_end, 3, "falls off the end");

  Asm no_exit;
  no_exit.MovImm(0, 0).Ja(-2);
  ExpectRefused(no_exit, 1, "no exit instruction");

  Asm lddw_last;
  lddw_last.MovImm(0, 0).Exit().Raw(kOpLddw, 1, 0, 0, 0);
  ExpectRefused(lddw_last, 2, "no second slot");
}

TEST_CASE("Verifier refuses reads of uninitialised registers on any path", "[apps]") {
  Asm plain;
  plain.Mov(0, 2).Exit();
  ExpectRefused(plain, 0, "r2 is not initialised");

  Asm one_path;  // r2 is set only when input word == 0
  LoadInputWord(one_path, 0);
  one_path.Jmp(kJmpJne, 0, 0, 1).MovImm(2, 7).AluReg(kAluAdd, 0, 2).Exit();
  ExpectRefused(one_path, 4, "r2 is not initialised");

  Asm no_r0;
  no_r0.MovImm(1, 0).Exit();
  ExpectRefused(no_r0, 1, "r0 (the return value) is not initialised at exit");

  Asm store_value;
  store_value.MovImm(0, 0).Stx(kSizeDw, 10, 3, -8).Exit();
  ExpectRefused(store_value, 1, "r3 (the value stored) is not initialised");

  Asm after_call;  // helpers clobber r1..r5
  after_call.MovImm(1, 0).Call(SALIX_HELPER_SET_OUTPUT_LEN).Mov(0, 1).Exit();
  ExpectRefused(after_call, 2, "r1 is not initialised");
}

TEST_CASE("Verifier refuses division and modulo by zero constants", "[apps]") {
  Asm div;
  div.MovImm(0, 5).Alu(kAluDiv, 0, 0).Exit();
  ExpectRefused(div, 1, "division by zero constant");

  Asm mod32;
  mod32.MovImm(0, 5).Alu32(kAluMod, 0, 0).Exit();
  ExpectRefused(mod32, 1, "modulo by zero constant");

  Asm sdiv;
  sdiv.MovImm(0, 5).Alu(kAluDiv, 0, 0, /*off=signed*/ 1).Exit();
  ExpectRefused(sdiv, 1, "division by zero constant");

  Asm reg;  // a register the verifier knows is zero
  reg.MovImm(0, 5).MovImm(1, 0).AluReg(kAluDiv, 0, 1).Exit();
  ExpectRefused(reg, 2, "division by a register that is always zero");

  Asm unknown;  // a divisor only known at run time: allowed (RFC: x / 0 = 0)
  LoadInputWord(unknown, 1);
  unknown.MovImm(0, 5).AluReg(kAluDiv, 0, 1).Exit();
  ExpectAccepted(unknown);
}

TEST_CASE("Verifier refuses out-of-range shifts and bad byte swaps", "[apps]") {
  Asm shift;
  shift.MovImm(0, 1).Alu(kAluLsh, 0, 64).Exit();
  ExpectRefused(shift, 1, "shift by 64 is out of range for a 64-bit operation");

  Asm shift32;
  shift32.MovImm(0, 1).Alu32(kAluRsh, 0, 32).Exit();
  ExpectRefused(shift32, 1, "shift by 32 is out of range for a 32-bit operation");

  Asm swap;
  swap.MovImm(0, 1).Raw(kClassAlu | kAluEnd | kToBe, 0, 0, 0, 24).Exit();
  ExpectRefused(swap, 1, "byte swap width 24");
}

TEST_CASE("Verifier refuses stack accesses outside the 512-byte frame", "[apps]") {
  Asm above;
  above.MovImm(0, 0).Stx(kSizeDw, 10, 0, 0).Exit();
  ExpectRefused(above, 1, "8-byte access at offset 512 of stack");

  Asm below;
  below.MovImm(0, 0).Ldx(kSizeW, 0, 10, -516).Exit();
  ExpectRefused(below, 1, "offset -4 of stack");

  Asm straddle;  // 8 bytes at r10 - 4 end past the frame
  straddle.MovImm(0, 0).St(kSizeDw, 10, -4, 1).Exit();
  ExpectRefused(straddle, 1, "out of bounds");

  Asm ok;
  ok.St(kSizeDw, 10, -512, 1).Ldx(kSizeB, 0, 10, -1).Exit();
  ExpectAccepted(ok);
}

TEST_CASE("Verifier refuses stores to read-only regions and ctx reads past its end", "[apps]") {
  Asm ctx_store;
  ctx_store.MovImm(0, 0).St(kSizeW, 1, 24, 99).Exit();
  ExpectRefused(ctx_store, 1, "store into read-only ctx");

  Asm input_store;  // r2 = ctx->input; *(u8 *)r2 = 1
  input_store.Ldx(kSizeDw, 2, 1, 0).MovImm(0, 0).St(kSizeB, 2, 0, 1).Exit();
  ExpectRefused(input_store, 2, "store into read-only input");

  Asm ctx_read;
  ctx_read.Ldx(kSizeDw, 0, 1, 48).Exit();
  ExpectRefused(ctx_read, 0, "offset 48 of ctx");

  Asm rodata_read;  // rodata is 4 bytes; read 8 at offset 0
  rodata_read.Lddw(2, 0, kPseudoRodata).Ldx(kSizeDw, 0, 2, 0).Exit();
  auto v = Verify(rodata_read.Build({1, 2, 3, 4}));
  REQUIRE_FALSE(v.ok());
  CHECK_THAT(v.error().reason, Catch::Contains("of rodata"));

  Asm rodata_lddw;
  rodata_lddw.Lddw(2, 100, kPseudoRodata).MovImm(0, 0).Exit();
  auto w = Verify(rodata_lddw.Build({1, 2, 3, 4}));
  REQUIRE_FALSE(w.ok());
  CHECK_THAT(w.error().reason, Catch::Contains("outside the 4 bytes of rodata"));
}

TEST_CASE("Verifier refuses scratch accesses beyond a scratch size it knows", "[apps]") {
  Asm a;  // r2 = ctx->scratch; *(u64 *)(r2 + 4096) = 0
  a.Ldx(kSizeDw, 2, 1, 16).MovImm(0, 0).St(kSizeDw, 2, 4096, 0).Exit();
  VerifierOptions o;
  o.scratch_size = 4096;
  ExpectRefused(a, 2, "offset 4096 of scratch", o);
  ExpectAccepted(a);  // size unknown at verification: the run-time check decides
}

TEST_CASE("Verifier refuses memory access through numbers and pointer arithmetic tricks", "[apps]") {
  Asm constant;  // the address of ctx, forged from a constant
  constant.Lddw(2, RegionBase(Region::kCtx)).Ldx(kSizeDw, 0, 2, 0).Exit();
  ExpectRefused(constant, 2, "memory access through r2, which is not a pointer");

  Asm mul;
  mul.Alu(kAluMul, 1, 2).MovImm(0, 0).Exit();
  ExpectRefused(mul, 0, "pointer arithmetic other than add/sub: mul on r1");

  Asm xor_reg;
  xor_reg.MovImm(2, 5).AluReg(kAluXor, 2, 1).MovImm(0, 0).Exit();
  ExpectRefused(xor_reg, 1, "pointer arithmetic other than add/sub: xor on r1");

  Asm two;
  two.AluReg(kAluAdd, 1, 10).MovImm(0, 0).Exit();
  ExpectRefused(two, 0, "adding two pointers");

  Asm narrow;  // 32-bit arithmetic truncates a pointer
  narrow.Alu32(kAluAdd, 1, 8).MovImm(0, 0).Exit();
  ExpectRefused(narrow, 0, "32-bit add on r1");

  Asm sub;
  sub.MovImm(2, 0).AluReg(kAluSub, 2, 10).MovImm(0, 0).Exit();
  ExpectRefused(sub, 1, "subtracting pointer r10 from a number");

  Asm spill;  // spill a pointer, overwrite one byte of it, fill, dereference
  spill.Stx(kSizeDw, 10, 1, -8).St(kSizeB, 10, -8, 0x41).Ldx(kSizeDw, 2, 10, -8)
      .Ldx(kSizeDw, 0, 2, 0).Exit();
  ExpectRefused(spill, 3, "not a pointer");

  Asm diff;  // pointer - pointer is a number, and cannot be used as an address
  diff.Mov(2, 10).AluReg(kAluSub, 2, 1).Ldx(kSizeB, 0, 2, 0).Exit();
  ExpectRefused(diff, 2, "not a pointer");

  Asm fill_ok;  // an intact spill keeps its pointer kind
  fill_ok.Stx(kSizeDw, 10, 1, -8).Ldx(kSizeDw, 2, 10, -8).Ldx(kSizeW, 0, 2, 36).Exit();
  ExpectAccepted(fill_ok);
}

TEST_CASE("Verifier refuses helper calls with unknown ids or wrong argument kinds", "[apps]") {
  Asm unknown;
  unknown.Call(99).Exit();
  ExpectRefused(unknown, 0, "unknown helper id 99");

  Asm local;
  local.Raw(kClassJmp | kJmpCall, 0, kCallLocal, 0, 1).MovImm(0, 0).Exit();
  ExpectRefused(local, 0, "bpf-to-bpf calls are not supported");

  // read_lba(lba, count, dst, len)
  Asm scalar_dst;
  scalar_dst.MovImm(1, 0).MovImm(2, 1).MovImm(3, 0).MovImm(4, 512)
      .Call(SALIX_HELPER_READ_LBA).Exit();
  ExpectRefused(scalar_dst, 4, "argument 3 of salix_read_lba must be a pointer");

  Asm readonly_dst;  // dst = ctx
  readonly_dst.Mov(3, 1).MovImm(1, 0).MovImm(2, 1).MovImm(4, 512)
      .Call(SALIX_HELPER_READ_LBA).Exit();
  ExpectRefused(readonly_dst, 4, "must point to writable memory");

  Asm pointer_lba;
  pointer_lba.Mov(3, 10).AddImm(3, -512).Mov(1, 10).MovImm(2, 1).MovImm(4, 512)
      .Call(SALIX_HELPER_READ_LBA).Exit();
  ExpectRefused(pointer_lba, 5, "argument 1 of salix_read_lba must be a number");

  Asm uninit_len;
  uninit_len.Mov(3, 10).AddImm(3, -512).MovImm(1, 0).MovImm(2, 1)
      .Call(SALIX_HELPER_READ_LBA).Exit();
  ExpectRefused(uninit_len, 4, "r4 (argument 4 of salix_read_lba) is not initialised");

  Asm big;  // 1024 bytes into a 512-byte stack buffer
  big.Mov(3, 10).AddImm(3, -512).MovImm(1, 0).MovImm(2, 1).MovImm(4, 1024)
      .Call(SALIX_HELPER_READ_LBA).Exit();
  ExpectRefused(big, 5, "buffer argument 3 of salix_read_lba");

  Asm good;
  good.Mov(3, 10).AddImm(3, -512).MovImm(1, 0).MovImm(2, 1).MovImm(4, 512)
      .Call(SALIX_HELPER_READ_LBA).Exit();
  ExpectAccepted(good);
}

TEST_CASE("Verifier refuses maps and programs too large or too complex", "[apps]") {
  Asm map;
  map.Lddw(1, 3, /*BPF_PSEUDO_MAP_FD*/ 1).MovImm(0, 0).Exit();
  ExpectRefused(map, 0, "maps are not supported");

  Asm large;
  for (int i = 0; i < 100; ++i) large.MovImm(0, i);
  large.Exit();
  VerifierOptions small;
  small.max_insns = 64;
  ExpectRefused(large, 0, "program too large: 101 instructions, at most 64", small);

  VerifierOptions few_steps;
  few_steps.max_steps = 50;
  ExpectRefused(large, 50, "too complex", few_steps);
}

TEST_CASE("Verifier narrows ranges on branches and prunes impossible paths", "[apps]") {
  // if (r0 >= 16) *(u8 *)(r10 - 16 + r0) = 1: on that path the store is
  // always above the frame. Without narrowing r0 could be 0 and the store
  // would be left to the run-time check.
  Asm a;  // r0 = a 32-bit input word
  a.Ldx(kSizeDw, 6, 1, 0).Ldx(kSizeW, 0, 6, 0);
  a.Jmp(kJmpJlt, 0, 16, 4).Mov(2, 10).AddImm(2, -16).AluReg(kAluAdd, 2, 0)
      .St(kSizeB, 2, 0, 1).Exit();
  ExpectRefused(a, 6, "always out of bounds");

  Asm b;  // the same with r0 < 16: in the frame
  b.Ldx(kSizeDw, 6, 1, 0).Ldx(kSizeW, 0, 6, 0);
  b.Jmp(kJmpJge, 0, 16, 4).Mov(2, 10).AddImm(2, -16).AluReg(kAluAdd, 2, 0)
      .St(kSizeB, 2, 0, 1).Exit();
  ExpectAccepted(b);

  // r0 = 3; if (r0 == 3) goto ok; <reads r7, never runs>; ok: exit
  Asm dead;
  dead.MovImm(0, 3).Jmp(kJmpJeq, 0, 3, 1).Mov(0, 7).Exit();
  ExpectAccepted(dead);
}

TEST_CASE("Verifier error strings name the instruction", "[apps]") {
  Asm a;
  a.Mov(0, 2).Exit();
  auto v = Verify(a.Build());
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().ToString() == "instruction 0: r2 is not initialised");
}

}  // namespace salix::apps::ebpf::test

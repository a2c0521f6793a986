// Escape attempts: an app must not reach flash outside its domain, write
// without the right, run forever, or touch memory outside its regions.
// Each is refused either by the verifier or at run time, with no effect.
#include <catch2/catch.hpp>

#include <cstring>

#include "apps/ebpf/interpreter.h"
#include "assembler.h"
#include "memory_env.h"

namespace salix::apps::ebpf::test {
namespace {

constexpr uint32_t kLba = 512;

struct Sandbox {
  MemoryEnv env{kLba, 128};
  // The app may read LBAs 16..31 and read/write 32..39.
  Domain domain = DomainOf({{16, 16, kRightRead}, {32, 8, kRightReadWrite}});
  std::vector<uint8_t> input = std::vector<uint8_t>(64, 0);
  std::vector<uint8_t> output = std::vector<uint8_t>(kLba * 2, 0xAA);

  Sandbox() {
    for (size_t i = 0; i < env.data().size(); ++i) env.data()[i] = static_cast<uint8_t>(i * 13);
  }

  Result<RunResult, RunError> Run(const Asm& a, uint64_t budget = 1'000'000) {
    auto v = VerifyOrDie(a.Build());
    auto interp = MakeInterpreter(v, 4096);
    Invocation inv;
    inv.input = input;
    inv.output = output;
    inv.domain = &domain;
    inv.budget = budget;
    return interp->Run(inv, env);
  }
  void SetInputWord(int index, uint64_t v) { std::memcpy(input.data() + 8 * index, &v, 8); }
};

// read_lba(input[0], input[1], output, 1024) or write_lba(...) from output.
Asm LbaCall(int helper) {
  Asm a;
  a.Ldx(kSizeDw, 6, 1, 0).Ldx(kSizeDw, 3, 1, 8)
      .Ldx(kSizeDw, 1, 6, 0).Ldx(kSizeDw, 2, 6, 8).MovImm(4, 2 * kLba)
      .Call(helper).Exit();
  return a;
}

}  // namespace

TEST_CASE("Escape: reads outside the domain return EPERM and copy nothing", "[apps]") {
  Sandbox s;
  struct Case { uint64_t lba, count; };
  for (Case c : {Case{0, 1}, Case{15, 2}, Case{31, 2} /* 32 is rw: still allowed */,
                 Case{40, 1}, Case{127, 1}, Case{1000, 1}, Case{~uint64_t{0}, 2}}) {
    INFO("lba " << c.lba << " count " << c.count);
    s.SetInputWord(0, c.lba);
    s.SetInputWord(1, c.count);
    const auto before = s.output;
    auto r = s.Run(LbaCall(SALIX_HELPER_READ_LBA));
    REQUIRE(r.ok());
    if (c.lba == 31) {
      CHECK(r->r0 == 0);  // 31 (read) + 32 (read/write): inside
      continue;
    }
    CHECK(static_cast<int64_t>(r->r0) == -SALIX_EPERM);
    CHECK(s.output == before);
    CHECK(r->stats.lbas_read == 0);
  }
  CHECK(s.env.reads == 1);  // only the allowed read reached the flash
}

TEST_CASE("Escape: writes need the write right, and a refused write changes nothing", "[apps]") {
  Sandbox s;
  const auto flash = s.env.data();
  for (uint64_t lba : {16, 31, 40, 5, 127}) {
    INFO("lba " << lba);
    s.SetInputWord(0, lba);
    s.SetInputWord(1, 1);
    auto r = s.Run(LbaCall(SALIX_HELPER_WRITE_LBA));
    REQUIRE(r.ok());
    CHECK(static_cast<int64_t>(r->r0) == -SALIX_EPERM);
  }
  s.SetInputWord(0, 38);
  s.SetInputWord(1, 2);  // 38, 39: allowed; 39, 40 would not be
  CHECK(s.env.data() == flash);
  CHECK(s.env.writes == 0);
  auto ok = s.Run(LbaCall(SALIX_HELPER_WRITE_LBA));
  REQUIRE(ok.ok());
  CHECK(ok->r0 == 0);
  CHECK(s.env.Lba(38)[0] == 0xAA);
  s.SetInputWord(0, 39);
  auto straddle = s.Run(LbaCall(SALIX_HELPER_WRITE_LBA));
  REQUIRE(straddle.ok());
  CHECK(static_cast<int64_t>(straddle->r0) == -SALIX_EPERM);
  CHECK(s.env.writes == 1);
}

TEST_CASE("Escape: a loop that never ends stops at the budget", "[apps]") {
  Sandbox s;
  Asm a;  // while (1) read_lba(16, 1, output, 512): also bounded in flash work
  a.Ldx(kSizeDw, 6, 1, 8).MovImm(1, 16).MovImm(2, 1).Mov(3, 6).MovImm(4, kLba)
      .Call(SALIX_HELPER_READ_LBA).Ja(-6).Exit();
  auto r = s.Run(a, 70000);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == RunError::Kind::kBudgetExhausted);
  CHECK(r.error().stats.insns == 70000);
  CHECK(r.error().stats.lbas_read == 70000 / 6);
}

TEST_CASE("Escape: stack accesses outside the frame are refused statically and at run time", "[apps]") {
  Asm fixed;  // r10 + 8
  fixed.MovImm(0, 0).Stx(kSizeDw, 10, 0, 8).Exit();
  CHECK_FALSE(Verify(fixed.Build()).ok());

  // r10 - 8 + input[0]: the verifier cannot tell, the interpreter can.
  Sandbox s;
  Asm a;
  a.Ldx(kSizeDw, 6, 1, 0).Ldx(kSizeDw, 2, 6, 0).Mov(3, 10).AluReg(kAluAdd, 3, 2)
      .MovImm(0, 0).St(kSizeDw, 3, -8, 0x41).Exit();
  for (int64_t delta : {int64_t{8}, int64_t{1}, int64_t{-512}, int64_t{-505}, int64_t{1} << 20, -(int64_t{1} << 32)}) {
    INFO("delta " << delta);
    s.SetInputWord(0, static_cast<uint64_t>(delta));
    auto r = s.Run(a);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == RunError::Kind::kMemoryFault);
    CHECK(r.error().insn == 5);
    CHECK_THAT(r.error().reason, Catch::Contains("8-byte store to"));
  }
  s.SetInputWord(0, static_cast<uint64_t>(-504));  // the bottom of the frame
  CHECK(s.Run(a).ok());
}

TEST_CASE("Escape: scratch, input and output bounds hold at run time", "[apps]") {
  Sandbox s;
  // *(u8 *)(ctx->scratch + input[0]) = 1, scratch is 4096 bytes.
  Asm scratch;
  scratch.Ldx(kSizeDw, 6, 1, 0).Ldx(kSizeDw, 2, 6, 0).Ldx(kSizeDw, 3, 1, 16)
      .AluReg(kAluAdd, 3, 2).MovImm(0, 0).St(kSizeB, 3, 0, 1).Exit();
  s.SetInputWord(0, 4095);
  CHECK(s.Run(scratch).ok());
  s.SetInputWord(0, 4096);
  auto r = s.Run(scratch);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().reason, Catch::Contains("1-byte store to scratch+4096"));

  // Reading past the input (64 bytes).
  Asm in;
  in.Ldx(kSizeDw, 6, 1, 0).Ldx(kSizeDw, 2, 6, 0).AluReg(kAluAdd, 6, 2)
      .Ldx(kSizeDw, 0, 6, 0).Exit();
  s.SetInputWord(0, 56);
  CHECK(s.Run(in).ok());
  s.SetInputWord(0, 57);
  auto past = s.Run(in);
  REQUIRE_FALSE(past.ok());
  CHECK_THAT(past.error().reason, Catch::Contains("8-byte load from input+57"));
}

TEST_CASE("Escape: pointer arithmetic cannot reach another region or forge one", "[apps]") {
  Sandbox s;
  const auto input_before = s.input;
  // scratch + 2^32 is the input region's address: stores there must fail
  // (input is read-only), whatever the verifier thought.
  Asm hop;
  hop.Ldx(kSizeDw, 6, 1, 0).Ldx(kSizeDw, 2, 6, 0).Ldx(kSizeDw, 3, 1, 16)
      .AluReg(kAluAdd, 3, 2).MovImm(0, 0).St(kSizeB, 3, 0, 0x41).Exit();
  s.SetInputWord(0, uint64_t{1} << 32);
  auto r = s.Run(hop);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().reason, Catch::Contains("store to input+0"));
  s.SetInputWord(0, uint64_t{7} << 32);  // a region number that does not exist
  CHECK_THAT(s.Run(hop).error().reason, Catch::Contains("(no region)"));
  s.SetInputWord(0, (uint64_t{1} << 32) * 2 + 8);  // output+8 through scratch: allowed (writable)
  CHECK(s.Run(hop).ok());
  CHECK(s.output[8] == 0x41);

  // The same trick with a constant offset is caught by the verifier.
  Asm fixed;
  fixed.Ldx(kSizeDw, 3, 1, 16).Lddw(2, uint64_t{1} << 32).AluReg(kAluAdd, 3, 2)
      .MovImm(0, 0).St(kSizeB, 3, 0, 0x41).Exit();
  auto v = Verify(fixed.Build());
  REQUIRE_FALSE(v.ok());
  CHECK_THAT(v.error().reason, Catch::Contains("out of bounds"));

  // A pointer on one path and input data on another ("a pointer or a
  // number"): the verifier lets it through, the run-time check holds.
  Asm mixed;
  mixed.Ldx(kSizeDw, 6, 1, 0).Ldx(kSizeDw, 2, 6, 8).Ldx(kSizeDw, 3, 1, 16)
      .Jmp(kJmpJeq, 2, 0, 1).Ldx(kSizeDw, 3, 6, 0)  // r3 = input[0] unless input[1] == 0
      .MovImm(0, 0).St(kSizeB, 3, 0, 0x41).Exit();
  s.SetInputWord(0, (uint64_t{4} << 32));  // the input region's address: read-only
  s.SetInputWord(1, 1);
  auto m = s.Run(mixed);
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().reason, Catch::Contains("store to input+0"));
  CHECK(s.input[0] == 0);
  (void)input_before;
}

TEST_CASE("Escape: helper buffers must lie inside their regions", "[apps]") {
  Sandbox s;
  // read_lba(16, 1, scratch + 4000, 512): the buffer runs past scratch.
  Asm a;
  a.Ldx(kSizeDw, 3, 1, 16).AddImm(3, 4000).MovImm(1, 16).MovImm(2, 1).MovImm(4, kLba)
      .Call(SALIX_HELPER_READ_LBA).Exit();
  auto r = s.Run(a);
  REQUIRE(r.ok());
  CHECK(static_cast<int64_t>(r->r0) == -SALIX_EFAULT);
  CHECK(s.env.reads == 0);

  // emit(input, 65): one byte past the input.
  Asm e;
  e.Ldx(kSizeDw, 1, 1, 0).MovImm(2, 65).Call(SALIX_HELPER_EMIT).Exit();
  auto er = s.Run(e);
  REQUIRE(er.ok());
  CHECK(static_cast<int64_t>(er->r0) == -SALIX_EFAULT);
  CHECK(er->output_len == 0);

  // write_lba from ctx (read-only is fine as a source) but too short.
  Asm w;
  w.Mov(3, 1).MovImm(1, 32).MovImm(2, 1).MovImm(4, 48).Call(SALIX_HELPER_WRITE_LBA).Exit();
  auto wr = s.Run(w);
  REQUIRE(wr.ok());
  CHECK(static_cast<int64_t>(wr->r0) == -SALIX_EINVAL);
  CHECK(s.env.writes == 0);
}

}  // namespace salix::apps::ebpf::test

namespace salix::apps::ebpf::test {

TEST_CASE("Escape: an invocation without a domain reaches no flash", "[apps]") {
  Sandbox s;
  s.SetInputWord(0, 16);
  s.SetInputWord(1, 1);
  auto v = VerifyOrDie(LbaCall(SALIX_HELPER_READ_LBA).Build());
  auto interp = MakeInterpreter(v, 4096);
  Invocation inv;
  inv.input = s.input;
  inv.output = s.output;
  auto r = interp->Run(inv, s.env);
  REQUIRE(r.ok());
  CHECK(static_cast<int64_t>(r->r0) == -SALIX_EPERM);
  CHECK(s.env.reads == 0);
}

}  // namespace salix::apps::ebpf::test

// verifier.h - decides whether an eBPF program may run in the device.
//
// Two passes. The first checks every instruction's encoding: known opcode
// (RFC 9669 up to clang's -mcpu=v3, plus the v4 sign-extending moves and
// loads, signed division and byte swaps; atomics, legacy packet loads,
// bpf-to-bpf calls and map loads are refused), register numbers, no write
// to r10, jump targets inside the program and not into the second slot of
// an lddw, no division or modulo by a zero constant, shift amounts in
// range, known helper ids, at least one exit, program size.
//
// The second is an abstract interpretation over the control-flow graph:
// one state per basic block entry (registers and the 64 stack slots), the
// states of joining paths merged, ranges widened after a few visits so
// loops converge, and a bound on the total work ("too complex"). It tracks
// for each register whether it is initialised, a scalar (with an unsigned
// range) or a pointer into a region (with an offset range), and for each
// 8-byte stack slot what was spilled there. It refuses: reading an
// uninitialised register (on any path), falling off the end, memory
// access through a scalar, stores into read-only regions (ctx, input,
// rodata), accesses the verifier can prove are outside their region
// (always for the stack and ctx, whose sizes it knows), pointer arithmetic
// other than pointer +/- scalar and pointer - pointer, 32-bit arithmetic
// on pointers, and helper calls whose arguments have the wrong kind.
//
// Loops are allowed: termination is the interpreter's instruction budget,
// not the verifier's business. And the verifier is not the last line of
// defence: the interpreter checks every memory access at run time against
// the regions of the run (memory_map.h), so an imprecise static analysis
// can only make the verifier refuse a good program, never admit an escape.
//
// Thread-safety: Verify() is a pure function.
#ifndef SALIX_APPS_EBPF_VERIFIER_H
#define SALIX_APPS_EBPF_VERIFIER_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "apps/ebpf/program.h"
#include "core/result.h"

namespace salix::apps::ebpf {

struct VerifierOptions {
  // "program too large" beyond this many instruction slots. Verification
  // keeps ~3 KB per basic block, so this also bounds its memory (~12 MB).
  uint32_t max_insns = 4096;
  // "too complex" beyond this many abstractly executed instructions.
  uint64_t max_steps = 2'000'000;
  // A block entry merged more often than this widens its ranges.
  uint32_t widen_after = 8;
  // Scratch size fixed at activation, if known: accesses provably beyond it
  // are refused. Input and output sizes vary per invocation (< 4 GiB).
  std::optional<uint32_t> scratch_size;
};

struct VerifyError {
  uint32_t insn = 0;    // index of the offending instruction slot
  std::string reason;   // "jump out of range: target 40, program has 30 instructions"

  // "instruction 12: <reason>"
  std::string ToString() const;
};

// A program the verifier accepted. Only Verify() makes one, so holding one
// is proof of verification.
class VerifiedProgram {
 public:
  const std::vector<Insn>& insns() const { return insns_; }
  const std::vector<uint8_t>& rodata() const { return rodata_; }
  // Work the verifier did (abstract instructions executed), for tests.
  uint64_t verifier_steps() const { return steps_; }

 private:
  friend Result<VerifiedProgram, VerifyError> Verify(const Program&, const VerifierOptions&);
  VerifiedProgram(std::vector<Insn> insns, std::vector<uint8_t> rodata, uint64_t steps)
      : insns_(std::move(insns)), rodata_(std::move(rodata)), steps_(steps) {}

  std::vector<Insn> insns_;
  std::vector<uint8_t> rodata_;
  uint64_t steps_ = 0;
};

Result<VerifiedProgram, VerifyError> Verify(const Program& program,
                                            const VerifierOptions& options = {});

}  // namespace salix::apps::ebpf

#endif  // SALIX_APPS_EBPF_VERIFIER_H

// interpreter.h - runs a verified eBPF program against one invocation.
//
// Create() pre-decodes the program once (immediates widened, jump targets
// made absolute, one handler index per instruction); Run() dispatches with
// computed gotos over that array. Every run:
//  - has an instruction budget: a program that has not exited when it is
//    spent stops with kBudgetExhausted (this, not the verifier, is what
//    makes loops safe);
//  - sees only its regions (memory_map.h): the 512-byte stack and scratch
//    memory (both zeroed first), the invocation's input (read-only) and
//    output buffer, ctx and rodata (read-only). Every load and store is
//    checked against them; a miss stops the run with kMemoryFault;
//  - reaches flash only through helpers (helpers.h), checked against the
//    invocation's Domain.
// The result is r0, the output length and RunStats.
//
// Thread-safety: an Interpreter owns its stack and scratch memory, so one
// Run() at a time per instance; instances are independent.
#ifndef SALIX_APPS_EBPF_INTERPRETER_H
#define SALIX_APPS_EBPF_INTERPRETER_H

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "apps/domain.h"
#include "apps/ebpf/helpers.h"
#include "apps/ebpf/memory_map.h"
#include "apps/ebpf/verifier.h"
#include "core/result.h"

namespace salix::apps::ebpf {

struct Invocation {
  std::span<const uint8_t> input;
  std::span<uint8_t> output;  // capacity; RunResult::output_len says how much was written
  const Domain* domain = nullptr;  // the caller's; nullptr grants no flash access
  uint64_t budget = kDefaultBudget;

  static constexpr uint64_t kDefaultBudget = uint64_t{1} << 24;
};

struct RunResult {
  uint64_t r0 = 0;
  uint32_t output_len = 0;
  RunStats stats;
};

struct RunError {
  enum class Kind { kBudgetExhausted, kMemoryFault };
  Kind kind = Kind::kMemoryFault;
  uint32_t insn = 0;    // the instruction that stopped the run
  std::string reason;
  RunStats stats;       // what the run did until then

  // "instruction 7: 8-byte load from scratch+65536 (0x300010000) is outside its region"
  std::string ToString() const;
};

class Interpreter {
 public:
  struct Options {
    // Scratch memory for every run, fixed at activation.
    uint32_t scratch_size = 64 * 1024;
  };
  static constexpr uint32_t kMaxScratchSize = 16u << 20;

  // Errors: scratch_size beyond kMaxScratchSize.
  static Result<std::unique_ptr<Interpreter>, std::string> Create(const VerifiedProgram& program,
                                                                  const Options& options);

  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // REQUIRES: no other Run() on this instance in progress.
  Result<RunResult, RunError> Run(const Invocation& invocation, AppEnv& env);

  uint32_t scratch_size() const { return static_cast<uint32_t>(scratch_.size()); }

  // One pre-decoded instruction (public for the decoder in the .cc file).
  struct Decoded {
    uint8_t handler = 0;
    uint8_t dst = 0;
    uint8_t src = 0;
    uint8_t pad = 0;
    int32_t off = 0;   // memory offset, ALU variant, or absolute jump target
    uint64_t imm = 0;  // widened immediate, lddw value, helper id, swap width
  };
  static_assert(sizeof(Decoded) == 16);

 private:
  Interpreter(std::vector<Decoded> code, std::vector<uint8_t> rodata, uint32_t scratch_size)
      : code_(std::move(code)), rodata_(std::move(rodata)), scratch_(scratch_size) {}

  std::vector<Decoded> code_;
  std::vector<uint8_t> rodata_;
  std::vector<uint8_t> scratch_;
  alignas(8) uint8_t stack_[kStackSize] = {};
  AppCtx ctx_ = {};
};

}  // namespace salix::apps::ebpf

#endif  // SALIX_APPS_EBPF_INTERPRETER_H

// program.h - an eBPF program as loaded, before verification.
//
// A Program is instructions plus the read-only data they may address
// (constants and tables clang puts in .rodata), exactly as the loader found
// them. Nothing here has been checked beyond its shape: the verifier
// (verifier.h) decides whether it may run.
//
// Thread-safety: a plain value type.
#ifndef SALIX_APPS_EBPF_PROGRAM_H
#define SALIX_APPS_EBPF_PROGRAM_H

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace salix::apps::ebpf {

// One instruction slot, in the on-wire little-endian layout.
struct Insn {
  uint8_t opcode = 0;
  uint8_t regs = 0;  // dst in bits 3:0, src in bits 7:4
  int16_t off = 0;
  int32_t imm = 0;

  constexpr uint8_t dst() const { return regs & 0x0f; }
  constexpr uint8_t src() const { return regs >> 4; }
  static constexpr uint8_t Regs(uint8_t dst, uint8_t src) {
    return static_cast<uint8_t>((dst & 0x0f) | (src << 4));
  }
};
static_assert(sizeof(Insn) == 8, "eBPF instructions are 8 bytes");

class Program {
 public:
  // Hard ceilings of the loader; the verifier applies its own (smaller,
  // configurable) instruction limit.
  static constexpr size_t kMaxInsns = 1u << 20;
  static constexpr size_t kMaxRodataBytes = 1u << 20;

  // Errors name what is wrong ("program is empty", ...).
  static Result<Program, std::string> FromInstructions(
      std::vector<Insn> insns, std::vector<uint8_t> rodata = {});
  // 'code' is raw little-endian instruction slots (a multiple of 8 bytes),
  // as an NVMe Load Program data buffer would carry them.
  static Result<Program, std::string> FromBytes(std::span<const uint8_t> code,
                                               std::vector<uint8_t> rodata = {});

  const std::vector<Insn>& insns() const { return insns_; }
  const std::vector<uint8_t>& rodata() const { return rodata_; }

 private:
  Program(std::vector<Insn> insns, std::vector<uint8_t> rodata)
      : insns_(std::move(insns)), rodata_(std::move(rodata)) {}

  std::vector<Insn> insns_;
  std::vector<uint8_t> rodata_;
};

}  // namespace salix::apps::ebpf

#endif  // SALIX_APPS_EBPF_PROGRAM_H

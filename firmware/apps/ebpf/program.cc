#include "apps/ebpf/program.h"

#include <fmt/format.h>

#include <cstring>

namespace salix::apps::ebpf {

Result<Program, std::string> Program::FromInstructions(std::vector<Insn> insns,
                                                       std::vector<uint8_t> rodata) {
  if (insns.empty()) return Err(std::string("program is empty"));
  if (insns.size() > kMaxInsns) {
    return Err(fmt::format("program has {} instructions, the loader takes at most {}",
                           insns.size(), kMaxInsns));
  }
  if (rodata.size() > kMaxRodataBytes) {
    return Err(fmt::format("read-only data is {} bytes, the loader takes at most {}",
                           rodata.size(), kMaxRodataBytes));
  }
  return Program(std::move(insns), std::move(rodata));
}

Result<Program, std::string> Program::FromBytes(std::span<const uint8_t> code,
                                                std::vector<uint8_t> rodata) {
  if (code.size() % sizeof(Insn) != 0) {
    return Err(fmt::format("program is {} bytes, not a whole number of 8-byte instructions",
                           code.size()));
  }
  std::vector<Insn> insns(code.size() / sizeof(Insn));
  if (!code.empty()) std::memcpy(insns.data(), code.data(), code.size());
  return FromInstructions(std::move(insns), std::move(rodata));
}

}  // namespace salix::apps::ebpf

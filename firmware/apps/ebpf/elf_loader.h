// elf_loader.h - a Program from the ELF64 object clang -target bpf emits.
//
// Takes what `clang -target bpf -O2 -c app.c -o app.o` produces (a
// relocatable ELF64, little-endian, e_machine EM_BPF) and picks one
// program section from it:
//  - the section named by the caller, or else
//  - a section named "salix" (SALIX_APP in salix_app.h puts code there), or else
//  - the only non-empty executable section (".text" for a plain function).
// The section must hold exactly one function, starting at its first byte.
//
// Relocations applied (the rest are refused with a reason):
//  - R_BPF_64_64 on an lddw against read-only data (.rodata, .rodata.*):
//    every such section is copied into the program's rodata region and the
//    lddw becomes a kPseudoRodata load of the address it names.
// Refused: writable globals (.data, .bss), maps, calls to other functions
// (bpf-to-bpf calls, memcpy and friends), undefined symbols, RELA sections.
// Debug sections (.BTF, .debug_*) and their relocations are ignored.
//
// The input is untrusted: every offset and size is bounds-checked, and a
// malformed object gives an error naming what is wrong, never a crash.
//
// Thread-safety: a pure function.
#ifndef SALIX_APPS_EBPF_ELF_LOADER_H
#define SALIX_APPS_EBPF_ELF_LOADER_H

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "apps/ebpf/program.h"
#include "core/result.h"

namespace salix::apps::ebpf {

struct ElfProgram {
  Program program;
  std::string section;   // the section the code came from
  std::string function;  // its function symbol, if the object names one
};

inline constexpr uint16_t kEmBpf = 247;

// 'section' empty: choose as described above.
Result<ElfProgram, std::string> LoadElf(std::span<const uint8_t> object,
                                        std::string_view section = {});

}  // namespace salix::apps::ebpf

#endif  // SALIX_APPS_EBPF_ELF_LOADER_H

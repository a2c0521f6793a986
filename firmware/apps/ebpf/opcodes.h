// opcodes.h - the eBPF instruction encoding (RFC 9669), as named constants.
//
// One 8-byte instruction: opcode (class in bits 2:0, then source and
// operation for ALU/JMP, or size and mode for loads and stores), the
// destination and source registers in one byte (dst in the low nibble on a
// little-endian host, as clang emits), a signed 16-bit offset and a signed
// 32-bit immediate. The 64-bit immediate load (lddw) takes two slots.
//
// Shared by the loader, the verifier, the interpreter and the tests'
// assembler, so every part reads the encoding the same way.
#ifndef SALIX_APPS_EBPF_OPCODES_H
#define SALIX_APPS_EBPF_OPCODES_H

#include <cstdint>

namespace salix::apps::ebpf {

// Instruction classes (bits 2:0).
inline constexpr uint8_t kClassLd = 0x00;
inline constexpr uint8_t kClassLdx = 0x01;
inline constexpr uint8_t kClassSt = 0x02;
inline constexpr uint8_t kClassStx = 0x03;
inline constexpr uint8_t kClassAlu = 0x04;    // 32-bit
inline constexpr uint8_t kClassJmp = 0x05;    // 64-bit compares
inline constexpr uint8_t kClassJmp32 = 0x06;  // 32-bit compares
inline constexpr uint8_t kClassAlu64 = 0x07;

constexpr uint8_t ClassOf(uint8_t opcode) { return opcode & 0x07; }

// ALU and JMP: source (bit 3) and operation (bits 7:4).
inline constexpr uint8_t kSrcK = 0x00;  // immediate
inline constexpr uint8_t kSrcX = 0x08;  // source register
// For kAluEnd in class ALU the source bit selects the byte order.
inline constexpr uint8_t kToLe = 0x00;
inline constexpr uint8_t kToBe = 0x08;

inline constexpr uint8_t kAluAdd = 0x00;
inline constexpr uint8_t kAluSub = 0x10;
inline constexpr uint8_t kAluMul = 0x20;
inline constexpr uint8_t kAluDiv = 0x30;  // offset 1: signed (v4)
inline constexpr uint8_t kAluOr = 0x40;
inline constexpr uint8_t kAluAnd = 0x50;
inline constexpr uint8_t kAluLsh = 0x60;
inline constexpr uint8_t kAluRsh = 0x70;
inline constexpr uint8_t kAluNeg = 0x80;
inline constexpr uint8_t kAluMod = 0x90;  // offset 1: signed (v4)
inline constexpr uint8_t kAluXor = 0xa0;
inline constexpr uint8_t kAluMov = 0xb0;  // offset 8/16/32: sign-extending (v4)
inline constexpr uint8_t kAluArsh = 0xc0;
inline constexpr uint8_t kAluEnd = 0xd0;  // byte swap; in ALU64: unconditional (v4)

inline constexpr uint8_t kJmpJa = 0x00;  // in JMP32: 32-bit offset in imm (v4)
inline constexpr uint8_t kJmpJeq = 0x10;
inline constexpr uint8_t kJmpJgt = 0x20;
inline constexpr uint8_t kJmpJge = 0x30;
inline constexpr uint8_t kJmpJset = 0x40;
inline constexpr uint8_t kJmpJne = 0x50;
inline constexpr uint8_t kJmpJsgt = 0x60;
inline constexpr uint8_t kJmpJsge = 0x70;
inline constexpr uint8_t kJmpCall = 0x80;
inline constexpr uint8_t kJmpExit = 0x90;
inline constexpr uint8_t kJmpJlt = 0xa0;
inline constexpr uint8_t kJmpJle = 0xb0;
inline constexpr uint8_t kJmpJslt = 0xc0;
inline constexpr uint8_t kJmpJsle = 0xd0;

constexpr uint8_t OpOf(uint8_t opcode) { return opcode & 0xf0; }
constexpr uint8_t SrcOf(uint8_t opcode) { return opcode & 0x08; }

// Loads and stores: size (bits 4:3) and mode (bits 7:5).
inline constexpr uint8_t kSizeW = 0x00;   // 4 bytes
inline constexpr uint8_t kSizeH = 0x08;   // 2
inline constexpr uint8_t kSizeB = 0x10;   // 1
inline constexpr uint8_t kSizeDw = 0x18;  // 8

inline constexpr uint8_t kModeImm = 0x00;     // lddw only (with kSizeDw)
inline constexpr uint8_t kModeAbs = 0x20;     // legacy packet access
inline constexpr uint8_t kModeInd = 0x40;     // legacy packet access
inline constexpr uint8_t kModeMem = 0x60;
inline constexpr uint8_t kModeMemSx = 0x80;   // sign-extending load (v4)
inline constexpr uint8_t kModeAtomic = 0xc0;

constexpr uint8_t SizeOf(uint8_t opcode) { return opcode & 0x18; }
constexpr uint8_t ModeOf(uint8_t opcode) { return opcode & 0xe0; }
constexpr int SizeBytes(uint8_t opcode) {
  switch (SizeOf(opcode)) {
    case kSizeW: return 4;
    case kSizeH: return 2;
    case kSizeB: return 1;
    default: return 8;
  }
}

inline constexpr uint8_t kOpLddw = kClassLd | kSizeDw | kModeImm;  // 0x18

// Source-register values of lddw. 0: the 64-bit immediate itself. The
// loader turns clang's R_BPF_64_64 relocations against read-only data into
// kPseudoRodata: the value is the address of byte 'imm' of the program's
// rodata region (the analogue of Linux's BPF_PSEUDO_MAP_VALUE).
inline constexpr uint8_t kPseudoNone = 0;
inline constexpr uint8_t kPseudoRodata = 2;

// Source-register values of call. 0: a helper (helpers.h); 1 would be a
// bpf-to-bpf call, which Salix does not support.
inline constexpr uint8_t kCallHelper = 0;
inline constexpr uint8_t kCallLocal = 1;

inline constexpr int kNumRegisters = 11;  // r0..r10
inline constexpr int kFrameRegister = 10;

}  // namespace salix::apps::ebpf

#endif  // SALIX_APPS_EBPF_OPCODES_H

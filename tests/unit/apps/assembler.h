// assembler.h - hand-assembled eBPF programs for the app tests.
//
// Asm builds an instruction vector with one call per instruction, named as
// the instructions read in clang's disassembly:
//   Asm a;
//   a.MovImm(0, 1).Exit();
// Jump offsets are relative to the next instruction, as in the encoding.
#ifndef SALIX_TESTS_UNIT_APPS_ASSEMBLER_H
#define SALIX_TESTS_UNIT_APPS_ASSEMBLER_H

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "apps/ebpf/opcodes.h"
#include "apps/ebpf/program.h"

namespace salix::apps::ebpf::test {

class Asm {
 public:
  Asm& Raw(uint8_t opcode, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    Insn i;
    i.opcode = opcode;
    i.regs = Insn::Regs(dst, src);
    i.off = off;
    i.imm = imm;
    insns_.push_back(i);
    return *this;
  }

  // 64-bit ALU.
  Asm& Alu(uint8_t op, uint8_t dst, int32_t imm, int16_t off = 0) {
    return Raw(kClassAlu64 | kSrcK | op, dst, 0, off, imm);
  }
  Asm& AluReg(uint8_t op, uint8_t dst, uint8_t src, int16_t off = 0) {
    return Raw(kClassAlu64 | kSrcX | op, dst, src, off, 0);
  }
  // 32-bit ALU.
  Asm& Alu32(uint8_t op, uint8_t dst, int32_t imm, int16_t off = 0) {
    return Raw(kClassAlu | kSrcK | op, dst, 0, off, imm);
  }
  Asm& Alu32Reg(uint8_t op, uint8_t dst, uint8_t src, int16_t off = 0) {
    return Raw(kClassAlu | kSrcX | op, dst, src, off, 0);
  }
  Asm& MovImm(uint8_t dst, int32_t imm) { return Alu(kAluMov, dst, imm); }
  Asm& Mov(uint8_t dst, uint8_t src) { return AluReg(kAluMov, dst, src); }
  Asm& AddImm(uint8_t dst, int32_t imm) { return Alu(kAluAdd, dst, imm); }
  Asm& Lddw(uint8_t dst, uint64_t v, uint8_t src = kPseudoNone) {
    Raw(kOpLddw, dst, src, 0, static_cast<int32_t>(static_cast<uint32_t>(v)));
    return Raw(0, 0, 0, 0, static_cast<int32_t>(static_cast<uint32_t>(v >> 32)));
  }

  // Memory: size is kSizeB/H/W/Dw.
  Asm& Ldx(uint8_t size, uint8_t dst, uint8_t src, int16_t off) {
    return Raw(kClassLdx | kModeMem | size, dst, src, off, 0);
  }
  Asm& Ldxs(uint8_t size, uint8_t dst, uint8_t src, int16_t off) {
    return Raw(kClassLdx | kModeMemSx | size, dst, src, off, 0);
  }
  Asm& St(uint8_t size, uint8_t dst, int16_t off, int32_t imm) {
    return Raw(kClassSt | kModeMem | size, dst, 0, off, imm);
  }
  Asm& Stx(uint8_t size, uint8_t dst, uint8_t src, int16_t off) {
    return Raw(kClassStx | kModeMem | size, dst, src, off, 0);
  }

  // Jumps.
  Asm& Ja(int16_t off) { return Raw(kClassJmp | kJmpJa, 0, 0, off, 0); }
  Asm& Jmp(uint8_t op, uint8_t dst, int32_t imm, int16_t off) {
    return Raw(kClassJmp | kSrcK | op, dst, 0, off, imm);
  }
  Asm& JmpReg(uint8_t op, uint8_t dst, uint8_t src, int16_t off) {
    return Raw(kClassJmp | kSrcX | op, dst, src, off, 0);
  }
  Asm& Jmp32(uint8_t op, uint8_t dst, int32_t imm, int16_t off) {
    return Raw(kClassJmp32 | kSrcK | op, dst, 0, off, imm);
  }
  Asm& Call(int32_t helper) { return Raw(kClassJmp | kJmpCall, 0, 0, 0, helper); }
  Asm& Exit() { return Raw(kClassJmp | kJmpExit, 0, 0, 0, 0); }

  const std::vector<Insn>& insns() const { return insns_; }
  size_t size() const { return insns_.size(); }

  Program Build(std::vector<uint8_t> rodata = {}) const {
    auto p = Program::FromInstructions(insns_, std::move(rodata));
    if (!p.ok()) FAIL("Program::FromInstructions: " << p.error());
    return std::move(p).value();
  }

 private:
  std::vector<Insn> insns_;
};

}  // namespace salix::apps::ebpf::test

#endif  // SALIX_TESTS_UNIT_APPS_ASSEMBLER_H

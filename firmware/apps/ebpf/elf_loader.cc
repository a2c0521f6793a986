#include "apps/ebpf/elf_loader.h"

#include <fmt/format.h>

#include <cstring>
#include <optional>
#include <vector>

#include "apps/ebpf/opcodes.h"

namespace salix::apps::ebpf {
namespace {

// The ELF64 structures we read (see elf(5)); read with memcpy from
// bounds-checked offsets because the object may be unaligned or truncated.
struct Ehdr {
  uint8_t ident[16];
  uint16_t type;
  uint16_t machine;
  uint32_t version;
  uint64_t entry;
  uint64_t phoff;
  uint64_t shoff;
  uint32_t flags;
  uint16_t ehsize;
  uint16_t phentsize;
  uint16_t phnum;
  uint16_t shentsize;
  uint16_t shnum;
  uint16_t shstrndx;
};
static_assert(sizeof(Ehdr) == 64);

struct Shdr {
  uint32_t name;
  uint32_t type;
  uint64_t flags;
  uint64_t addr;
  uint64_t offset;
  uint64_t size;
  uint32_t link;
  uint32_t info;
  uint64_t addralign;
  uint64_t entsize;
};
static_assert(sizeof(Shdr) == 64);

struct Sym {
  uint32_t name;
  uint8_t info;
  uint8_t other;
  uint16_t shndx;
  uint64_t value;
  uint64_t size;
};
static_assert(sizeof(Sym) == 24);

struct Rel {
  uint64_t offset;
  uint64_t info;
};
static_assert(sizeof(Rel) == 16);

constexpr uint32_t kShtProgbits = 1;
constexpr uint32_t kShtSymtab = 2;
constexpr uint32_t kShtRela = 4;
constexpr uint32_t kShtNobits = 8;
constexpr uint32_t kShtRel = 9;
constexpr uint64_t kShfWrite = 0x1;
constexpr uint64_t kShfAlloc = 0x2;
constexpr uint64_t kShfExec = 0x4;
constexpr uint8_t kSttFunc = 2;
constexpr uint16_t kShnUndef = 0;
constexpr uint16_t kShnLoreserve = 0xff00;
constexpr uint16_t kEtRel = 1;

constexpr uint32_t kRBpfNone = 0;
constexpr uint32_t kRBpf64_64 = 1;
constexpr uint32_t kRBpf64_32 = 10;

using Error = std::string;

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  template <typename T>
  std::optional<T> At(uint64_t offset) const {
    if (offset > bytes_.size() || bytes_.size() - offset < sizeof(T)) return std::nullopt;
    T t;
    std::memcpy(&t, bytes_.data() + offset, sizeof(T));
    return t;
  }
  bool Contains(uint64_t offset, uint64_t size) const {
    return offset <= bytes_.size() && size <= bytes_.size() - offset;
  }
  std::span<const uint8_t> Slice(uint64_t offset, uint64_t size) const {
    return bytes_.subspan(offset, size);
  }

 private:
  std::span<const uint8_t> bytes_;
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

class ElfFile {
 public:
  explicit ElfFile(std::span<const uint8_t> bytes) : r_(bytes) {}

  Result<bool, Error> Parse() {
    auto eh = r_.At<Ehdr>(0);
    if (!eh) return Err(Error("not an ELF object: shorter than an ELF64 header"));
    if (std::memcmp(eh->ident, "\x7f" "ELF", 4) != 0) {
      return Err(Error("not an ELF object: bad magic"));
    }
    if (eh->ident[4] != 2) return Err(Error("ELF object is not 64-bit (EI_CLASS)"));
    if (eh->ident[5] != 1) return Err(Error("ELF object is not little-endian (EI_DATA)"));
    if (eh->machine != kEmBpf) {
      return Err(fmt::format("ELF machine is {}, not EM_BPF ({}): compile with clang -target bpf",
                             eh->machine, kEmBpf));
    }
    if (eh->type != kEtRel) {
      return Err(fmt::format("ELF type is {}, not a relocatable object (compile with -c)",
                             eh->type));
    }
    if (eh->shentsize != sizeof(Shdr)) {
      return Err(fmt::format("ELF section header size is {}, not {}", eh->shentsize,
                             sizeof(Shdr)));
    }
    if (eh->shnum == 0 || !r_.Contains(eh->shoff, uint64_t{eh->shnum} * sizeof(Shdr))) {
      return Err(Error("ELF section header table lies outside the object"));
    }
    for (uint16_t i = 0; i < eh->shnum; ++i) shdrs_.push_back(*r_.At<Shdr>(eh->shoff + i * sizeof(Shdr)));
    for (const Shdr& s : shdrs_) {
      if (s.type != kShtNobits && !r_.Contains(s.offset, s.size)) {
        return Err(Error("an ELF section lies outside the object"));
      }
    }
    if (eh->shstrndx >= shdrs_.size()) return Err(Error("ELF section name table index out of range"));
    shstrtab_ = eh->shstrndx;
    for (size_t i = 0; i < shdrs_.size(); ++i) {
      if (shdrs_[i].type == kShtSymtab) {
        if (symtab_) return Err(Error("ELF object has two symbol tables"));
        symtab_ = i;
        if (shdrs_[i].link >= shdrs_.size()) return Err(Error("ELF symbol table has no string table"));
      }
    }
    return true;
  }

  size_t num_sections() const { return shdrs_.size(); }
  const Shdr& section(size_t i) const { return shdrs_[i]; }
  std::string SectionName(size_t i) const { return String(shstrtab_, shdrs_[i].name); }
  std::span<const uint8_t> Contents(size_t i) const {
    return r_.Slice(shdrs_[i].offset, shdrs_[i].size);
  }

  size_t num_symbols() const {
    return symtab_ ? shdrs_[*symtab_].size / sizeof(Sym) : 0;
  }
  std::optional<Sym> Symbol(size_t i) const {
    if (!symtab_ || i >= num_symbols()) return std::nullopt;
    return r_.At<Sym>(shdrs_[*symtab_].offset + i * sizeof(Sym));
  }
  std::string SymbolName(const Sym& s) const {
    return symtab_ ? String(shdrs_[*symtab_].link, s.name) : std::string();
  }

  bool IsExec(size_t i) const {
    return shdrs_[i].type == kShtProgbits && (shdrs_[i].flags & kShfExec) != 0;
  }
  bool IsRodata(size_t i) const {
    const Shdr& s = shdrs_[i];
    return s.type == kShtProgbits && (s.flags & kShfAlloc) && !(s.flags & kShfWrite) &&
           !(s.flags & kShfExec);
  }

 private:
  // A NUL-terminated string at 'offset' in string table section 'table';
  // "" if out of bounds or unterminated.
  std::string String(size_t table, uint32_t offset) const {
    if (table >= shdrs_.size()) return {};
    auto t = Contents(table);
    if (offset >= t.size()) return {};
    const char* p = reinterpret_cast<const char*>(t.data()) + offset;
    size_t n = strnlen(p, t.size() - offset);
    if (n == t.size() - offset) return {};
    return std::string(p, n);
  }

  Reader r_;
  std::vector<Shdr> shdrs_;
  size_t shstrtab_ = 0;
  std::optional<size_t> symtab_;
};

Result<size_t, Error> ChooseSection(const ElfFile& elf, std::string_view wanted) {
  if (!wanted.empty()) {
    for (size_t i = 1; i < elf.num_sections(); ++i) {
      if (elf.SectionName(i) != wanted) continue;
      if (!elf.IsExec(i)) {
        return Err(fmt::format("section '{}' is not an executable code section", wanted));
      }
      return i;
    }
    return Err(fmt::format("ELF object has no section '{}'", wanted));
  }
  std::optional<size_t> only;
  int candidates = 0;
  std::string names;
  for (size_t i = 1; i < elf.num_sections(); ++i) {
    if (!elf.IsExec(i) || elf.section(i).size == 0) continue;
    if (elf.SectionName(i) == "salix") return i;
    only = i;
    ++candidates;
    names += (names.empty() ? "" : ", ") + elf.SectionName(i);
  }
  if (candidates == 0) return Err(Error("ELF object has no code (no non-empty executable section)"));
  if (candidates > 1) {
    return Err(fmt::format("ELF object has several code sections ({}): name the one to load",
                           names));
  }
  return *only;
}

}  // namespace

Result<ElfProgram, std::string> LoadElf(std::span<const uint8_t> object,
                                        std::string_view wanted) {
  ElfFile elf(object);
  if (auto p = elf.Parse(); !p.ok()) return Err(p.error());
  auto chosen = ChooseSection(elf, wanted);
  if (!chosen.ok()) return Err(chosen.error());
  const size_t code = *chosen;
  const std::string code_name = elf.SectionName(code);

  auto bytes = elf.Contents(code);
  if (bytes.size() % sizeof(Insn) != 0) {
    return Err(fmt::format("section '{}' is {} bytes, not a whole number of instructions",
                           code_name, bytes.size()));
  }
  std::vector<Insn> insns(bytes.size() / sizeof(Insn));
  if (!bytes.empty()) std::memcpy(insns.data(), bytes.data(), bytes.size());

  // One function per program section, starting at its first instruction.
  std::string function;
  std::string functions;
  int num_functions = 0;
  for (size_t i = 1; i < elf.num_symbols(); ++i) {
    auto s = elf.Symbol(i);
    if (!s || (s->info & 0xf) != kSttFunc || s->shndx != code) continue;
    ++num_functions;
    function = elf.SymbolName(*s);
    functions += (functions.empty() ? "" : ", ") + function;
    if (s->value != 0) {
      return Err(fmt::format("function '{}' does not start at the beginning of section '{}'",
                             function, code_name));
    }
  }
  if (num_functions > 1) {
    return Err(fmt::format("section '{}' holds {} functions ({}): one program per section; "
                           "make helpers static inline",
                           code_name, num_functions, functions));
  }

  // Read-only data: every .rodata* section, 8-byte aligned, in one region.
  std::vector<uint8_t> rodata;
  std::vector<std::optional<uint64_t>> rodata_base(elf.num_sections());
  for (size_t i = 1; i < elf.num_sections(); ++i) {
    if (!elf.IsRodata(i) || !StartsWith(elf.SectionName(i), ".rodata")) continue;
    rodata.resize((rodata.size() + 7) & ~size_t{7});
    rodata_base[i] = rodata.size();
    auto c = elf.Contents(i);
    if (rodata.size() + c.size() > Program::kMaxRodataBytes) {
      return Err(fmt::format("read-only data exceeds {} bytes", Program::kMaxRodataBytes));
    }
    rodata.insert(rodata.end(), c.begin(), c.end());
  }

  for (size_t r = 1; r < elf.num_sections(); ++r) {
    const Shdr& rs = elf.section(r);
    if (rs.type != kShtRel && rs.type != kShtRela) continue;
    const std::string rname = elf.SectionName(r);
    // Relocations of read-only data would be pointers stored in tables.
    if (rs.info < elf.num_sections() && rodata_base[rs.info]) {
      return Err(fmt::format("relocations in read-only data ({}): tables of pointers are not "
                             "supported",
                             rname));
    }
    if (rs.info != code) continue;
    if (rs.type == kShtRela) {
      return Err(fmt::format("section '{}' has RELA relocations ({}), which clang -target bpf "
                             "does not emit",
                             code_name, rname));
    }
    auto rel_bytes = elf.Contents(r);
    for (size_t k = 0; k + sizeof(Rel) <= rel_bytes.size(); k += sizeof(Rel)) {
      Rel rel;
      std::memcpy(&rel, rel_bytes.data() + k, sizeof(Rel));
      const uint32_t type = static_cast<uint32_t>(rel.info);
      const uint32_t sym_index = static_cast<uint32_t>(rel.info >> 32);
      if (type == kRBpfNone) continue;
      if (rel.offset % sizeof(Insn) != 0 || rel.offset / sizeof(Insn) >= insns.size()) {
        return Err(fmt::format("relocation at offset {} in '{}' is not at an instruction",
                               rel.offset, code_name));
      }
      const size_t at = rel.offset / sizeof(Insn);
      auto sym = elf.Symbol(sym_index);
      if (!sym) return Err(fmt::format("relocation at instruction {} names no symbol", at));
      std::string sym_name = elf.SymbolName(*sym);
      if (sym_name.empty() && sym->shndx < elf.num_sections()) {
        sym_name = elf.SectionName(sym->shndx);
      }
      if (type == kRBpf64_32) {
        return Err(fmt::format("instruction {}: call to function '{}': bpf-to-bpf and library "
                               "calls are not supported (make it static inline, use "
                               "__builtin_memcpy/__builtin_memset with constant sizes)",
                               at, sym_name));
      }
      if (type != kRBpf64_64) {
        return Err(fmt::format("instruction {}: unsupported relocation type {} against '{}'", at,
                               type, sym_name));
      }
      if (sym->shndx == kShnUndef) {
        return Err(fmt::format("instruction {}: undefined symbol '{}'", at, sym_name));
      }
      if (sym->shndx >= kShnLoreserve || sym->shndx >= elf.num_sections()) {
        return Err(fmt::format("instruction {}: symbol '{}' is not in a section", at, sym_name));
      }
      const std::string target = elf.SectionName(sym->shndx);
      if (!rodata_base[sym->shndx]) {
        if (target == "maps" || target == ".maps") {
          return Err(fmt::format("instruction {}: '{}' is a map: maps are not supported", at,
                                 sym_name));
        }
        return Err(fmt::format("instruction {}: '{}' is in section '{}': only read-only data "
                               "(const globals) can be addressed; writable globals are not "
                               "supported, use scratch memory",
                               at, sym_name, target));
      }
      if (insns[at].opcode != kOpLddw || at + 1 >= insns.size()) {
        return Err(fmt::format("instruction {}: R_BPF_64_64 relocation on opcode 0x{:02x}, not "
                               "on lddw",
                               at, insns[at].opcode));
      }
      // REL: the addend is the immediate already in the instruction.
      const uint64_t addend = static_cast<uint32_t>(insns[at].imm);
      const uint64_t address = *rodata_base[sym->shndx] + sym->value + addend;
      if (address > rodata.size()) {
        return Err(fmt::format("instruction {}: '{}'+{} lies outside the read-only data", at,
                               sym_name, addend));
      }
      insns[at].regs = Insn::Regs(insns[at].dst(), kPseudoRodata);
      insns[at].imm = static_cast<int32_t>(address);
      insns[at + 1].imm = 0;
    }
  }

  auto program = Program::FromInstructions(std::move(insns), std::move(rodata));
  if (!program.ok()) return Err(fmt::format("section '{}': {}", code_name, program.error()));
  return ElfProgram{std::move(program).value(), code_name, function};
}

}  // namespace salix::apps::ebpf

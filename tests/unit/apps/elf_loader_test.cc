// The ELF loader: clang -target bpf objects in, programs out; everything
// it cannot honour is refused with a reason.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "apps/ebpf/elf_loader.h"
#include "apps/ebpf/opcodes.h"
#include "bad_apps.h"
#include "memory_env.h"

namespace salix::apps::ebpf::test {

TEST_CASE("LoadElf takes the salix section of each example and applies rodata relocations", "[apps]") {
  for (const char* name : {"checksum", "checksum_v1", "scan_filter", "btree_lookup"}) {
    INFO(name);
    auto r = LoadElf(examples::ExampleObject(name));
    if (!r.ok()) FAIL(r.error());
    CHECK(r->section == "salix");
    CHECK(r->function == (std::string(name) == "checksum_v1" ? "checksum" : name));
    CHECK(r->program.insns().size() > 10);
  }
  // The CRC table is a const global: 1 KiB of rodata, addressed by an lddw
  // the loader rewrote.
  auto crc = LoadElf(examples::ExampleObject("checksum"));
  REQUIRE(crc.ok());
  CHECK(crc->program.rodata().size() == 1024);
  int rodata_loads = 0;
  for (const Insn& i : crc->program.insns()) {
    if (i.opcode == kOpLddw && i.src() == kPseudoRodata) ++rodata_loads;
  }
  CHECK(rodata_loads >= 1);
  uint32_t entry1;
  std::memcpy(&entry1, crc->program.rodata().data() + 4, 4);
  CHECK(entry1 == 0xf26b8303u);  // CRC32C table[1]
}

TEST_CASE("LoadElf refuses writable globals, calls and ambiguous sections with a reason", "[apps]") {
  auto global = LoadElf(examples::BadObject("writable_global"));
  REQUIRE_FALSE(global.ok());
  CHECK_THAT(global.error(), Catch::Contains("writable globals are not supported"));
  CHECK_THAT(global.error(), Catch::Contains(".bss"));

  auto local = LoadElf(examples::BadObject("local_call"));
  REQUIRE_FALSE(local.ok());
  CHECK_THAT(local.error(), Catch::Contains("bpf-to-bpf and library calls are not supported"));

  auto lib = LoadElf(examples::BadObject("memcpy_call"));
  REQUIRE_FALSE(lib.ok());
  CHECK_THAT(lib.error(), Catch::Contains("call to function 'memcpy'"));

  auto two = LoadElf(examples::BadObject("two_programs"));
  REQUIRE_FALSE(two.ok());
  CHECK_THAT(two.error(), Catch::Contains("several code sections (salix/first, salix/second)"));
  auto second = LoadElf(examples::BadObject("two_programs"), "salix/second");
  REQUIRE(second.ok());
  CHECK(second->function == "second");
  auto missing = LoadElf(examples::BadObject("two_programs"), "salix/third");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error(), Catch::Contains("no section 'salix/third'"));
}

TEST_CASE("LoadElf refuses what is not a BPF relocatable object", "[apps]") {
  std::vector<uint8_t> empty;
  CHECK_THAT(LoadElf(empty).error(), Catch::Contains("shorter than an ELF64 header"));
  auto obj = examples::ExampleObject("checksum");
  std::vector<uint8_t> bytes(obj.begin(), obj.end());
  auto bad = bytes;
  bad[0] = 0;
  CHECK_THAT(LoadElf(bad).error(), Catch::Contains("bad magic"));
  bad = bytes;
  bad[18] = 62;  // EM_X86_64
  CHECK_THAT(LoadElf(bad).error(), Catch::Contains("not EM_BPF"));
  bad = bytes;
  bad.resize(bytes.size() / 2);  // section headers cut off
  CHECK_THAT(LoadElf(bad).error(), Catch::Contains("outside the object"));
}

TEST_CASE("LoadElf survives randomly corrupted objects", "[apps]") {
  const uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto obj = examples::ExampleObject("btree_lookup");
  int loaded = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> bytes(obj.begin(), obj.end());
    const int flips = 1 + rng() % 8;
    for (int k = 0; k < flips; ++k) bytes[rng() % bytes.size()] = static_cast<uint8_t>(rng());
    if (rng() % 8 == 0) bytes.resize(rng() % bytes.size());
    auto r = LoadElf(bytes);  // must not crash (ASan builds check the reads)
    if (r.ok()) {
      ++loaded;
      (void)Verify(r->program);
    }
  }
  CHECK(loaded < 3000);  // corruption is noticed at least sometimes
}

}  // namespace salix::apps::ebpf::test

// memory_env.h - an in-memory LBA space behind the AppEnv interface, and
// helpers to load, verify and run app programs in tests.
#ifndef SALIX_TESTS_UNIT_APPS_MEMORY_ENV_H
#define SALIX_TESTS_UNIT_APPS_MEMORY_ENV_H

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "apps/domain.h"
#include "apps/ebpf/elf_loader.h"
#include "apps/ebpf/helpers.h"
#include "apps/ebpf/interpreter.h"
#include "apps/ebpf/verifier.h"
#include "apps/examples/app_examples.h"

namespace salix::apps::ebpf::test {

class MemoryEnv : public AppEnv {
 public:
  MemoryEnv(uint32_t lba_size, uint64_t lba_count)
      : lba_size_(lba_size), lba_count_(lba_count), data_(lba_size * lba_count, 0) {}

  uint32_t lba_size() const override { return lba_size_; }
  uint64_t lba_count() const override { return lba_count_; }

  Status ReadLbas(uint64_t lba, uint32_t count, std::span<uint8_t> dst) override {
    ++reads;
    REQUIRE(lba + count <= lba_count_);
    REQUIRE(dst.size() == uint64_t{count} * lba_size_);
    if (fail_at && *fail_at >= lba && *fail_at < lba + count) return Status::UnrecoveredReadError();
    std::memcpy(dst.data(), Lba(lba), dst.size());
    return Status::Success();
  }
  Status WriteLbas(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    ++writes;
    REQUIRE(lba + count <= lba_count_);
    REQUIRE(src.size() == uint64_t{count} * lba_size_);
    std::memcpy(Lba(lba), src.data(), src.size());
    return Status::Success();
  }

  uint8_t* Lba(uint64_t lba) { return data_.data() + lba * lba_size_; }
  std::vector<uint8_t>& data() { return data_; }

  uint64_t reads = 0;
  uint64_t writes = 0;
  std::optional<uint64_t> fail_at;  // reads touching this LBA fail

 private:
  uint32_t lba_size_;
  uint64_t lba_count_;
  std::vector<uint8_t> data_;
};

inline Domain DomainOf(std::initializer_list<LbaRange> ranges) {
  Domain d;
  for (const LbaRange& r : ranges) {
    auto e = d.Add(r);
    if (e) FAIL("Domain::Add: " << *e);
  }
  return d;
}

inline VerifiedProgram VerifyOrDie(const Program& p, const VerifierOptions& o = {}) {
  auto v = Verify(p, o);
  if (!v.ok()) FAIL("Verify: " << v.error().ToString());
  return std::move(v).value();
}

inline Program ExampleProgram(std::string_view name) {
  auto obj = examples::ExampleObject(name);
  REQUIRE(!obj.empty());
  auto p = LoadElf(obj);
  if (!p.ok()) FAIL("LoadElf(" << name << "): " << p.error());
  return std::move(p->program);
}

inline std::unique_ptr<Interpreter> MakeInterpreter(const VerifiedProgram& v,
                                                    uint32_t scratch = 64 * 1024) {
  Interpreter::Options o;
  o.scratch_size = scratch;
  auto r = Interpreter::Create(v, o);
  if (!r.ok()) FAIL("Interpreter::Create: " << r.error());
  return std::move(r).value();
}

template <typename T>
std::span<const uint8_t> BytesOf(const T& t) {
  return {reinterpret_cast<const uint8_t*>(&t), sizeof(T)};
}

}  // namespace salix::apps::ebpf::test

#endif  // SALIX_TESTS_UNIT_APPS_MEMORY_ENV_H

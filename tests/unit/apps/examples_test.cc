// The example apps (firmware/apps/examples), compiled by clang -target bpf,
// loaded, verified and run against an in-memory LBA space; results are
// checked against C++ reference implementations.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>

#include "apps/examples/checksum.h"
#include "apps/examples/scan_filter.h"
#include "btree_builder.h"
#include "memory_env.h"

namespace salix::apps::ebpf::test {
namespace {

// Bitwise CRC32C: independent of the app's table.
uint32_t Crc32c(const uint8_t* p, size_t n) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ ((crc & 1) ? 0x82f63b78u : 0);
  }
  return crc ^ 0xffffffffu;
}

struct App {
  std::unique_ptr<Interpreter> interp;
  explicit App(std::string_view name, uint32_t scratch = 64 * 1024) {
    interp = MakeInterpreter(VerifyOrDie(ExampleProgram(name)), scratch);
  }
  template <typename Params>
  Result<RunResult, RunError> Run(const Params& p, AppEnv& env, const Domain& d,
                                  std::span<uint8_t> out) {
    Invocation inv;
    inv.input = BytesOf(p);
    inv.output = out;
    inv.domain = &d;
    inv.budget = uint64_t{1} << 30;  // 300 LBAs of 4 KiB take ~15 M instructions
    return interp->Run(inv, env);
  }
};

void Randomize(MemoryEnv& env, std::mt19937& rng) {
  for (auto& b : env.data()) b = static_cast<uint8_t>(rng());
}

}  // namespace

TEST_CASE("Checksum app computes the CRC32C of an LBA range", "[apps]") {
  const uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (uint32_t lba_size : {512u, 4096u}) {
    for (const char* name : {"checksum", "checksum_v1"}) {
      MemoryEnv env(lba_size, 400);
      Randomize(env, rng);
      Domain d = DomainOf({{0, 400, kRightRead}});
      App app(name);
      for (uint32_t count : {1u, 7u, 16u, 17u, 300u}) {
        INFO(name << " lba_size " << lba_size << " count " << count);
        const uint64_t first = rng() % (400 - count);
        checksum_params p{first, count, 0};
        std::vector<uint8_t> out(4);
        auto r = app.Run(p, env, d, out);
        if (!r.ok()) FAIL(r.error().ToString());
        const uint32_t want = Crc32c(env.Lba(first), size_t{count} * lba_size);
        CHECK(r->r0 == want);
        REQUIRE(r->output_len == 4);
        uint32_t emitted;
        std::memcpy(&emitted, out.data(), 4);
        CHECK(emitted == want);
        CHECK(r->stats.lbas_read == count);
      }
    }
  }
}

TEST_CASE("Checksum app gets EPERM for a range that leaves the domain", "[apps]") {
  MemoryEnv env(512, 64);
  Domain d = DomainOf({{0, 32, kRightRead}});
  App app("checksum");
  checksum_params p{30, 4, 0};
  std::vector<uint8_t> out(4);
  auto r = app.Run(p, env, d, out);
  REQUIRE(r.ok());
  CHECK(static_cast<int64_t>(r->r0) == -SALIX_EPERM);
  CHECK(r->output_len == 0);
}

TEST_CASE("Scan-and-filter app returns the matching records of a range", "[apps]") {
  const uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const uint32_t lba_size = 4096;
  MemoryEnv env(lba_size, 64);
  const size_t per_lba = lba_size / SCAN_RECORD_SIZE;
  for (uint64_t lba = 0; lba < 64; ++lba) {
    for (size_t k = 0; k < per_lba; ++k) {
      scan_record rec{};
      rec.key = lba * per_lba + k;
      rec.value = rng() % 1000;
      rec.flags = static_cast<uint32_t>(rng());
      for (auto& b : rec.payload) b = static_cast<uint8_t>(rng());
      std::memcpy(env.Lba(lba) + k * SCAN_RECORD_SIZE, &rec, sizeof(rec));
    }
  }
  Domain d = DomainOf({{0, 64, kRightRead}});
  App app("scan_filter");
  struct Case { uint64_t first; uint32_t count, lo, hi, max_out; };
  for (Case c : {Case{0, 64, 100, 199, 1000}, Case{3, 20, 0, 9, 5}, Case{10, 1, 500, 400, 10},
                 Case{0, 64, 0, 999, 16}}) {
    INFO("first " << c.first << " count " << c.count << " [" << c.lo << ", " << c.hi << "]");
    // Reference.
    std::vector<uint8_t> want;
    long matches = 0;
    for (uint64_t lba = c.first; lba < c.first + c.count; ++lba) {
      for (size_t k = 0; k < per_lba; ++k) {
        scan_record rec;
        std::memcpy(&rec, env.Lba(lba) + k * SCAN_RECORD_SIZE, sizeof(rec));
        if (rec.value < c.lo || rec.value > c.hi) continue;
        if (static_cast<uint32_t>(matches) < c.max_out) {
          want.insert(want.end(), reinterpret_cast<uint8_t*>(&rec),
                      reinterpret_cast<uint8_t*>(&rec) + sizeof(rec));
        }
        ++matches;
      }
    }
    scan_filter_params p{c.first, c.count, c.lo, c.hi, c.max_out};
    std::vector<uint8_t> out(size_t{c.max_out} * SCAN_RECORD_SIZE);
    auto r = app.Run(p, env, d, out);
    if (!r.ok()) FAIL(r.error().ToString());
    CHECK(static_cast<long>(r->r0) == matches);
    REQUIRE(r->output_len == want.size());
    CHECK(std::equal(want.begin(), want.end(), out.begin()));
  }

  // An output buffer smaller than max_out records: ENOSPC, not an overrun.
  scan_filter_params p{0, 64, 0, 999, 100};
  std::vector<uint8_t> small(10 * SCAN_RECORD_SIZE);
  auto r = app.Run(p, env, d, small);
  REQUIRE(r.ok());
  CHECK(static_cast<int64_t>(r->r0) == -SALIX_ENOSPC);
}

TEST_CASE("B-tree app finds keys by chasing child LBAs through the tree", "[apps]") {
  const uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (uint32_t fanout : {0u, 4u}) {
    for (uint32_t lba_size : {512u, 4096u}) {
      INFO("lba_size " << lba_size << " fanout " << fanout);
      std::map<uint64_t, uint64_t> oracle;
      while (oracle.size() < 3000) oracle[rng() % 1'000'000 + 10] = rng();
      std::vector<std::pair<uint64_t, uint64_t>> sorted(oracle.begin(), oracle.end());
      MemoryEnv env(lba_size, 4096);
      const uint64_t base = 100;
      BuiltTree t = BuildBtree(env, base, sorted, fanout);
      REQUIRE(t.depth >= 2);
      Domain d = DomainOf({{base, t.nodes, kRightRead}});
      App app("btree_lookup");
      std::vector<uint8_t> out(8);
      auto lookup = [&](uint64_t key) {
        btree_lookup_params p{t.root_lba, key};
        auto r = app.Run(p, env, d, out);
        if (!r.ok()) FAIL(r.error().ToString());
        return std::move(r).value();
      };
      for (int k = 0; k < 300; ++k) {
        auto it = std::next(oracle.begin(), rng() % oracle.size());
        auto r = lookup(it->first);
        REQUIRE(r.r0 == 1);
        REQUIRE(r.output_len == 8);
        uint64_t v;
        std::memcpy(&v, out.data(), 8);
        CHECK(v == it->second);
        CHECK(r.stats.lbas_read == static_cast<uint64_t>(t.depth));
        uint64_t absent = rng() % 1'000'020;
        CHECK(lookup(absent).r0 == (oracle.count(absent) ? 1u : 0u));
      }
      CHECK(lookup(0).r0 == 0);                       // below every key
      CHECK(lookup(~uint64_t{0}).r0 == 0);             // above every key
      CHECK(lookup(oracle.rbegin()->first).r0 == 1);   // the largest
      CHECK(lookup(oracle.begin()->first).r0 == 1);    // the smallest
    }
  }
}

TEST_CASE("B-tree app refuses corrupt nodes, cycles and nodes outside the domain", "[apps]") {
  MemoryEnv env(512, 64);
  std::vector<std::pair<uint64_t, uint64_t>> kv;
  for (uint64_t k = 0; k < 40; ++k) kv.push_back({k * 10, k});
  BuiltTree t = BuildBtree(env, 8, kv, 4);  // 10 leaves, 3 inner, 1 root
  Domain d = DomainOf({{8, t.nodes, kRightRead}});
  App app("btree_lookup");
  std::vector<uint8_t> out(8);
  auto lookup = [&](uint64_t key, const Domain& dom) {
    btree_lookup_params p{t.root_lba, key};
    auto r = app.Run(p, env, dom, out);
    if (!r.ok()) FAIL(r.error().ToString());
    return static_cast<int64_t>(r->r0);
  };
  REQUIRE(lookup(120, d) == 1);

  // The root's child pointers lead outside a domain that holds only the root.
  Domain root_only = DomainOf({{t.root_lba, 1, kRightRead}});
  CHECK(lookup(120, root_only) == -SALIX_EPERM);

  // A cycle: the root's first child is the root itself.
  auto saved = std::vector<uint8_t>(env.Lba(t.root_lba), env.Lba(t.root_lba) + 512);
  btree_entry e;
  std::memcpy(&e, env.Lba(t.root_lba) + SALIX_BTREE_HEADER_SIZE, sizeof(e));
  e.value = t.root_lba;
  std::memcpy(env.Lba(t.root_lba) + SALIX_BTREE_HEADER_SIZE, &e, sizeof(e));
  CHECK(lookup(5, d) == -SALIX_EINVAL);

  // A bad magic number, and a count beyond the node's capacity.
  std::memcpy(env.Lba(t.root_lba), saved.data(), 512);
  env.Lba(t.root_lba)[0] ^= 1;
  CHECK(lookup(5, d) == -SALIX_EINVAL);
  std::memcpy(env.Lba(t.root_lba), saved.data(), 512);
  const uint16_t huge = 1000;
  std::memcpy(env.Lba(t.root_lba) + 6, &huge, 2);
  CHECK(lookup(5, d) == -SALIX_EINVAL);
}

}  // namespace salix::apps::ebpf::test

namespace salix::apps::ebpf::test {

TEST_CASE("Example apps pass the verifier with the scratch size known at activation",
          "[apps]") {
  for (const char* name : {"checksum", "checksum_v1", "scan_filter", "btree_lookup"}) {
    INFO(name);
    VerifierOptions o;
    o.scratch_size = 4096;
    auto v = Verify(ExampleProgram(name), o);
    if (!v.ok()) FAIL(v.error().ToString());
    CHECK(v->verifier_steps() < 100000);  // loops converge quickly
  }
}

}  // namespace salix::apps::ebpf::test

// The built-in key-value store: put/get/delete/scan against a std::map,
// restarts, segment cleaning in a small range, a full store, power cuts.
#include <salix/builtin_apps.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "apps/builtin/common.h"
#include "apps/builtin/kv_store.h"
#include "builtin_flash.h"
#include "ftl_util.h"

namespace salix::apps::builtin::test {
namespace {

struct KvRig {
  KvRig(uint32_t lba_size, uint64_t first, uint64_t count, uint64_t seed = 1)
      : dev(lba_size, first + count + 16, seed),
        domain(MakeDomain({{0, first + count, kRightReadWrite}})),
        flash(dev, domain),
        range{first, count},
        app(std::make_unique<KvApp>()) {}

  Outcome Call(uint32_t fn, std::span<const uint8_t> in, std::span<uint8_t> out = {}) {
    return Invoke(*app, fn, in, out, &flash, nullptr, &domain);
  }
  Outcome Format(uint32_t seg) { return Call(SALIX_KV_FORMAT, Input(salix_kv_format{range, seg, 0})); }
  std::vector<uint8_t> KeyOp(std::string_view key, std::span<const uint8_t> value = {}) {
    salix_kv_key_op op{range, static_cast<uint32_t>(key.size()),
                       static_cast<uint32_t>(value.size())};
    std::vector<uint8_t> in = Input(op);
    in.insert(in.end(), key.begin(), key.end());
    in.insert(in.end(), value.begin(), value.end());
    return in;
  }
  Outcome Put(std::string_view key, std::span<const uint8_t> value) {
    return Call(SALIX_KV_PUT, KeyOp(key, value));
  }
  Outcome Delete(std::string_view key) { return Call(SALIX_KV_DELETE, KeyOp(key)); }
  // The value, or nullopt when absent.
  std::optional<std::vector<uint8_t>> Get(std::string_view key) {
    std::vector<uint8_t> out(SALIX_KV_MAX_VALUE);
    Outcome o = Call(SALIX_KV_GET, KeyOp(key), out);
    INFO(o.reason);
    REQUIRE(o.status.ok());
    if (o.value == SALIX_KV_ABSENT) return std::nullopt;
    REQUIRE(o.output_len == o.value);
    out.resize(o.output_len);
    return out;
  }
  // Entries from 'start': key -> value (or value length when keys_only).
  std::vector<std::pair<std::string, std::vector<uint8_t>>> Scan(
      std::string_view start, uint32_t max, bool keys_only = false,
      size_t out_size = 1 << 20, bool* more = nullptr) {
    salix_kv_scan sc{range, static_cast<uint32_t>(start.size()), max,
                     keys_only ? SALIX_KV_SCAN_KEYS_ONLY : 0u, 0};
    std::vector<uint8_t> in = Input(sc);
    in.insert(in.end(), start.begin(), start.end());
    std::vector<uint8_t> out(out_size);
    Outcome o = Call(SALIX_KV_SCAN, in, out);
    INFO(o.reason);
    REQUIRE(o.status.ok());
    salix_kv_scan_header h;
    std::memcpy(&h, out.data(), sizeof(h));
    REQUIRE(h.count == o.value);
    if (more) *more = h.more;
    std::vector<std::pair<std::string, std::vector<uint8_t>>> r;
    size_t pos = sizeof(h);
    for (uint32_t i = 0; i < h.count; i++) {
      salix_kv_scan_entry e;
      std::memcpy(&e, out.data() + pos, sizeof(e));
      pos += sizeof(e);
      std::string k(reinterpret_cast<const char*>(out.data() + pos), e.key_len);
      pos += e.key_len;
      std::vector<uint8_t> v;
      if (!keys_only) {
        v.assign(out.begin() + pos, out.begin() + pos + e.value_len);
        pos += e.value_len;
      } else {
        v.resize(e.value_len);
      }
      r.emplace_back(std::move(k), std::move(v));
    }
    REQUIRE(pos == o.output_len);
    return r;
  }
  salix_kv_info Info() {
    salix_kv_info i{};
    std::vector<uint8_t> out(sizeof(i));
    REQUIRE(Call(SALIX_KV_INFO, Input(range), out).status.ok());
    std::memcpy(&i, out.data(), sizeof(i));
    return i;
  }
  void Restart() { app = std::make_unique<KvApp>(); }

  PowerCutFlash dev;
  Domain domain;
  DomainFlash flash;
  salix_kv_range range;
  std::unique_ptr<KvApp> app;
};

std::vector<uint8_t> Value(uint64_t id, size_t len) {
  std::vector<uint8_t> v(len);
  for (size_t i = 0; i < len; i++) v[i] = static_cast<uint8_t>(Mix64(id + i / 8) >> (i % 8 * 8));
  return v;
}

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST_CASE("kv: put, get, delete and ordered scan", "[apps][builtin][kv]") {
  KvRig kv(512, 100, 400);
  REQUIRE(kv.Format(8).status.ok());
  REQUIRE(kv.Put("banana", Bytes("yellow")).status.ok());
  REQUIRE(kv.Put("apple", Bytes("red")).status.ok());
  REQUIRE(kv.Put("cherry", Bytes("dark red")).status.ok());
  REQUIRE(kv.Put("apple", Bytes("green")).status.ok());  // overwrite
  CHECK(kv.Get("apple") == Bytes("green"));
  CHECK(kv.Get("durian") == std::nullopt);
  CHECK(kv.Delete("banana").value == 1);
  CHECK(kv.Delete("banana").value == 0);
  CHECK(kv.Get("banana") == std::nullopt);
  auto all = kv.Scan("", 10);
  REQUIRE(all.size() == 2);
  CHECK(all[0].first == "apple");
  CHECK(all[0].second == Bytes("green"));
  CHECK(all[1].first == "cherry");
  auto from_b = kv.Scan("b", 10, true);
  REQUIRE(from_b.size() == 1);
  CHECK(from_b[0].first == "cherry");
  CHECK(from_b[0].second.size() == 8);  // keys only: the length
  bool more = false;
  CHECK(kv.Scan("", 1, false, 1 << 20, &more).size() == 1);
  CHECK(more);
  // An output too small for the next entry stops the scan early.
  CHECK(kv.Scan("", 10, false, 8 + 8 + 5 + 5, &more).size() == 1);
  CHECK(more);
  // A value larger than the output buffer: Invalid Field and the length.
  std::vector<uint8_t> small(2);
  Outcome o = kv.Call(SALIX_KV_GET, kv.KeyOp("cherry"), small);
  CHECK(o.status == Status::InvalidField());
  CHECK(o.value == 8);
  CHECK(kv.Info().keys == 2);
}

TEST_CASE("kv: bad input, unformatted ranges and refused ranges", "[apps][builtin][kv]") {
  KvRig kv(512, 100, 400);
  CHECK(kv.Put("k", Bytes("v")).status == Status::CommandSequenceError());
  CHECK(kv.Format(1).status == Status::InvalidField());  // segments too small
  CHECK(kv.Call(SALIX_KV_FORMAT, Input(salix_kv_format{{100, 10}, 8, 0})).status ==
        Status::InvalidField());  // too few segments
  REQUIRE(kv.Format(8).status.ok());
  std::string big_key(SALIX_KV_MAX_KEY + 1, 'x');
  salix_kv_key_op op{kv.range, SALIX_KV_MAX_KEY + 1, 0};
  auto in = Input(op);
  in.insert(in.end(), big_key.begin(), big_key.end() - 1);  // within max_input
  CHECK(kv.Call(SALIX_KV_PUT, in).status == Status::InvalidField());
  // A value that needs more LBAs than a segment has.
  CHECK(kv.Put("k", Value(1, 8 * 512)).status == Status::InvalidField());
  // Another range than the formatted one.
  salix_kv_key_op other{{100, 300}, 1, 0};
  auto oin = Input(other);
  oin.push_back('k');
  std::vector<uint8_t> out(16);
  CHECK(kv.Call(SALIX_KV_GET, oin, out).status == Status::CommandSequenceError());
  // Beyond the namespace, and outside the caller's domain.
  salix_kv_key_op far{{kv.dev.lba_count() - 4, 400}, 1, 0};
  auto fin = Input(far);
  fin.push_back('k');
  CHECK(kv.Call(SALIX_KV_GET, fin, out).status == Status::LbaOutOfRange());
  Domain narrow = MakeDomain({{100, 200, kRightReadWrite}});
  DomainFlash nf(kv.dev, narrow);
  Outcome o = Invoke(*kv.app, SALIX_KV_GET, kv.KeyOp("k"), out, &nf, nullptr, &narrow);
  CHECK(o.status == Status::AppAccessDenied());
  Domain ro = MakeDomain({{0, 500, kRightRead}});
  DomainFlash rf(kv.dev, ro);
  CHECK(Invoke(*kv.app, SALIX_KV_PUT, kv.KeyOp("k", Bytes("v")), {}, &rf, nullptr, &ro)
            .status == Status::AppAccessDenied());
  CHECK(kv.Get("k") == std::nullopt);
}

TEST_CASE("kv: random operations against a std::map, with restarts and cleaning",
          "[apps][builtin][kv]") {
  const uint64_t seed = salix::test::TestSeed();
  INFO("SALIX_SEED=" << seed);
  std::mt19937_64 rng(seed);
  for (uint32_t lba_size : {512u, 4096u}) {
    // 2 + 12 segments of 8 LBAs: a small store that must clean constantly.
    KvRig kv(lba_size, 64, 2 + 12 * 8, rng());
    REQUIRE(kv.Format(8).status.ok());
    std::map<std::string, std::vector<uint8_t>> oracle;
    uint64_t full = 0, cleaned = 0;
    for (int op = 0; op < 3000; op++) {
      INFO("op " << op);
      const std::string key = fmt::format("key{:03}", rng() % 30);
      const int a = static_cast<int>(rng() % 20);
      if (a < 9) {
        auto v = Value(rng(), rng() % lba_size);
        Outcome o = kv.Put(key, v);
        if (o.status == Status::CapacityExceeded()) {
          full++;
          continue;
        }
        INFO(o.reason);
        REQUIRE(o.status.ok());
        oracle[key] = v;
      } else if (a < 13) {
        Outcome o = kv.Delete(key);
        if (o.status == Status::CapacityExceeded()) {
          full++;
          continue;
        }
        INFO(o.reason);
        REQUIRE(o.status.ok());
        CHECK(o.value == oracle.erase(key));
      } else if (a < 17) {
        auto it = oracle.find(key);
        auto got = kv.Get(key);
        if (it == oracle.end()) REQUIRE(got == std::nullopt);
        else REQUIRE(got == it->second);
      } else if (a < 19) {
        const uint32_t max = 1 + rng() % 10;
        auto got = kv.Scan(key, max);
        auto it = oracle.lower_bound(key);
        size_t i = 0;
        for (; i < max && it != oracle.end(); i++, ++it) {
          REQUIRE(i < got.size());
          REQUIRE(got[i].first == it->first);
          REQUIRE(got[i].second == it->second);
        }
        REQUIRE(got.size() == i);
      } else {
        cleaned += kv.Info().cleaned;
        kv.Restart();  // a new instance rebuilds the index from flash
        if (rng() % 2) kv.dev.CleanRestart();
      }
    }
    kv.Restart();
    auto all = kv.Scan("", 1000);
    REQUIRE(all.size() == oracle.size());
    size_t i = 0;
    for (auto& [k, v] : oracle) {
      REQUIRE(all[i].first == k);
      REQUIRE(all[i].second == v);
      i++;
    }
    auto info = kv.Info();
    CHECK(info.keys == oracle.size());
    cleaned += info.cleaned;
    WARN("kv lba " << lba_size << ": " << oracle.size() << " keys, "
                   << full << " puts/deletes refused as full, " << cleaned
                   << " segments cleaned");
    CHECK(cleaned > 50);
  }
}

TEST_CASE("kv: a full store says so, keeps its data, and takes puts again after deletes",
          "[apps][builtin][kv]") {
  KvRig kv(512, 10, 2 + 4 * 8);  // 4 segments of 8 LBAs, two in reserve
  REQUIRE(kv.Format(8).status.ok());
  std::vector<std::string> stored;
  Outcome o;
  for (int i = 0; i < 100; i++) {
    const std::string k = fmt::format("k{:03}", i);
    o = kv.Put(k, Value(i, 400));  // one LBA per record
    if (!o.status.ok()) break;
    stored.push_back(k);
  }
  CHECK(o.status == Status::CapacityExceeded());
  CHECK_THAT(o.reason, Catch::Contains("store full"));
  CHECK(stored.size() == 14);  // 2 usable segments of 7 record LBAs
  for (size_t i = 0; i < stored.size(); i++) CHECK(kv.Get(stored[i]) == Value(i, 400));
  // Deleting frees room only once tombstones and old records are cleaned:
  // the store accepts puts again.
  for (size_t i = 0; i < 12; i++) {
    Outcome d = kv.Delete(stored[i]);
    if (d.status == Status::CapacityExceeded()) break;
    REQUIRE(d.status.ok());
  }
  bool accepted = false;
  for (int i = 0; i < 5 && !accepted; i++) accepted = kv.Put("new", Bytes("x")).status.ok();
  CHECK(accepted);
  CHECK(kv.Get("new") == Bytes("x"));
  for (size_t i = 12; i < stored.size(); i++) CHECK(kv.Get(stored[i]) == Value(i, 400));
  kv.Restart();
  CHECK(kv.Get("new") == Bytes("x"));
}

TEST_CASE("kv: power cuts at random points lose at most the operation in flight",
          "[apps][builtin][kv]") {
  const uint64_t seed = salix::test::TestSeed();
  INFO("SALIX_SEED=" << seed);
  std::mt19937_64 rng(seed);
  uint64_t cuts = 0;
  for (int iter = 0; iter < 60; iter++) {
    KvRig kv(512, 32, 2 + 14 * 8, rng());
    REQUIRE(kv.Format(8).status.ok());
    std::map<std::string, std::vector<uint8_t>> oracle;
    for (int round = 0; round < 4; round++) {
      INFO("iteration " << iter << " round " << round);
      kv.dev.ArmCut(1 + rng() % 150);
      std::optional<std::pair<std::string, std::optional<std::vector<uint8_t>>>> inflight;
      for (int ops = 0; !kv.dev.dead(); ops++) {
        if (ops == 5000) {  // full: puts refused, deletes find nothing left
          kv.dev.ArmCut(0);
          break;
        }
        const std::string key = fmt::format("k{:02}", rng() % 24);
        if (rng() % 3) {
          auto v = Value(rng(), rng() % 900);
          Outcome o = kv.Put(key, v);
          if (kv.dev.dead()) inflight = {{key, v}};
          else if (o.status.ok()) oracle[key] = v;
          else REQUIRE(o.status == Status::CapacityExceeded());
        } else {
          Outcome o = kv.Delete(key);
          if (kv.dev.dead()) inflight = {{key, std::nullopt}};
          else if (o.status.ok()) oracle.erase(key);
          else REQUIRE(o.status == Status::CapacityExceeded());
        }
      }
      cuts++;
      kv.dev.PowerCut();
      kv.Restart();
      for (int k = 0; k < 24; k++) {
        const std::string key = fmt::format("k{:02}", k);
        auto got = kv.Get(key);
        auto it = oracle.find(key);
        std::optional<std::vector<uint8_t>> want;
        if (it != oracle.end()) want = it->second;
        if (got == want) continue;
        INFO("key " << key);
        REQUIRE(inflight.has_value());
        REQUIRE(inflight->first == key);
        REQUIRE(got == inflight->second);
        if (got) oracle[key] = *got;
        else oracle.erase(key);
      }
    }
  }
  CHECK(cuts == 240);
}

}  // namespace
}  // namespace salix::apps::builtin::test

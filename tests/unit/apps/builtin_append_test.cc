// The built-in append app: the device picks the location; locations are
// unique, data is readable there, the log survives restarts and power cuts.
#include <salix/builtin_apps.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "apps/builtin/append.h"
#include "builtin_flash.h"
#include "ftl_util.h"

namespace salix::apps::builtin::test {
namespace {

struct AppendRig {
  AppendRig(uint64_t first, uint64_t count, uint64_t seed = 1)
      : dev(512, first + count + 8, seed),
        domain(MakeDomain({{first, count, kRightReadWrite}})),
        flash(dev, domain),
        range{first, count},
        app(std::make_unique<AppendApp>()) {}
  Outcome Call(uint32_t fn, std::span<const uint8_t> in, std::span<uint8_t> out = {}) {
    return Invoke(*app, fn, in, out, &flash, nullptr, &domain);
  }
  Outcome Append(std::span<const uint8_t> data, salix_append_result* res = nullptr) {
    salix_append_op op{range, static_cast<uint32_t>(data.size() / 512), 0};
    std::vector<uint8_t> out(sizeof(salix_append_result));
    Outcome o = Call(SALIX_APPEND_APPEND, Input(op, data), out);
    if (res) std::memcpy(res, out.data(), sizeof(*res));
    return o;
  }
  salix_append_info Info() {
    salix_append_info i{};
    std::vector<uint8_t> out(sizeof(i));
    Outcome o = Call(SALIX_APPEND_INFO, Input(range), out);
    INFO(o.reason);
    REQUIRE(o.status.ok());
    std::memcpy(&i, out.data(), sizeof(i));
    return i;
  }
  void Restart() { app = std::make_unique<AppendApp>(); }

  PowerCutFlash dev;
  Domain domain;
  DomainFlash flash;
  salix_append_range range;
  std::unique_ptr<AppendApp> app;
};

std::vector<uint8_t> Blocks(uint64_t id, uint32_t n) {
  std::vector<uint8_t> d;
  for (uint32_t i = 0; i < n; i++) {
    auto p = Pattern(id, i, 512);
    d.insert(d.end(), p.begin(), p.end());
  }
  return d;
}

TEST_CASE("append: the device places data, returns unique locations, readable there",
          "[apps][builtin][append]") {
  const uint64_t seed = salix::test::TestSeed();
  INFO("SALIX_SEED=" << seed);
  std::mt19937_64 rng(seed);
  AppendRig ap(40, 2 + 200, rng());
  CHECK(ap.Append(Blocks(0, 1)).status == Status::CommandSequenceError());  // unformatted
  REQUIRE(ap.Call(SALIX_APPEND_FORMAT, Input(ap.range)).status.ok());
  std::map<uint64_t, std::vector<uint8_t>> placed;  // lba -> data
  std::set<uint64_t> used;
  uint64_t next = 0, appends = 0;
  for (uint64_t id = 1;; id++) {
    const uint32_t n = 1 + static_cast<uint32_t>(rng() % 6);
    auto data = Blocks(id, n);
    salix_append_result res{};
    Outcome o = ap.Append(data, &res);
    if (o.status == Status::CapacityExceeded()) {
      CHECK_THAT(o.reason, Catch::Contains("append log full"));
      CHECK(ap.Info().tail + n > 42 + 200);  // it really did not fit
      break;
    }
    REQUIRE(o.status.ok());
    appends++;
    CHECK(o.value == res.lba);
    CHECK(res.sequence == appends);
    REQUIRE(res.lba >= 42);
    REQUIRE(res.lba + n <= 42 + 200);
    for (uint32_t i = 0; i < n; i++) REQUIRE(used.insert(res.lba + i).second);
    if (next == 0) next = res.lba;
    CHECK(res.lba == next);  // packed: the log has no holes
    next += n;
    placed[res.lba] = data;
    // Plain reads at the location see the data.
    std::vector<uint8_t> got(data.size());
    REQUIRE(ap.dev.Read(res.lba, n, got).ok());
    REQUIRE(got == data);
    if (rng() % 8 == 0) ap.Restart();
  }
  ap.Restart();
  auto info = ap.Info();
  CHECK(info.appends == appends);
  CHECK(info.tail == next);
  for (auto& [lba, data] : placed) {
    std::vector<uint8_t> out(data.size());
    salix_append_read rd{ap.range, lba, static_cast<uint32_t>(data.size() / 512), 0};
    REQUIRE(ap.Call(SALIX_APPEND_READ, Input(rd), out).status.ok());
    REQUIRE(out == data);
  }
  // Reads past the tail and malformed appends are refused.
  std::vector<uint8_t> out(512);
  salix_append_read past{ap.range, info.tail, 1, 0};
  CHECK(ap.Call(SALIX_APPEND_READ, Input(past), out).status == Status::InvalidField());
  salix_append_op bad{ap.range, 2, 0};
  CHECK(ap.Call(SALIX_APPEND_APPEND, Input(bad, Blocks(1, 1))).status == Status::InvalidField());
  // Outside the domain.
  salix_append_range other{0, 30};
  CHECK(ap.Call(SALIX_APPEND_INFO, Input(other), out).status == Status::AppAccessDenied());
  // Format empties the log.
  REQUIRE(ap.Call(SALIX_APPEND_FORMAT, Input(ap.range)).status.ok());
  CHECK(ap.Info().tail == 42);
}

TEST_CASE("append: after a power cut every completed append is there, the rest is not",
          "[apps][builtin][append]") {
  const uint64_t seed = salix::test::TestSeed();
  INFO("SALIX_SEED=" << seed);
  std::mt19937_64 rng(seed);
  for (int iter = 0; iter < 100; iter++) {
    AppendRig ap(8, 2 + 400, rng());
    REQUIRE(ap.Call(SALIX_APPEND_FORMAT, Input(ap.range)).status.ok());
    std::map<uint64_t, std::vector<uint8_t>> placed;
    uint64_t tail = 10;
    for (int round = 0; round < 3; round++) {
      ap.dev.ArmCut(1 + rng() % 40);
      for (uint64_t id = 1; !ap.dev.dead(); id++) {
        auto data = Blocks(id + 1000 * round, 1 + rng() % 3);
        Outcome o = ap.Append(data);
        if (ap.dev.dead()) break;
        REQUIRE(o.status.ok());
        placed[o.value] = data;
        tail = o.value + data.size() / 512;
      }
      ap.dev.PowerCut();
      ap.Restart();
      auto info = ap.Info();
      // The tail is the last completed append's end, or one append later.
      REQUIRE(info.tail >= tail);
      REQUIRE(info.tail <= tail + 3);
      tail = info.tail;
      for (auto& [lba, data] : placed) {
        std::vector<uint8_t> got(data.size());
        REQUIRE(ap.dev.Read(lba, static_cast<uint32_t>(data.size() / 512), got).ok());
        REQUIRE(got == data);
      }
    }
  }
}

}  // namespace
}  // namespace salix::apps::builtin::test

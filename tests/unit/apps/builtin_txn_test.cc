// The built-in transaction app: MARS semantics (log-write, read and edit
// before commit, commit, abort) and all-or-nothing after power cuts at
// random points, against an oracle of the home LBAs.
#include <salix/builtin_apps.h>

#include <cstring>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "apps/builtin/transactions.h"
#include "builtin_flash.h"
#include "ftl_util.h"

namespace salix::apps::builtin::test {
namespace {

constexpr uint64_t kHome = 256;  // home LBAs [0, 256) in the domain

// A device: home LBAs at the bottom, the app's private region at the top.
struct Rig {
  Rig(uint32_t lba_size, uint64_t private_lbas, uint64_t seed = 1)
      : dev(lba_size, 1024 + private_lbas, seed),
        priv(dev, 1024, private_lbas),
        domain(MakeDomain({{0, kHome, kRightReadWrite}})),
        flash(dev, domain),
        app(TransactionOptions{private_lbas}) {
    REQUIRE(app.Recover(priv, dev).ok());
  }
  uint32_t lbs() const { return dev.lba_size(); }

  Outcome Call(uint32_t fn, std::span<const uint8_t> in, std::span<uint8_t> out = {},
               const Domain* d = nullptr) {
    if (d == nullptr) return Invoke(app, fn, in, out, &flash, &priv, &domain);
    DomainFlash other(dev, *d);
    return Invoke(app, fn, in, out, &other, &priv, d);
  }
  uint64_t Begin() {
    Outcome o = Call(SALIX_TXN_BEGIN, {});
    REQUIRE(o.status.ok());
    return o.value;
  }
  Outcome Write(uint64_t txid, uint64_t lba, uint32_t count,
                std::span<const uint8_t> data, const Domain* d = nullptr) {
    salix_txn_write w{txid, lba, count, 0};
    return Call(SALIX_TXN_WRITE, Input(w, data), {}, d);
  }
  Outcome Read(uint64_t txid, uint64_t lba, uint32_t count, std::vector<uint8_t>* out) {
    out->assign(uint64_t{count} * lbs(), 0);
    salix_txn_read r{txid, lba, count, 0};
    return Call(SALIX_TXN_READ, Input(r), *out);
  }
  Outcome Commit(uint64_t txid, const Domain* d = nullptr) {
    return Call(SALIX_TXN_COMMIT, Input(salix_txn_id{txid}), {}, d);
  }
  Outcome Abort(uint64_t txid) { return Call(SALIX_TXN_ABORT, Input(salix_txn_id{txid})); }
  // EXEC of ranges (first LBA, data).
  Outcome Exec(const std::vector<std::pair<uint64_t, std::vector<uint8_t>>>& ranges,
               const Domain* d = nullptr) {
    std::vector<uint8_t> in = ExecInput(ranges, lbs());
    return Call(SALIX_TXN_EXEC, in, {}, d);
  }
  static std::vector<uint8_t> ExecInput(
      const std::vector<std::pair<uint64_t, std::vector<uint8_t>>>& ranges, uint32_t lbs) {
    salix_txn_exec x{static_cast<uint32_t>(ranges.size()), 0};
    std::vector<uint8_t> in(sizeof(x));
    std::memcpy(in.data(), &x, sizeof(x));
    for (const auto& [lba, data] : ranges) {
      salix_txn_range r{lba, static_cast<uint32_t>(data.size() / lbs), 0};
      const auto* p = reinterpret_cast<const uint8_t*>(&r);
      in.insert(in.end(), p, p + sizeof(r));
    }
    for (const auto& [lba, data] : ranges) in.insert(in.end(), data.begin(), data.end());
    return in;
  }
  // A plain write by someone else (the host, another app), with the HIL's
  // hook in front of it unless 'hook' is false.
  Status HostWrite(uint64_t lba, std::span<const uint8_t> data, bool hook = true) {
    const uint32_t n = static_cast<uint32_t>(data.size() / lbs());
    if (hook && app.Pending(lba, n)) {
      if (Status s = app.Settle(priv, dev); !s.ok()) return s;
    }
    return dev.Write(lba, n, data);
  }
  std::vector<uint8_t> Home(uint64_t lba, uint32_t count = 1) {
    std::vector<uint8_t> b(uint64_t{count} * this->lbs());
    REQUIRE(dev.Read(lba, count, b).ok());
    return b;
  }

  PowerCutFlash dev;
  SubFlash priv;
  Domain domain;
  DomainFlash flash;
  TransactionApp app;
};

std::vector<uint8_t> Patterns(uint64_t lba, uint32_t count, uint64_t version,
                              uint32_t size) {
  std::vector<uint8_t> out;
  for (uint32_t i = 0; i < count; i++) {
    auto p = Pattern(lba + i, version, size);
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

TEST_CASE("a transaction's writes of several ranges reach home only at commit",
          "[apps][builtin][txn]") {
  Rig rig(512, 512);
  const uint64_t t = rig.Begin();
  auto a = Patterns(10, 4, 1, 512), b = Patterns(100, 2, 1, 512);
  REQUIRE(rig.Write(t, 10, 4, a).status.ok());
  REQUIRE(rig.Write(t, 100, 2, b).status.ok());
  // Not at home yet; the transaction sees its own writes over home data.
  CHECK(rig.Home(10, 4) == std::vector<uint8_t>(4 * 512, 0));
  std::vector<uint8_t> got;
  REQUIRE(rig.Read(t, 8, 8, &got).status.ok());
  std::vector<uint8_t> want(2 * 512, 0);
  want.insert(want.end(), a.begin(), a.end());
  want.resize(8 * 512, 0);
  CHECK(got == want);
  Outcome c = rig.Commit(t);
  REQUIRE(c.status.ok());
  CHECK(c.value >= 1);
  CHECK(rig.Home(10, 4) == a);
  CHECK(rig.Home(100, 2) == b);
  CHECK(c.stats.lbas_written >= 6);  // home copies at least
  // The id is closed.
  CHECK(rig.Commit(t).status == Status::CommandSequenceError());
  auto i = rig.app.info();
  CHECK(i.open == 0);
  CHECK(i.commits == 1);
}

TEST_CASE("logged data can be edited before commit: the newest write wins, in place",
          "[apps][builtin][txn]") {
  Rig rig(512, 512);
  const uint64_t t = rig.Begin();
  REQUIRE(rig.Write(t, 20, 4, Patterns(20, 4, 1, 512)).status.ok());
  const uint64_t free_after_first = rig.app.info().log_free_lbas;
  // Overwrite the middle two LBAs: no new log space.
  REQUIRE(rig.Write(t, 21, 2, Patterns(21, 2, 2, 512)).status.ok());
  CHECK(rig.app.info().log_free_lbas == free_after_first);
  std::vector<uint8_t> got;
  REQUIRE(rig.Read(t, 20, 4, &got).status.ok());
  auto want = Patterns(20, 1, 1, 512);
  for (auto& p : {Patterns(21, 2, 2, 512), Patterns(23, 1, 1, 512)}) {
    want.insert(want.end(), p.begin(), p.end());
  }
  CHECK(got == want);
  REQUIRE(rig.Commit(t).status.ok());
  CHECK(rig.Home(20, 4) == want);
}

TEST_CASE("abort leaves home untouched and frees the log", "[apps][builtin][txn]") {
  Rig rig(4096, 64);
  const uint64_t all = rig.app.info().log_free_lbas;
  const uint64_t t = rig.Begin();
  REQUIRE(rig.Write(t, 5, 3, Patterns(5, 3, 9, 4096)).status.ok());
  CHECK(rig.app.info().log_free_lbas == all - 3);
  REQUIRE(rig.Abort(t).status.ok());
  CHECK(rig.app.info().log_free_lbas == all);
  CHECK(rig.Home(5, 3) == std::vector<uint8_t>(3 * 4096, 0));
  CHECK(rig.Abort(t).status == Status::CommandSequenceError());
  CHECK(rig.app.info().aborts == 1);
}

TEST_CASE("transactions run interleaved; a later commit wins where they overlap",
          "[apps][builtin][txn]") {
  Rig rig(512, 512);
  const uint64_t t1 = rig.Begin(), t2 = rig.Begin();
  CHECK(t1 != t2);
  REQUIRE(rig.Write(t1, 0, 2, Patterns(0, 2, 1, 512)).status.ok());
  REQUIRE(rig.Write(t2, 1, 2, Patterns(1, 2, 2, 512)).status.ok());
  REQUIRE(rig.Commit(t2).status.ok());
  REQUIRE(rig.Commit(t1).status.ok());
  auto want = Patterns(0, 2, 1, 512);
  auto tail = Patterns(2, 1, 2, 512);
  want.insert(want.end(), tail.begin(), tail.end());
  CHECK(rig.Home(0, 3) == want);
}

TEST_CASE("a full log, too many transactions or too many extents: a clear status, "
          "nothing logged", "[apps][builtin][txn]") {
  SECTION("log full") {
    Rig rig(4096, TransactionApp::kCommitSlots + TransactionApp::kAnchorLbas +
                      16);  // 16 log LBAs
    const uint64_t t = rig.Begin();
    REQUIRE(rig.Write(t, 0, 12, Patterns(0, 12, 1, 4096)).status.ok());
    Outcome o = rig.Write(t, 12, 5, Patterns(12, 5, 1, 4096));
    CHECK(o.status == Status::CapacityExceeded());
    CHECK_THAT(o.reason, Catch::Contains("log full"));
    CHECK(rig.app.info().log_free_lbas == 4);
    // Still usable: what fits, fits; the commit writes exactly what was logged.
    REQUIRE(rig.Write(t, 12, 4, Patterns(12, 4, 1, 4096)).status.ok());
    REQUIRE(rig.Commit(t).status.ok());
    CHECK(rig.Home(0, 16) == Patterns(0, 16, 1, 4096));
    CHECK(rig.Home(16) == std::vector<uint8_t>(4096, 0));
  }
  SECTION("open transactions are bounded") {
    Rig rig(512, 256);
    std::vector<uint64_t> ids;
    for (uint32_t i = 0; i < SALIX_TXN_MAX_OPEN; i++) ids.push_back(rig.Begin());
    Outcome o = rig.Call(SALIX_TXN_BEGIN, {});
    CHECK(o.status == Status::CapacityExceeded());
    REQUIRE(rig.Abort(ids[3]).status.ok());
    CHECK(rig.Call(SALIX_TXN_BEGIN, {}).status.ok());
  }
  SECTION("extents per transaction are bounded") {
    Rig rig(512, 1024);
    const uint64_t t = rig.Begin();
    auto one = Patterns(0, 1, 1, 512);
    for (uint32_t i = 0; i < SALIX_TXN_MAX_EXTENTS; i++) {
      REQUIRE(rig.Write(t, 2 * i, 1, one).status.ok());  // every other LBA
    }
    const uint64_t free = rig.app.info().log_free_lbas;
    Outcome o = rig.Write(t, 2 * SALIX_TXN_MAX_EXTENTS + 1, 1, one);
    CHECK(o.status == Status::CapacityExceeded());
    CHECK_THAT(o.reason, Catch::Contains("extents"));
    CHECK(rig.app.info().log_free_lbas == free);
    REQUIRE(rig.Commit(t).status.ok());
  }
}

TEST_CASE("bad fields and refused ranges change nothing", "[apps][builtin][txn]") {
  Rig rig(512, 256);
  const uint64_t t = rig.Begin();
  auto data = Patterns(0, 2, 1, 512);
  const uint64_t free = rig.app.info().log_free_lbas;
  CHECK(rig.Write(t, 0, 0, {}).status == Status::InvalidField());
  CHECK(rig.Write(t, 0, 3, data).status == Status::InvalidField());  // 2 LBAs of data
  CHECK(rig.Write(t + 1, 0, 2, data).status == Status::CommandSequenceError());
  CHECK(rig.Write(t, rig.dev.lba_count() - 1, 2, data).status == Status::LbaOutOfRange());
  Outcome o = rig.Write(t, kHome - 1, 2, data);  // one LBA outside the domain
  CHECK_FALSE(o.status.ok());
  CHECK_THAT(o.reason, Catch::Contains("domain"));
  CHECK(rig.app.info().log_free_lbas == free);
  std::vector<uint8_t> out;
  CHECK_FALSE(rig.Read(t, kHome, 1, &out).status.ok());
  // A caller whose domain does not cover the writes cannot commit them.
  REQUIRE(rig.Write(t, 50, 2, data).status.ok());
  Domain narrow = MakeDomain({{0, 50, kRightReadWrite}});
  CHECK_FALSE(rig.Commit(t, &narrow).status.ok());
  CHECK(rig.Home(50, 2) == std::vector<uint8_t>(1024, 0));
  REQUIRE(rig.Commit(t).status.ok());  // still open, commits for its owner
  CHECK(rig.Home(50, 2) == data);
}

TEST_CASE("recovery replays a commit whose home copy was cut off",
          "[apps][builtin][txn]") {
  Rig rig(512, 256);
  const uint64_t t = rig.Begin();
  auto data = Patterns(30, 8, 4, 512);
  REQUIRE(rig.Write(t, 30, 8, data).status.ok());
  // Commit: the logged data with FUA, the record with FUA, then the home
  // copy - cut in the copy.
  rig.dev.ArmCut(3);
  CHECK_FALSE(rig.Commit(t).status.ok());
  rig.dev.PowerCut();
  CHECK(rig.Home(30, 8) != data);
  // Without the namespace, the pending commit cannot be replayed.
  TransactionApp blind(TransactionOptions{256});
  CHECK(blind.Recover(rig.priv) == Status::InternalError());
  CHECK_THAT(blind.last_recovery_error(), Catch::Contains("needs the namespace"));
  TransactionApp fresh(TransactionOptions{256});
  REQUIRE(fresh.Recover(rig.priv, rig.dev).ok());
  CHECK(fresh.info().replayed == 1);
  CHECK(rig.Home(30, 8) == data);
  // Replayed once: a second recovery finds nothing to do.
  TransactionApp again(TransactionOptions{256});
  REQUIRE(again.Recover(rig.priv).ok());
  CHECK(again.info().replayed == 0);
}

TEST_CASE("EXEC logs and commits several ranges in one call; later ranges win",
          "[apps][builtin][txn]") {
  Rig rig(512, 512);
  auto a = Patterns(10, 3, 1, 512), b = Patterns(11, 1, 2, 512), c = Patterns(90, 2, 3, 512);
  Outcome o = rig.Exec({{10, a}, {11, b}, {90, c}});
  REQUIRE(o.reason == "");
  REQUIRE(o.status.ok());
  CHECK(o.value >= 1);
  auto want = Patterns(10, 1, 1, 512);
  want.insert(want.end(), b.begin(), b.end());
  auto tail = Patterns(12, 1, 1, 512);
  want.insert(want.end(), tail.begin(), tail.end());
  CHECK(rig.Home(10, 3) == want);
  CHECK(rig.Home(90, 2) == c);
  auto i = rig.app.info();
  CHECK(i.commits == 1);
  CHECK(i.open == 0);
  // A second EXEC gets the next sequence number.
  Outcome o2 = rig.Exec({{10, Patterns(10, 1, 4, 512)}});
  REQUIRE(o2.status.ok());
  CHECK(o2.value == o.value + 1);

  SECTION("bad input and refused ranges change nothing") {
    const uint64_t free = rig.app.info().log_free_lbas;
    const auto before = rig.Home(0, 100);
    std::vector<uint8_t> in = Rig::ExecInput({{20, Patterns(20, 2, 5, 512)}}, 512);
    std::vector<uint8_t> short_in(in.begin(), in.end() - 1);
    CHECK(rig.Call(SALIX_TXN_EXEC, short_in).status == Status::InvalidField());
    std::vector<uint8_t> zero_ranges = in;
    zero_ranges[0] = 0;
    CHECK(rig.Call(SALIX_TXN_EXEC, zero_ranges).status == Status::InvalidField());
    Outcome out = rig.Exec({{20, Patterns(20, 1, 5, 512)}, {kHome - 1, Patterns(0, 2, 5, 512)}});
    CHECK_FALSE(out.status.ok());
    CHECK_THAT(out.reason, Catch::Contains("domain"));
    CHECK(rig.Exec({{rig.dev.lba_count() - 1, Patterns(0, 2, 5, 512)}}).status ==
          Status::LbaOutOfRange());
    CHECK(rig.app.info().log_free_lbas == free);
    CHECK(rig.Home(0, 100) == before);
  }
}

TEST_CASE("a commit waits only for its own writes; records are retired in batches",
          "[apps][builtin][txn]") {
  Rig rig(4096, 256);
  // EXEC: its log data and its record with FUA, the home copies to the
  // cache; no Flush.
  const uint64_t f0 = rig.dev.flushes, u0 = rig.dev.fua_writes;
  REQUIRE(rig.Exec({{7, Patterns(7, 2, 1, 4096)}}).status.ok());
  CHECK(rig.dev.flushes == f0);
  CHECK(rig.dev.fua_writes - u0 == 2);
  // COMMIT: the logged data again from DRAM with FUA, then the record.
  const uint64_t t = rig.Begin();
  REQUIRE(rig.Write(t, 40, 1, Patterns(40, 1, 2, 4096)).status.ok());
  const uint64_t f1 = rig.dev.flushes, u1 = rig.dev.fua_writes;
  REQUIRE(rig.Commit(t).status.ok());
  CHECK(rig.dev.flushes == f1);
  CHECK(rig.dev.fua_writes - u1 == 2);
  CHECK(rig.app.Pending(40, 1));
  // A commit that finds every slot live checkpoints: one Flush and one
  // anchor write for kCommitSlots commits; log space stays bounded.
  const uint64_t f2 = rig.dev.flushes;
  uint64_t v = 3;
  for (; v < 3 + 10 * TransactionApp::kCommitSlots; v++) {
    REQUIRE(rig.Exec({{7, Patterns(7, 2, v, 4096)}}).status.ok());
  }
  CHECK(rig.dev.flushes - f2 == 10);
  CHECK_FALSE(rig.app.Pending(40, 1));
  CHECK(rig.app.info().log_free_lbas >=
        rig.app.info().log_lbas - 2 * TransactionApp::kCommitSlots);
  // Settling leaves nothing pending; the data is durable at home.
  REQUIRE(rig.app.Settle(rig.priv, rig.dev).ok());
  CHECK_FALSE(rig.app.Pending(0, kHome));
  CHECK(rig.app.info().log_free_lbas == rig.app.info().log_lbas);
  rig.dev.PowerCut();
  CHECK(rig.Home(7, 2) == Patterns(7, 2, v - 1, 4096));
  // A restart finds every record retired: nothing to replay.
  TransactionApp fresh(TransactionOptions{256});
  REQUIRE(fresh.Recover(rig.priv, rig.dev).ok());
  CHECK(fresh.info().replayed == 0);
}

TEST_CASE("a plain write after a commit survives power loss only because the hook "
          "settles the commit first", "[apps][builtin][txn]") {
  for (bool hook : {true, false}) {
    INFO("hook " << hook);
    Rig rig(512, 256, 7);
    auto committed = Patterns(50, 2, 1, 512);
    REQUIRE(rig.Exec({{50, committed}}).status.ok());
    CHECK(rig.app.Pending(51, 1));
    CHECK_FALSE(rig.app.Pending(52, 10));
    auto host = Patterns(51, 1, 2, 512);
    REQUIRE(rig.HostWrite(51, host, hook).ok());
    REQUIRE(rig.dev.Flush().ok());  // the host's write is durable
    CHECK(rig.app.Pending(51, 1) == !hook);
    rig.dev.PowerCut();
    TransactionApp fresh(TransactionOptions{256});
    REQUIRE(fresh.Recover(rig.priv, rig.dev).ok());
    CHECK(rig.Home(50) == Patterns(50, 1, 1, 512));
    if (hook) {
      CHECK(rig.Home(51) == host);
    } else {
      // Without the hook the stale record is replayed over the host's data:
      // the hazard the hook exists for.
      CHECK(rig.Home(51) == Patterns(51, 1, 1, 512));
    }
  }
}

// One open transaction as the test sees it: logged LBA -> content.
using Logged = std::map<uint64_t, std::vector<uint8_t>>;

TEST_CASE("power cut at random points: every transaction is all or nothing",
          "[apps][builtin][txn]") {
  // Transactions (BEGIN/WRITE/READ/COMMIT/ABORT and EXEC) mixed with plain
  // writes and flushes of the same home LBAs by someone else, through the
  // hook the HIL puts in front of every other writer.
  const uint64_t seed = salix::test::TestSeed();
  INFO("SALIX_SEED=" << seed);
  std::mt19937_64 rng(seed);
  constexpr int kIterations = 150;
  constexpr int kRounds = 4;
  uint64_t cuts = 0, inflight_applied = 0, inflight_lost = 0, commits = 0, execs = 0;
  uint64_t host_writes = 0, host_flushes = 0;
  for (int iter = 0; iter < kIterations; iter++) {
    const uint32_t lba_size = rng() % 2 ? 512 : 4096;
    const uint64_t priv_lbas = 64 + rng() % 256;
    Rig rig(lba_size, priv_lbas, rng());
    // Oracle per home LBA: the value it must hold ('home'), other values
    // it may hold after a cut (plain writes not yet flushed), and whether a
    // cut tore a plain write of it (then anything goes for that LBA).
    std::vector<std::vector<uint8_t>> home(kHome, std::vector<uint8_t>(lba_size, 0));
    std::vector<std::vector<std::vector<uint8_t>>> maybe(kHome);
    std::vector<bool> torn(kHome, false);
    uint64_t version = uint64_t{1} << 40 | uint64_t(iter) << 20;
    std::unique_ptr<TransactionApp> app;  // after a restart: a new instance
    TransactionApp* live = &rig.app;
    auto committed = [&](const Logged& l) {
      for (auto& [lba, d] : l) {
        home[lba] = d;
        maybe[lba].clear();
      }
    };
    for (int round = 0; round < kRounds; round++) {
      INFO("iteration " << iter << " round " << round);
      std::map<uint64_t, Logged> open;
      std::optional<Logged> inflight;
      int inflight_kind = 0;
      rig.dev.ArmCut(1 + rng() % 200);
      auto call = [&](uint32_t fn, std::span<const uint8_t> in, std::span<uint8_t> out) {
        return Invoke(*live, fn, in, out, &rig.flash, &rig.priv, &rig.domain);
      };
      while (!rig.dev.dead()) {
        const int action = static_cast<int>(rng() % 14);
        if (action == 10 || action == 11) {  // EXEC of 1..3 ranges
          std::vector<std::pair<uint64_t, std::vector<uint8_t>>> ranges;
          Logged want;
          for (uint64_t k = 0, n = 1 + rng() % 3; k < n; k++) {
            const uint64_t lba = rng() % kHome;
            const uint32_t count =
                static_cast<uint32_t>(std::min<uint64_t>(1 + rng() % 4, kHome - lba));
            ranges.push_back({lba, Patterns(lba, count, ++version, lba_size)});
            for (uint32_t i = 0; i < count; i++) {
              want[lba + i].assign(ranges.back().second.begin() + uint64_t{i} * lba_size,
                                   ranges.back().second.begin() + uint64_t{i + 1} * lba_size);
            }
          }
          std::vector<uint8_t> in = Rig::ExecInput(ranges, lba_size);
          Outcome o = call(SALIX_TXN_EXEC, in, {});
          if (rig.dev.dead()) {
            inflight = want;
            inflight_kind = 1;
            break;
          }
          if (o.status == Status::CapacityExceeded()) continue;
          REQUIRE(o.reason == "");
          REQUIRE(o.status.ok());
          execs++;
          committed(want);
          continue;
        }
        if (action == 12) {  // a plain write of one LBA by someone else
          const uint64_t lba = rng() % kHome;
          auto d = Patterns(lba, 1, ++version, lba_size);
          Status s = live->Pending(lba, 1) ? live->Settle(rig.priv, rig.dev) : Status();
          bool wrote = false;
          if (s.ok()) {
            wrote = true;
            s = rig.dev.Write(lba, 1, d);
          }
          if (!s.ok()) {
            REQUIRE(rig.dev.dead());
            if (wrote) torn[lba] = true;  // struck in the write itself
            break;
          }
          host_writes++;
          maybe[lba].push_back(d);
          continue;
        }
        if (action == 13) {  // a plain flush by someone else
          if (!rig.dev.Flush().ok()) break;
          host_flushes++;
          for (uint64_t l = 0; l < kHome; l++) {
            if (!maybe[l].empty()) home[l] = maybe[l].back();
            maybe[l].clear();
          }
          continue;
        }
        if (open.empty() || (action == 0 && open.size() < 4)) {
          Outcome o = call(SALIX_TXN_BEGIN, {}, {});
          REQUIRE(o.status.ok());
          open[o.value] = {};
          continue;
        }
        auto it = open.begin();
        std::advance(it, rng() % open.size());
        const uint64_t txid = it->first;
        if (action <= 5) {  // log-write (sometimes an edit of logged LBAs)
          uint64_t lba = rng() % kHome;
          if (!it->second.empty() && rng() % 3 == 0) lba = it->second.begin()->first;
          const uint32_t count =
              static_cast<uint32_t>(std::min<uint64_t>(1 + rng() % 6, kHome - lba));
          std::vector<uint8_t> data = Patterns(lba, count, ++version, lba_size);
          Outcome o = call(SALIX_TXN_WRITE, Input(salix_txn_write{txid, lba, count, 0}, data), {});
          if (rig.dev.dead()) break;
          if (o.status == Status::CapacityExceeded()) {
            call(SALIX_TXN_ABORT, Input(salix_txn_id{txid}), {});
            open.erase(it);
            continue;
          }
          REQUIRE(o.reason == "");
          REQUIRE(o.status.ok());
          for (uint32_t i = 0; i < count; i++) {
            it->second[lba + i].assign(data.begin() + uint64_t{i} * lba_size,
                                       data.begin() + uint64_t{i + 1} * lba_size);
          }
        } else if (action == 6) {  // read the transaction's view
          const uint64_t lba = rng() % (kHome - 4);
          std::vector<uint8_t> out(4 * lba_size);
          Outcome o = call(SALIX_TXN_READ, Input(salix_txn_read{txid, lba, 4, 0}), out);
          if (rig.dev.dead()) break;
          REQUIRE(o.status.ok());
          for (uint64_t i = 0; i < 4; i++) {
            auto l = it->second.find(lba + i);
            std::vector<uint8_t> now(lba_size);
            REQUIRE(rig.dev.Read(lba + i, 1, now).ok());
            const auto& want = l != it->second.end() ? l->second : now;
            REQUIRE(std::equal(want.begin(), want.end(), out.begin() + i * lba_size));
          }
        } else if (action <= 8) {  // commit
          Outcome o = call(SALIX_TXN_COMMIT, Input(salix_txn_id{txid}), {});
          if (!o.status.ok()) {
            REQUIRE(rig.dev.dead());
            inflight = it->second;
            break;
          }
          commits++;
          committed(it->second);
          open.erase(it);
        } else {  // abort: no flash I/O, cannot fail
          REQUIRE(call(SALIX_TXN_ABORT, Input(salix_txn_id{txid}), {}).status.ok());
          open.erase(it);
        }
      }
      cuts++;
      rig.dev.PowerCut();
      // Restart: usually a new app instance; sometimes recovery is cut too.
      if (rng() % 2) {
        app = std::make_unique<TransactionApp>(TransactionOptions{priv_lbas});
        live = app.get();
      }
      if (rng() % 4 == 0) {
        rig.dev.ArmCut(1 + rng() % 8);
        if (!live->Recover(rig.priv, rig.dev).ok()) {
          REQUIRE(rig.dev.dead());
          rig.dev.PowerCut();
        } else {
          rig.dev.ArmCut(0);
        }
      }
      const auto pre = live->info();
      REQUIRE(live->Recover(rig.priv, rig.dev).ok());
      const auto post = live->info();
      INFO("recovery replayed " << post.replayed - pre.replayed << ", discarded "
                                << post.discarded - pre.discarded);
      // Every LBA holds what it must or may; the commit in flight is all
      // there or not at all.
      bool applied = false;
      if (inflight) {
        for (auto& [l, d] : *inflight) applied = applied || (!torn[l] && rig.Home(l) == d);
      }
      for (uint64_t l = 0; l < kHome; l++) {
        INFO("home LBA " << l << ", in flight " << (inflight && inflight->count(l))
                         << ", applied " << applied);
        const auto got = rig.Home(l);
        if (torn[l]) continue;
        if (applied && inflight->count(l)) {
          INFO("holds the old value " << (got == home[l]) << "; in flight: "
                                      << (inflight_kind ? "EXEC" : "COMMIT") << " of "
                                      << inflight->size() << " LBAs");
          REQUIRE(got == inflight->at(l));
        } else {
          REQUIRE((got == home[l] ||
                   std::find(maybe[l].begin(), maybe[l].end(), got) != maybe[l].end()));
        }
      }
      if (inflight) (applied ? inflight_applied : inflight_lost)++;
      // What survived is the state from here on.
      for (uint64_t l = 0; l < kHome; l++) {
        home[l] = rig.Home(l);
        maybe[l].clear();
        torn[l] = false;
      }
      auto info = live->info();
      REQUIRE(info.open == 0);
      REQUIRE(info.log_free_lbas == info.log_lbas);
      REQUIRE_FALSE(live->Pending(0, kHome));
    }
  }
  WARN("txn power cuts: " << cuts << ", commits acknowledged " << commits << " + EXEC "
                          << execs << ", plain writes " << host_writes << ", plain flushes "
                          << host_flushes << ", in-flight commits kept " << inflight_applied
                          << ", dropped " << inflight_lost);
  CHECK(cuts == uint64_t{kIterations} * kRounds);
  CHECK(commits > 100);
  CHECK(execs > 100);
  CHECK(host_writes > 100);
  CHECK(inflight_applied > 0);
  CHECK(inflight_lost > 0);
}

}  // namespace
}  // namespace salix::apps::builtin::test

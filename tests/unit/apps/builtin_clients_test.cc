// The typed host clients of the built-in apps (salix/host/builtin_apps.h)
// over an embedded device with apps.builtin=on: values read back, home LBAs
// checked with plain NVMe reads, refusals carry the device's status and
// leave everything as it was.
#include <catch2/catch.hpp>
#include <salix/builtin_apps.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "salix/host/apps.h"
#include "salix/host/builtin_apps.h"
#include "salix/host/embedded_device.h"

namespace salix::host {
namespace {

constexpr uint16_t kInvalidField = 0x002;
constexpr uint16_t kSequenceError = 0x00C;
constexpr uint16_t kCapacityExceeded = 0x081;
constexpr uint16_t kAccessDenied = 0x700 | SALIX_SC_ACCESS_DENIED;
constexpr uint16_t kTokenInvalid = 0x700 | SALIX_SC_TOKEN_INVALID;

std::unique_ptr<EmbeddedDevice> MakeDevice(
    std::vector<std::pair<std::string, std::string>> extra = {}, const char* builtin = "on") {
  EmbeddedDeviceOptions o;
  o.config = {{"size", "16M"}, {"apps.builtin", builtin}};
  for (auto& kv : extra) o.config.push_back(std::move(kv));
  auto d = EmbeddedDevice::Create(o);
  REQUIRE(d.ok());
  return std::move(d.value());
}

std::vector<uint8_t> Fill(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; i++) v[i] = static_cast<uint8_t>(seed + i * 13 + (i >> 8));
  return v;
}

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// Plain NVMe Read (02h, in commands of at most 16 LBAs) / Write (01h) of
// whole LBAs.
std::vector<uint8_t> ReadLbas(Device& d, uint64_t lba, uint32_t n) {
  const uint32_t lbs = d.info().lba_size;
  std::vector<uint8_t> buf(uint64_t{n} * lbs);
  for (uint32_t done = 0; done < n;) {
    const uint32_t k = std::min<uint32_t>(16, n - done);
    DeviceCommand c;
    c.opcode = 0x02;
    c.cdw10 = static_cast<uint32_t>(lba + done);
    c.cdw11 = static_cast<uint32_t>((lba + done) >> 32);
    c.cdw12 = k - 1;
    c.data = buf.data() + uint64_t{done} * lbs;
    c.data_len = k * lbs;
    REQUIRE(d.Execute(c).ok());
    done += k;
  }
  return buf;
}

void WriteLbas(Device& d, uint64_t lba, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> buf = data;
  DeviceCommand c;
  c.opcode = 0x01;
  c.cdw10 = static_cast<uint32_t>(lba);
  c.cdw11 = static_cast<uint32_t>(lba >> 32);
  c.cdw12 = static_cast<uint32_t>(buf.size() / d.info().lba_size - 1);
  c.data = buf.data();
  c.data_len = static_cast<uint32_t>(buf.size());
  REQUIRE(d.Execute(c).ok());
}

// A domain over the ranges; its token.
AppToken Domain(Device& d, std::vector<salix_domain_range> ranges, uint32_t* id = nullptr) {
  DomainGrant g;
  REQUIRE(AppClient(d).CreateDomain(ranges, &g).ok());
  if (id) *id = g.id;
  return g.token;
}

uint64_t Calls(Device& d, std::string_view app) {
  auto list = AppClient(d).List();
  REQUIRE(list.ok());
  for (const AppInfo& a : list.value()) {
    if (a.name == app) return a.entry.calls;
  }
  FAIL("no app " << app);
  return 0;
}

constexpr uint8_t kRw = SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE;

TEST_CASE("Without apps.builtin the clients say how to turn the apps on",
          "[apps][builtin][host]") {
  auto dev = MakeDevice({}, "off");
  auto t = TxnClient::Open(*dev, AppToken{});
  REQUIRE(!t.ok());
  CHECK(t.status().status == (0x700 | SALIX_SC_SLOT_EMPTY));
  CHECK(t.status().message.find("apps.builtin=on") != std::string::npos);
  CHECK(!KvClient::Open(*dev, AppToken{}, {0, 64}).ok());
  CHECK(!AppendClient::Open(*dev, AppToken{}, {0, 64}).ok());
}

TEST_CASE("A transaction's writes are readable before commit and reach home only at commit",
          "[apps][builtin][host]") {
  auto dev = MakeDevice();
  const uint32_t lbs = dev->info().lba_size;
  const AppToken tok = Domain(*dev, {{0, 1024, kRw, {}}});
  auto open = TxnClient::Open(*dev, tok);
  REQUIRE(open.ok());
  TxnClient txn = open.value();

  const auto home10 = Fill(5 * lbs, 1);  // LBAs 10..14 before the transaction
  WriteLbas(*dev, 10, home10);
  auto id = txn.Begin();
  REQUIRE(id.ok());
  const auto a = Fill(3 * lbs, 50), b = Fill(lbs, 90), edit = Fill(lbs, 120);
  REQUIRE(txn.Write(id.value(), 11, a).ok());
  REQUIRE(txn.Write(id.value(), 300, b).ok());

  // The transaction's view: home at 10 and 14, the log at 11..13.
  auto view = txn.Read(id.value(), 10, 5);
  REQUIRE(view.ok());
  std::vector<uint8_t> want(home10.begin(), home10.begin() + lbs);
  want.insert(want.end(), a.begin(), a.end());
  want.insert(want.end(), home10.end() - lbs, home10.end());
  CHECK(view.value() == want);
  // Editing a logged LBA replaces it in the log.
  REQUIRE(txn.Write(id.value(), 12, edit).ok());
  std::copy(edit.begin(), edit.end(), want.begin() + 2 * lbs);
  CHECK(txn.Read(id.value(), 10, 5).value() == want);
  // Home has none of it yet.
  CHECK(ReadLbas(*dev, 10, 5) == home10);
  CHECK(ReadLbas(*dev, 300, 1) == std::vector<uint8_t>(lbs, 0));

  auto seq = txn.Commit(id.value());
  REQUIRE(seq.ok());
  CHECK(seq.value() >= 1);
  CHECK(ReadLbas(*dev, 10, 5) == want);
  CHECK(ReadLbas(*dev, 300, 1) == b);
  auto info = txn.Info();
  REQUIRE(info.ok());
  CHECK(info.value().open == 0);
  CHECK(info.value().commits == 1);

  // The id is closed now.
  auto again = txn.Commit(id.value());
  REQUIRE(!again.ok());
  CHECK(again.status().status == kSequenceError);
  CHECK(again.status().message.find("not open") != std::string::npos);
}

TEST_CASE("An aborted transaction leaves home untouched", "[apps][builtin][host]") {
  auto dev = MakeDevice();
  const uint32_t lbs = dev->info().lba_size;
  TxnClient txn = TxnClient::Open(*dev, Domain(*dev, {{0, 1024, kRw, {}}})).value();
  const auto home = Fill(4 * lbs, 7);
  WriteLbas(*dev, 40, home);
  auto id = txn.Begin();
  REQUIRE(id.ok());
  REQUIRE(txn.Write(id.value(), 40, Fill(4 * lbs, 200)).ok());
  REQUIRE(txn.Write(id.value(), 700, Fill(2 * lbs, 201)).ok());
  CHECK(txn.Info().value().log_free_lbas == txn.Info().value().log_lbas - 6);
  REQUIRE(txn.Abort(id.value()).ok());
  CHECK(ReadLbas(*dev, 40, 4) == home);
  CHECK(ReadLbas(*dev, 700, 2) == std::vector<uint8_t>(2 * lbs, 0));
  auto info = txn.Info().value();
  CHECK(info.aborts == 1);
  CHECK(info.commits == 0);
  CHECK(info.log_free_lbas == info.log_lbas);
  CHECK(txn.Read(id.value(), 40, 1).status().status == kSequenceError);
}

TEST_CASE("A transaction write outside the domain is refused and logs nothing",
          "[apps][builtin][host]") {
  auto dev = MakeDevice();
  const uint32_t lbs = dev->info().lba_size;
  // Read and write on [0, 512), read only on [512, 576).
  const AppToken tok = Domain(*dev, {{0, 512, kRw, {}}, {512, 64, SALIX_DOMAIN_READ, {}}});
  TxnClient txn = TxnClient::Open(*dev, tok).value();
  const auto home = Fill(8 * lbs, 33);
  WriteLbas(*dev, 508, home);  // 508..515: across the boundary
  auto id = txn.Begin();
  REQUIRE(id.ok());
  REQUIRE(txn.Write(id.value(), 100, Fill(lbs, 1)).ok());
  const uint64_t free_before = txn.Info().value().log_free_lbas;

  // Partly writable: refused whole, the status and reason come back.
  AppStatus s = txn.Write(id.value(), 508, Fill(8 * lbs, 99));
  CHECK(s.status == kAccessDenied);
  CHECK(s.message.find("App Access Denied (0x709)") != std::string::npos);
  CHECK(s.message.find("home LBAs") != std::string::npos);
  // Read-only range, and past the domain altogether.
  CHECK(txn.Write(id.value(), 520, Fill(lbs, 98)).status == kAccessDenied);
  CHECK(txn.Write(id.value(), 2000, Fill(lbs, 97)).status == kAccessDenied);
  CHECK(txn.Info().value().log_free_lbas == free_before);
  // The transaction's view still shows home there; the good write commits.
  CHECK(txn.Read(id.value(), 508, 8).value() == home);
  REQUIRE(txn.Commit(id.value()).ok());
  CHECK(ReadLbas(*dev, 508, 8) == home);
  CHECK(ReadLbas(*dev, 100, 1) == Fill(lbs, 1));

  // Another domain's token cannot commit a transaction into LBAs it lacks,
  // and a revoked token is refused before the app runs.
  uint32_t did = 0;
  const AppToken narrow = Domain(*dev, {{600, 16, kRw, {}}}, &did);
  TxnClient other(*dev, txn.slot(), narrow);
  auto id2 = txn.Begin();
  REQUIRE(txn.Write(id2.value(), 200, Fill(lbs, 5)).ok());
  CHECK(other.Commit(id2.value()).status().status == kAccessDenied);
  CHECK(ReadLbas(*dev, 200, 1) == std::vector<uint8_t>(lbs, 0));
  REQUIRE(AppClient(*dev).DestroyDomain(did).ok());
  CHECK(other.Begin().status().status == kTokenInvalid);
  REQUIRE(txn.Abort(id2.value()).ok());
}

TEST_CASE("Transaction writes and reads larger than one command are split",
          "[apps][builtin][host]") {
  auto dev = MakeDevice();
  const uint32_t lbs = dev->info().lba_size;
  TxnClient txn = TxnClient::Open(*dev, Domain(*dev, {{0, 2048, kRw, {}}})).value();
  // More than SALIX_BUILTIN_MAX_DATA and the embedded MDTS (128 KiB).
  const uint32_t n = static_cast<uint32_t>(3 * SALIX_BUILTIN_MAX_DATA / lbs + 3);
  const auto data = Fill(uint64_t{n} * lbs, 17);
  auto id = txn.Begin();
  REQUIRE(id.ok());
  const uint64_t before = Calls(*dev, SALIX_APP_TXN);
  REQUIRE(txn.Write(id.value(), 64, data).ok());
  CHECK(Calls(*dev, SALIX_APP_TXN) - before >= 4);
  CHECK(txn.Read(id.value(), 64, n).value() == data);
  REQUIRE(txn.Commit(id.value()).ok());
  CHECK(ReadLbas(*dev, 64, n) == data);
  // Data that is not whole LBAs never reaches the device.
  const uint64_t calls = Calls(*dev, SALIX_APP_TXN);
  CHECK(txn.Write(1, 0, std::vector<uint8_t>(lbs + 1)).status == kInvalidField);
  CHECK(Calls(*dev, SALIX_APP_TXN) == calls);
}

TEST_CASE("KvKeySuccessor gives the next key in bytewise order", "[apps][builtin][host]") {
  CHECK(KvKeySuccessor("a") == std::string("a\0", 2));
  std::string top(SALIX_KV_MAX_KEY, 'a');
  top.back() = '\xff';
  std::string next(SALIX_KV_MAX_KEY - 1, 'a');
  next.back() = 'b';
  CHECK(KvKeySuccessor(top) == next);
  CHECK(!KvKeySuccessor(std::string(SALIX_KV_MAX_KEY, '\xff')));
}

TEST_CASE("The key-value client puts, gets, deletes and scans in order with continuation",
          "[apps][builtin][host]") {
  auto dev = MakeDevice();
  const AppToken tok = Domain(*dev, {{0, 1024, kRw, {}}});
  auto open = KvClient::Open(*dev, tok, {100, 512});
  REQUIRE(open.ok());
  KvClient kv = open.value();
  // Not formatted yet: Command Sequence Error, with what it means.
  AppStatus s = kv.Put("k", Bytes("v"));
  CHECK(s.status == kSequenceError);
  CHECK(s.message.find("not a formatted key-value store") != std::string::npos);
  REQUIRE(kv.Format().ok());

  const uint32_t seed = Catch::rngSeed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::map<std::string, std::vector<uint8_t>> oracle;
  for (int i = 0; i < 40; i++) {
    std::string key = "key-" + std::to_string(rng() % 1000);
    std::vector<uint8_t> value = Fill(rng() % 300, static_cast<uint8_t>(i));
    REQUIRE(kv.Put(key, value).ok());
    oracle[key] = value;
  }
  // Binary keys with bytes above 0x7f and a max-length key sort bytewise.
  const std::string hi("\xf0\x01", 2), longest(SALIX_KV_MAX_KEY, 'z');
  REQUIRE(kv.Put(hi, Bytes("high")).ok());
  REQUIRE(kv.Put(longest, Bytes("")).ok());
  oracle[hi] = Bytes("high");
  oracle[longest] = {};
  for (const auto& [k, v] : oracle) {
    auto g = kv.Get(k);
    REQUIRE(g.ok());
    REQUIRE(g.value().has_value());
    CHECK(*g.value() == v);
  }
  auto missing = kv.Get("no-such-key");
  REQUIRE(missing.ok());
  CHECK(!missing.value().has_value());

  const std::string gone = oracle.begin()->first;
  CHECK(kv.Delete(gone).value() == true);
  CHECK(kv.Delete(gone).value() == false);
  CHECK(!kv.Get(gone).value().has_value());
  oracle.erase(gone);

  // A full scan, three entries per device call.
  std::vector<std::pair<std::string, std::vector<uint8_t>>> seen;
  KvScanOptions three;
  three.max_entries = 3;
  const uint64_t before = Calls(*dev, SALIX_APP_KV);
  REQUIRE(kv.Scan("", [&](const KvEntry& e) {
              seen.emplace_back(e.key, e.value);
              return true;
            }, three).ok());
  CHECK(Calls(*dev, SALIX_APP_KV) - before >= oracle.size() / 3);
  CHECK(seen == std::vector<std::pair<std::string, std::vector<uint8_t>>>(oracle.begin(),
                                                                          oracle.end()));
  // From a start key, keys only, stopping early.
  const std::string from = std::next(oracle.begin(), 5)->first;
  std::vector<std::string> keys;
  KvScanOptions ko;
  ko.keys_only = true;
  ko.max_entries = 2;
  REQUIRE(kv.Scan(from, [&](const KvEntry& e) {
              CHECK(e.value.empty());
              CHECK(e.value_len == oracle[e.key].size());
              keys.push_back(e.key);
              return keys.size() < 7;
            }, ko).ok());
  std::vector<std::string> want;
  for (auto it = oracle.find(from); want.size() < 7; ++it) want.push_back(it->first);
  CHECK(keys == want);
  // One page: the continuation is the key right after the last.
  auto page = kv.ScanPage("", three);
  REQUIRE(page.ok());
  REQUIRE(page.value().entries.size() == 3);
  REQUIRE(page.value().next.has_value());
  CHECK(*page.value().next == page.value().entries.back().key + '\0');

  auto info = kv.Info();
  REQUIRE(info.ok());
  CHECK(info.value().keys == oracle.size());
}

TEST_CASE("Key-value values up to the largest size, and refusals that change nothing",
          "[apps][builtin][host]") {
  auto dev = MakeDevice();
  const uint32_t lbs = dev->info().lba_size;
  const AppToken tok = Domain(*dev, {{0, 1024, kRw, {}}, {1024, 512, SALIX_DOMAIN_READ, {}}});
  KvClient kv = KvClient::Open(*dev, tok, {0, 1024}).value();
  REQUIRE(kv.Format().ok());
  const auto big = Fill(SALIX_KV_MAX_VALUE, 3);
  REQUIRE(kv.Put("big", big).ok());
  CHECK(*kv.Get("big").value() == big);
  bool found = false;
  REQUIRE(kv.Scan("", [&](const KvEntry& e) {
              found = e.key == "big" && e.value == big;
              return true;
            }).ok());
  CHECK(found);

  // Host-side checks: nothing sent.
  const uint64_t calls = Calls(*dev, SALIX_APP_KV);
  CHECK(kv.Put("", Bytes("x")).status == kInvalidField);
  CHECK(kv.Put(std::string(SALIX_KV_MAX_KEY + 1, 'k'), Bytes("x")).message.find("1 to 128") !=
        std::string::npos);
  CHECK(kv.Put("k", std::vector<uint8_t>(SALIX_KV_MAX_VALUE + 1)).status == kInvalidField);
  CHECK(Calls(*dev, SALIX_APP_KV) == calls);

  // A store over LBAs the domain only lets us read: refused, nothing written.
  KvClient ro(*dev, kv.slot(), tok, {1024, 256});
  AppStatus s = ro.Format();
  CHECK(s.status == kAccessDenied);
  CHECK(s.message.find("read and write rights") != std::string::npos);
  CHECK(ReadLbas(*dev, 1024, 4) == std::vector<uint8_t>(4 * lbs, 0));
  // Without a token: no domain, no LBAs.
  KvClient none(*dev, kv.slot(), AppToken{}, {0, 1024});
  s = none.Put("k", Bytes("v"));
  CHECK(s.status == kAccessDenied);
  CHECK(s.message.find("no domain token") != std::string::npos);
  CHECK(!kv.Get("k").value().has_value());
  CHECK(kv.Info().value().keys == 1);
}

TEST_CASE("Append returns where the device put the data; plain reads see it there",
          "[apps][builtin][host]") {
  auto dev = MakeDevice();
  const uint32_t lbs = dev->info().lba_size;
  const AppToken tok = Domain(*dev, {{0, 1024, kRw, {}}});
  auto open = AppendClient::Open(*dev, tok, {600, 40});
  REQUIRE(open.ok());
  AppendClient log = open.value();
  REQUIRE(log.Format().ok());
  const auto d1 = Fill(lbs, 1), d3 = Fill(3 * lbs, 2);
  auto r1 = log.Append(d1);
  auto r3 = log.Append(d3);
  REQUIRE(r1.ok());
  REQUIRE(r3.ok());
  CHECK(r1.value().lba == 600 + SALIX_APPEND_META_LBAS);
  CHECK(r1.value().sequence == 1);
  CHECK(r3.value().lba == r1.value().lba + 1);
  CHECK(r3.value().sequence == 2);
  CHECK(ReadLbas(*dev, r1.value().lba, 1) == d1);
  CHECK(ReadLbas(*dev, r3.value().lba, 3) == d3);
  CHECK(log.Read(r3.value().lba, 3).value() == d3);
  auto info = log.Info().value();
  CHECK(info.tail == r3.value().lba + 3);
  CHECK(info.capacity == 40 - SALIX_APPEND_META_LBAS);
  CHECK(info.appends == 2);

  // Fill it up to less than one more append, in the largest appends one
  // call carries; then one LBA more than is left: Capacity Exceeded, the
  // tail stays.
  const uint32_t most = log.Append(Fill(lbs, 0)).ok() ? log.MaxAppendLbas() : 0;
  REQUIRE(most >= 1);
  while (log.Info().value().capacity - (log.Info().value().tail - info.data_first) >= most) {
    REQUIRE(log.Append(Fill(uint64_t{most} * lbs, 8)).ok());
  }
  CHECK(log.Append(Fill((uint64_t{most} + 1) * lbs, 8)).status().message.find(
            "at most") != std::string::npos);
  info = log.Info().value();
  const uint64_t room = info.capacity - (info.tail - info.data_first);
  auto full = log.Append(Fill((room + 1) * lbs, 9));
  REQUIRE(!full.ok());
  CHECK(full.status().status == kCapacityExceeded);
  CHECK(full.status().message.find("nothing was written") != std::string::npos);
  CHECK(log.Info().value().tail == info.tail);
  CHECK(ReadLbas(*dev, info.tail, 1) == std::vector<uint8_t>(lbs, 0));
  // Reading past the tail is refused.
  CHECK(log.Read(info.tail, 1).status().status == kInvalidField);
  // Half a block is the caller's mistake, caught before sending.
  CHECK(log.Append(std::vector<uint8_t>(lbs / 2)).status().status == kInvalidField);

  // A log over LBAs outside the domain.
  AppendClient outside(*dev, log.slot(), tok, {2000, 16});
  CHECK(outside.Format().status == kAccessDenied);
  CHECK(ReadLbas(*dev, 2000, 2) == std::vector<uint8_t>(2 * lbs, 0));
}

TEST_CASE("The key-value store and committed transactions survive a power cut; open ones "
          "do not reach home",
          "[apps][builtin][host]") {
  char path[] = "/tmp/salix-builtin-clients-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  struct Unlink {
    const char* p;
    ~Unlink() { unlink(p); }
  } cleanup{path};
  auto dev = MakeDevice({{"backing-file", path}});
  const uint32_t lbs = dev->info().lba_size;
  const std::vector<salix_domain_range> ranges{{0, 1024, kRw, {}}};
  AppToken tok = Domain(*dev, ranges);
  {
    KvClient kv = KvClient::Open(*dev, tok, {100, 256}).value();
    REQUIRE(kv.Format().ok());
    REQUIRE(kv.Put("alpha", Bytes("1")).ok());
    REQUIRE(kv.Put("beta", Bytes("2")).ok());
    REQUIRE(kv.Put("alpha", Bytes("3")).ok());
    REQUIRE(kv.Delete("beta").ok());
    TxnClient txn = TxnClient::Open(*dev, tok).value();
    auto done = txn.Begin();
    REQUIRE(txn.Write(done.value(), 500, Fill(2 * lbs, 4)).ok());
    REQUIRE(txn.Commit(done.value()).ok());
    auto open = txn.Begin();
    REQUIRE(txn.Write(open.value(), 510, Fill(2 * lbs, 5)).ok());
  }
  auto cycled = dev->PowerCycle();
  REQUIRE(cycled.ok());
  // Domains are controller state: a new one after the power cycle.
  tok = Domain(*dev, ranges);
  KvClient kv = KvClient::Open(*dev, tok, {100, 256}).value();
  CHECK(*kv.Get("alpha").value() == Bytes("3"));
  CHECK(!kv.Get("beta").value().has_value());
  CHECK(kv.Info().value().keys == 1);
  CHECK(ReadLbas(*dev, 500, 2) == Fill(2 * lbs, 4));
  CHECK(ReadLbas(*dev, 510, 2) == std::vector<uint8_t>(2 * lbs, 0));
  TxnClient txn = TxnClient::Open(*dev, tok).value();
  auto info = txn.Info().value();
  CHECK(info.open == 0);
  CHECK(info.log_free_lbas == info.log_lbas);
}

}  // namespace
}  // namespace salix::host

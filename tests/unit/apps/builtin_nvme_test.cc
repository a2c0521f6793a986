// The built-in apps through NVMe (apps.builtin=on): the transaction log is
// fenced off the host's namespace, and a transaction, a key-value put/get
// and an append run through Invoke with the host library, as salixctl does.
#include <catch2/catch.hpp>
#include <salix/builtin_apps.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "salix/host/apps.h"
#include "salix/host/embedded_device.h"
#include "salix/host/device.h"

namespace salix::host {
namespace {

constexpr uint64_t kBytes = 16u << 20;

std::unique_ptr<EmbeddedDevice> MakeDevice(const char* builtin, const std::string& file = "") {
  EmbeddedDeviceOptions o;
  o.config = {{"size", "16M"}, {"apps.builtin", builtin}};
  if (!file.empty()) o.config.push_back({"backing-file", file});
  auto d = EmbeddedDevice::Create(o);
  REQUIRE(d.ok());
  return std::move(d.value());
}

template <typename T>
std::vector<uint8_t> Bytes(const T& v, std::span<const uint8_t> tail = {}) {
  std::vector<uint8_t> b(sizeof(v));
  std::memcpy(b.data(), &v, sizeof(v));
  b.insert(b.end(), tail.begin(), tail.end());
  return b;
}

DeviceCompletion Rw(Device& d, uint8_t opcode, uint64_t lba, std::vector<uint8_t>& buf) {
  DeviceCommand c;
  c.opcode = opcode;
  c.cdw10 = static_cast<uint32_t>(lba);
  c.cdw11 = static_cast<uint32_t>(lba >> 32);
  c.cdw12 = static_cast<uint32_t>(buf.size() / d.info().lba_size - 1);
  c.data = buf.data();
  c.data_len = static_cast<uint32_t>(buf.size());
  return d.Execute(c);
}

TEST_CASE("apps.builtin=on fences the transaction log off the host's namespace",
          "[apps][builtin]") {
  auto off = MakeDevice("off");
  auto on = MakeDevice("on");
  const uint64_t full = kBytes / off->info().lba_size;
  CHECK(off->info().lba_count == full);
  REQUIRE(on->info().lba_count < full);
  std::vector<uint8_t> buf(on->info().lba_size, 0xab);
  CHECK(Rw(*on, 0x01, on->info().lba_count - 1, buf).ok());
  // The first LBA of the log, and the last LBA of the personality.
  CHECK(Rw(*on, 0x01, on->info().lba_count, buf).status == 0x080);
  CHECK(Rw(*on, 0x02, full - 1, buf).status == 0x080);
  AppClient c(*on);
  auto list = c.List();
  REQUIRE(list.ok());
  std::vector<std::string> names;
  for (const AppInfo& a : list.value()) names.push_back(a.name);
  CHECK(names == std::vector<std::string>{"txn", "kv", "append"});
  AppClient plain(*off);
  CHECK(plain.List().value().empty());
}

TEST_CASE("A transaction, a key-value put/get and an append through Invoke",
          "[apps][builtin]") {
  auto dev = MakeDevice("on");
  const uint32_t lba = dev->info().lba_size;
  AppClient c(*dev);
  DomainGrant g;
  const salix_domain_range r{0, 1024, SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE, {}};
  REQUIRE(c.CreateDomain({&r, 1}, &g).ok());
  const uint32_t txn = c.ResolveSlot("txn").value();
  const uint32_t kv = c.ResolveSlot("kv").value();
  const uint32_t app = c.ResolveSlot("append").value();

  SECTION("transaction: nothing reaches home before commit, all of it after") {
    InvokeOutcome b = c.Invoke(txn, SALIX_TXN_BEGIN, g.token, {}, 0);
    REQUIRE(b.status.ok());
    std::vector<uint8_t> a(2 * lba, 0x11), z(lba, 0x22);
    salix_txn_write w{b.value, 10, 2, 0};
    REQUIRE(c.Invoke(txn, SALIX_TXN_WRITE, g.token, Bytes(w, a), 0).status.ok());
    w = {b.value, 500, 1, 0};
    REQUIRE(c.Invoke(txn, SALIX_TXN_WRITE, g.token, Bytes(w, z), 0).status.ok());
    std::vector<uint8_t> home(lba, 0xff);
    REQUIRE(Rw(*dev, 0x02, 500, home).ok());
    CHECK(home == std::vector<uint8_t>(lba, 0));
    const salix_txn_id id{b.value};
    REQUIRE(c.Invoke(txn, SALIX_TXN_COMMIT, g.token, Bytes(id), 0).status.ok());
    REQUIRE(Rw(*dev, 0x02, 500, home).ok());
    CHECK(home == z);
    std::vector<uint8_t> two(2 * lba);
    REQUIRE(Rw(*dev, 0x02, 10, two).ok());
    CHECK(two == a);
    // A write outside the domain is refused with the domain's status.
    b = c.Invoke(txn, SALIX_TXN_BEGIN, g.token, {}, 0);
    w = {b.value, 2000, 1, 0};
    CHECK(c.Invoke(txn, SALIX_TXN_WRITE, g.token, Bytes(w, z), 0).status.status ==
          (0x700 | SALIX_SC_ACCESS_DENIED));
  }
  SECTION("key-value store over a range of the domain") {
    const salix_kv_format f{{100, 256}, 0, 0};
    REQUIRE(c.Invoke(kv, SALIX_KV_FORMAT, g.token, Bytes(f), 0).status.ok());
    const std::string key = "salix", value = "willow";
    std::vector<uint8_t> tail(key.begin(), key.end());
    tail.insert(tail.end(), value.begin(), value.end());
    salix_kv_key_op put{{100, 256}, static_cast<uint32_t>(key.size()),
                        static_cast<uint32_t>(value.size())};
    REQUIRE(c.Invoke(kv, SALIX_KV_PUT, g.token, Bytes(put, tail), 0).status.ok());
    salix_kv_key_op get{{100, 256}, static_cast<uint32_t>(key.size()), 0};
    std::vector<uint8_t> k(key.begin(), key.end());
    InvokeOutcome o = c.Invoke(kv, SALIX_KV_GET, g.token, Bytes(get, k), 64);
    REQUIRE(o.status.ok());
    CHECK(std::string(o.output.begin(), o.output.end()) == value);
  }
  SECTION("append: the device picks the LBA, plain reads see the data") {
    const salix_append_range ar{600, 64};
    REQUIRE(c.Invoke(app, SALIX_APPEND_FORMAT, g.token, Bytes(ar), 0).status.ok());
    std::vector<uint8_t> d1(lba, 0x5a), d2(lba, 0xa5);
    salix_append_op op{ar, 1, 0};
    InvokeOutcome o1 = c.Invoke(app, SALIX_APPEND_APPEND, g.token, Bytes(op, d1),
                                sizeof(salix_append_result));
    InvokeOutcome o2 = c.Invoke(app, SALIX_APPEND_APPEND, g.token, Bytes(op, d2),
                                sizeof(salix_append_result));
    REQUIRE(o1.status.ok());
    REQUIRE(o2.status.ok());
    CHECK(o1.value >= 600 + SALIX_APPEND_META_LBAS);
    CHECK(o2.value == o1.value + 1);
    std::vector<uint8_t> back(lba);
    REQUIRE(Rw(*dev, 0x02, o2.value, back).ok());
    CHECK(back == d2);
  }
}

TEST_CASE("Writes after a commit to its home LBAs are not undone by its replay at power-on",
          "[apps][builtin][txn]") {
  // The txn app retires commit records lazily: right after COMMIT or EXEC
  // the record is still valid and would be replayed at the next power-on.
  // Host writes and other apps' writes to those LBAs settle it first.
  char tmpl[] = "/tmp/salix-txn-XXXXXX";
  const int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  close(fd);
  const std::string path = tmpl;
  uint32_t lba = 0;
  std::vector<uint8_t> host_data, appended;
  uint64_t appended_at = 0;
  {
    auto dev = MakeDevice("on", path);
    lba = dev->info().lba_size;
    AppClient c(*dev);
    DomainGrant g;
    const salix_domain_range r{0, 1024, SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE, {}};
    REQUIRE(c.CreateDomain({&r, 1}, &g).ok());
    const uint32_t txn = c.ResolveSlot("txn").value();
    const uint32_t app = c.ResolveSlot("append").value();
    // EXEC: LBAs 10 and 602..603 in one invocation.
    std::vector<uint8_t> in(sizeof(salix_txn_exec) + 2 * sizeof(salix_txn_range));
    const salix_txn_exec x{2, 0};
    const salix_txn_range r1{10, 1, 0}, r2{602, 2, 0};
    std::memcpy(in.data(), &x, sizeof(x));
    std::memcpy(in.data() + sizeof(x), &r1, sizeof(r1));
    std::memcpy(in.data() + sizeof(x) + sizeof(r1), &r2, sizeof(r2));
    in.resize(in.size() + 3 * lba, 0x33);
    REQUIRE(c.Invoke(txn, SALIX_TXN_EXEC, g.token, in, 0).status.ok());
    std::vector<uint8_t> home(lba);
    REQUIRE(Rw(*dev, 0x02, 10, home).ok());
    CHECK(home == std::vector<uint8_t>(lba, 0x33));
    // A plain host write over LBA 10, and the append app writing 600..602.
    host_data.assign(lba, 0x44);
    REQUIRE(Rw(*dev, 0x01, 10, host_data).ok());
    const salix_append_range ar{600, 64};
    REQUIRE(c.Invoke(app, SALIX_APPEND_FORMAT, g.token, Bytes(ar), 0).status.ok());
    appended.assign(lba, 0x55);
    salix_append_op op{ar, 1, 0};
    InvokeOutcome o = c.Invoke(app, SALIX_APPEND_APPEND, g.token, Bytes(op, appended),
                               sizeof(salix_append_result));
    REQUIRE(o.status.ok());
    appended_at = o.value;
    REQUIRE(appended_at == 602);
    DeviceCommand flush;
    flush.opcode = 0x00;
    REQUIRE(dev->Execute(flush).ok());
  }
  {
    // Power-on: recovery replays what is still pending; nothing may be.
    auto dev = MakeDevice("on", path);
    std::vector<uint8_t> home(lba);
    REQUIRE(Rw(*dev, 0x02, 10, home).ok());
    CHECK(home == host_data);
    REQUIRE(Rw(*dev, 0x02, appended_at, home).ok());
    CHECK(home == appended);
    REQUIRE(Rw(*dev, 0x02, 603, home).ok());
    CHECK(home == std::vector<uint8_t>(lba, 0x33));  // untouched by the others
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace salix::host

// The app registry without a device: built-in apps, app-to-app calls,
// private regions and the checked flash, over an in-memory namespace.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <vector>

#include "apps/builtin/append.h"
#include "apps/builtin/kv_store.h"
#include "apps/builtin/transactions.h"
#include "apps/registry.h"

namespace salix::apps {
namespace {

class MemFlash final : public Flash {
 public:
  MemFlash(uint32_t lba_size, uint64_t lbas) : lba_size_(lba_size), data_(lba_size * lbas) {}
  uint32_t lba_size() const override { return lba_size_; }
  uint64_t lba_count() const override { return data_.size() / lba_size_; }
  Status Read(uint64_t lba, uint32_t count, std::span<uint8_t> dst) override {
    if (lba + count > lba_count()) return Status::LbaOutOfRange();
    std::memcpy(dst.data(), data_.data() + lba * lba_size_, uint64_t{count} * lba_size_);
    reads++;
    return Status();
  }
  Status Write(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (lba + count > lba_count()) return Status::LbaOutOfRange();
    std::memcpy(data_.data() + lba * lba_size_, src.data(), uint64_t{count} * lba_size_);
    writes++;
    return Status();
  }
  Status Deallocate(uint64_t, uint32_t) override { return Status(); }
  Status Flush() override { return Status(); }
  uint64_t now_ns() const override { return 0; }
  uint8_t* Lba(uint64_t lba) { return data_.data() + lba * lba_size_; }
  int reads = 0, writes = 0;

 private:
  uint32_t lba_size_;
  std::vector<uint8_t> data_;
};

// A test app: function 1 reads the LBA named by its 8-byte input and
// returns its first byte; function 2 (host only) calls app 'peer' function
// 1 with its input; function 3 writes its private region's LBA 0.
class TestApp final : public App {
 public:
  TestApp(std::string name, std::string peer, uint64_t private_lbas = 0)
      : name_(std::move(name)), peer_(std::move(peer)), private_(private_lbas) {}
  std::string_view name() const override { return name_; }
  std::span<const FunctionInfo> functions() const override { return kFunctions; }
  uint64_t private_lbas() const override { return private_; }
  Status Recover(Flash& f) override {
    recovered_lbas = f.lba_count();
    return Status();
  }
  Outcome Call(const struct Call& c) override {
    Outcome o;
    if (c.function == 1) {
      uint64_t lba;
      std::memcpy(&lba, c.input.data(), 8);
      std::vector<uint8_t> b(c.flash->lba_size());
      o.status = c.flash->Read(lba, 1, b);
      o.value = b[0];
    } else if (c.function == 2) {
      o = c.caller->CallApp(peer_, 1, c.input, c.output);
    } else if (c.function == 3) {
      std::vector<uint8_t> b(c.private_flash->lba_size(), 0xAB);
      o.status = c.private_flash->Write(0, 1, b);
    }
    return o;
  }
  uint64_t recovered_lbas = 0;

 private:
  static constexpr FunctionInfo kFunctions[] = {
      {1, "read", 8, 8, true}, {2, "relay", 8, 8, false}, {3, "private", 0, 0, false}};
  std::string name_, peer_;
  uint64_t private_;
};

// Calls app 'a' function 2, which 'a' does not export.
class Caller2 final : public App {
 public:
  std::string_view name() const override { return "c"; }
  std::span<const FunctionInfo> functions() const override { return kF; }
  Outcome Call(const struct Call& c) override { return c.caller->CallApp("a", 2, c.input, c.output); }
  static constexpr FunctionInfo kF[] = {{0, "call", 8, 8, true}};
};

std::vector<uint8_t> U64(uint64_t v) {
  std::vector<uint8_t> b(8);
  std::memcpy(b.data(), &v, 8);
  return b;
}

TEST_CASE("App-to-app calls keep the caller's domain and need exported functions", "[apps]") {
  MemFlash ns(512, 1024);
  ns.Lba(5)[0] = 55;
  ns.Lba(50)[0] = 66;
  Registry reg;
  auto a = reg.RegisterBuiltin(std::make_unique<TestApp>("a", "b"), ns);
  auto b = reg.RegisterBuiltin(std::make_unique<TestApp>("b", "a"), ns);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a.value() == SALIX_APP_BUILTIN_SLOT_BASE);
  CHECK(b.value() == SALIX_APP_BUILTIN_SLOT_BASE + 1);
  auto d = reg.domains().Create(std::vector<LbaRange>{{0, 10, kRightRead}}, ns.lba_count(), {});
  REQUIRE(d.ok());
  InvokeRequest req;
  req.slot = a.value();
  req.function = 2;  // a.relay -> b.read
  req.token = d.value().token;
  auto in = U64(5);
  req.input = in;
  Outcome o = reg.Invoke(req, ns);
  REQUIRE(o.status.ok());
  CHECK(o.value == 55);
  CHECK(reg.stats(b.value())->lbas_read == 1);
  CHECK(reg.stats(a.value())->lbas_read == 0);

  // The callee has no more rights than the caller: LBA 50 is outside.
  auto in50 = U64(50);
  req.input = in50;
  o = reg.Invoke(req, ns);
  CHECK(o.status == Status::AppAccessDenied());
  CHECK(o.reason.find("outside the caller's domain") != std::string::npos);

  // b.relay calls a.read fine; but nobody may call a non-exported function:
  // a TestApp whose peer function is 2 (relay, host only).
  auto c = reg.RegisterBuiltin(std::make_unique<Caller2>(), ns);
  REQUIRE(c.ok());
  req.slot = c.value();
  req.function = 0;
  req.input = in;
  o = reg.Invoke(req, ns);
  CHECK(o.status == Status::AppFunctionInvalid());
  CHECK(o.reason.find("not exported") != std::string::npos);
  // A name no app has.
  req.slot = a.value();
  req.function = 2;
  REQUIRE(reg.Invoke(req, ns).status.ok());
}

TEST_CASE("Input sizes outside a function's bounds are refused before it runs", "[apps]") {
  MemFlash ns(512, 64);
  Registry reg;
  auto a = reg.RegisterBuiltin(std::make_unique<TestApp>("a", "a"), ns);
  REQUIRE(a.ok());
  InvokeRequest req;
  req.slot = a.value();
  req.function = 1;
  std::vector<uint8_t> in(7);
  req.input = in;
  CHECK(reg.Invoke(req, ns).status == Status::AppInputSize());
  req.function = 9;
  CHECK(reg.Invoke(req, ns).status == Status::AppFunctionInvalid());
  CHECK(ns.reads == 0);
}

TEST_CASE("Built-in apps get private regions at the top, outside every domain", "[apps]") {
  MemFlash ns(512, 1000);
  Registry reg;
  auto* app = new TestApp("p", "p", 100);
  auto p = reg.RegisterBuiltin(std::unique_ptr<App>(app), ns);
  REQUIRE(p.ok());
  CHECK(app->recovered_lbas == 100);
  REQUIRE(reg.reserved().size() == 1);
  CHECK(reg.reserved()[0].first == 900);
  auto bad = reg.domains().Create(std::vector<LbaRange>{{850, 60, kRightRead}}, 1000,
                                  reg.reserved());
  REQUIRE(!bad.ok());
  CHECK(bad.error().status == Status::InvalidField());
  InvokeRequest req;
  req.slot = p.value();
  req.function = 3;
  REQUIRE(reg.Invoke(req, ns).status.ok());
  CHECK(ns.Lba(900)[0] == 0xAB);
  CHECK(ns.Lba(899)[0] == 0);
}

TEST_CASE("Destroyed domains' tokens are reported as revoked", "[apps]") {
  DomainTable t;
  auto d = t.Create(std::vector<LbaRange>{{0, 1, kRightRead}}, 10, {});
  REQUIRE(d.ok());
  REQUIRE(t.Find(d.value().token).ok());
  REQUIRE(t.Destroy(d.value().id).ok());
  auto f = t.Find(d.value().token);
  REQUIRE(!f.ok());
  CHECK(f.error().status == Status::AppTokenInvalid());
  CHECK(f.error().reason.find("revoked") != std::string::npos);
  Token forged;
  forged.dw = {1, 2, 3, 4};
  CHECK(t.Find(forged).error().reason.find("forged") != std::string::npos);
}

TEST_CASE("The transaction app registers as a built-in app with its private region",
          "[apps]") {
  MemFlash ns(512, 32768);
  Registry reg;
  auto r = reg.RegisterBuiltin(std::make_unique<builtin::TransactionApp>(), ns);
  REQUIRE(r.ok());
  CHECK(r.value() == SALIX_APP_BUILTIN_SLOT_BASE);
  REQUIRE(reg.reserved().size() == 1);
  CHECK(reg.reserved()[0].first + reg.reserved()[0].count == ns.lba_count());
  salix_app_log log;
  reg.FillLog(&log);
  REQUIRE(log.count == 1);
  CHECK(log.entries[0].state == SALIX_APP_STATE_BUILTIN);
  CHECK(log.entries[0].functions > 1);
  CHECK(log.entries[0].private_lbas == reg.reserved()[0].count);
  salix_app_functions_log fl;
  REQUIRE(reg.FillFunctions(r.value(), &fl));
  CHECK(fl.count == log.entries[0].functions);
  // The other built-in apps take the next slots, with distinct names.
  auto kv = reg.RegisterBuiltin(std::make_unique<builtin::KvApp>(), ns);
  auto ap = reg.RegisterBuiltin(std::make_unique<builtin::AppendApp>(), ns);
  REQUIRE(kv.ok());
  REQUIRE(ap.ok());
  CHECK(kv.value() == SALIX_APP_BUILTIN_SLOT_BASE + 1);
  CHECK(ap.value() == SALIX_APP_BUILTIN_SLOT_BASE + 2);
  reg.FillLog(&log);
  CHECK(log.count == 3);
}

}  // namespace
}  // namespace salix::apps

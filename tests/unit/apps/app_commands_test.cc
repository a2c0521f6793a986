// The SSD-app commands end to end through the embedded host: Load Program,
// Program Activation Management, Domain Management, Invoke and the app log
// pages, with the example apps, and every refusal with its own status and
// no change of device state.
#include <salix/app_commands.h>

#include <cstring>
#include <map>

#include "app_device.h"
#include "apps/ebpf/include/salix_app.h"
#include "apps/ebpf/opcodes.h"
#include "apps/examples/app_examples.h"
#include "apps/examples/btree.h"
#include "apps/examples/checksum.h"
#include "apps/examples/scan_filter.h"
#include "assembler.h"

namespace salix::test {
namespace {

using apps::examples::ExampleObject;
using Asm = salix::apps::ebpf::test::Asm;
using salix::apps::ebpf::Insn;
using namespace salix::apps::ebpf;  // opcodes (kSizeDw, ...)

uint32_t Crc32c(const uint8_t* p, size_t n) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ ((crc & 1) ? 0x82f63b78u : 0);
  }
  return crc ^ 0xffffffffu;
}

std::vector<uint8_t> RawBytes(const Asm& a) {
  std::vector<uint8_t> v(a.size() * sizeof(Insn));
  std::memcpy(v.data(), a.insns().data(), v.size());
  return v;
}

// A device with 'checksum' active in slot 0 and a read domain over LBAs
// [0, 64) of a 16 MiB namespace.
struct Fixture {
  std::unique_ptr<EmbeddedHost> h = MakeHost();
  DeviceToken dom;
  Fixture() {
    REQUIRE(LoadProgram(*h, 0, ExampleObject("checksum")).ok());
    REQUIRE(Activate(*h, 0, "checksum").ok());
    REQUIRE(CreateDomain(*h, {{0, 64, SALIX_DOMAIN_READ, {}}}, &dom).ok());
  }
  InvokeResult Checksum(uint64_t first, uint32_t count, const salix_app_token& t) {
    checksum_params p{first, count, 0};
    return Invoke(*h, 0, 0, t, Bytes(p), 64);
  }
};

TEST_CASE("An eBPF checksum app loaded by Load Program computes CRC32C of flash data",
          "[apps]") {
  Fixture f;
  const auto data = Pattern(8 * f.h->lba_size(), 7);
  REQUIRE(f.h->Write(1, 8, data).ok());
  InvokeResult r = f.Checksum(8, 8, f.dom.t);
  REQUIRE(r.status.ok());
  const uint32_t want = Crc32c(data.data(), data.size());
  CHECK(r.dw0 == want);
  REQUIRE(r.dw1 == 4);
  uint32_t out = 0;
  std::memcpy(&out, r.output.data(), 4);
  CHECK(out == want);

  salix_app_log log = AppLog(*f.h);
  CHECK(std::memcmp(log.magic, SALIX_APP_LOG_MAGIC, 8) == 0);
  REQUIRE(log.count == 1);
  CHECK(log.domains == 1);
  CHECK(log.entries[0].slot == 0);
  CHECK(log.entries[0].state == SALIX_APP_STATE_ACTIVE);
  CHECK(std::string(log.entries[0].name) == "checksum");
  CHECK(log.entries[0].calls == 1);
  CHECK(log.entries[0].errors == 0);
  CHECK(log.entries[0].lbas_read == 8);
  CHECK(log.entries[0].instructions > 8 * 512);
}

TEST_CASE("Programs load in chunks; out-of-order chunks are refused", "[apps]") {
  auto h = MakeHost();
  auto obj = ExampleObject("scan_filter");
  REQUIRE(obj.size() > 1024);
  uint32_t insns = 0;
  REQUIRE(LoadProgram(*h, 3, obj, SALIX_PROGRAM_EBPF_ELF, 512, &insns).ok());
  CHECK(insns > 10);
  // A chunk that does not continue a load.
  auto h2 = MakeHost();
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_LOAD_PROGRAM, SALIX_PROGRAM_EBPF_ELF | (1u << 16),
                         static_cast<uint32_t>(obj.size()));
  s.cdw12 = 512;
  s.cdw13 = 512;
  std::vector<uint8_t> chunk(obj.begin() + 512, obj.begin() + 1024);
  CHECK(StatusOf(h2->ExecuteWithData(0, s, chunk)) == Status::InvalidField());
  CHECK(AppLog(*h2).count == 0);
}

TEST_CASE("scan_filter and btree_lookup run as device apps", "[apps]") {
  auto h = MakeHost();
  const uint32_t lba = h->lba_size();
  REQUIRE(LoadProgram(*h, 1, ExampleObject("scan_filter")).ok());
  REQUIRE(Activate(*h, 1, "scan").ok());
  REQUIRE(LoadProgram(*h, 2, ExampleObject("btree_lookup")).ok());
  REQUIRE(Activate(*h, 2, "btree").ok());
  DeviceToken d;
  REQUIRE(CreateDomain(*h, {{0, 256, SALIX_DOMAIN_READ, {}}}, &d).ok());

  SECTION("scan_filter counts and returns the matching records") {
    std::vector<uint8_t> recs(4 * lba, 0);
    uint32_t want = 0;
    std::vector<uint64_t> want_keys;
    for (size_t i = 0; i < recs.size() / SCAN_RECORD_SIZE; i++) {
      scan_record r{};
      r.key = i;
      r.value = static_cast<uint32_t>((i * 37) % 100);
      std::memcpy(recs.data() + i * SCAN_RECORD_SIZE, &r, sizeof(r));
      if (r.value >= 10 && r.value <= 20) {
        want++;
        if (want_keys.size() < 3) want_keys.push_back(i);
      }
    }
    REQUIRE(h->Write(1, 100, recs).ok());
    scan_filter_params p{100, 4, 10, 20, 3};
    InvokeResult r = Invoke(*h, 1, 0, d.t, Bytes(p), 3 * SCAN_RECORD_SIZE);
    REQUIRE(r.status.ok());
    CHECK(r.dw0 == want);
    REQUIRE(r.dw1 == 3 * SCAN_RECORD_SIZE);
    for (size_t k = 0; k < 3; k++) {
      scan_record got;
      std::memcpy(&got, r.output.data() + k * SCAN_RECORD_SIZE, sizeof(got));
      CHECK(got.key == want_keys[k]);
    }
  }
  SECTION("btree_lookup follows child LBAs to the leaf") {
    // Two leaves at LBAs 10, 11 and a root at 12.
    std::vector<uint8_t> nodes(3 * lba, 0);
    auto node = [&](int i, uint16_t level, std::vector<btree_entry> es) {
      btree_node_header hd{SALIX_BTREE_MAGIC, level, static_cast<uint16_t>(es.size()), 0};
      std::memcpy(nodes.data() + i * lba, &hd, sizeof(hd));
      std::memcpy(nodes.data() + i * lba + SALIX_BTREE_HEADER_SIZE, es.data(),
                  es.size() * sizeof(btree_entry));
    };
    node(0, 0, {{1, 100}, {5, 500}});
    node(1, 0, {{10, 1000}, {20, 2000}});
    node(2, 1, {{0, 10}, {10, 11}});
    REQUIRE(h->Write(1, 10, nodes).ok());
    btree_lookup_params p{12, 20};
    InvokeResult r = Invoke(*h, 2, 0, d.t, Bytes(p), 8);
    REQUIRE(r.status.ok());
    CHECK(r.dw0 == 1);
    uint64_t v = 0;
    REQUIRE(r.dw1 == 8);
    std::memcpy(&v, r.output.data(), 8);
    CHECK(v == 2000);
    p.key = 7;
    r = Invoke(*h, 2, 0, d.t, Bytes(p), 8);
    REQUIRE(r.status.ok());
    CHECK(r.dw0 == 0);
    CHECK(r.dw1 == 0);
    CHECK(AppLog(*h).entries[1].lbas_read == 4);  // two lookups, two levels
  }
}

TEST_CASE("An app cannot read LBAs outside the caller's domain", "[apps]") {
  Fixture f;
  const auto secret = Pattern(f.h->lba_size(), 9);
  REQUIRE(f.h->Write(1, 64, secret).ok());
  InvokeResult r = f.Checksum(60, 8, f.dom.t);  // 60..67: crosses the end at 64
  CHECK(r.status == Status::AppAccessDenied());
  CHECK(r.output.empty());
  r = f.Checksum(64, 1, f.dom.t);
  CHECK(r.status == Status::AppAccessDenied());
  // No token: no flash at all.
  r = f.Checksum(0, 1, salix_app_token{});
  CHECK(r.status == Status::AppAccessDenied());
  salix_app_log log = AppLog(*f.h);
  CHECK(log.entries[0].lbas_read == 0);
  CHECK(log.entries[0].errors == 3);
}

TEST_CASE("A write-only range cannot be read, a read-only one not written", "[apps]") {
  auto h = MakeHost();
  // Raw program: salix_write_lba(lba = input[0], 1, scratch, lba_size).
  Asm a;
  a.Mov(6, 1)
      .Ldx(kSizeDw, 2, 6, 0)    // r2 = ctx->input
      .Ldx(kSizeDw, 1, 2, 0)    // r1 = lba
      .MovImm(2, 1)             // count
      .Ldx(kSizeDw, 3, 6, 16)   // scratch
      .Ldx(kSizeW, 4, 6, 36)    // lba_size
      .Call(SALIX_HELPER_WRITE_LBA)
      .Exit();
  REQUIRE(LoadProgram(*h, 4, RawBytes(a), SALIX_PROGRAM_EBPF_RAW).ok());
  REQUIRE(Activate(*h, 4, "writer").ok());
  DeviceToken d;
  REQUIRE(CreateDomain(*h, {{0, 10, SALIX_DOMAIN_READ, {}}, {10, 10, SALIX_DOMAIN_WRITE, {}}},
                       &d).ok());
  const auto before = Pattern(h->lba_size(), 3);
  REQUIRE(h->Write(1, 5, before).ok());
  uint64_t lba = 5;
  std::vector<uint8_t> in(8);
  std::memcpy(in.data(), &lba, 8);
  CHECK(Invoke(*h, 4, 0, d.t, in, 0).status == Status::AppAccessDenied());
  std::vector<uint8_t> after(h->lba_size());
  REQUIRE(h->Read(1, 5, after).ok());
  CHECK(after == before);  // untouched
  lba = 12;
  std::memcpy(in.data(), &lba, 8);
  InvokeResult r = Invoke(*h, 4, 0, d.t, in, 0);
  CHECK(r.status.ok());
  REQUIRE(h->Read(1, 12, after).ok());
  CHECK(after == std::vector<uint8_t>(h->lba_size(), 0));  // scratch was zero
  CHECK(AppLog(*h).entries[0].lbas_written == 1);
}

TEST_CASE("A loop that never ends stops at the instruction budget", "[apps]") {
  auto h = MakeHost();
  Asm a;
  a.MovImm(0, 0).Ja(-1).Exit();
  REQUIRE(LoadProgram(*h, 0, RawBytes(a), SALIX_PROGRAM_EBPF_RAW).ok());
  REQUIRE(Activate(*h, 0, "spin").ok());
  InvokeResult r = Invoke(*h, 0, 0, salix_app_token{}, {}, 0, /*budget_units=*/16);
  CHECK(r.status == Status::AppBudgetExhausted());
  // Default budget, and a request beyond the device maximum: still stops.
  CHECK(Invoke(*h, 0, 0, salix_app_token{}, {}, 0).status == Status::AppBudgetExhausted());
  CHECK(Invoke(*h, 0, 0, salix_app_token{}, {}, 0, 0xFFFFFFFF).status ==
        Status::AppBudgetExhausted());
  salix_app_log log = AppLog(*h);
  const uint64_t budgets = 16 * 1024 + (uint64_t{1} << 24) + (uint64_t{1} << 26);
  CHECK(log.entries[0].instructions >= budgets);
  CHECK(log.entries[0].instructions <= budgets + 3);
  CHECK(log.entries[0].errors == 3);
  // The device still serves I/O.
  std::vector<uint8_t> b(h->lba_size());
  CHECK(h->Read(1, 0, b).ok());
}

TEST_CASE("A load outside the app's memory is a memory fault", "[apps]") {
  auto h = MakeHost();
  Asm a;
  a.Ldx(kSizeDw, 2, 1, 0)          // r2 = ctx->input
      .Ldx(kSizeDw, 0, 2, 0x7000)  // beyond an 8-byte input
      .Exit();
  REQUIRE(LoadProgram(*h, 0, RawBytes(a), SALIX_PROGRAM_EBPF_RAW).ok());
  REQUIRE(Activate(*h, 0, "oob").ok());
  std::vector<uint8_t> in(8, 1);
  InvokeResult r = Invoke(*h, 0, 0, salix_app_token{}, in, 16);
  CHECK(r.status == Status::AppMemoryFault());
  CHECK(r.output.empty());
}

TEST_CASE("Forged and revoked tokens are refused before the app runs", "[apps]") {
  Fixture f;
  salix_app_token forged = f.dom.t;
  forged.dw[2] ^= 1;
  CHECK(f.Checksum(0, 1, forged).status == Status::AppTokenInvalid());
  REQUIRE(f.Checksum(0, 1, f.dom.t).status.ok());
  REQUIRE(DestroyDomain(*f.h, f.dom.id).ok());
  CHECK(f.Checksum(0, 1, f.dom.t).status == Status::AppTokenInvalid());
  CHECK(DestroyDomain(*f.h, f.dom.id) == Status::AppTokenInvalid());
  CHECK(AppLog(*f.h).entries[0].calls == 1);  // refused before dispatch
  CHECK(AppLog(*f.h).domains == 0);
}

TEST_CASE("Tokens are 128 random bits, distinct per domain", "[apps]") {
  auto h = MakeHost();
  std::map<std::vector<uint32_t>, int> seen;
  for (int i = 0; i < 32; i++) {
    DeviceToken d;
    REQUIRE(CreateDomain(*h, {{uint64_t(i), 1, SALIX_DOMAIN_READ, {}}}, &d).ok());
    std::vector<uint32_t> k(d.t.dw, d.t.dw + 4);
    CHECK(seen[k]++ == 0);
    CHECK((d.t.dw[0] | d.t.dw[1] | d.t.dw[2] | d.t.dw[3]) != 0);
  }
}

TEST_CASE("Bad domains are refused and create nothing", "[apps]") {
  auto h = MakeHost();
  DeviceToken d;
  const uint64_t cap = h->capacity_blocks();
  CHECK(CreateDomain(*h, {{cap - 1, 2, SALIX_DOMAIN_READ, {}}}, &d) == Status::InvalidField());
  CHECK(CreateDomain(*h, {{0, 0, SALIX_DOMAIN_READ, {}}}, &d) == Status::InvalidField());
  CHECK(CreateDomain(*h, {{0, 4, 0, {}}}, &d) == Status::InvalidField());
  CHECK(CreateDomain(*h, {{0, 4, 8, {}}}, &d) == Status::InvalidField());
  CHECK(CreateDomain(*h, {{0, 4, 1, {}}, {2, 4, 1, {}}}, &d) == Status::InvalidField());
  CHECK(CreateDomain(*h, {}, &d) == Status::InvalidField());
  CHECK(AppLog(*h).domains == 0);
}

TEST_CASE("Program refusals have their own statuses and change nothing", "[apps]") {
  Fixture f;
  auto& h = *f.h;
  const salix_app_log before = AppLog(h);
  SECTION("a program the verifier refuses") {
    Asm a;
    a.Raw(0xff, 0, 0, 0, 0).MovImm(0, 0).Exit();  // unknown opcode
    CHECK(LoadProgram(h, 5, RawBytes(a), SALIX_PROGRAM_EBPF_RAW) == Status::ProgramInvalid());
    Asm b;
    b.Exit();  // r0 uninitialised at exit
    CHECK(LoadProgram(h, 5, RawBytes(b), SALIX_PROGRAM_EBPF_RAW) == Status::ProgramInvalid());
    const std::vector<uint8_t> junk(100, 0x5a);
    CHECK(LoadProgram(h, 5, junk, SALIX_PROGRAM_EBPF_ELF) == Status::ProgramInvalid());
    CHECK(Activate(h, 5, "x") == Status::ProgramSlotEmpty());
  }
  SECTION("a load into an occupied slot") {
    CHECK(LoadProgram(h, 0, ExampleObject("scan_filter")) == Status::ProgramSlotOccupied());
    const std::vector<uint8_t> insns(16, 0);
    CHECK(LoadProgram(h, 99, insns, SALIX_PROGRAM_EBPF_RAW) == Status::InvalidField());
    CHECK(LoadProgram(h, 5, insns, 7) == Status::InvalidField());
  }
  SECTION("activation errors") {
    CHECK(Activate(h, 0, "again") == Status::ProgramSlotOccupied());
    REQUIRE(LoadProgram(h, 1, ExampleObject("checksum_v1")).ok());
    CHECK(Activate(h, 1, "checksum") == Status::AppNameInUse());
    CHECK(Deactivate(h, 1) == Status::AppNotActive());
    CHECK(UnloadProgram(h, 0) == Status::ProgramActive());
    CHECK(UnloadProgram(h, 7) == Status::ProgramSlotEmpty());
    REQUIRE(UnloadProgram(h, 1).ok());
  }
  SECTION("invocation errors") {
    checksum_params p{0, 1, 0};
    CHECK(Invoke(h, 0, 1, f.dom.t, Bytes(p), 4).status == Status::AppFunctionInvalid());
    std::vector<uint8_t> big(SALIX_APP_MAX_INPUT + 1);
    CHECK(Invoke(h, 0, 0, f.dom.t, big, 4).status == Status::AppInputSize());
    CHECK(Invoke(h, 9, 0, f.dom.t, Bytes(p), 4).status == Status::ProgramSlotEmpty());
    CHECK(Invoke(h, 0x100, 0, f.dom.t, Bytes(p), 4).status == Status::ProgramSlotEmpty());
    std::vector<uint8_t> zero(4, 0);
    // A short input is the app's to refuse: checksum returns -EINVAL.
  CHECK(Invoke(h, 0, 0, f.dom.t, zero, 4).status == Status::AppFailed());
  }
  const salix_app_log after = AppLog(h);
  CHECK(after.count == before.count);
  CHECK(after.entries[0].state == SALIX_APP_STATE_ACTIVE);
  CHECK(after.domains == before.domains);
  CHECK(f.Checksum(0, 1, f.dom.t).status.ok());
}

TEST_CASE("Deactivate, unload and load again", "[apps]") {
  Fixture f;
  REQUIRE(Deactivate(*f.h, 0).ok());
  CHECK(f.Checksum(0, 1, f.dom.t).status == Status::AppNotActive());
  REQUIRE(UnloadProgram(*f.h, 0).ok());
  CHECK(f.Checksum(0, 1, f.dom.t).status == Status::ProgramSlotEmpty());
  CHECK(AppLog(*f.h).count == 0);
  REQUIRE(LoadProgram(*f.h, 0, ExampleObject("checksum")).ok());
  REQUIRE(Activate(*f.h, 0, "").ok());
  salix_app_log log = AppLog(*f.h);
  CHECK(std::string(log.entries[0].name) == "slot0");
  CHECK(log.entries[0].calls == 0);
  CHECK(f.Checksum(0, 1, f.dom.t).status.ok());
}

TEST_CASE("The app functions log lists an app's functions", "[apps]") {
  Fixture f;
  salix_app_functions_log fl;
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_GET_LOG_PAGE,
                         SALIX_LOG_APP_FUNCTIONS | ((sizeof(fl) / 4 - 1) << 16), 0u << 16);
  std::span<uint8_t> buf(reinterpret_cast<uint8_t*>(&fl), sizeof(fl));
  REQUIRE(StatusOf(f.h->ExecuteWithData(0, s, buf)).ok());
  REQUIRE(fl.count == 1);
  CHECK(fl.entries[0].id == 0);
  CHECK(fl.entries[0].max_input == SALIX_APP_MAX_INPUT);
  CHECK(std::string(fl.entries[0].name) == "main");
  s.cdw11 = 5u << 16;
  CHECK(StatusOf(f.h->ExecuteWithData(0, s, buf)) == Status::InvalidField());
}

}  // namespace
}  // namespace salix::test

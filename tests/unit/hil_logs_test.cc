// Get Log Page: Error Information, SMART / Health, Firmware Slot, Commands
// Supported and Effects; length and offset handling.
#include <cstring>

#include "test_util.h"

namespace salix::test {
namespace {


}  // namespace

TEST_CASE("Failed commands land in the Error Information log, newest first") {
  auto h = MakeHost();
  // An LBA out of range read on SQ 1 and an invalid namespace on SQ 1.
  auto cap = h->capacity_blocks();
  nvme::Sqe bad_lba = IoSqe(SALIX_IO_READ, cap + 5, 1);
  auto buf = h->AllocBuffer(4096);
  buf->ApplyTo(&bad_lba);
  auto c1 = h->Execute(1, bad_lba);
  REQUIRE(StatusOf(c1) == Status::LbaOutOfRange());
  nvme::Sqe bad_ns = IoSqe(SALIX_IO_WRITE, 0, 1, /*nsid=*/9);
  buf->ApplyTo(&bad_ns);
  auto c2 = h->Execute(1, bad_ns);
  REQUIRE(StatusOf(c2) == Status::InvalidNamespaceOrFormat());

  std::vector<nvme::ErrorLogEntry> log(64);
  REQUIRE(h->GetLogPage(nvme::lid::kErrorInfo,
                        {reinterpret_cast<uint8_t*>(log.data()), 4096})
              .ok());
  CHECK(log[0].error_count > log[1].error_count);
  CHECK(log[0].sqid == 1);
  CHECK(log[0].cid == c2->cid);
  CHECK(log[0].nsid == 9);
  CHECK(Status::FromCqeField(log[0].status) ==
        Status::InvalidNamespaceOrFormat());
  CHECK(log[1].sqid == 1);
  CHECK(log[1].cid == c1->cid);
  CHECK(log[1].lba == cap + 5);
  CHECK(log[1].nsid == 1);
  CHECK(Status::FromCqeField(log[1].status) == Status::LbaOutOfRange());
  CHECK(log[2].error_count == 0);  // unused

  CHECK(U128Low(Smart(*h).num_error_log_entries) == 2);
}

TEST_CASE("The error log keeps the most recent 64 errors") {
  auto h = MakeHost();
  for (int i = 0; i < 100; i++) {
    CHECK(StatusOf(h->Execute(0, AdminSqe(0xFE))) == Status::InvalidOpcode());
  }
  std::vector<nvme::ErrorLogEntry> log(64);
  REQUIRE(h->GetLogPage(nvme::lid::kErrorInfo,
                        {reinterpret_cast<uint8_t*>(log.data()), 4096})
              .ok());
  CHECK(log[0].error_count == 100);
  CHECK(log[63].error_count == 37);
}

TEST_CASE("SMART counts data units and commands honestly") {
  auto h = MakeHost();
  nvme::SmartLog before = Smart(*h);
  CHECK(U128Low(before.data_units_written) == 0);
  CHECK(+before.composite_temperature > 273);  // + : a value, not a reference into a packed struct
  CHECK(before.available_spare == 100);
  CHECK(U128Low(before.power_cycles) >= 1);

  auto data = Pattern(64 * 1024, 1);
  for (int i = 0; i < 10; i++) REQUIRE(h->Write(1, i * 16, data).ok());
  std::vector<uint8_t> back(4096);
  for (int i = 0; i < 3; i++) REQUIRE(h->Read(1, 0, back).ok());
  nvme::SmartLog after = Smart(*h);
  // 640 KiB written = 1280 units of 512 bytes = 2 "thousands" (rounded up).
  CHECK(U128Low(after.data_units_written) == 2);
  CHECK(U128Low(after.data_units_read) == 1);  // 24 units, rounded up
  CHECK(U128Low(after.host_write_commands) == 10);
  CHECK(U128Low(after.host_read_commands) == 3);
  CHECK(U128Low(after.media_errors) == 0);
}

TEST_CASE("Firmware slot log names the running firmware") {
  auto h = MakeHost();
  nvme::FirmwareSlotLog fw;
  REQUIRE(h->GetLogPage(nvme::lid::kFirmwareSlot,
                        {reinterpret_cast<uint8_t*>(&fw), sizeof(fw)})
              .ok());
  CHECK(fw.afi == 1);
  CHECK(std::string(fw.frs[0], 5) == std::string(salix_version()).substr(0, 5));
}

TEST_CASE("The effects log is generated from the opcode table") {
  auto h = MakeHost();
  nvme::CommandEffectsLog e;
  REQUIRE(h->GetLogPage(nvme::lid::kCommandEffects,
                        {reinterpret_cast<uint8_t*>(&e), sizeof(e)})
              .ok());
#define CHECK_ADMIN_(sym, op, name, eff) CHECK(e.acs[op] == (eff));
#define CHECK_IO_(sym, op, name, eff) CHECK(e.iocs[op] == (eff));
  SALIX_ADMIN_COMMANDS(CHECK_ADMIN_)
  SALIX_IO_COMMANDS(CHECK_IO_)
#undef CHECK_ADMIN_
#undef CHECK_IO_
  CHECK(e.acs[0xC1] == 0);  // vendor range, unused
  CHECK(e.iocs[0x80] == 0);
  // The array commands are listed, with their effects.
  CHECK(e.acs[SALIX_ADMIN_FAULT_INJECTION] == SALIX_EFFECT_CSUPP);
  CHECK((e.iocs[SALIX_IO_COPY] & SALIX_EFFECT_LBCC) != 0);
  CHECK((e.iocs[SALIX_IO_PARITY_COMPUTE] & SALIX_EFFECT_LBCC) != 0);
  CHECK(e.iocs[SALIX_IO_READ_TAGS] == SALIX_EFFECT_CSUPP);
  CHECK((e.iocs[SALIX_IO_WRITE] & SALIX_EFFECT_LBCC) != 0);
  CHECK((e.acs[SALIX_ADMIN_FORMAT_NVM] & SALIX_EFFECT_NIC) != 0);
}

TEST_CASE("Log pages honour NUMD and dword offsets") {
  auto h = MakeHost();
  std::vector<uint8_t> whole(4096);
  REQUIRE(h->GetLogPage(nvme::lid::kCommandEffects, whole).ok());
  std::vector<uint8_t> part(64);
  REQUIRE(h->GetLogPage(nvme::lid::kCommandEffects, part, 1024).ok());
  CHECK(std::equal(part.begin(), part.end(), whole.begin() + 1024));
  // Past the end of a 512-byte log: zero filled.
  std::vector<uint8_t> tail(1024, 0xEE);
  REQUIRE(h->GetLogPage(nvme::lid::kSmartHealth, tail, 256).ok());
  CHECK(std::all_of(tail.begin() + 256, tail.end(),
                    [](uint8_t b) { return b == 0; }));
  CHECK(h->GetLogPage(nvme::lid::kSmartHealth, part, 2) ==
        Status::InvalidField());  // not dword aligned
  CHECK(h->GetLogPage(nvme::lid::kSmartHealth, part, 1024) ==
        Status::InvalidField());  // beyond the log
}

TEST_CASE("Unknown log pages are Invalid Log Page") {
  auto h = MakeHost();
  std::vector<uint8_t> buf(512);
  CHECK(h->GetLogPage(0x04, buf) == Status::InvalidLogPage());
  CHECK(h->GetLogPage(0x7F, buf) == Status::InvalidLogPage());
  // C0h is Salix stats, C1h/C2h the app logs (<salix/app_commands.h>).
  CHECK(h->GetLogPage(0xC3, buf) == Status::InvalidLogPage());
}

TEST_CASE("A log transfer longer than MDTS is Invalid Field") {
  auto h = MakeHost({{"mdts", "1"}});  // 8 KiB
  std::vector<uint8_t> big(16384);
  CHECK(h->GetLogPage(nvme::lid::kErrorInfo, big) == Status::InvalidField());
}

}  // namespace salix::test

// Controller registers and the enable / disable state machine.
#include "test_util.h"

namespace salix::test {
namespace {

std::unique_ptr<EmbeddedHost> Unstarted(
    std::vector<std::pair<std::string, std::string>> config = {}) {
  auto o = SmallDevice(std::move(config));
  o.start = false;
  return MakeHostFrom(o);
}

bool Logged(const EmbeddedHost& h, const std::string& needle) {
  for (const auto& l : h.logs()) {
    if (l.message.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("CAP and VS advertise an NVMe 1.4 controller with 4 KiB pages") {
  auto h = Unstarted();
  uint64_t cap = h->ReadReg(nvme::reg::kCap, 8);
  CHECK((cap & 0xFFFF) == 4095);          // MQES: 4096 entries
  CHECK(((cap >> 16) & 1) == 1);          // CQR
  CHECK(((cap >> 24) & 0xFF) > 0);        // TO
  CHECK(((cap >> 32) & 0xF) == 0);        // DSTRD
  CHECK(((cap >> 37) & 0xFF) == 1);       // CSS: NVM
  CHECK(((cap >> 48) & 0xF) == 0);        // MPSMIN 4 KiB
  CHECK(((cap >> 52) & 0xF) == 0);        // MPSMAX 4 KiB
  CHECK(h->ReadReg(nvme::reg::kCap + 4, 4) == cap >> 32);
  CHECK(h->ReadReg(nvme::reg::kVs) == 0x00010400);
}

TEST_CASE("CSTS.RDY follows CC.EN only once run() applied it") {
  auto h = Unstarted();
  CHECK(h->ReadReg(nvme::reg::kCsts) == 0);
  REQUIRE(h->Enable());
  CHECK((h->ReadReg(nvme::reg::kCsts) & nvme::csts::kRdy) != 0);

  uint32_t cc = static_cast<uint32_t>(h->ReadReg(nvme::reg::kCc));
  h->WriteReg(nvme::reg::kCc, cc & ~nvme::cc::kEn);
  CHECK(salix_ctrl_has_work(h->ctrl()));
  CHECK((h->ReadReg(nvme::reg::kCsts) & nvme::csts::kRdy) != 0);  // not yet
  h->RunOnce();
  CHECK((h->ReadReg(nvme::reg::kCsts) & nvme::csts::kRdy) == 0);
  CHECK_FALSE(salix_ctrl_has_work(h->ctrl()));
}

TEST_CASE("ASQ and ACQ accept two 32-bit halves") {
  auto h = Unstarted();
  h->WriteReg(nvme::reg::kAsq, 0x12345000, 4);
  h->WriteReg(nvme::reg::kAsq + 4, 0x1, 4);
  CHECK(h->ReadReg(nvme::reg::kAsq, 8) == 0x112345000ull);
  h->WriteReg(nvme::reg::kAcq, 0xABCDE000ull, 8);
  CHECK(h->ReadReg(nvme::reg::kAcq, 4) == 0xABCDE000ull);
}

TEST_CASE("An admin queue of one entry is a controller fatal status") {
  auto h = Unstarted();
  uint64_t q = h->memory().AllocPages(2);
  h->WriteReg(nvme::reg::kAqa, 0);  // ASQS = ACQS = 1 entry
  h->WriteReg(nvme::reg::kAsq, q, 8);
  h->WriteReg(nvme::reg::kAcq, q + 4096, 8);
  h->WriteReg(nvme::reg::kCc, nvme::cc::kEn);
  h->RunOnce();
  uint32_t csts = static_cast<uint32_t>(h->ReadReg(nvme::reg::kCsts));
  CHECK((csts & nvme::csts::kCfs) != 0);
  CHECK((csts & nvme::csts::kRdy) == 0);
  CHECK(Logged(*h, "admin queue sizes"));
  // A reset clears the fatal status and a proper enable works.
  h->WriteReg(nvme::reg::kCc, 0);
  h->RunOnce();
  CHECK(h->ReadReg(nvme::reg::kCsts) == 0);
  CHECK(h->Enable());
}

TEST_CASE("An unsupported memory page size is a controller fatal status") {
  auto h = Unstarted();
  uint64_t q = h->memory().AllocPages(2);
  h->WriteReg(nvme::reg::kAqa, (7u << 16) | 7u);
  h->WriteReg(nvme::reg::kAsq, q, 8);
  h->WriteReg(nvme::reg::kAcq, q + 4096, 8);
  h->WriteReg(nvme::reg::kCc, nvme::cc::kEn | (1u << 7));  // MPS = 8 KiB
  h->RunOnce();
  CHECK((h->ReadReg(nvme::reg::kCsts) & nvme::csts::kCfs) != 0);
  CHECK(Logged(*h, "CC.MPS"));
}

TEST_CASE("Odd-sized, misaligned and read-only register accesses are ignored") {
  auto h = MakeHost();
  uint64_t cap = h->ReadReg(nvme::reg::kCap, 8);
  h->WriteReg(nvme::reg::kCap, 0, 4);
  CHECK(h->ReadReg(nvme::reg::kCap, 8) == cap);
  CHECK(Logged(*h, "read-only or reserved register 0x0"));
  h->WriteReg(nvme::reg::kCc + 1, 0, 4);
  CHECK(h->ReadReg(nvme::reg::kCc + 2, 2) == 0);
  h->WriteReg(1ull << 40, 1, 4);  // far outside BAR0
  CHECK((h->ReadReg(nvme::reg::kCsts) & nvme::csts::kRdy) != 0);
  std::vector<uint8_t> buf(4096);
  CHECK(h->Read(1, 0, buf).ok());  // still working
}

TEST_CASE("Doorbells are write-only and kick the worker") {
  auto h = MakeHost();
  uint64_t kicks = h->kicks();
  h->WriteDoorbell(2, 0);  // SQ 1 tail: no change, but a write
  CHECK(h->kicks() == kicks + 1);
  CHECK(h->ReadReg(nvme::reg::kDoorbellBase + 8) == 0);
}

}  // namespace salix::test

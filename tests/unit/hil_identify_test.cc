// Identify: controller, namespace, active namespace list, namespace
// identification descriptors and the Salix vendor block.
#include <salix/salix.h>
#include <salix/vendor_identify.h>

#include <cstring>

#include "test_util.h"

namespace salix::test {
namespace {

std::string Trim(const char* p, size_t n) {
  std::string s(p, n);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("Identify Controller describes a Salix NVMe 1.4 SSD") {
  auto h = MakeHost({{"serial", "SN-TEST-42"}, {"queues", "4"}, {"mdts", "5"}});
  nvme::IdentifyController id;
  REQUIRE(h->IdentifyController(&id).ok());
  CHECK(id.vid == 0x1b36);
  CHECK(id.ssvid == 0x1b36);
  CHECK(Trim(id.sn, sizeof(id.sn)) == "SN-TEST-42");
  CHECK(id.sn[sizeof(id.sn) - 1] == ' ');  // space padded
  CHECK(Trim(id.mn, sizeof(id.mn)) == "Salix NVMe SSD");
  CHECK(Trim(id.fr, sizeof(id.fr)) == salix_version());
  CHECK(id.mdts == 5);
  CHECK(id.ver == 0x00010400);
  CHECK(id.cntlid != 0xFFFF);
  CHECK((id.oacs & (1u << 1)) != 0);  // Format NVM
  CHECK(id.sqes == 0x66);
  CHECK(id.cqes == 0x44);
  CHECK(id.nn == 1);
  CHECK((id.oncs & 0x1) != 0);   // Compare
  CHECK((id.oncs & 0x4) != 0);   // Dataset Management
  CHECK((id.oncs & 0x8) != 0);   // Write Zeroes
  CHECK((id.sgls & 0x3) == 1);   // SGLs supported
  CHECK((id.lpa & 0x6) == 0x6);  // effects log, extended data
  CHECK(id.elpe >= 15);
  CHECK(id.aerl >= 2);
  CHECK(id.frmw == 0x3);
  CHECK(id.npss == 0);
  CHECK(id.psd[0].mp > 0);
  CHECK(id.wctemp > 273);
  CHECK(id.cctemp > id.wctemp);
  CHECK(id.vwc == 0);  // RAM backing: no volatile cache
  CHECK(std::string(id.subnqn) == "nqn.2026-11.io.salix:SN-TEST-42");
}

TEST_CASE("The vendor-specific area carries the Salix block") {
  auto h = MakeHost();
  nvme::IdentifyController id;
  REQUIRE(h->IdentifyController(&id).ok());
  salix_vendor_identify v;
  std::memcpy(&v, reinterpret_cast<const uint8_t*>(&id) +
                      SALIX_VENDOR_IDENTIFY_OFFSET, sizeof(v));
  CHECK(std::memcmp(v.magic, SALIX_VENDOR_IDENTIFY_MAGIC,
                    SALIX_VENDOR_IDENTIFY_MAGIC_LEN) == 0);
  CHECK(v.format_version == SALIX_VENDOR_IDENTIFY_VERSION);
  CHECK(v.abi_version == SALIX_ABI_VERSION);
  CHECK(std::string(v.firmware_version) == salix_version());
  CHECK(std::string(v.personality) == "nossd");
  CHECK(v.features == SALIX_FEATURE_WRITE_TAGGED_SCATTER);
}

TEST_CASE("Identify Namespace reports size, LBA formats and DLFEAT") {
  auto h = MakeHost({{"size", "32M"}, {"lba-size", "512"}});
  nvme::IdentifyNamespace ns;
  REQUIRE(h->IdentifyNamespace(1, &ns).ok());
  CHECK(ns.nsze == (32ull << 20) / 512);
  CHECK(ns.ncap == ns.nsze);
  CHECK(ns.nlbaf == 1);  // two formats
  CHECK(ns.lbaf[ns.flbas & 0xF].lbads == 9);
  CHECK(ns.lbaf[0].lbads == 9);
  CHECK(ns.lbaf[1].lbads == 12);
  CHECK((ns.dlfeat & 0x7) == 1);  // deallocated blocks read as zeroes
  uint8_t zero[16] = {};
  CHECK(std::memcmp(ns.nguid, zero, 16) != 0);
  CHECK(h->IdentifyNamespace(2, &ns) == Status::InvalidNamespaceOrFormat());
  CHECK(h->IdentifyNamespace(0, &ns) == Status::InvalidNamespaceOrFormat());
}

TEST_CASE("Active namespace list and identification descriptors") {
  auto h = MakeHost({{"serial", "IDS1"}});
  std::vector<uint8_t> page(4096);
  REQUIRE(h->Identify(nvme::cns::kActiveNamespaces, 0, page).ok());
  uint32_t first, second;
  std::memcpy(&first, page.data(), 4);
  std::memcpy(&second, page.data() + 4, 4);
  CHECK(first == 1);
  CHECK(second == 0);
  REQUIRE(h->Identify(nvme::cns::kActiveNamespaces, 1, page).ok());
  std::memcpy(&first, page.data(), 4);
  CHECK(first == 0);  // nothing above nsid 1
  CHECK(h->Identify(nvme::cns::kActiveNamespaces, 0xFFFFFFFF, page) ==
        Status::InvalidNamespaceOrFormat());

  REQUIRE(h->Identify(nvme::cns::kNsDescriptors, 1, page).ok());
  nvme::IdentifyNamespace ns;
  REQUIRE(h->IdentifyNamespace(1, &ns).ok());
  CHECK(page[0] == nvme::kNidtNguid);
  CHECK(page[1] == 16);
  CHECK(std::memcmp(page.data() + 4, ns.nguid, 16) == 0);
  CHECK(page[20] == nvme::kNidtUuid);
  CHECK(page[21] == 16);
  CHECK(h->Identify(nvme::cns::kNsDescriptors, 7, page) ==
        Status::InvalidNamespaceOrFormat());
}

TEST_CASE("Namespace IDs differ between serials and are stable") {
  auto a = MakeHost({{"serial", "A1"}});
  auto b = MakeHost({{"serial", "B2"}});
  auto a2 = MakeHost({{"serial", "A1"}});
  nvme::IdentifyNamespace na, nb, na2;
  REQUIRE(a->IdentifyNamespace(1, &na).ok());
  REQUIRE(b->IdentifyNamespace(1, &nb).ok());
  REQUIRE(a2->IdentifyNamespace(1, &na2).ok());
  CHECK(std::memcmp(na.nguid, nb.nguid, 16) != 0);
  CHECK(std::memcmp(na.nguid, na2.nguid, 16) == 0);
}

TEST_CASE("Unknown CNS values and foreign command sets are Invalid Field") {
  auto h = MakeHost();
  std::vector<uint8_t> page(4096);
  CHECK(h->Identify(0x10, 0, page) == Status::InvalidField());
  CHECK(h->Identify(0x42, 0, page) == Status::InvalidField());
  CHECK(h->Identify(nvme::cns::kCsController, 0, page).ok());  // NVM: zeros
  CHECK(h->Identify(nvme::cns::kCsController, 0, page, 2u << 24) ==
        Status::InvalidField());  // CSI 2 (zoned) not supported yet
}

TEST_CASE("Identify into unbacked memory is a Data Transfer Error") {
  auto h = MakeHost();
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_IDENTIFY, nvme::cns::kController);
  s.dptr[0] = 0x1000;  // below guest RAM
  CHECK(StatusOf(h->Execute(0, s)) == Status::DataTransferError());
}

}  // namespace salix::test

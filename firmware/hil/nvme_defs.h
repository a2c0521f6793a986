// nvme_defs.h - NVMe 1.4 wire layouts the controller reads and writes.
//
// Plain little-endian structs (x86 and arm64 hosts are little-endian); every
// fixed layout has a static_assert on its size and on the offsets the guest
// depends on. Opcodes come from <salix/opcodes.h>; status codes from
// core/status.h.
#ifndef SALIX_HIL_NVME_DEFS_H
#define SALIX_HIL_NVME_DEFS_H

#include <cstddef>
#include <cstdint>

namespace salix::nvme {

constexpr uint32_t kPageSize = 4096;  // CC.MPS = 0 is the only page size
constexpr unsigned kPageShift = 12;

// ---- controller registers (BAR0) -----------------------------------------
namespace reg {
constexpr uint64_t kCap = 0x00;
constexpr uint64_t kVs = 0x08;
constexpr uint64_t kIntms = 0x0C;
constexpr uint64_t kIntmc = 0x10;
constexpr uint64_t kCc = 0x14;
constexpr uint64_t kCsts = 0x1C;
constexpr uint64_t kNssr = 0x20;
constexpr uint64_t kAqa = 0x24;
constexpr uint64_t kAsq = 0x28;
constexpr uint64_t kAcq = 0x30;
constexpr uint64_t kDoorbellBase = 0x1000;
}  // namespace reg

namespace cc {
constexpr uint32_t kEn = 1u << 0;
inline uint32_t Css(uint32_t v) { return (v >> 4) & 0x7; }
inline uint32_t Mps(uint32_t v) { return (v >> 7) & 0xF; }
inline uint32_t Shn(uint32_t v) { return (v >> 14) & 0x3; }
inline uint32_t Iosqes(uint32_t v) { return (v >> 16) & 0xF; }
inline uint32_t Iocqes(uint32_t v) { return (v >> 20) & 0xF; }
}  // namespace cc

namespace csts {
constexpr uint32_t kRdy = 1u << 0;
constexpr uint32_t kCfs = 1u << 1;
constexpr uint32_t kShstMask = 3u << 2;
constexpr uint32_t kShstComplete = 2u << 2;
}  // namespace csts

// ---- submission and completion entries -----------------------------------
struct Sqe {
  uint8_t opcode;
  uint8_t flags;  // FUSE 1:0, PSDT 7:6
  uint16_t cid;
  uint32_t nsid;
  uint32_t cdw2;
  uint32_t cdw3;
  uint64_t mptr;
  uint64_t dptr[2];  // PRP1/PRP2, or one 16-byte SGL descriptor
  uint32_t cdw10;
  uint32_t cdw11;
  uint32_t cdw12;
  uint32_t cdw13;
  uint32_t cdw14;
  uint32_t cdw15;

  unsigned fuse() const { return flags & 0x3; }
  unsigned psdt() const { return (flags >> 6) & 0x3; }
};
static_assert(sizeof(Sqe) == 64);
static_assert(offsetof(Sqe, dptr) == 24 && offsetof(Sqe, cdw10) == 40);

constexpr uint8_t kPsdtPrp = 0;
constexpr uint8_t kPsdtSglContigMeta = 1;
constexpr uint8_t kPsdtSglMetaSegment = 2;

struct Cqe {
  uint32_t dw0;
  uint32_t dw1;
  uint16_t sqhd;
  uint16_t sqid;
  uint16_t cid;
  uint16_t status;  // phase bit 0, status field 15:1

  bool phase() const { return status & 1; }
};
static_assert(sizeof(Cqe) == 16);

// ---- SGL ------------------------------------------------------------------
struct SglDescriptor {
  uint64_t addr;
  uint32_t length;
  uint8_t reserved[3];
  uint8_t type;  // descriptor type 7:4, subtype 3:0

  unsigned desc_type() const { return type >> 4; }
  unsigned subtype() const { return type & 0xF; }
};
static_assert(sizeof(SglDescriptor) == 16);

namespace sgl {
constexpr unsigned kDataBlock = 0x0;
constexpr unsigned kBitBucket = 0x1;
constexpr unsigned kSegment = 0x2;
constexpr unsigned kLastSegment = 0x3;
constexpr unsigned kSubtypeAddress = 0x0;
}  // namespace sgl

// ---- identify -------------------------------------------------------------
namespace cns {
constexpr uint8_t kNamespace = 0x00;
constexpr uint8_t kController = 0x01;
constexpr uint8_t kActiveNamespaces = 0x02;
constexpr uint8_t kNsDescriptors = 0x03;
constexpr uint8_t kCsController = 0x06;  // I/O command set specific controller
}  // namespace cns

struct PowerStateDescriptor {
  uint16_t mp;  // centiwatts
  uint8_t reserved0;
  uint8_t flags;  // MXPS bit0, NOPS bit1
  uint32_t enlat;
  uint32_t exlat;
  uint8_t rrt, rrl, rwt, rwl;
  uint16_t idlp;
  uint8_t ips;
  uint8_t reserved1;
  uint16_t actp;
  uint8_t apw_aps;
  uint8_t reserved2[9];
};
static_assert(sizeof(PowerStateDescriptor) == 32);

#pragma pack(push, 1)
struct IdentifyController {
  uint16_t vid;
  uint16_t ssvid;
  char sn[20];
  char mn[40];
  char fr[8];
  uint8_t rab;
  uint8_t ieee[3];
  uint8_t cmic;
  uint8_t mdts;
  uint16_t cntlid;
  uint32_t ver;
  uint32_t rtd3r;
  uint32_t rtd3e;
  uint32_t oaes;
  uint32_t ctratt;
  uint16_t rrls;
  uint8_t reserved102[9];
  uint8_t cntrltype;
  uint8_t fguid[16];
  uint16_t crdt[3];
  uint8_t reserved134[106];
  uint8_t nvmemi[16];
  uint16_t oacs;
  uint8_t acl;
  uint8_t aerl;
  uint8_t frmw;
  uint8_t lpa;
  uint8_t elpe;
  uint8_t npss;
  uint8_t avscc;
  uint8_t apsta;
  uint16_t wctemp;
  uint16_t cctemp;
  uint16_t mtfa;
  uint32_t hmpre;
  uint32_t hmmin;
  uint8_t tnvmcap[16];
  uint8_t unvmcap[16];
  uint32_t rpmbs;
  uint16_t edstt;
  uint8_t dsto;
  uint8_t fwug;
  uint16_t kas;
  uint16_t hctma;
  uint16_t mntmt;
  uint16_t mxtmt;
  uint32_t sanicap;
  uint32_t hmminds;
  uint16_t hmmaxd;
  uint16_t nsetidmax;
  uint16_t endgidmax;
  uint8_t anatt;
  uint8_t anacap;
  uint32_t anagrpmax;
  uint32_t nanagrpid;
  uint32_t pels;
  uint8_t reserved356[156];
  uint8_t sqes;
  uint8_t cqes;
  uint16_t maxcmd;
  uint32_t nn;
  uint16_t oncs;
  uint16_t fuses;
  uint8_t fna;
  uint8_t vwc;
  uint16_t awun;
  uint16_t awupf;
  uint8_t nvscc;
  uint8_t nwpc;
  uint16_t acwu;
  uint16_t ocfs;  // Optional Copy Formats Supported (NVMe 2.0)
  uint32_t sgls;
  uint32_t mnan;
  uint8_t reserved544[224];
  char subnqn[256];
  uint8_t reserved1024[768];
  uint8_t nvmeof[256];
  PowerStateDescriptor psd[32];
  uint8_t vs[1024];
};
#pragma pack(pop)
static_assert(sizeof(IdentifyController) == 4096);
static_assert(offsetof(IdentifyController, mdts) == 77);
static_assert(offsetof(IdentifyController, oacs) == 256);
static_assert(offsetof(IdentifyController, wctemp) == 266);
static_assert(offsetof(IdentifyController, tnvmcap) == 280);
static_assert(offsetof(IdentifyController, kas) == 320);
static_assert(offsetof(IdentifyController, pels) == 352);
static_assert(offsetof(IdentifyController, sqes) == 512);
static_assert(offsetof(IdentifyController, ocfs) == 534);
static_assert(offsetof(IdentifyController, sgls) == 536);
static_assert(offsetof(IdentifyController, subnqn) == 768);
static_assert(offsetof(IdentifyController, psd) == 2048);
static_assert(offsetof(IdentifyController, vs) == 3072);

struct LbaFormatDescriptor {
  uint16_t ms;
  uint8_t lbads;
  uint8_t rp;
};
static_assert(sizeof(LbaFormatDescriptor) == 4);

#pragma pack(push, 1)
struct IdentifyNamespace {
  uint64_t nsze;
  uint64_t ncap;
  uint64_t nuse;
  uint8_t nsfeat;
  uint8_t nlbaf;  // 0-based
  uint8_t flbas;
  uint8_t mc;
  uint8_t dpc;
  uint8_t dps;
  uint8_t nmic;
  uint8_t rescap;
  uint8_t fpi;
  uint8_t dlfeat;
  uint16_t nawun;
  uint16_t nawupf;
  uint16_t nacwu;
  uint16_t nabsn;
  uint16_t nabo;
  uint16_t nabspf;
  uint16_t noiob;
  uint8_t nvmcap[16];
  uint16_t npwg;
  uint16_t npwa;
  uint16_t npdg;
  uint16_t npda;
  uint16_t nows;
  uint16_t mssrl;  // Copy: maximum single source range length (NVMe 2.0)
  uint32_t mcl;    // Copy: maximum copy length, blocks
  uint8_t msrc;    // Copy: maximum source range count, 0-based
  uint8_t reserved81[11];
  uint32_t anagrpid;
  uint8_t reserved96[3];
  uint8_t nsattr;
  uint16_t nvmsetid;
  uint16_t endgid;
  uint8_t nguid[16];
  uint8_t eui64[8];
  LbaFormatDescriptor lbaf[16];
  uint8_t reserved192[192];
  uint8_t vs[3712];
};
#pragma pack(pop)
static_assert(sizeof(IdentifyNamespace) == 4096);
static_assert(offsetof(IdentifyNamespace, dlfeat) == 33);
static_assert(offsetof(IdentifyNamespace, mssrl) == 74 &&
              offsetof(IdentifyNamespace, mcl) == 76 &&
              offsetof(IdentifyNamespace, msrc) == 80);
static_assert(offsetof(IdentifyNamespace, nguid) == 104);
static_assert(offsetof(IdentifyNamespace, lbaf) == 128);

// Namespace Identification Descriptor header (CNS 03h).
struct NsIdDescriptorHeader {
  uint8_t nidt;
  uint8_t nidl;
  uint16_t reserved;
};
static_assert(sizeof(NsIdDescriptorHeader) == 4);
constexpr uint8_t kNidtNguid = 2;
constexpr uint8_t kNidtUuid = 3;

// ---- log pages --------------------------------------------------------------
namespace lid {
constexpr uint8_t kErrorInfo = 0x01;
constexpr uint8_t kSmartHealth = 0x02;
constexpr uint8_t kFirmwareSlot = 0x03;
constexpr uint8_t kCommandEffects = 0x05;
}  // namespace lid

#pragma pack(push, 1)
struct ErrorLogEntry {
  uint64_t error_count;
  uint16_t sqid;
  uint16_t cid;
  uint16_t status;  // phase bit 0, status field 15:1
  uint16_t param_error_location;
  uint64_t lba;
  uint32_t nsid;
  uint8_t vs;
  uint8_t trtype;
  uint8_t reserved30[2];
  uint64_t cs;
  uint16_t trtype_specific;
  uint8_t reserved42[22];
};
#pragma pack(pop)
static_assert(sizeof(ErrorLogEntry) == 64);

#pragma pack(push, 1)
struct SmartLog {
  uint8_t critical_warning;
  uint16_t composite_temperature;  // Kelvin
  uint8_t available_spare;
  uint8_t available_spare_threshold;
  uint8_t percentage_used;
  uint8_t endurance_group_warning;
  uint8_t reserved7[25];
  uint8_t data_units_read[16];
  uint8_t data_units_written[16];
  uint8_t host_read_commands[16];
  uint8_t host_write_commands[16];
  uint8_t controller_busy_time[16];
  uint8_t power_cycles[16];
  uint8_t power_on_hours[16];
  uint8_t unsafe_shutdowns[16];
  uint8_t media_errors[16];
  uint8_t num_error_log_entries[16];
  uint32_t warning_temp_time;
  uint32_t critical_temp_time;
  uint16_t temp_sensor[8];
  uint32_t thermal_mgmt_transitions[2];
  uint32_t thermal_mgmt_time[2];
  uint8_t reserved232[280];
};
#pragma pack(pop)
static_assert(sizeof(SmartLog) == 512);
static_assert(offsetof(SmartLog, data_units_read) == 32);
static_assert(offsetof(SmartLog, num_error_log_entries) == 176);

struct FirmwareSlotLog {
  uint8_t afi;
  uint8_t reserved1[7];
  char frs[7][8];
  uint8_t reserved64[448];
};
static_assert(sizeof(FirmwareSlotLog) == 512);

struct CommandEffectsLog {
  uint32_t acs[256];
  uint32_t iocs[256];
  uint8_t reserved[2048];
};
static_assert(sizeof(CommandEffectsLog) == 4096);

// ---- I/O command payloads -------------------------------------------------
struct DsmRange {
  uint32_t attributes;
  uint32_t nlb;  // 1-based here, unlike the command's NLB field
  uint64_t slba;
};
static_assert(sizeof(DsmRange) == 16);

// Copy source range entry, descriptor format 0 (NVMe 2.0 NVM Command Set,
// 3.2.2): SLBA and a 0-based NLB; the rest is protection information.
struct CopyRangeFormat0 {
  uint8_t reserved0[8];
  uint64_t slba;
  uint16_t nlb;  // 0-based
  uint8_t reserved18[6];
  uint32_t eilbrt;
  uint16_t elbat;
  uint16_t elbatm;
};
static_assert(sizeof(CopyRangeFormat0) == 32);

// ---- features ---------------------------------------------------------------
namespace fid {
constexpr uint8_t kArbitration = 0x01;
constexpr uint8_t kPowerManagement = 0x02;
constexpr uint8_t kTemperatureThreshold = 0x04;
constexpr uint8_t kVolatileWriteCache = 0x06;
constexpr uint8_t kNumberOfQueues = 0x07;
constexpr uint8_t kInterruptCoalescing = 0x08;
constexpr uint8_t kInterruptVectorConfig = 0x09;
constexpr uint8_t kAsyncEventConfig = 0x0B;
}  // namespace fid

// ---- asynchronous events ----------------------------------------------------
namespace aer {
constexpr uint8_t kTypeError = 0x0;
constexpr uint8_t kTypeSmart = 0x1;
constexpr uint8_t kTypeNotice = 0x2;
constexpr uint8_t kInfoInvalidDoorbellRegister = 0x00;
constexpr uint8_t kInfoInvalidDoorbellValue = 0x01;
}  // namespace aer

// 128-bit little-endian counters in log pages.
inline void PutU128(uint8_t (&dst)[16], uint64_t value) {
  for (int i = 0; i < 16; i++) {
    dst[i] = i < 8 ? static_cast<uint8_t>(value >> (8 * i)) : 0;
  }
}

}  // namespace salix::nvme

#endif  // SALIX_HIL_NVME_DEFS_H

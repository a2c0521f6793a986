#include "hil/identify.h"

#include <salix/salix.h>
#include <salix/vendor_identify.h>

#include <algorithm>
#include <cstring>

namespace salix {
namespace {

constexpr uint16_t kVendorId = 0x1b36;  // Red Hat / QEMU, as the PCI device

// Identify strings are space padded, not NUL terminated.
void PutPadded(char* dst, size_t n, const std::string& s) {
  std::memset(dst, ' ', n);
  std::memcpy(dst, s.data(), std::min(n, s.size()));
}

void PutCString(char* dst, size_t n, const std::string& s) {
  std::memset(dst, 0, n);
  std::memcpy(dst, s.data(), std::min(n - 1, s.size()));
}

uint64_t Fnv1a(const std::string& s, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

void PutU64Le(uint8_t* dst, uint64_t v) {
  for (int i = 0; i < 8; i++) dst[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

void DeriveNamespaceIds(const std::string& serial, uint8_t (&nguid)[16],
                        uint8_t (&uuid)[16]) {
  PutU64Le(nguid, Fnv1a(serial, 0x5a11));
  PutU64Le(nguid + 8, Fnv1a(serial, 0x5a12));
  PutU64Le(uuid, Fnv1a(serial, 0x5a13));
  PutU64Le(uuid + 8, Fnv1a(serial, 0x5a14));
  uuid[6] = static_cast<uint8_t>((uuid[6] & 0x0F) | 0x80);  // version 8
  uuid[8] = static_cast<uint8_t>((uuid[8] & 0x3F) | 0x80);  // RFC 4122 variant
}

void BuildIdentifyController(const ControllerIdentity& id,
                             const Personality& p,
                             nvme::IdentifyController* out) {
  std::memset(out, 0, sizeof(*out));
  out->vid = kVendorId;
  out->ssvid = kVendorId;
  PutPadded(out->sn, sizeof(out->sn), id.serial);
  PutPadded(out->mn, sizeof(out->mn), id.model);
  PutPadded(out->fr, sizeof(out->fr), id.firmware_version);
  out->rab = 6;
  out->mdts = id.mdts;
  out->cntlid = id.cntlid;
  out->ver = 0x00010400;
  out->cntrltype = 1;  // I/O controller
  out->oacs = 1u << 1;  // Format NVM
  out->acl = id.acl;
  out->aerl = id.aerl;
  out->frmw = (1u << 1) | 1u;  // one slot, read-only
  // LPA: Commands Supported and Effects log (bit 1) and extended data for
  // Get Log Page: NUMDU, LPOL/LPOU (bit 2).
  out->lpa = (1u << 1) | (1u << 2);
  out->elpe = id.elpe;
  out->npss = 0;
  out->wctemp = id.warning_temp_kelvin;
  out->cctemp = id.critical_temp_kelvin;
  uint64_t bytes = p.capacity_blocks() * p.lba_size();
  nvme::PutU128(out->tnvmcap, bytes);
  out->sqes = 0x66;
  out->cqes = 0x44;
  out->nn = 1;
  // ONCS: Compare (0), Write Zeroes (3), Save/Select in features (4),
  // Dataset Management (2), Copy (8).
  out->oncs = (1u << 0) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 8);
  out->ocfs = 1u << 0;  // Copy descriptor format 0 only
  // FNA: a format or secure erase applies to all namespaces (one here).
  out->fna = 1u << 0;
  out->vwc = p.has_volatile_write_cache() ? 1 : 0;
  out->sgls = 1u;  // SGLs supported, no alignment requirement
  out->sgls |= 1u << 16;  // SGL Bit Bucket descriptor supported
  PutCString(out->subnqn, sizeof(out->subnqn), id.subnqn);

  nvme::PowerStateDescriptor& ps0 = out->psd[0];
  ps0.mp = 2500;  // 25 W, in centiwatts
  ps0.enlat = 0;
  ps0.exlat = 0;

  salix_vendor_identify v;
  std::memset(&v, 0, sizeof(v));
  std::memcpy(v.magic, SALIX_VENDOR_IDENTIFY_MAGIC,
              SALIX_VENDOR_IDENTIFY_MAGIC_LEN);
  v.format_version = SALIX_VENDOR_IDENTIFY_VERSION;
  v.abi_version = SALIX_ABI_VERSION;
  PutCString(v.firmware_version, sizeof(v.firmware_version),
             id.firmware_version);
  PutCString(v.personality, sizeof(v.personality), std::string(p.name()));
  v.features = SALIX_FEATURE_WRITE_TAGGED_SCATTER;
  static_assert(sizeof(v) == sizeof(out->vs));
  std::memcpy(out->vs, &v, sizeof(v));
}

void BuildIdentifyNamespace(const ControllerIdentity& id, const Personality& p,
                            uint64_t host_blocks, nvme::IdentifyNamespace* out) {
  std::memset(out, 0, sizeof(*out));
  out->nsze = host_blocks;
  out->ncap = host_blocks;
  out->nuse = std::min(p.blocks_in_use(), host_blocks);
  auto formats = p.lba_formats();
  out->nlbaf = static_cast<uint8_t>(formats.size() - 1);
  out->flbas = static_cast<uint8_t>(p.current_lba_format() & 0xF);
  // Deallocated blocks read as zeroes; Write Zeroes may deallocate.
  out->dlfeat = 0x1 | (1u << 3);
  const CopyLimits copy = CopyLimitsFor(p.lba_size());
  out->mssrl = copy.mssrl;
  out->mcl = copy.mcl;
  out->msrc = copy.msrc;
  for (size_t i = 0; i < formats.size() && i < 16; i++) {
    out->lbaf[i].ms = formats[i].metadata_size;
    out->lbaf[i].lbads =
        static_cast<uint8_t>(__builtin_ctz(formats[i].lba_size));
    out->lbaf[i].rp = formats[i].lba_size == 4096 ? 0 : 2;  // best = 4K
  }
  uint8_t uuid[16];
  DeriveNamespaceIds(id.serial, out->nguid, uuid);
  nvme::PutU128(out->nvmcap, host_blocks * p.lba_size());
}

void BuildNamespaceDescriptors(const ControllerIdentity& id, uint8_t* page) {
  std::memset(page, 0, nvme::kPageSize);
  uint8_t nguid[16], uuid[16];
  DeriveNamespaceIds(id.serial, nguid, uuid);
  size_t off = 0;
  for (auto [type, bytes] : {std::pair{nvme::kNidtNguid, nguid},
                             std::pair{nvme::kNidtUuid, uuid}}) {
    nvme::NsIdDescriptorHeader h{type, 16, 0};
    std::memcpy(page + off, &h, sizeof(h));
    std::memcpy(page + off + sizeof(h), bytes, 16);
    off += sizeof(h) + 16;
  }
}

}  // namespace salix

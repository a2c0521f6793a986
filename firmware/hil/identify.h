// identify.h - the Identify data structures (NVMe 1.4, 5.15) built from the
// controller's identity and the namespace personality.
//
// Thread-safety: pure functions of their arguments.
#ifndef SALIX_HIL_IDENTIFY_H
#define SALIX_HIL_IDENTIFY_H

#include <cstdint>
#include <string>

#include "core/personality.h"
#include "hil/nvme_defs.h"

namespace salix {

// Facts about the controller that Identify and the logs publish.
struct ControllerIdentity {
  std::string serial;
  std::string model;
  std::string firmware_version;
  std::string subnqn;
  uint16_t cntlid = 1;
  uint8_t mdts = 7;
  uint16_t max_io_queues = 8;
  uint8_t acl = 3;    // 0-based: four concurrent Aborts
  uint8_t aerl = 3;   // 0-based
  uint8_t elpe = 63;  // 0-based Error Information log entries
  uint16_t warning_temp_kelvin = 343;   // 70 C
  uint16_t critical_temp_kelvin = 358;  // 85 C
};

// Copy (19h) limits the namespace advertises and the HIL enforces. A Copy
// moves its data through controller memory in one piece, so MCL bounds that
// memory and the time one command holds the worker: 4 MiB, whatever the
// block size. One range may be the whole copy; 128 ranges.
struct CopyLimits {
  uint32_t mcl;    // blocks in all ranges together
  uint16_t mssrl;  // blocks in one range
  uint8_t msrc;    // ranges, 0-based
};
inline constexpr uint64_t kCopyMaxBytes = 4u << 20;
inline CopyLimits CopyLimitsFor(uint32_t lba_size) {
  const uint32_t mcl = static_cast<uint32_t>(kCopyMaxBytes / lba_size);
  return {mcl, static_cast<uint16_t>(mcl < 0xFFFF ? mcl : 0xFFFF), 127};
}

void BuildIdentifyController(const ControllerIdentity& id,
                             const Personality& p,
                             nvme::IdentifyController* out);
// host_blocks: the namespace size the host sees (Controller::HostBlocks).
void BuildIdentifyNamespace(const ControllerIdentity& id, const Personality& p,
                            uint64_t host_blocks, nvme::IdentifyNamespace* out);
// Namespace Identification Descriptor list (CNS 03h) into a 4096-byte page.
void BuildNamespaceDescriptors(const ControllerIdentity& id, uint8_t* page);

// The namespace's NGUID and UUID, derived from the serial number so they are
// stable across restarts and differ between devices (Linux rejects
// namespaces whose IDs collide across subsystems).
void DeriveNamespaceIds(const std::string& serial, uint8_t (&nguid)[16],
                        uint8_t (&uuid)[16]);

}  // namespace salix

#endif  // SALIX_HIL_IDENTIFY_H

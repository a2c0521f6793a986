// controller_info.h - what the host driver knows about one NVMe controller.
//
// Filled by discovery (linux/discovery.cc on a guest, or the embedded
// backend). Plain data; no ownership of file descriptors.
#ifndef SALIX_HOST_CONTROLLER_INFO_H
#define SALIX_HOST_CONTROLLER_INFO_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace salix::host {

struct NamespaceInfo {
  uint32_t nsid = 0;
  std::string block_path;    // /dev/nvme0n1
  std::string generic_path;  // /dev/ng0n1 (io_uring passthrough), may be empty
  uint64_t lba_count = 0;
  uint32_t lba_size = 0;
  uint64_t capacity_bytes() const { return lba_count * lba_size; }
};

// The Salix-specific facts a controller publishes in the vendor-specific
// area of Identify Controller (see salix/vendor_identify.h).
struct SalixIdentity {
  std::string firmware_version;
  std::string personality;
  uint32_t features = 0;  // SALIX_FEATURE_* (<salix/vendor_identify.h>)
};

struct ControllerInfo {
  std::string name;         // nvme0
  std::string device_path;  // /dev/nvme0
  std::string serial;
  std::string model;
  std::string firmware_revision;       // Identify Controller FR
  std::optional<SalixIdentity> salix;  // absent: not a Salix device
  std::vector<NamespaceInfo> namespaces;

  uint64_t capacity_bytes() const {
    uint64_t total = 0;
    for (const auto& ns : namespaces) total += ns.capacity_bytes();
    return total;
  }
};

}  // namespace salix::host

#endif  // SALIX_HOST_CONTROLLER_INFO_H

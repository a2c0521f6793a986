// discovery.h - find the NVMe controllers of this (guest) machine.
#ifndef SALIX_HOST_DISCOVERY_H
#define SALIX_HOST_DISCOVERY_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "salix/host/controller_info.h"
#include "salix/host/error.h"

namespace salix::host {

// Every NVMe controller libnvme finds, with its namespaces; Salix controllers
// carry ControllerInfo::salix. Needs read access to /dev/nvmeN for Identify
// (root in the guest). Controllers that cannot be opened are listed without
// the Salix identity rather than failing the whole scan.
Result<std::vector<ControllerInfo>> discover_controllers();

// Decodes the Salix identity from the 1024-byte vendor-specific area of an
// Identify Controller data structure (bytes 3072..4095). Returns nullopt when
// the area does not carry the Salix magic or a known format version.
std::optional<SalixIdentity> parse_salix_identity(const uint8_t* vendor_area,
                                                  size_t length);

}  // namespace salix::host

#endif  // SALIX_HOST_DISCOVERY_H

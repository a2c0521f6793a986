// identity.cc - decoding the Salix block of Identify Controller.
#include <cstring>
#include <string>

#include "salix/host/discovery.h"
#include "salix/vendor_identify.h"

namespace salix::host {
namespace {

// Fixed-size, NUL-padded field -> string, never reading past the field even
// when a device forgot the terminator.
std::string field(const char* p, size_t n) { return std::string(p, strnlen(p, n)); }

}  // namespace

std::optional<SalixIdentity> parse_salix_identity(const uint8_t* vendor_area,
                                                  size_t length) {
  if (vendor_area == nullptr || length < sizeof(salix_vendor_identify)) return std::nullopt;
  salix_vendor_identify block;
  std::memcpy(&block, vendor_area, sizeof(block));
  if (std::memcmp(block.magic, SALIX_VENDOR_IDENTIFY_MAGIC, SALIX_VENDOR_IDENTIFY_MAGIC_LEN) != 0)
    return std::nullopt;
  // A newer format changes the meaning of fields we would read.
  if (block.format_version != SALIX_VENDOR_IDENTIFY_VERSION) return std::nullopt;
  return SalixIdentity{field(block.firmware_version, sizeof(block.firmware_version)),
                       field(block.personality, sizeof(block.personality)), block.features};
}

}  // namespace salix::host

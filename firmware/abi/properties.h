// properties.h - the one table of configuration properties.
//
// Every key a user can set (QEMU -device salix-nvme,key=value, the embedded
// host's options, the docs) comes from kProperties. Personality-specific
// keys (flash.*, timing.*, ftl.*) are added here with their scope set to the
// personality that reads them; the HIL never sees them.
#ifndef SALIX_ABI_PROPERTIES_H
#define SALIX_ABI_PROPERTIES_H

#include <span>

#include "core/config.h"

namespace salix {

std::span<const PropertySpec> PropertyTable();

}  // namespace salix

#endif  // SALIX_ABI_PROPERTIES_H

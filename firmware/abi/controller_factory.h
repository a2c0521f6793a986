// controller_factory.h - a Controller from a validated Config: the
// cross-property checks, the personality lookup and the HIL options.
#ifndef SALIX_ABI_CONTROLLER_FACTORY_H
#define SALIX_ABI_CONTROLLER_FACTORY_H

#include <memory>
#include <string>

#include "core/config.h"
#include "core/platform.h"
#include "core/result.h"
#include "hil/controller.h"

namespace salix {

// Errors name the offending key. The platform must outlive the controller.
Result<std::unique_ptr<Controller>, std::string> MakeController(
    const Config& config, Platform& platform);

const char* FirmwareVersion();

}  // namespace salix

#endif  // SALIX_ABI_CONTROLLER_FACTORY_H

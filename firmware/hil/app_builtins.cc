// The built-in (trusted) apps every controller starts with, registered
// with the app registry at power-on (apps/registry.h). Each gets the next
// slot from SALIX_APP_BUILTIN_SLOT_BASE and, if it asks for one, a private
// LBA region at the top of the namespace; Recover() runs before any call.
//
// Hook for firmware/apps/builtin/ (transactions, key-value store, append):
// add one RegisterBuiltin line per app below.
#include "hil/app_flash.h"
#include "hil/controller.h"

namespace salix {

void Controller::RegisterBuiltinApps(uint64_t now) {
  PersonalityFlash ns(*personality_, now);
  (void)ns;
  // e.g.:
  //   if (auto r = apps_.RegisterBuiltin(std::make_unique<apps::TxApp>(), ns); !r.ok())
  //     log_.Info("apps: {}", r.error().reason);
}

}  // namespace salix

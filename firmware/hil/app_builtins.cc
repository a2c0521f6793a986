// The built-in (trusted) apps a controller starts with, registered with the
// app registry at power-on (apps/registry.h). Each gets the next slot from
// SALIX_APP_BUILTIN_SLOT_BASE and, if it asks for one, a private LBA region
// at the top of the namespace; Recover(private, device) runs before any
// call.
//
// Off by default (ControllerOptions::builtin_apps): the private regions are
// not yet fenced off from host I/O, so on a namespace used as a plain disk
// a built-in app would recover from whatever the host wrote there. Hosts
// that want them (tests, benchmarks, and the QEMU device once it forwards
// a property for it) set the option.
//
// One add() per app from firmware/apps/builtin/; the kv store and append
// apps keep their data in ranges of the caller's domain (no private region).
#include "apps/builtin/append.h"
#include "apps/builtin/kv_store.h"
#include "apps/builtin/transactions.h"
#include "hil/app_flash.h"
#include "hil/controller.h"

namespace salix {

void Controller::RegisterBuiltinApps(uint64_t now) {
  if (!options_.builtin_apps) return;
  PersonalityFlash ns(*personality_, now);
  auto add = [&](std::unique_ptr<apps::App> app) {
    const std::string name(app->name());
    auto r = apps_.RegisterBuiltin(std::move(app), ns);
    if (r.ok()) {
      log_.Info("apps: built-in app '{}' at slot 0x{:x}", name, r.value());
    } else {
      log_.Info("apps: built-in app '{}' not available: {}", name, r.error().reason);
    }
  };
  add(std::make_unique<apps::builtin::TransactionApp>());
  add(std::make_unique<apps::builtin::KvApp>());
  add(std::make_unique<apps::builtin::AppendApp>());
}

}  // namespace salix

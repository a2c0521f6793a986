// The built-in (trusted) apps a controller starts with, registered with the
// app registry at power-on (apps/registry.h). Each gets the next slot from
// SALIX_APP_BUILTIN_SLOT_BASE and, if it asks for one, a private LBA region
// at the top of the namespace; Recover(private, device) runs before any
// call.
//
// Off by default (property apps.builtin, ControllerOptions::builtin_apps):
// the transaction app's private region comes off the top of the namespace
// (Controller::HostBlocks: Identify reports the smaller size and host
// commands past it fail with LBA Out of Range), so a plain disk keeps its
// full size unless the user asks for the apps. Known gap: the region is
// sized in LBAs of the format at power-on; Format NVM to another LBA size
// needs a power cycle before the apps are used again.
//
// One add() per app from firmware/apps/builtin/; the kv store and append
// apps keep their data in ranges of the caller's domain (no private region).
#include <algorithm>

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
  // The transaction log: 1/16 of the namespace, 64..8192 LBAs (32 MiB of
  // 4 KiB blocks: SALIX_TXN_MAX_OPEN transactions of 2 MiB each).
  apps::builtin::TransactionOptions txn;
  txn.private_lbas = std::clamp<uint64_t>(personality_->capacity_blocks() / 16,
                                          64, txn.private_lbas);
  add(std::make_unique<apps::builtin::TransactionApp>(txn));
  add(std::make_unique<apps::builtin::KvApp>());
  add(std::make_unique<apps::builtin::AppendApp>());
}

}  // namespace salix

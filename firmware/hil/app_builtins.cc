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
//
// The transaction app retires its commit records lazily, so every other
// writer must let it settle the commits that name the LBAs it writes
// (apps/builtin/transactions.h): host commands here (SettleTxnHomes, called
// by ExecuteIo before the command runs), other apps' writes through
// SettlingFlash (io_invoke.cc). Dataset Management, Copy and Parity Compute
// settle every pending commit rather than parse their ranges twice: they
// are rare next to commits, and settling costs two Flushes only when
// something is pending.
#include <salix/opcodes.h>

#include <algorithm>

#include "apps/builtin/append.h"
#include "apps/builtin/kv_store.h"
#include "apps/builtin/transactions.h"
#include "hil/app_flash.h"
#include "hil/controller.h"
#include "hil/io_helpers.h"

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
  auto txn_app = std::make_unique<apps::builtin::TransactionApp>(txn);
  apps::builtin::TransactionApp* txn_ptr = txn_app.get();
  const size_t reserved_before = apps_.reserved().size();
  add(std::move(txn_app));
  if (apps_.reserved().size() == reserved_before + 1) {  // registered
    txn_settler_.app = txn_ptr;
    txn_settler_.private_first = apps_.reserved().back().first;
    txn_settler_.private_lbas = apps_.reserved().back().count;
  }
  add(std::make_unique<apps::builtin::KvApp>());
  add(std::make_unique<apps::builtin::AppendApp>());
}

std::optional<CommandResult> Controller::SettleTxnHomes(const nvme::Sqe& sqe,
                                                       uint64_t* now) {
  if (txn_settler_.app == nullptr) return std::nullopt;
  uint64_t first = 0, count = 0;
  switch (sqe.opcode) {
    case SALIX_IO_WRITE:
    case SALIX_IO_WRITE_TAGGED:
    case SALIX_IO_WRITE_ZEROES:
      first = io::Slba(sqe);
      count = io::Nlb(sqe);
      break;
    case SALIX_IO_DATASET_MANAGEMENT:
      if (!((sqe.cdw11 >> 2) & 1)) return std::nullopt;  // hints only
      [[fallthrough]];
    case SALIX_IO_COPY:
    case SALIX_IO_PARITY_COMPUTE:
      count = personality_->capacity_blocks();
      break;
    default:
      return std::nullopt;
  }
  PersonalityFlash ns(*personality_, *now);
  Status s = txn_settler_.Before(ns, first, count);
  *now = ns.now_ns();
  if (s.ok()) return std::nullopt;
  log_.Info("apps: settling the transaction log before a write failed: {}", s.ToString());
  return io::Fail(s, *now, ParamLocation(io::kByteCdw10));
}

}  // namespace salix

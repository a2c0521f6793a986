// app_flash.h - the namespace as SSD apps see it (apps::Flash over the
// controller's Personality), booking modelled device time.
//
// An app's flash accesses are dependent in general (a B-tree lookup reads
// the next node only once it has the current one), so they are booked one
// after another: each operation starts when the previous one finished, and
// now_ns() is when the last one did. The invocation completes at now_ns().
// Data moves inside the device (IoRequest::internal): no host-link time;
// and no per-command firmware time (IoRequest::in_app): the Invoke that
// runs the app is the host command and pays it once (io_invoke.cc). A Flush
// has no IoRequest: Personality::Flush charges the firmware time as for a
// host Flush, so it is taken off again here (an app's Flush waits for the
// write buffer to drain, nothing else).
//
// TxnSettler and SettlingFlash: the hook that keeps the transaction app's
// lazily retired commit records from being replayed over newer data
// (apps/builtin/transactions.h): every writer other than the app settles
// the pending commits that name the LBAs it is about to write.
//
// Thread-safety: one invocation on the worker thread.
#ifndef SALIX_HIL_APP_FLASH_H
#define SALIX_HIL_APP_FLASH_H

#include <algorithm>

#include "apps/builtin/transactions.h"
#include "apps/checked_flash.h"
#include "apps/flash.h"
#include "core/personality.h"
#include "hil/memory_transfer.h"

namespace salix {

class PersonalityFlash final : public apps::Flash {
 public:
  PersonalityFlash(Personality& p, uint64_t now_ns) : p_(p), now_(now_ns) {}

  uint32_t lba_size() const override { return p_.lba_size(); }
  uint64_t lba_count() const override { return p_.capacity_blocks(); }

  Status Read(uint64_t lba, uint32_t count, std::span<uint8_t> dst) override {
    if (Status s = Check(lba, count, dst.size()); !s.ok()) return s;
    MemoryTransfer xfer(dst);
    return Book(p_.Read(Request(lba, count), xfer));
  }
  Status Write(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (Status s = Check(lba, count, src.size()); !s.ok()) return s;
    // MemoryTransfer only reads from the span for a write.
    MemoryTransfer xfer({const_cast<uint8_t*>(src.data()), src.size()});
    return Book(p_.Write(Request(lba, count), xfer));
  }
  // The personality's FUA write: on the ftl one, it completes when its own
  // pages are programmed (and synced), not when the buffer drains.
  Status WriteFua(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (Status s = Check(lba, count, src.size()); !s.ok()) return s;
    MemoryTransfer xfer({const_cast<uint8_t*>(src.data()), src.size()});
    IoRequest r = Request(lba, count);
    r.fua = true;
    return Book(p_.Write(r, xfer));
  }
  // Issued at the same time (the ftl programs them on their dies in
  // parallel); complete when the last one is.
  Status WriteFuaTogether(std::span<const FuaWrite> writes) override {
    const uint64_t start = now_;
    uint64_t end = now_;
    for (const FuaWrite& w : writes) {
      now_ = start;
      Status s = WriteFua(w.lba, w.count, w.src);
      end = std::max(end, now_);
      if (!s.ok()) {
        now_ = end;
        return s;
      }
    }
    now_ = end;
    return Status();
  }
  Status Deallocate(uint64_t lba, uint32_t count) override {
    if (Status s = Check(lba, count, uint64_t{count} * lba_size()); !s.ok()) return s;
    return Book(p_.Deallocate(Request(lba, count)));
  }
  Status Flush() override {
    IoResult r = p_.Flush(now_);
    const uint64_t fw = p_.command_overhead_ns();
    r.due_ns = r.due_ns >= now_ + fw ? r.due_ns - fw : now_;
    return Book(r);
  }
  uint64_t now_ns() const override { return now_; }

 private:
  Status Check(uint64_t lba, uint32_t count, uint64_t bytes) const {
    if (count == 0 || bytes != uint64_t{count} * lba_size()) return Status::InvalidField();
    if (lba >= lba_count() || count > lba_count() - lba) return Status::LbaOutOfRange();
    return Status();
  }
  IoRequest Request(uint64_t lba, uint32_t count) const {
    IoRequest r;
    r.slba = lba;
    r.nlb = count;
    r.now_ns = now_;
    r.internal = true;
    r.ready_ns = now_;
    r.in_app = true;
    return r;
  }
  Status Book(const IoResult& r) {
    now_ = std::max(now_, r.due_ns);
    return r.status;
  }

  Personality& p_;
  uint64_t now_;
};

// The transaction app's private region and the question it answers.
struct TxnSettler {
  apps::builtin::TransactionApp* app = nullptr;  // nullptr: no txn app
  uint64_t private_first = 0;
  uint64_t private_lbas = 0;

  // Before a write of [lba, lba + count) by anyone but the app; 'ns' is the
  // namespace (unchecked), and books the time the settling takes. A
  // failure must fail the write: it would otherwise be exposed to replay.
  Status Before(apps::Flash& ns, uint64_t lba, uint64_t count) const {
    if (app == nullptr || !app->Pending(lba, count)) return Status();
    apps::WindowFlash priv(ns, private_first, private_lbas);
    return app->Settle(priv, ns);
  }
};

// The namespace for an Invoke: writes and deallocates settle first. (The
// app's own writes pass: Pending() is false while it runs.)
class SettlingFlash final : public apps::Flash {
 public:
  SettlingFlash(apps::Flash& inner, const TxnSettler& settler)
      : inner_(inner), settler_(settler) {}

  uint32_t lba_size() const override { return inner_.lba_size(); }
  uint64_t lba_count() const override { return inner_.lba_count(); }
  Status Read(uint64_t lba, uint32_t count, std::span<uint8_t> dst) override {
    return inner_.Read(lba, count, dst);
  }
  Status Write(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (Status s = settler_.Before(inner_, lba, count); !s.ok()) return s;
    return inner_.Write(lba, count, src);
  }
  Status WriteFua(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (Status s = settler_.Before(inner_, lba, count); !s.ok()) return s;
    return inner_.WriteFua(lba, count, src);
  }
  Status WriteFuaTogether(std::span<const FuaWrite> writes) override {
    for (const FuaWrite& w : writes) {
      if (Status s = settler_.Before(inner_, w.lba, w.count); !s.ok()) return s;
    }
    return inner_.WriteFuaTogether(writes);
  }
  Status Deallocate(uint64_t lba, uint32_t count) override {
    if (Status s = settler_.Before(inner_, lba, count); !s.ok()) return s;
    return inner_.Deallocate(lba, count);
  }
  Status Flush() override { return inner_.Flush(); }
  uint64_t now_ns() const override { return inner_.now_ns(); }

 private:
  apps::Flash& inner_;
  const TxnSettler& settler_;
};

}  // namespace salix

#endif  // SALIX_HIL_APP_FLASH_H

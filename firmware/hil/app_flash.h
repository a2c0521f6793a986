// app_flash.h - the namespace as SSD apps see it (apps::Flash over the
// controller's Personality), booking modelled device time.
//
// An app's flash accesses are dependent in general (a B-tree lookup reads
// the next node only once it has the current one), so they are booked one
// after another: each operation starts when the previous one finished, and
// now_ns() is when the last one did. The invocation completes at now_ns().
// Data moves inside the device (IoRequest::internal): no host-link time;
// and no per-command firmware time (IoRequest::in_app): the Invoke that
// runs the app is the host command and pays it once (io_invoke.cc).
//
// Thread-safety: one invocation on the worker thread.
#ifndef SALIX_HIL_APP_FLASH_H
#define SALIX_HIL_APP_FLASH_H

#include <algorithm>

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
  Status Deallocate(uint64_t lba, uint32_t count) override {
    if (Status s = Check(lba, count, uint64_t{count} * lba_size()); !s.ok()) return s;
    return Book(p_.Deallocate(Request(lba, count)));
  }
  Status Flush() override { return Book(p_.Flush(now_)); }
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

}  // namespace salix

#endif  // SALIX_HIL_APP_FLASH_H

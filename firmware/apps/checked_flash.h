// checked_flash.h - Flash wrappers the registry puts between an app and the
// namespace.
//
// CheckedFlash: every access is checked against the caller's Domain before
// it reaches the wrapped Flash; a refused access returns
// Status::AppAccessDenied() and touches nothing (Willow: the firmware
// enforces the host's permissions). It also counts what the app moved, for
// the app's statistics, and remembers the first refusal so the invocation
// can report it.
//
// WindowFlash: a built-in app's private region [first, first + count) of
// the namespace, seen as LBAs 0 .. count - 1.
//
// Thread-safety: as Flash (one invocation, one thread).
#ifndef SALIX_APPS_CHECKED_FLASH_H
#define SALIX_APPS_CHECKED_FLASH_H

#include <fmt/format.h>

#include <string>
#include <vector>

#include "apps/domain.h"
#include "apps/flash.h"

namespace salix::apps {

class CheckedFlash final : public Flash {
 public:
  // 'domain' nullptr grants nothing. Both must outlive this object.
  CheckedFlash(Flash& inner, const Domain* domain) : inner_(inner), domain_(domain) {}

  uint32_t lba_size() const override { return inner_.lba_size(); }
  uint64_t lba_count() const override { return inner_.lba_count(); }

  Status Read(uint64_t lba, uint32_t count, std::span<uint8_t> dst) override {
    if (Status s = Check(lba, count, kRightRead, dst.size()); !s.ok()) return s;
    Status s = inner_.Read(lba, count, dst);
    if (s.ok()) lbas_read_ += count;
    return s;
  }
  Status Write(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (Status s = Check(lba, count, kRightWrite, src.size()); !s.ok()) return s;
    Status s = inner_.Write(lba, count, src);
    if (s.ok()) lbas_written_ += count;
    return s;
  }
  Status WriteFua(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (Status s = Check(lba, count, kRightWrite, src.size()); !s.ok()) return s;
    Status s = inner_.WriteFua(lba, count, src);
    if (s.ok()) lbas_written_ += count;
    return s;
  }
  Status Deallocate(uint64_t lba, uint32_t count) override {
    if (Status s = Check(lba, count, kRightWrite, uint64_t{count} * lba_size());
        !s.ok()) {
      return s;
    }
    return inner_.Deallocate(lba, count);
  }
  Status Flush() override { return inner_.Flush(); }
  uint64_t now_ns() const override { return inner_.now_ns(); }

  uint64_t lbas_read() const { return lbas_read_; }
  uint64_t lbas_written() const { return lbas_written_; }
  // Why the first refused access was refused, or empty.
  const std::string& refusal() const { return refusal_; }

 private:
  Status Check(uint64_t lba, uint32_t count, Rights right, uint64_t bytes) {
    if (count == 0 || bytes != uint64_t{count} * lba_size()) return Status::InvalidField();
    if (domain_ == nullptr || !domain_->Allows(lba, count, right)) {
      if (refusal_.empty()) {
        refusal_ = fmt::format("{} of LBAs [{}, +{}) is outside the caller's domain",
                               right == kRightRead ? "read" : "write", lba, count);
      }
      return Status::AppAccessDenied();
    }
    if (lba >= lba_count() || count > lba_count() - lba) return Status::LbaOutOfRange();
    return Status();
  }

  Flash& inner_;
  const Domain* domain_;
  uint64_t lbas_read_ = 0;
  uint64_t lbas_written_ = 0;
  std::string refusal_;
};

class WindowFlash final : public Flash {
 public:
  WindowFlash(Flash& inner, uint64_t first, uint64_t count)
      : inner_(inner), first_(first), count_(count) {}

  uint32_t lba_size() const override { return inner_.lba_size(); }
  uint64_t lba_count() const override { return count_; }
  Status Read(uint64_t lba, uint32_t count, std::span<uint8_t> dst) override {
    if (!Inside(lba, count)) return Status::LbaOutOfRange();
    return inner_.Read(first_ + lba, count, dst);
  }
  Status Write(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (!Inside(lba, count)) return Status::LbaOutOfRange();
    return inner_.Write(first_ + lba, count, src);
  }
  Status WriteFua(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (!Inside(lba, count)) return Status::LbaOutOfRange();
    return inner_.WriteFua(first_ + lba, count, src);
  }
  Status WriteFuaTogether(std::span<const FuaWrite> writes) override {
    std::vector<FuaWrite> moved(writes.begin(), writes.end());
    for (FuaWrite& w : moved) {
      if (!Inside(w.lba, w.count)) return Status::LbaOutOfRange();
      w.lba += first_;
    }
    return inner_.WriteFuaTogether(moved);
  }
  Status Deallocate(uint64_t lba, uint32_t count) override {
    if (!Inside(lba, count)) return Status::LbaOutOfRange();
    return inner_.Deallocate(first_ + lba, count);
  }
  Status Flush() override { return inner_.Flush(); }
  uint64_t now_ns() const override { return inner_.now_ns(); }

 private:
  bool Inside(uint64_t lba, uint32_t count) const {
    return count > 0 && lba < count_ && count <= count_ - lba;
  }
  Flash& inner_;
  uint64_t first_;
  uint64_t count_;
};

}  // namespace salix::apps

#endif  // SALIX_APPS_CHECKED_FLASH_H

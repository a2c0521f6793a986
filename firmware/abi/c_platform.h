// c_platform.h - adapts the C ABI's salix_platform callbacks to Platform.
//
// Thread-safety: as the callbacks it wraps (see salix.h).
#ifndef SALIX_ABI_C_PLATFORM_H
#define SALIX_ABI_C_PLATFORM_H

#include <salix/salix.h>

#include "core/platform.h"

namespace salix {

class CPlatform final : public Platform {
 public:
  // REQUIRES: every callback in p is non-null.
  explicit CPlatform(const salix_platform& p) : p_(p) {}

  bool DmaRead(uint64_t addr, void* buf, size_t len) override {
    return p_.dma_read(p_.opaque, addr, buf, len) == 0;
  }
  bool DmaWrite(uint64_t addr, const void* buf, size_t len) override {
    return p_.dma_write(p_.opaque, addr, buf, len) == 0;
  }
  void RaiseIrq(uint16_t vector) override { p_.irq(p_.opaque, vector); }
  uint64_t NowNs() override { return p_.now_ns(p_.opaque); }
  void Kick() override { p_.kick(p_.opaque); }

 private:
  salix_platform p_;
};

}  // namespace salix

#endif  // SALIX_ABI_C_PLATFORM_H

// platform.h - the services a host gives the firmware: DMA, interrupts, time.
//
// The seam between the controller and whatever runs it (QEMU, the embedded
// host, a test's fault-injecting fake). The C ABI adapts salix_platform to
// this interface.
//
// Thread-safety: dma_read, dma_write and raise_irq are called only from the
// worker thread inside Controller::Run; kick may be called from any thread
// that writes a register.
#ifndef SALIX_CORE_PLATFORM_H
#define SALIX_CORE_PLATFORM_H

#include <cstddef>
#include <cstdint>

namespace salix {

class Platform {
 public:
  virtual ~Platform() = default;
  // Return false when [addr, addr+len) is not backed by host memory.
  virtual bool DmaRead(uint64_t addr, void* buf, size_t len) = 0;
  virtual bool DmaWrite(uint64_t addr, const void* buf, size_t len) = 0;
  virtual void RaiseIrq(uint16_t vector) = 0;
  virtual uint64_t NowNs() = 0;
  // Work arrived; make the worker call Run soon. Must not block.
  virtual void Kick() = 0;
};

}  // namespace salix

#endif  // SALIX_CORE_PLATFORM_H

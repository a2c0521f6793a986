// platform_fake.h - a Platform over a GuestMemory for unit tests of the
// PRP and SGL walkers and of the controller, with a switch to make DMA fail
// and a clock the test sets.
#ifndef SALIX_TESTS_UNIT_PLATFORM_FAKE_H
#define SALIX_TESTS_UNIT_PLATFORM_FAKE_H

#include "core/platform.h"
#include "embedded/guest_memory.h"

namespace salix::test {

class FakePlatform final : public Platform {
 public:
  explicit FakePlatform(uint64_t bytes = 16 << 20) : mem(bytes) {}
  bool DmaRead(uint64_t a, void* b, size_t n) override {
    reads++;
    return !fail && mem.Read(a, b, n);
  }
  bool DmaWrite(uint64_t a, const void* b, size_t n) override {
    return !fail && mem.Write(a, b, n);
  }
  void RaiseIrq(uint16_t) override {}
  uint64_t NowNs() override { return now; }
  void Kick() override {}

  embedded::GuestMemory mem;
  bool fail = false;
  uint64_t now = 0;  // platform clock, ns
  uint64_t reads = 0;
};

}  // namespace salix::test

#endif  // SALIX_TESTS_UNIT_PLATFORM_FAKE_H

// manual_host.h - just enough of a host to drive a Controller by hand: one
// admin queue pair and one I/O queue pair (16 entries each) in a
// FakePlatform's memory, with the clock under the test's control. For tests
// that need a personality the C ABI cannot build (personality_wrapper.h);
// everything else goes through the embedded host.
#ifndef SALIX_TESTS_UNIT_MANUAL_HOST_H
#define SALIX_TESTS_UNIT_MANUAL_HOST_H

#include <salix/opcodes.h>

#include <memory>
#include <vector>

#include "hil/controller.h"
#include "platform_fake.h"
#include "test_util.h"

namespace salix::test {

struct ManualHost {
  static constexpr uint32_t kEntries = 16;

  explicit ManualHost(std::unique_ptr<Personality> p)
      : ctrl(ControllerOptions{}, std::move(p), platform) {}

  FakePlatform platform;
  Controller ctrl;
  uint64_t asq = platform.mem.AllocPages(1), acq = platform.mem.AllocPages(1);
  uint64_t iosq = platform.mem.AllocPages(1), iocq = platform.mem.AllocPages(1);
  uint64_t data = platform.mem.AllocPages(1);  // one page for payloads
  uint32_t admin_tail = 0, io_tail = 0, io_head = 0;

  // Runs the controller at the platform's clock.
  uint64_t Run() { return ctrl.Run(platform.now); }

  // Submits, runs once and returns the admin completion.
  nvme::Cqe Admin(nvme::Sqe s) {
    uint32_t slot = admin_tail;
    platform.mem.Write(asq + slot * 64, &s, 64);
    admin_tail = (admin_tail + 1) % kEntries;
    ctrl.MmioWrite(nvme::reg::kDoorbellBase, admin_tail, 4);
    Run();
    nvme::Cqe c;
    platform.mem.Read(acq + slot * 16, &c, 16);
    ctrl.MmioWrite(nvme::reg::kDoorbellBase + 4, admin_tail, 4);
    return c;
  }
  // Places an I/O command and rings the doorbell; does not run.
  void Io(nvme::Sqe s) {
    platform.mem.Write(iosq + io_tail * 64, &s, 64);
    io_tail = (io_tail + 1) % kEntries;
    ctrl.MmioWrite(nvme::reg::kDoorbellBase + 8, io_tail, 4);
  }
  nvme::Cqe IoCqe(unsigned i) {
    nvme::Cqe c;
    platform.mem.Read(iocq + (i % kEntries) * 16, &c, 16);
    return c;
  }
  // Hands every posted I/O completion back (moves the CQ head); returns how
  // many there were. Phase tracking is left out: callers stay within one
  // pass of the ring.
  unsigned ReapIo() {
    unsigned n = 0;
    while (io_head < kEntries - 1 && IoCqe(io_head).phase()) {
      io_head++;
      n++;
    }
    ctrl.MmioWrite(nvme::reg::kDoorbellBase + 12, io_head, 4);
    return n;
  }
  void Start() {
    ctrl.MmioWrite(nvme::reg::kAqa, ((kEntries - 1) << 16) | (kEntries - 1), 4);
    ctrl.MmioWrite(nvme::reg::kAsq, asq, 8);
    ctrl.MmioWrite(nvme::reg::kAcq, acq, 8);
    ctrl.MmioWrite(nvme::reg::kCc, (6u << 16) | (4u << 20) | 1u, 4);
    Run();
    REQUIRE((ctrl.MmioRead(nvme::reg::kCsts, 4) & 1) == 1);
    nvme::Sqe cq = AdminSqe(SALIX_ADMIN_CREATE_IO_CQ,
                            ((kEntries - 1) << 16) | 1, (1u << 16) | 3);
    cq.dptr[0] = iocq;
    REQUIRE(Status::FromCqeField(Admin(cq).status).ok());
    nvme::Sqe sq = AdminSqe(SALIX_ADMIN_CREATE_IO_SQ,
                            ((kEntries - 1) << 16) | 1, (1u << 16) | 1);
    sq.dptr[0] = iosq;
    REQUIRE(Status::FromCqeField(Admin(sq).status).ok());
  }
  // Get Log Page of 'bytes' (<= 4096) at 'offset' into 'out'.
  Status GetLogPage(uint8_t lid, void* out, uint32_t bytes,
                    uint64_t offset = 0) {
    nvme::Sqe s = AdminSqe(SALIX_ADMIN_GET_LOG_PAGE,
                           lid | ((bytes / 4 - 1) << 16));
    s.nsid = 0xFFFFFFFF;
    s.cdw12 = static_cast<uint32_t>(offset);
    s.cdw13 = static_cast<uint32_t>(offset >> 32);
    s.dptr[0] = data;
    Status st = Status::FromCqeField(Admin(s).status);
    if (st.ok()) platform.mem.Read(data, out, bytes);
    return st;
  }
};

}  // namespace salix::test

#endif  // SALIX_TESTS_UNIT_MANUAL_HOST_H

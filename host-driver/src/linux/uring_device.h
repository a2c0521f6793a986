// uring_device.h (internal) - the Linux passthrough backend.
//
// I/O and vendor I/O commands go through io_uring's IORING_OP_URING_CMD
// with NVME_URING_CMD_IO on the namespace's generic character device
// (/dev/ngXnY): the ring is set up with IORING_SETUP_SQE128 (the 80-byte
// struct nvme_uring_cmd lives in the SQE) and IORING_SETUP_CQE32 (the
// NVMe result, CQE DW0/DW1, comes back in big_cqe[0]). Admin commands are
// synchronous NVME_IOCTL_ADMIN_CMD ioctls on the controller (/dev/nvmeX).
//
// Submit() only fills a submission queue entry; Poll() hands every queued
// entry to the kernel in one io_uring_enter (so a burst of submits costs
// one system call) and reaps completions. Completion functions run from
// Poll, after the completion queue has been advanced, so they may Submit.
//
// Thread-safety: one thread at a time (the Device contract).
#ifndef SALIX_HOST_LINUX_URING_DEVICE_H
#define SALIX_HOST_LINUX_URING_DEVICE_H

#include <liburing.h>

#include <cstdint>
#include <string>
#include <vector>

#include "salix/host/device.h"
#include "salix/host/linux_device.h"

namespace salix::host::linux_backend {

class UringDevice final : public Device {
 public:
  // Takes ownership of both descriptors. REQUIRES: InitRing() succeeded
  // before the first Submit.
  UringDevice(DeviceInfo info, LinuxDevicePaths paths, int ns_fd, int ctrl_fd,
              unsigned queue_depth);
  // Sets up the SQE128/CQE32 ring; 0 or a negative errno.
  int InitRing();
  ~UringDevice() override;
  UringDevice(const UringDevice&) = delete;
  UringDevice& operator=(const UringDevice&) = delete;

  const DeviceInfo& info() const override { return info_; }
  bool Submit(const DeviceCommand& cmd, CompletionFn fn, void* ctx) override;
  size_t Poll(unsigned wait_us = 0) override;
  size_t in_flight() const override { return in_flight_; }
  unsigned queue_depth() const override { return queue_depth_; }
  DeviceCompletion Admin(const DeviceCommand& cmd) override;

 private:
  struct Slot {
    CompletionFn fn = nullptr;
    void* ctx = nullptr;
  };

  // Passes queued entries to the kernel; on a transient ring error they
  // stay queued and the next Poll retries.
  void Flush();
  size_t Reap();

  DeviceInfo info_;
  LinuxDevicePaths paths_;
  int ns_fd_;
  int ctrl_fd_;
  io_uring ring_{};
  bool ring_ready_ = false;
  unsigned queue_depth_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  size_t in_flight_ = 0;
  unsigned unsubmitted_ = 0;
};

}  // namespace salix::host::linux_backend

#endif  // SALIX_HOST_LINUX_URING_DEVICE_H

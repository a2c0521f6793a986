// uring_device.h (internal) - the Linux passthrough backend.
//
// I/O and vendor I/O commands go through io_uring's IORING_OP_URING_CMD
// with NVME_URING_CMD_IO on the namespace's generic character device
// (/dev/ngXnY), on a LinuxRing (uring_ring.h) the device owns alone or
// shares with the other members of an array. Admin commands are
// synchronous NVME_IOCTL_ADMIN_CMD ioctls on the controller (/dev/nvmeX).
//
// Submit() only fills a submission queue entry; Poll() hands every queued
// entry of the ring to the kernel in one io_uring_enter (so a burst of
// submits, over every device on the ring, costs one system call) and reaps
// completions: on a shared ring, those of every device on it.
//
// Thread-safety: one thread at a time (the Device contract), across every
// device on the same ring.
#ifndef SALIX_HOST_LINUX_URING_DEVICE_H
#define SALIX_HOST_LINUX_URING_DEVICE_H

#include <cstdint>
#include <memory>
#include <string>

#include "salix/host/device.h"
#include "salix/host/linux_device.h"
#include "uring_ring.h"

namespace salix::host::linux_backend {

class UringDevice final : public Device {
 public:
  // Takes ownership of both descriptors. REQUIRES: ring initialised.
  UringDevice(DeviceInfo info, LinuxDevicePaths paths, int ns_fd, int ctrl_fd,
              unsigned queue_depth, std::shared_ptr<LinuxRing> ring);
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
  DeviceInfo info_;
  LinuxDevicePaths paths_;
  int ns_fd_;
  int ctrl_fd_;
  unsigned queue_depth_;
  std::shared_ptr<LinuxRing> ring_;
  size_t in_flight_ = 0;  // this device's commands on the ring
};

}  // namespace salix::host::linux_backend

#endif  // SALIX_HOST_LINUX_URING_DEVICE_H

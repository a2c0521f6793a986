// linux_device.h - the Linux device backend: one NVMe namespace driven
// through io_uring NVMe passthrough (see linux/uring_device.h for how).
//
// The device opens /dev/ngXnY, the namespace's generic character device
// (given directly, or mapped from the block device /dev/nvmeXnY), and the
// controller's /dev/nvmeX for admin commands. It takes an exclusive flock on
// the generic device for its lifetime, so two engine processes (salixctl,
// fio, nbdkit) cannot drive the same array member at once.
//
// Needs root in the guest (passthrough of writes and vendor commands).
#ifndef SALIX_HOST_LINUX_DEVICE_H
#define SALIX_HOST_LINUX_DEVICE_H

#include <memory>
#include <string>

#include "salix/host/device.h"
#include "salix/host/error.h"

namespace salix::host {

struct LinuxDeviceOptions {
  // Commands in flight at once (the io_uring submission queue size).
  unsigned queue_depth = 128;
  // Take the exclusive flock (off only for read-only inspection tools that
  // must work while an engine holds the device, e.g. salixctl array status
  // reading superblocks of an array in use: they then race the holder).
  bool exclusive = true;
};

// Opens 'path' (/dev/ngXnY, /dev/nvmeXnY, or a bare "ng0n1"/"nvme0n1").
// Errors name the device: missing, not an NVMe namespace, in use by another
// process (with its pid and name when /proc/locks tells), no io_uring
// passthrough in this kernel, identify failed.
Result<std::unique_ptr<Device>> OpenLinuxDevice(
    const std::string& path, const LinuxDeviceOptions& options = {});

// The generic character device (/dev/ngXnY) behind 'path', and its
// controller (/dev/nvmeX), without opening anything but sysfs.
struct LinuxDevicePaths {
  std::string generic;     // /dev/ng0n1
  std::string block;       // /dev/nvme0n1 (may not exist)
  std::string controller;  // /dev/nvme0
};
Result<LinuxDevicePaths> ResolveLinuxDevice(const std::string& path);

}  // namespace salix::host

#endif  // SALIX_HOST_LINUX_DEVICE_H

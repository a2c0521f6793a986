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
#include <vector>

#include "salix/host/array.h"
#include "salix/host/device.h"
#include "salix/host/error.h"

namespace salix::host {

// An io_uring several devices can share (linux/uring_ring.h): one
// io_uring_enter per Poll submits and reaps for all of them. Devices on one
// ring are used from one thread at a time, all together.
class LinuxRing;

// How completions of passthrough commands are found.
enum class LinuxPolling {
  kOff,  // interrupts
  // io_uring IOPOLL on the NVMe poll queues (the kernel booted with
  // nvme.poll_queues=N; passthrough polling is Linux 6.1 and later). Every
  // device must have poll queues, else opening fails. Not the default: the
  // Salix guest kernel (Debian 6.1.0-57, 6.1.192) oopses in bio_poll under
  // nvme_ns_chr_uring_cmd_iopoll within a second of polled passthrough
  // (docs/BENCHMARKS.md, array-vs-md).
  kOn,
};

struct LinuxDeviceOptions {
  // Commands in flight at once (the io_uring submission queue size).
  unsigned queue_depth = 128;
  // Take the exclusive flock (off only for read-only inspection tools that
  // must work while an engine holds the device, e.g. salixctl array status
  // reading superblocks of an array in use: they then race the holder).
  bool exclusive = true;
  // The ring to submit on (shared with other devices); null: the device
  // gets a ring of its own, polled or not as 'polling' says.
  std::shared_ptr<LinuxRing> ring = nullptr;
  LinuxPolling polling = LinuxPolling::kOff;
  // Submit through a kernel thread that polls the ring (IORING_SETUP_SQPOLL):
  // the kernel's per-command work (mapping the buffer, building the NVMe
  // command, ringing the doorbell, and completing it) runs on that thread,
  // off the caller's CPU; the caller enters the kernel only to wait. The
  // thread spins for kSqThreadIdleMs after the last command, then sleeps.
  bool submit_thread = false;
  // LinuxArray: register the array's staging memory with the ring at open
  // (Array::staging_memory; off to measure what it saves).
  bool register_staging = true;
};

// A ring for 'entries' commands in flight over all its devices; polled
// (IORING_SETUP_IOPOLL) or with interrupts.
// submit_thread: IORING_SETUP_SQPOLL (LinuxDeviceOptions::submit_thread).
Result<std::shared_ptr<LinuxRing>> CreateLinuxRing(unsigned entries, bool polled,
                                                   bool submit_thread = false);

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

// Whether the namespace's block queue polls (/sys/block/nvmeXnY/queue/io_poll
// is 1: the controller got NVMe poll queues).
bool LinuxHasPollQueues(const LinuxDevicePaths& paths);

// The generic devices of every Salix namespace on this machine, in
// controller order (what the front ends use when no member is named).
Result<std::vector<std::string>> ScanSalixNamespaces();

// "/dev/ng0n1:/dev/ng1n1" -> its paths (empty parts dropped).
std::vector<std::string> SplitDeviceList(const std::string& list);

// An array and the Linux devices under it, as the front ends (salixctl,
// the fio engine, the nbdkit plugin) use it: there is no daemon, each tool
// opens the array from its members, uses it and closes it.
class LinuxArray {
 public:
  // Opens every path (exclusively) on one shared ring (options.ring if
  // given; else one made here, polled as options.polling says), then
  // OpenArray over them. A member
  // that opens but does not answer a one-block read (a failed drive, e.g.
  // after salixctl array fail) is passed to OpenArray as missing, and a
  // note says so. Errors name the device.
  static Result<std::unique_ptr<LinuxArray>> Open(const std::vector<std::string>& members,
                                                  const std::vector<std::string>& spares = {},
                                                  const LinuxDeviceOptions& options = {});
  // Opens the paths and creates a new array over them (CreateArray).
  static Result<std::unique_ptr<LinuxArray>> Create(const std::vector<std::string>& members,
                                                    const std::vector<std::string>& spares,
                                                    const ArrayOptions& array_options,
                                                    const LinuxDeviceOptions& options = {});
  // Syncs the array (superblocks, outstanding I/O) if Close() was not called.
  ~LinuxArray();

  Array& array() { return *array_; }
  // Member i's device as opened (nullptr when it was left out), spares after.
  const std::vector<Device*>& members() const { return members_; }
  const std::vector<Device*>& spares() const { return spares_; }
  // Members left out at open and why ("/dev/ng2n1: does not answer I/O ...").
  const std::vector<std::string>& notes() const { return notes_; }
  // All members and spares share one ring; true when it polls, and how
  // completions are found in words (polled, or interrupts and why).
  bool polled() const { return polled_; }
  const std::string& completion_note() const { return completion_note_; }
  // io_uring_enter calls made on the shared ring so far.
  uint64_t ring_enters() const;
  // Registers the caller's I/O buffer region with the shared ring, so that
  // requests whose data lies inside need no page pinning and mapping per
  // NVMe command (io_uring fixed buffers, IORING_URING_CMD_FIXED). Checked
  // with a one-block read into a buffer of the ring's own; on an error
  // (a kernel without fixed-buffer passthrough, RLIMIT_MEMLOCK) the region
  // is not registered, and I/O works as before. REQUIRES: no I/O in flight;
  // the region outlives the array or is unregistered with (nullptr, 0)
  // first. The array's own staging memory (Array::staging_memory) is
  // registered beside it, at open already, and stays registered when the
  // region cannot be.
  Result<bool> RegisterBuffer(void* base, size_t len);
  // Whether the array's staging memory is registered, in words ("staging
  // registered (64 fixed buffers of 128 KiB)" or why not).
  const std::string& staging_note() const { return staging_note_; }
  // Sync(); the array stays open.
  Result<bool> Close();

 private:
  LinuxArray() = default;
  // Registers the staging memory and the caller's region (with a probe).
  Result<bool> Register();
  std::vector<std::unique_ptr<Device>> owned_;  // destroyed after array_
  std::vector<Device*> members_, spares_;
  std::vector<std::string> notes_;
  std::string completion_note_;
  std::string staging_note_;
  bool register_staging_ = true;
  void* caller_base_ = nullptr;  // RegisterBuffer's region
  size_t caller_len_ = 0;
  std::shared_ptr<LinuxRing> ring_;
  std::unique_ptr<Array> array_;
  bool closed_ = false;
  bool polled_ = false;
};

}  // namespace salix::host

#endif  // SALIX_HOST_LINUX_DEVICE_H

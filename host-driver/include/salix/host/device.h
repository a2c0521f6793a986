// device.h - one NVMe namespace as the host driver's engines see it.
//
// The device backend is the plug-in point between the array engine (and
// the SSD-app library) and a real transport:
//   - Linux: io_uring NVMe passthrough on /dev/ngXnY (uring_cmd), many
//     commands in flight, libnvme for identify and admin (linux/uring_device.h);
//   - embedded: a firmware instance in the same process, driven through the
//     NVMe queue protocol by salix::embedded::EmbeddedHost
//     (embedded/embedded_device.h).
// Backends are created in one place, device_registry.h, from a spec string.
//
// One asynchronous contract, the SPDK way: Submit() queues a raw NVMe
// command with a completion function; Poll() makes progress and calls the
// completion functions of finished commands, on the polling thread. Nothing
// completes inside Submit. Synchronous helpers (Execute) are thin wrappers.
// Completion functions are a plain function pointer plus context so that the
// hot path allocates nothing.
//
// Thread-safety: a Device is used from one thread at a time.
// Ownership: the caller owns data buffers until the completion runs.
#ifndef SALIX_HOST_DEVICE_H
#define SALIX_HOST_DEVICE_H

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>

#include "salix/host/error.h"

namespace salix::host {

// One NVMe command, as passthrough carries it: the opcode and the dwords
// Linux lets a submitter set. The data direction follows the opcode's low
// bits (01b host to device, 10b device to host), as in the NVMe spec.
struct DeviceCommand {
  uint8_t opcode = 0;
  uint32_t nsid = 0;  // 0: the device's namespace (DeviceInfo::nsid)
  uint32_t cdw2 = 0, cdw3 = 0;
  uint32_t cdw10 = 0, cdw11 = 0, cdw12 = 0, cdw13 = 0, cdw14 = 0, cdw15 = 0;
  void* data = nullptr;
  uint32_t data_len = 0;
  // Instead of data: the buffer in pieces, in order (a gather list for a
  // write, a scatter list for a read), data_len their total; the list and
  // the pieces must outlive the command. Linux sends it as vectored
  // passthrough (NVME_URING_CMD_IO_VEC): the kernel maps the pieces, nobody
  // copies them into one buffer.
  const iovec* segments = nullptr;
  uint32_t segment_count = 0;
};

struct DeviceCompletion {
  // NVMe status: (SCT << 8) | SC, 0 = success. Meaningful when errno_ == 0.
  uint16_t status = 0;
  uint32_t dw0 = 0;  // CQE DW0 (Salix: SALIX_CQE_* hints on I/O)
  uint32_t dw1 = 0;  // CQE DW1 (Salix Invoke: output length); I/O only
  // A transport failure (negative errno: -EIO, -ETIMEDOUT, -ENODEV ...)
  // instead of an NVMe completion.
  int errno_ = 0;
  bool ok() const { return errno_ == 0 && status == 0; }
};

using CompletionFn = void (*)(void* ctx, const DeviceCompletion& c);

struct DeviceInfo {
  std::string name;    // "nvme0n1", "embedded3": for messages
  std::string serial;  // Identify Controller SN, trimmed
  std::string model;
  uint32_t nsid = 1;
  uint32_t lba_size = 0;
  uint64_t lba_count = 0;
  uint32_t max_transfer_bytes = 0;  // MDTS, 0 = no limit
  bool salix = false;               // a Salix controller (vendor identify)
  // DeviceCommand::segments cost no more than one contiguous buffer
  // (embedded: it copies into its DMA memory either way). Linux takes them
  // too, but under TCG vectored passthrough measured costlier than a copy
  // into one buffer in user space (docs/BENCHMARKS.md, array-vs-md).
  bool cheap_segments = false;
  // Write Tagged takes SALIX_WRITE_TAGGED_SCATTER (the vendor identify
  // block's SALIX_FEATURE_WRITE_TAGGED_SCATTER).
  bool scattered_write_tagged = false;
  uint64_t capacity_bytes() const { return lba_count * lba_size; }
};

class Device {
 public:
  virtual ~Device() = default;
  virtual const DeviceInfo& info() const = 0;

  // Queues cmd; fn(ctx, completion) runs from a later Poll(). False when no
  // submission slot is free (poll, then retry) or the device is closed.
  virtual bool Submit(const DeviceCommand& cmd, CompletionFn fn,
                      void* ctx) = 0;
  // Reaps completions and calls their functions; returns how many. Never
  // blocks, except that a backend may wait up to 'wait_us' for the first
  // completion when commands are in flight.
  virtual size_t Poll(unsigned wait_us = 0) = 0;
  virtual size_t in_flight() const = 0;
  // Upper bound of commands in flight at once.
  virtual unsigned queue_depth() const = 0;

  // A synchronous admin command (identify, logs, vendor admin).
  virtual DeviceCompletion Admin(const DeviceCommand& cmd) = 0;

  // Submit + poll until it completes (I/O commands).
  DeviceCompletion Execute(const DeviceCommand& cmd);
};

}  // namespace salix::host

#endif  // SALIX_HOST_DEVICE_H

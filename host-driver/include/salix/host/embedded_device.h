// embedded_device.h - the embedded device backend: a Salix firmware
// instance in this process, behind the same Device contract as a Linux
// passthrough namespace.
//
// Commands travel the real NVMe queue protocol through
// salix::embedded::EmbeddedHost (SQEs and PRPs in an in-memory guest RAM,
// doorbells through BAR0), so the array engine's tests and host-side
// benchmarks exercise exactly the firmware a VM runs. Data is copied
// between the caller's buffers and guest memory, as a DMA engine would.
//
// Poll() runs the firmware; with a virtual clock (the default) time jumps
// to the firmware's next due time when nothing else can happen, so timed
// runs are fast and repeatable.
//
// Thread-safety: one thread at a time (it runs the firmware in Poll).
#ifndef SALIX_HOST_EMBEDDED_DEVICE_H
#define SALIX_HOST_EMBEDDED_DEVICE_H

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "salix/host/device.h"
#include "salix/host/error.h"

namespace salix::host {

struct EmbeddedDeviceOptions {
  std::string name = "embedded0";
  // Firmware properties, as for salix-nvme (personality=ftl, size=64M, ...).
  std::vector<std::pair<std::string, std::string>> config;
  unsigned queue_depth = 64;
  uint32_t max_transfer_bytes = 128 * 1024;  // per command buffer
  bool virtual_clock = true;
};

class EmbeddedDevice : public Device {
 public:
  // Errors name the firmware property at fault.
  static Result<std::unique_ptr<EmbeddedDevice>> Create(
      const EmbeddedDeviceOptions& options);

  // Power loss of the whole device: the controller is destroyed without a
  // shutdown (commands in flight are lost, their completions never run) and
  // a new one is created on the same backing file. REQUIRES: the config has
  // a backing-file, else the data is gone as on real power loss of DRAM.
  virtual Result<bool> PowerCycle() = 0;
  // Forgets the completion functions of every command in flight: they will
  // finish inside the device but nobody is told. Models the host process
  // dying while the device keeps running.
  virtual void AbandonInFlight() = 0;

  // The device's clock in ns: modelled time on a virtual clock (it moves
  // only when the device waits for its next event), else the steady clock.
  // Benchmarks read device time from it.
  virtual uint64_t now_ns() const = 0;
  // Virtual clock: moves time forward by ns, e.g. to charge host software
  // time between commands. No-op on a steady clock.
  virtual void AdvanceClock(uint64_t ns) = 0;
};

}  // namespace salix::host

#endif  // SALIX_HOST_EMBEDDED_DEVICE_H

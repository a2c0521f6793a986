// logs.h - log pages (NVMe 1.4, 5.14.1): SMART / Health counters, Firmware
// Slot Information and the Commands Supported and Effects log generated from
// <salix/opcodes.h>. The Error Information log is error_log.h.
//
// Thread-safety: worker thread only.
#ifndef SALIX_HIL_LOGS_H
#define SALIX_HIL_LOGS_H

#include <cstdint>
#include <string>

#include "core/personality.h"
#include "hil/nvme_defs.h"

namespace salix {

// Host-visible activity counters for the SMART log. Bytes, not data units,
// so the rounding happens once, when the log is built.
struct HealthCounters {
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t host_read_commands = 0;
  uint64_t host_write_commands = 0;
  uint64_t busy_ns = 0;
  uint64_t media_errors = 0;
  uint64_t power_on_ns_origin = 0;  // platform time at power-on
  // Array commands (Salix statistics log only; SMART counts host data).
  uint64_t parity_commands = 0;
  uint64_t parity_source_bytes = 0;
  uint64_t copy_commands = 0;
  uint64_t copy_bytes = 0;
};

// Available Spare Threshold (percent) the SMART log publishes; below it
// Critical Warning bit 0 is set.
constexpr uint8_t kAvailableSpareThreshold = 10;

struct SmartInputs {
  const HealthCounters* counters;
  // Wear and spare come from here; nullptr (no media model, nossd) reports
  // a new drive: 0% used, 100% spare.
  const MediaStats* media;
  uint64_t error_count;
  uint64_t now_ns;
  uint16_t temperature_kelvin;
  uint16_t warning_temp_kelvin;
  uint16_t under_temp_kelvin;
};

void BuildSmartLog(const SmartInputs& in, nvme::SmartLog* out);
// SMART Percentage Used: average erase count against rated P/E cycles,
// may exceed 100, 255 means 255 or more (NVMe 1.4, 5.14.1.2). 0 when the
// endurance is unknown.
uint8_t PercentageUsed(const MediaStats& m);
// SMART Available Spare: remaining spare blocks against the initial spare,
// 0..100; 100 when the personality does not know its initial spare.
uint8_t AvailableSpare(const MediaStats& m);
void BuildFirmwareSlotLog(const std::string& firmware_version,
                          nvme::FirmwareSlotLog* out);
void BuildCommandEffectsLog(nvme::CommandEffectsLog* out);

// True when 'opcode' is in the opcode table (and so gets dispatched).
bool AdminOpcodeSupported(uint8_t opcode);
bool IoOpcodeSupported(uint8_t opcode);

}  // namespace salix

#endif  // SALIX_HIL_LOGS_H

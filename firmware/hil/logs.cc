#include "hil/logs.h"

#include <salix/opcodes.h>

#include <algorithm>
#include <cstring>

namespace salix {
namespace {

// "Data Units": thousands of 512-byte units, rounded up.
uint64_t DataUnits(uint64_t bytes) {
  uint64_t units512 = (bytes + 511) / 512;
  return (units512 + 999) / 1000;
}

constexpr uint64_t kNsPerHour = 3600ull * 1000 * 1000 * 1000;
constexpr uint64_t kNsPerMinute = 60ull * 1000 * 1000 * 1000;

}  // namespace

uint8_t PercentageUsed(const MediaStats& m) {
  if (m.rated_pe_cycles == 0 || !(m.erase_count_avg > 0)) return 0;
  double pct = m.erase_count_avg * 100.0 / m.rated_pe_cycles;
  return pct >= 255.0 ? 255 : static_cast<uint8_t>(pct);  // rounds down
}

uint8_t AvailableSpare(const MediaStats& m) {
  if (m.spare_blocks_initial == 0) return 100;
  if (m.spare_blocks >= m.spare_blocks_initial) return 100;
  // Rounds down, so "below threshold" is never hidden by rounding up.
  return static_cast<uint8_t>(m.spare_blocks * 100 / m.spare_blocks_initial);
}

void BuildSmartLog(const SmartInputs& in, nvme::SmartLog* out) {
  std::memset(out, 0, sizeof(*out));
  const HealthCounters& c = *in.counters;
  // Critical warning bit 1: temperature outside the thresholds the host set.
  if (in.temperature_kelvin >= in.warning_temp_kelvin ||
      (in.under_temp_kelvin != 0 &&
       in.temperature_kelvin <= in.under_temp_kelvin)) {
    out->critical_warning |= 1u << 1;
  }
  out->composite_temperature = in.temperature_kelvin;
  out->available_spare = in.media ? AvailableSpare(*in.media) : 100;
  out->available_spare_threshold = kAvailableSpareThreshold;
  out->percentage_used = in.media ? PercentageUsed(*in.media) : 0;
  // Critical warning bit 0: available spare below the threshold.
  if (out->available_spare < out->available_spare_threshold) {
    out->critical_warning |= 1u << 0;
  }
  nvme::PutU128(out->data_units_read, DataUnits(c.bytes_read));
  nvme::PutU128(out->data_units_written, DataUnits(c.bytes_written));
  nvme::PutU128(out->host_read_commands, c.host_read_commands);
  nvme::PutU128(out->host_write_commands, c.host_write_commands);
  nvme::PutU128(out->controller_busy_time, c.busy_ns / kNsPerMinute);
  nvme::PutU128(out->power_cycles, 1);
  uint64_t on_ns =
      in.now_ns > c.power_on_ns_origin ? in.now_ns - c.power_on_ns_origin : 0;
  nvme::PutU128(out->power_on_hours, on_ns / kNsPerHour);
  nvme::PutU128(out->unsafe_shutdowns, 0);
  nvme::PutU128(out->media_errors, c.media_errors);
  nvme::PutU128(out->num_error_log_entries, in.error_count);
}

void BuildFirmwareSlotLog(const std::string& firmware_version,
                          nvme::FirmwareSlotLog* out) {
  std::memset(out, 0, sizeof(*out));
  out->afi = 1;  // slot 1 active, no pending activation
  std::memset(out->frs[0], ' ', sizeof(out->frs[0]));
  std::memcpy(out->frs[0], firmware_version.data(),
              std::min(sizeof(out->frs[0]), firmware_version.size()));
}

void BuildCommandEffectsLog(nvme::CommandEffectsLog* out) {
  std::memset(out, 0, sizeof(*out));
#define SALIX_EFFECTS_ADMIN_(sym, op, name, eff) out->acs[op] = (eff);
#define SALIX_EFFECTS_IO_(sym, op, name, eff) out->iocs[op] = (eff);
  SALIX_ADMIN_COMMANDS(SALIX_EFFECTS_ADMIN_)
  SALIX_IO_COMMANDS(SALIX_EFFECTS_IO_)
#undef SALIX_EFFECTS_ADMIN_
#undef SALIX_EFFECTS_IO_
}

bool AdminOpcodeSupported(uint8_t opcode) {
  switch (opcode) {
#define SALIX_CASE_(sym, op, name, eff) case op:
    SALIX_ADMIN_COMMANDS(SALIX_CASE_)
    return true;
#undef SALIX_CASE_
    default:
      return false;
  }
}

bool IoOpcodeSupported(uint8_t opcode) {
  switch (opcode) {
#define SALIX_CASE_(sym, op, name, eff) case op:
    SALIX_IO_COMMANDS(SALIX_CASE_)
    return true;
#undef SALIX_CASE_
    default:
      return false;
  }
}

}  // namespace salix

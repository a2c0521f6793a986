// Get Log Page (admin 02h): dword-granular length (NUMDL/NUMDU) and offset
// (LPOL/LPOU) over the log pages of logs.h, error_log.h and the Salix
// statistics page (vendor-specific LID C0h, stats_page.h).
#include <salix/app_commands.h>
#include <salix/stats_log.h>

#include <algorithm>
#include <cstring>

#include "hil/controller.h"
#include "hil/stats_page.h"

namespace salix {
namespace {

// nossd has no thermal model: a steady 35 C.
constexpr uint16_t kCompositeTemperatureKelvin = 308;

}  // namespace

CommandResult Controller::GetLogPage(const nvme::Sqe& sqe, uint64_t now) {
  uint8_t lid = sqe.cdw10 & 0xFF;
  bool rae = (sqe.cdw10 >> 15) & 1;
  uint64_t numd = ((uint64_t{sqe.cdw11 & 0xFFFF} << 16) | (sqe.cdw10 >> 16)) + 1;
  uint64_t bytes = numd * 4;
  uint64_t offset = (uint64_t{sqe.cdw13} << 32) | sqe.cdw12;
  uint8_t csi = static_cast<uint8_t>(sqe.cdw14 >> 24);
  CommandResult r = CommandResult::Of(Status(), now);

  size_t log_size = 0;
  std::memset(page_.data(), 0, page_.size());
  switch (lid) {
    case nvme::lid::kErrorInfo: {
      static_assert(sizeof(nvme::ErrorLogEntry) * ErrorLog::kEntries ==
                    nvme::kPageSize);
      error_log_.Fill(
          *reinterpret_cast<nvme::ErrorLogEntry(*)[ErrorLog::kEntries]>(
              page_.data()));
      log_size = nvme::kPageSize;
      break;
    }
    case nvme::lid::kSmartHealth: {
      MediaStats media;
      bool have_media = personality_->GetMediaStats(&media);
      SmartInputs in{&health_, have_media ? &media : nullptr,
                     error_log_.count(), platform_.NowNs(),
                     kCompositeTemperatureKelvin,
                     features_.over_temp_threshold(),
                     features_.under_temp_threshold()};
      BuildSmartLog(in, reinterpret_cast<nvme::SmartLog*>(page_.data()));
      log_size = sizeof(nvme::SmartLog);
      break;
    }
    case nvme::lid::kFirmwareSlot:
      BuildFirmwareSlotLog(options_.firmware_version,
                           reinterpret_cast<nvme::FirmwareSlotLog*>(page_.data()));
      log_size = sizeof(nvme::FirmwareSlotLog);
      break;
    case nvme::lid::kCommandEffects:
      if (csi != 0) {
        r.status = Status::InvalidField();
        r.param_location = ParamLocation(59);
        return r;
      }
      BuildCommandEffectsLog(
          reinterpret_cast<nvme::CommandEffectsLog*>(page_.data()));
      log_size = sizeof(nvme::CommandEffectsLog);
      break;
    case SALIX_LOG_STATS: {
      MediaStats media;
      bool have_media = personality_->GetMediaStats(&media);
      static_assert(sizeof(salix_stats_log) <= nvme::kPageSize);
      BuildStatsPage(StatsPageInputs{personality_->name(), &health_,
                                     have_media ? &media : nullptr,
                                     &lateness_},
                     reinterpret_cast<salix_stats_log*>(page_.data()));
      log_size = sizeof(salix_stats_log);
      break;
    }
    case SALIX_LOG_APPS:
      static_assert(sizeof(salix_app_log) <= nvme::kPageSize);
      apps_.FillLog(reinterpret_cast<salix_app_log*>(page_.data()));
      log_size = sizeof(salix_app_log);
      break;
    case SALIX_LOG_APP_FUNCTIONS:
      static_assert(sizeof(salix_app_functions_log) <= nvme::kPageSize);
      // Log Specific Identifier (CDW11 31:16): the slot.
      if (!apps_.FillFunctions(sqe.cdw11 >> 16,
                               reinterpret_cast<salix_app_functions_log*>(page_.data()))) {
        log_.GuestError("Get Log Page C2h: slot {} holds no active app", sqe.cdw11 >> 16);
        r.status = Status::InvalidField();
        r.param_location = ParamLocation(46);
        return r;
      }
      log_size = sizeof(salix_app_functions_log);
      break;
    default:
      r.status = Status::InvalidLogPage();
      r.param_location = ParamLocation(40);
      return r;
  }
  if ((offset & 3) || offset > log_size || bytes > MaxTransferBytes()) {
    r.status = Status::InvalidField();
    r.param_location = ParamLocation(48);
    return r;
  }
  // Bytes past the end of the log read as zero.
  bounce_.assign(bytes, 0);
  size_t n = static_cast<size_t>(std::min<uint64_t>(bytes, log_size - offset));
  std::memcpy(bounce_.data(), page_.data() + offset, n);
  r.status = SendToHost(sqe, bounce_.data(), bounce_.size());
  if (r.status.ok() && !rae) events_.LogPageRead(lid);
  return r;
}

}  // namespace salix

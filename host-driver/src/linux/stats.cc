// stats.cc (linux) - reading the Salix statistics page from a controller
// through libnvme's Get Log Page.
#include "salix/host/stats.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <libnvme.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "salix/host/discovery.h"
#include "salix/stats_log.h"

namespace salix::host {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// libnvme: 0 success, > 0 an NVMe status, < 0 with errno.
std::string describe(int rc) {
  if (rc > 0) return fmt::format("NVMe status 0x{:x} ({})", rc, nvme_status_to_string(rc, false));
  return strerror(errno);
}

}  // namespace

Result<SalixStats> read_salix_stats(const std::string& device) {
  std::string path = device.find('/') == std::string::npos ? "/dev/" + device : device;
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    int e = errno;
    return Error{fmt::format("cannot open {}: {}{}", path, strerror(e),
                             e == EACCES ? " (run as root)" : "")};
  }
  nvme_id_ctrl id{};
  int rc = nvme_identify_ctrl(fd.get(), &id);
  if (rc != 0) return Error{fmt::format("{}: Identify Controller failed: {}", path, describe(rc))};
  if (!parse_salix_identity(id.vs, sizeof(id.vs))) {
    return Error{fmt::format("{} is not a Salix device (no Salix block in Identify Controller; "
                             "'salixctl list' shows the Salix controllers)",
                             path)};
  }
  std::vector<uint8_t> page(SALIX_STATS_LOG_SIZE);
  nvme_get_log_args args = {
      .lpo = 0,
      .result = nullptr,
      .log = page.data(),
      .args_size = sizeof(args),
      .fd = fd.get(),
      .timeout = NVME_DEFAULT_IOCTL_TIMEOUT,
      .lid = static_cast<nvme_cmd_get_log_lid>(SALIX_LOG_STATS),
      .len = static_cast<uint32_t>(page.size()),
      .nsid = NVME_NSID_ALL,
      .csi = NVME_CSI_NVM,
      .lsi = NVME_LOG_LSI_NONE,
      .lsp = NVME_LOG_LSP_NONE,
      .uuidx = NVME_UUID_NONE,
      // The page is not tied to an asynchronous event; leave events alone.
      .rae = true,
      .ot = false,
  };
  rc = nvme_get_log(&args);
  if (rc != 0) {
    return Error{fmt::format("{}: Get Log Page 0x{:02x} failed: {}", path, SALIX_LOG_STATS,
                             describe(rc))};
  }
  auto stats = parse_salix_stats(page.data(), page.size());
  if (!stats) return Error{fmt::format("{}: {}", path, stats.error().message)};
  return stats;
}

}  // namespace salix::host

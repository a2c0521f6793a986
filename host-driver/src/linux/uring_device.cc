// uring_device.cc - io_uring NVMe passthrough device (see uring_device.h).
#include "uring_device.h"

#include <fcntl.h>
#include <libnvme.h>
#include <linux/nvme_ioctl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/format.h>
#include <salix/vendor_identify.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "salix/host/discovery.h"

namespace salix::host {
namespace linux_backend {
namespace {

namespace fs = std::filesystem;

// NVMe status as the kernel returns it (CQE status >> 1: SC, SCT, CRD, M,
// DNR) -> the Device contract's (SCT << 8) | SC.
uint16_t status_code(int kernel_status) {
  return static_cast<uint16_t>(kernel_status & 0x7ff);
}

std::string trim(const char* p, size_t n) {
  std::string s(p, strnlen(p, n));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

std::optional<uint64_t> read_sysfs_number(const fs::path& p) {
  std::ifstream in(p);
  uint64_t v = 0;
  if (in >> v) return v;
  return std::nullopt;
}

// Who holds an flock on the file behind fd, from /proc/locks:
//   "1: FLOCK  ADVISORY  WRITE 2345 00:05:210 0 EOF"
std::string lock_holder(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return "";
  std::string want = fmt::format("{:02x}:{:02x}:{}", major(st.st_dev), minor(st.st_dev),
                                 static_cast<unsigned long>(st.st_ino));
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    if (line.find("FLOCK") == std::string::npos) continue;
    if (line.find(" " + want + " ") == std::string::npos) continue;
    std::istringstream words(line);
    std::string id, kind, advisory, mode, pid;
    words >> id >> kind >> advisory >> mode >> pid;
    if (mode == "->") continue;  // a waiter, not the holder
    std::ifstream comm("/proc/" + pid + "/comm");
    std::string name;
    std::getline(comm, name);
    return name.empty() ? fmt::format("pid {}", pid) : fmt::format("pid {} ({})", pid, name);
  }
  return "";
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Largest transfer a passthrough command may carry: the namespace queue's
// max_hw_sectors (which the kernel derives from MDTS) and, since user pages
// are mapped one segment each, max_segments pages.
uint32_t max_transfer(const std::string& generic_name, const std::string& block_name,
                      const nvme_id_ctrl& id) {
  uint64_t limit = id.mdts ? (uint64_t{4096} << id.mdts) : 0;  // CAP.MPSMIN = 4 KiB
  fs::path queue = fs::path("/sys/block") / block_name / "queue";
  if (auto kb = read_sysfs_number(queue / "max_hw_sectors_kb")) {
    limit = limit ? std::min(limit, *kb * 1024) : *kb * 1024;
  }
  if (auto segs = read_sysfs_number(queue / "max_segments")) {
    uint64_t by_segments = *segs * uint64_t{4096};
    limit = limit ? std::min(limit, by_segments) : by_segments;
  }
  (void)generic_name;
  return static_cast<uint32_t>(std::min<uint64_t>(limit, UINT32_MAX));
}

}  // namespace

UringDevice::UringDevice(DeviceInfo info, LinuxDevicePaths paths, int ns_fd, int ctrl_fd,
                         unsigned queue_depth, std::shared_ptr<LinuxRing> ring)
    : info_(std::move(info)),
      paths_(std::move(paths)),
      ns_fd_(ns_fd),
      ctrl_fd_(ctrl_fd),
      queue_depth_(queue_depth),
      ring_(std::move(ring)) {}

UringDevice::~UringDevice() {
  // Commands still in flight would complete into freed memory: wait them out
  // (their completion functions are not called any more; other devices' on
  // a shared ring still are).
  ring_->Drain(&in_flight_);
  close(ns_fd_);
  if (ctrl_fd_ >= 0) close(ctrl_fd_);  // the flock goes with ns_fd_
}

bool UringDevice::Submit(const DeviceCommand& cmd, CompletionFn fn, void* ctx) {
  if (in_flight_ >= queue_depth_) return false;
  return ring_->Submit(ns_fd_, info_.nsid, cmd, fn, ctx, &in_flight_);
}

size_t UringDevice::Poll(unsigned wait_us) {
  // Nothing of ours in flight: do not wait for another device's command.
  return ring_->Poll(in_flight_ > 0 ? wait_us : 0);
}

DeviceCompletion UringDevice::Admin(const DeviceCommand& cmd) {
  nvme_passthru_cmd pc{};
  pc.opcode = cmd.opcode;
  pc.nsid = cmd.nsid ? cmd.nsid : info_.nsid;
  pc.cdw2 = cmd.cdw2;
  pc.cdw3 = cmd.cdw3;
  pc.addr = reinterpret_cast<uintptr_t>(cmd.data);
  pc.data_len = cmd.data ? cmd.data_len : 0;
  pc.cdw10 = cmd.cdw10;
  pc.cdw11 = cmd.cdw11;
  pc.cdw12 = cmd.cdw12;
  pc.cdw13 = cmd.cdw13;
  pc.cdw14 = cmd.cdw14;
  pc.cdw15 = cmd.cdw15;
  DeviceCompletion c;
  int rc = ioctl(ctrl_fd_, NVME_IOCTL_ADMIN_CMD, &pc);
  if (rc < 0) {
    c.errno_ = -errno;
  } else {
    c.status = status_code(rc);
    c.dw0 = pc.result;
  }
  return c;
}

}  // namespace linux_backend

Result<std::shared_ptr<LinuxRing>> CreateLinuxRing(unsigned entries, bool polled,
                                                   bool submit_thread) {
  auto ring = std::make_shared<LinuxRing>(entries, polled, submit_thread);
  int rc = ring->Init();
  if (rc < 0) {
    return Error{fmt::format("io_uring setup with 128-byte SQEs{}{} failed: {} (NVMe "
                             "passthrough needs Linux 5.19 or later{})",
                             polled ? " and IOPOLL" : "",
                             submit_thread ? " and a submission thread (SQPOLL)" : "",
                             strerror(-rc), polled ? ", polled passthrough 6.1" : "")};
  }
  return ring;
}

bool LinuxHasPollQueues(const LinuxDevicePaths& paths) {
  if (paths.block.size() <= 5) return false;
  auto v = linux_backend::read_sysfs_number(std::filesystem::path("/sys/block") /
                                            paths.block.substr(5) / "queue" / "io_poll");
  return v && *v == 1;
}

Result<LinuxDevicePaths> ResolveLinuxDevice(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  static const std::regex kGeneric(R"(ng(\d+)n(\d+))");
  static const std::regex kBlock(R"(nvme(\d+)n(\d+))");
  std::smatch m;
  LinuxDevicePaths p;
  if (std::regex_match(name, m, kGeneric) || std::regex_match(name, m, kBlock)) {
    p.generic = fmt::format("/dev/ng{}n{}", m[1].str(), m[2].str());
    p.block = fmt::format("/dev/nvme{}n{}", m[1].str(), m[2].str());
  } else {
    return Error{fmt::format("{}: not an NVMe namespace (want /dev/ngXnY or /dev/nvmeXnY)", path)};
  }
  // The controller: the generic device's parent in sysfs is the controller
  // (nvme0), or with native multipath the subsystem, whose controllers are
  // listed inside it.
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path sys = fs::canonical(fs::path("/sys/class/nvme-generic") / p.generic.substr(5), ec);
  if (ec) {
    return Error{fmt::format("{}: no such NVMe namespace ({} missing: is the nvme driver loaded, "
                             "kernel 5.13 or later?)",
                             path, p.generic)};
  }
  std::string parent = sys.parent_path().filename();
  if (parent.rfind("nvme-subsys", 0) == 0) {
    std::vector<std::string> ctrls;
    static const std::regex kCtrl(R"(nvme\d+)");
    for (const auto& e : fs::directory_iterator(sys.parent_path(), ec)) {
      std::string n = e.path().filename();
      if (std::regex_match(n, kCtrl)) ctrls.push_back(n);
    }
    std::sort(ctrls.begin(), ctrls.end());
    if (ctrls.empty()) return Error{fmt::format("{}: no controller in {}", path, parent)};
    parent = ctrls.front();
  }
  p.controller = "/dev/" + parent;
  return p;
}

Result<std::unique_ptr<Device>> OpenLinuxDevice(const std::string& path,
                                                const LinuxDeviceOptions& options) {
  auto resolved = ResolveLinuxDevice(path);
  if (!resolved) return resolved.error();
  LinuxDevicePaths paths = resolved.value();
  std::string name = paths.generic.substr(5);

  linux_backend::Fd ns(open(paths.generic.c_str(), O_RDWR | O_CLOEXEC));
  if (ns.get() < 0) {
    int e = errno;
    return Error{fmt::format("cannot open {}: {}{}", paths.generic, strerror(e),
                             e == EACCES || e == EPERM ? " (run as root)" : "")};
  }
  if (options.exclusive && flock(ns.get(), LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    if (e == EWOULDBLOCK) {
      std::string holder = linux_backend::lock_holder(ns.get());
      return Error{fmt::format("{} is in use by another Salix engine{} (an array member is "
                               "driven by one process at a time: stop it first)",
                               paths.generic, holder.empty() ? "" : ", " + holder)};
    }
    return Error{fmt::format("cannot lock {}: {}", paths.generic, strerror(e))};
  }
  linux_backend::Fd ctrl(open(paths.controller.c_str(), O_RDWR | O_CLOEXEC));
  if (ctrl.get() < 0) {
    return Error{fmt::format("cannot open {} (controller of {}): {}", paths.controller,
                             paths.generic, strerror(errno))};
  }

  DeviceInfo info;
  info.name = name;
  if (nvme_get_nsid(ns.get(), &info.nsid) != 0) {
    return Error{fmt::format("{}: cannot get the namespace id: {}", paths.generic,
                             strerror(errno))};
  }
  nvme_id_ctrl id{};
  int rc = nvme_identify_ctrl(ctrl.get(), &id);
  if (rc != 0) {
    return Error{fmt::format("{}: Identify Controller failed: {}", paths.controller,
                             rc > 0 ? nvme_status_to_string(rc, false) : strerror(errno))};
  }
  nvme_id_ns ns_id{};
  rc = nvme_identify_ns(ctrl.get(), info.nsid, &ns_id);
  if (rc != 0) {
    return Error{fmt::format("{}: Identify Namespace {} failed: {}", paths.generic, info.nsid,
                             rc > 0 ? nvme_status_to_string(rc, false) : strerror(errno))};
  }
  info.serial = linux_backend::trim(id.sn, sizeof(id.sn));
  info.model = linux_backend::trim(id.mn, sizeof(id.mn));
  unsigned lbaf = (ns_id.flbas & 0x0f) | (((ns_id.flbas >> 5) & 0x03) << 4);
  info.lba_size = 1u << ns_id.lbaf[lbaf].ds;
  info.lba_count = ns_id.nsze;
  info.max_transfer_bytes =
      linux_backend::max_transfer(name, paths.block.substr(5), id);
  const auto salix = parse_salix_identity(id.vs, sizeof(id.vs));
  info.salix = salix.has_value();
  info.scattered_write_tagged =
      salix && (salix->features & SALIX_FEATURE_WRITE_TAGGED_SCATTER) != 0;
  if (info.lba_size < 512 || info.lba_count == 0) {
    return Error{fmt::format("{}: namespace {} reports no capacity or an LBA size of {}",
                             paths.generic, info.nsid, info.lba_size)};
  }

  std::shared_ptr<LinuxRing> ring = options.ring;
  unsigned depth = std::max(1u, options.queue_depth);
  if (!ring) {
    bool polled = options.polling == LinuxPolling::kOn;
    if (polled && !LinuxHasPollQueues(paths)) {
      return Error{fmt::format("{}: polling asked for, but {} has no NVMe poll queues (boot the "
                               "kernel with nvme.poll_queues=1)",
                               paths.generic, paths.block)};
    }
    auto made = CreateLinuxRing(depth, polled, options.submit_thread);
    if (!made) return Error{fmt::format("{}: {}", paths.generic, made.error().message)};
    ring = std::move(made.value());
  }
  auto dev = std::make_unique<linux_backend::UringDevice>(
      std::move(info), std::move(paths), ns.release(), ctrl.release(), depth, std::move(ring));
  return std::unique_ptr<Device>(std::move(dev));
}

}  // namespace salix::host

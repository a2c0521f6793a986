// discovery.cc - controller discovery on Linux through libnvme.
#include "salix/host/discovery.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <libnvme.h>

#include <memory>

namespace salix::host {
namespace {

struct TreeDeleter {
  void operator()(nvme_root* r) const { nvme_free_tree(r); }
};

std::string or_empty(const char* s) { return s ? s : ""; }

NamespaceInfo describe_namespace(nvme_ns_t n) {
  NamespaceInfo ns;
  ns.nsid = static_cast<uint32_t>(nvme_ns_get_nsid(n));
  ns.block_path = "/dev/" + or_empty(nvme_ns_get_name(n));
  std::string generic = or_empty(nvme_ns_get_generic_name(n));
  if (!generic.empty()) ns.generic_path = "/dev/" + generic;
  ns.lba_count = nvme_ns_get_lba_count(n);
  ns.lba_size = static_cast<uint32_t>(nvme_ns_get_lba_size(n));
  return ns;
}

// Reads Identify Controller through our own descriptor (libnvme's cached fd
// may not be open for PCIe controllers found by a scan).
std::optional<SalixIdentity> read_salix_identity(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  nvme_id_ctrl id{};
  int rc = nvme_identify_ctrl(fd, &id);
  close(fd);
  if (rc != 0) return std::nullopt;
  return parse_salix_identity(id.vs, sizeof(id.vs));
}

}  // namespace

Result<std::vector<ControllerInfo>> discover_controllers() {
  std::unique_ptr<nvme_root, TreeDeleter> root(nvme_scan(nullptr));
  if (!root) {
    return Error{fmt::format("libnvme could not scan the NVMe topology: {}",
                             strerror(errno))};
  }
  std::vector<ControllerInfo> found;
  nvme_host_t h;
  nvme_subsystem_t s;
  nvme_ctrl_t c;
  nvme_ns_t n;
  nvme_for_each_host(root.get(), h) {
    nvme_for_each_subsystem(h, s) {
      nvme_subsystem_for_each_ctrl(s, c) {
        ControllerInfo info;
        info.name = or_empty(nvme_ctrl_get_name(c));
        info.device_path = "/dev/" + info.name;
        info.serial = or_empty(nvme_ctrl_get_serial(c));
        info.model = or_empty(nvme_ctrl_get_model(c));
        info.firmware_revision = or_empty(nvme_ctrl_get_firmware(c));
        nvme_ctrl_for_each_ns(c, n) info.namespaces.push_back(describe_namespace(n));
        // With native multipath the namespaces hang off the subsystem.
        if (info.namespaces.empty()) {
          nvme_subsystem_for_each_ns(s, n) info.namespaces.push_back(describe_namespace(n));
        }
        info.salix = read_salix_identity(info.device_path);
        found.push_back(std::move(info));
      }
    }
  }
  return found;
}

}  // namespace salix::host

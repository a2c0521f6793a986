#include "salix/host/broker.h"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <salix/app_commands.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace salix::host {
namespace {

std::string RightsText(uint8_t r) {
  if (r == (SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE)) return "read and write";
  if (r == SALIX_DOMAIN_READ) return "read";
  if (r == SALIX_DOMAIN_WRITE) return "write";
  return "nothing";
}

bool ReadUint(const std::string& path, uint64_t* v) {
  std::ifstream f(path);
  return static_cast<bool>(f >> *v);
}

// sysfs name of a block device node: /sys/dev/block/MAJ:MIN.
std::string SysBlock(const struct stat& st) {
  return fmt::format("/sys/dev/block/{}:{}", major(st.st_rdev), minor(st.st_rdev));
}

struct Extent {
  std::string device;
  uint64_t first = 0;
  uint64_t count = 0;  // 0: the whole namespace
  bool partition = false;
  uint64_t start_sectors = 0, size_sectors = 0;
};

Result<Extent> Resolve(const std::string& path, const struct stat& st) {
  const std::string name = path.substr(path.rfind('/') + 1);
  static const std::regex kNs(R"((nvme|ng)(\d+)n(\d+))");
  static const std::regex kPart(R"(nvme(\d+)n(\d+)p(\d+))");
  std::smatch m;
  Extent e;
  if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) {
    if (std::regex_match(name, m, kNs)) {
      e.device = path;
      return e;
    }
    if (S_ISBLK(st.st_mode) && std::regex_match(name, m, kPart)) {
      const std::string sys = SysBlock(st);
      if (!ReadUint(sys + "/start", &e.start_sectors) ||
          !ReadUint(sys + "/size", &e.size_sectors)) {
        return Error{fmt::format("{}: cannot read its start and size from {}", path, sys)};
      }
      e.device = fmt::format("/dev/nvme{}n{}", m[1].str(), m[2].str());
      e.partition = true;
      return e;
    }
    return Error{fmt::format("{}: not an NVMe namespace or partition", path)};
  }
  if (!S_ISREG(st.st_mode)) return Error{fmt::format("{}: not a device or regular file", path)};
  std::ifstream f(path);
  std::string magic;
  if (!(f >> magic >> e.device >> e.first >> e.count) || magic != "salix-extent") {
    return Error{fmt::format("{}: expected one line 'salix-extent DEVICE FIRST COUNT'", path)};
  }
  if (e.count == 0) return Error{fmt::format("{}: COUNT is 0", path)};
  return e;
}

}  // namespace

Credentials Credentials::OfCaller() {
  Credentials c;
  c.uid = getuid();
  c.gid = getgid();
  const char* su = std::getenv("SUDO_UID");
  const char* sg = std::getenv("SUDO_GID");
  if (c.uid == 0 && su && sg) {
    c.uid = static_cast<uid_t>(std::strtoul(su, nullptr, 10));
    c.gid = static_cast<gid_t>(std::strtoul(sg, nullptr, 10));
    if (const passwd* pw = getpwuid(c.uid)) {
      int n = 64;
      std::vector<gid_t> g(n);
      if (getgrouplist(pw->pw_name, c.gid, g.data(), &n) < 0) {
        g.resize(n);
        getgrouplist(pw->pw_name, c.gid, g.data(), &n);
      }
      g.resize(std::max(n, 0));
      c.groups = g;
    }
    return c;
  }
  int n = getgroups(0, nullptr);
  if (n > 0) {
    c.groups.resize(n);
    n = getgroups(n, c.groups.data());
    c.groups.resize(std::max(n, 0));
  }
  return c;
}

uint8_t FileRights(const Credentials& who, uint32_t mode, uid_t owner, gid_t group) {
  if (who.uid == 0) return SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE;
  unsigned bits;
  if (who.uid == owner) {
    bits = (mode >> 6) & 7;
  } else if (who.gid == group ||
             std::find(who.groups.begin(), who.groups.end(), group) != who.groups.end()) {
    bits = (mode >> 3) & 7;
  } else {
    bits = mode & 7;
  }
  return static_cast<uint8_t>(((bits & 4) ? SALIX_DOMAIN_READ : 0) |
                              ((bits & 2) ? SALIX_DOMAIN_WRITE : 0));
}

Result<std::string> ExtentDevice(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Error{fmt::format("{}: {}", path, strerror(errno))};
  auto e = Resolve(path, st);
  if (!e.ok()) return e.error();
  return e.value().device;
}

Result<ExtentGrant> CheckExtent(const ExtentRequest& req, const Credentials& who,
                                uint32_t lba_size, uint64_t lba_count) {
  if (req.rights == 0 || (req.rights & ~(SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE))) {
    return Error{"ask for read, write or both"};
  }
  struct stat st;
  if (stat(req.path.c_str(), &st) != 0) {
    return Error{fmt::format("{}: {}", req.path, strerror(errno))};
  }
  const uint8_t have = FileRights(who, st.st_mode, st.st_uid, st.st_gid);
  if ((req.rights & ~have) != 0) {
    return Error{fmt::format("uid {} may {} {} (mode {:o}, owner {}, group {}), not {}",
                             who.uid, RightsText(have), req.path, st.st_mode & 07777,
                             st.st_uid, st.st_gid, RightsText(req.rights))};
  }
  auto e = Resolve(req.path, st);
  if (!e.ok()) return e.error();
  ExtentGrant g;
  g.device = e.value().device;
  g.rights = req.rights;
  if (e.value().partition) {
    if (lba_size < 512 || (e.value().start_sectors * 512) % lba_size != 0) {
      return Error{fmt::format("{}: partition start is not a whole number of {}-byte LBAs",
                               req.path, lba_size)};
    }
    g.first = e.value().start_sectors * 512 / lba_size;
    g.count = e.value().size_sectors * 512 / lba_size;
  } else if (e.value().count == 0) {
    g.first = 0;
    g.count = lba_count;
  } else {
    g.first = e.value().first;
    g.count = e.value().count;
  }
  if (g.count == 0 || g.first >= lba_count || g.count > lba_count - g.first) {
    return Error{fmt::format("{}: LBAs [{}, +{}) are not inside {} ({} LBAs)", req.path,
                             g.first, g.count, g.device, lba_count)};
  }
  g.why = fmt::format("uid {} may {} {}", who.uid, RightsText(req.rights), req.path);
  return g;
}

}  // namespace salix::host

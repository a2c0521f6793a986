// broker.h - hands protection-domain tokens to unprivileged processes
// according to the file permissions of the data they ask for (Willow's
// rule: the device enforces what the host's file system grants).
//
// Creating a domain is an admin command, so only a privileged process can
// do it; the broker is that process (salixctl broker grant, run through
// sudo or installed setuid root). It decides from the caller's REAL
// credentials (getuid/getgid/supplementary groups, or SUDO_UID/SUDO_GID
// when sudo ran it as root) and from one file that stands for the LBAs:
//   - a namespace's block device (/dev/nvme0n1) or generic device
//     (/dev/ng0n1): the whole namespace;
//   - a partition (/dev/nvme0n1p2): its LBAs, from sysfs start/size;
//   - a regular file holding one line "salix-extent DEVICE FIRST COUNT"
//     (DEVICE a /dev/ngXnY or /dev/nvmeXnY path, FIRST and COUNT in LBAs):
//     an administrator carves a device into extents and gives each the
//     owner, group and mode its users need.
// The right to read the file grants read, the right to write it grants
// write, evaluated as the kernel does for that uid (owner, then group,
// then other bits; root may do anything). Asking for more than that is
// refused with a message naming the file and the missing right.
//
// The token goes to the caller, which then needs to send Invoke itself:
// on Linux up to 6.1 (Debian 12's kernel) every NVMe passthrough needs
// CAP_SYS_ADMIN; from 6.2 an unprivileged process may send Invoke (listed
// with LBCC in the effects log) on a /dev/ngXnY it opened for writing.
#ifndef SALIX_HOST_BROKER_H
#define SALIX_HOST_BROKER_H

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "salix/host/error.h"

namespace salix::host {

struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  // The process's real credentials; SUDO_UID/SUDO_GID (and that user's
  // groups) when it runs as root under sudo.
  static Credentials OfCaller();
};

struct ExtentRequest {
  std::string path;     // the file standing for the LBAs
  uint8_t rights = 0;   // SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE
};

struct ExtentGrant {
  std::string device;   // the namespace (/dev/ngXnY or /dev/nvmeXnY path)
  uint64_t first = 0;   // LBAs, in the namespace's block size
  uint64_t count = 0;
  uint8_t rights = 0;   // what was granted (== requested)
  std::string why;      // "owner 1000 may read and write /srv/extents/a"
};

// The rights 'who' has on 'st_mode/uid/gid' (SALIX_DOMAIN_* bits).
uint8_t FileRights(const Credentials& who, uint32_t mode, uid_t owner, gid_t group);

// Checks 'req' against the file's permissions and resolves its LBAs.
// lba_size: the namespace's block size (for partitions, whose sysfs sizes
// are in 512-byte sectors). lba_count: the namespace's size (whole-device
// grants, and a check that extents fit).
Result<ExtentGrant> CheckExtent(const ExtentRequest& req, const Credentials& who,
                                uint32_t lba_size, uint64_t lba_count);

// The namespace device a request's file belongs to (for opening it first):
// the node itself, the partition's parent, or the extent file's DEVICE.
Result<std::string> ExtentDevice(const std::string& path);

}  // namespace salix::host

#endif  // SALIX_HOST_BROKER_H

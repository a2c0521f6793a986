#include "ftl/checkpoint.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace salix::ftl {
namespace {

uint64_t Fnv1a(const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < len; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

bool WriteAll(int fd, const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadAll(int fd, void* data, size_t len) {
  auto* p = static_cast<uint8_t*>(data);
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool WriteCheckpoint(const std::string& path, const Checkpoint& cp,
                     std::string* why) {
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *why = fmt::format("cannot create '{}': {}", tmp, std::strerror(errno));
    return false;
  }
  CheckpointHeader h{};
  std::memcpy(h.magic, kCheckpointMagic, sizeof(h.magic));
  h.version = kCheckpointVersion;
  h.header_bytes = sizeof(h);
  h.user_pages = cp.l2p.size();
  h.total_pages = cp.total_pages;
  h.next_seq = cp.next_seq;
  h.checksum = Fnv1a(cp.l2p.data(), cp.l2p.size() * sizeof(uint32_t));
  bool ok = WriteAll(fd, &h, sizeof(h)) &&
            WriteAll(fd, cp.l2p.data(), cp.l2p.size() * sizeof(uint32_t)) &&
            fsync(fd) == 0;
  int e = errno;
  close(fd);
  if (ok && rename(tmp.c_str(), path.c_str()) != 0) ok = false, e = errno;
  if (!ok) {
    unlink(tmp.c_str());
    *why = fmt::format("cannot write '{}': {}", path, std::strerror(e));
  }
  return ok;
}

std::optional<Checkpoint> ReadCheckpoint(const std::string& path,
                                         uint64_t user_pages,
                                         uint64_t total_pages) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  CheckpointHeader h{};
  Checkpoint cp;
  bool ok = ReadAll(fd, &h, sizeof(h)) &&
            std::memcmp(h.magic, kCheckpointMagic, sizeof(h.magic)) == 0 &&
            h.version == kCheckpointVersion && h.header_bytes == sizeof(h) &&
            h.user_pages == user_pages && h.total_pages == total_pages;
  if (ok) {
    cp.l2p.resize(user_pages);
    ok = ReadAll(fd, cp.l2p.data(), user_pages * sizeof(uint32_t)) &&
         Fnv1a(cp.l2p.data(), user_pages * sizeof(uint32_t)) == h.checksum;
  }
  close(fd);
  if (!ok) return std::nullopt;
  cp.total_pages = h.total_pages;
  cp.next_seq = h.next_seq;
  return cp;
}

}  // namespace salix::ftl

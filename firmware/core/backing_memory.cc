#include "core/backing_memory.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace salix {
namespace {

constexpr uint64_t kPage = BackingMemory::kPageBytes;

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older headers lack it
#endif

uint64_t AlignUp(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }
uint64_t AlignDown(uint64_t v) { return v & ~(kPage - 1); }

}  // namespace

Result<std::unique_ptr<BackingMemory>, std::string> BackingMemory::CreateRam(
    uint64_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    return Err(fmt::format("size: cannot reserve {} bytes of RAM: {}", bytes,
                           std::strerror(errno)));
  }
  std::unique_ptr<BackingMemory> m(
      new BackingMemory(static_cast<uint8_t*>(p), bytes, -1));
  m->pagemap_fd_ = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  return m;
}

Result<std::unique_ptr<BackingMemory>, std::string> BackingMemory::OpenFile(
    const std::string& path, uint64_t bytes) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Err(fmt::format("backing-file: cannot open or create '{}': {}",
                           path, std::strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Err(fmt::format("backing-file: '{}' is not a regular file", path));
  }
  uint64_t have = static_cast<uint64_t>(st.st_size);
  if (have > bytes) {
    close(fd);
    return Err(fmt::format(
        "backing-file: '{}' holds {} bytes, more than size={}; refusing to "
        "truncate it (set size to {} or use another file)",
        path, have, bytes, have));
  }
  if (have < bytes && ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    int e = errno;
    close(fd);
    return Err(fmt::format("backing-file: cannot resize '{}' to {} bytes: {}",
                           path, bytes, std::strerror(e)));
  }
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    int e = errno;
    close(fd);
    return Err(fmt::format("backing-file: cannot map '{}': {}", path,
                           std::strerror(e)));
  }
  return std::unique_ptr<BackingMemory>(
      new BackingMemory(static_cast<uint8_t*>(p), bytes, fd));
}

BackingMemory::~BackingMemory() {
  munmap(data_, size_);
  if (fd_ >= 0) close(fd_);
  if (pagemap_fd_ >= 0) close(pagemap_fd_);
}

void BackingMemory::PagesWithData(uint64_t offset, uint64_t len,
                                  std::vector<uint8_t>* out) const {
  out->clear();
  if (len == 0) return;
  const uint64_t first = offset / kPage;
  out->assign((offset + len - 1) / kPage - first + 1, 1);
  if (fd_ >= 0 || pagemap_fd_ < 0) return;
  // pagemap: one 64-bit entry per virtual page; bit 63 present, bit 62
  // swapped. A short read leaves the rest at "may hold data".
  const uint64_t vpage = reinterpret_cast<uintptr_t>(data_) / kPage + first;
  uint64_t entries[512];
  for (size_t i = 0; i < out->size();) {
    const size_t n = std::min<size_t>(std::size(entries), out->size() - i);
    const auto want = static_cast<ssize_t>(n * sizeof(entries[0]));
    if (pread(pagemap_fd_, entries, static_cast<size_t>(want),
              static_cast<off_t>((vpage + i) * sizeof(entries[0]))) != want) {
      return;
    }
    for (size_t j = 0; j < n; j++) (*out)[i + j] = (entries[j] >> 62) != 0;
    i += n;
  }
}

bool BackingMemory::Sync(uint64_t offset, uint64_t len) {
  if (fd_ < 0 || len == 0) return true;
  uint64_t start = AlignDown(offset);
  uint64_t end = AlignUp(offset + len);
  if (end > AlignUp(size_)) end = AlignUp(size_);
  return msync(data_ + start, end - start, MS_SYNC) == 0;
}

std::string BackingMemory::Populate() {
  resident_ = true;
  if (madvise(data_, size_, MADV_POPULATE_WRITE) == 0) return {};
  if (errno != EINVAL) {
    return fmt::format("prealloc: cannot populate {} bytes of {}: {}", size_,
                       fd_ < 0 ? "RAM" : "the backing file",
                       std::strerror(errno));
  }
  // A kernel before 5.14: one write to every page. An atomic OR with zero
  // is a write (a never-touched RAM page gets its own page at once, not the
  // shared zero page first) that keeps what a file already holds.
  for (uint64_t off = 0; off < size_; off += kPage) {
    __atomic_fetch_or(data_ + off, uint8_t{0}, __ATOMIC_RELAXED);
  }
  return {};
}

void BackingMemory::Discard(uint64_t offset, uint64_t len) {
  uint64_t end = offset + len;
  uint64_t inner_start = AlignUp(offset);
  uint64_t inner_end = AlignDown(end);
  if (inner_start >= inner_end) {
    std::memset(data_ + offset, 0, len);
    return;
  }
  std::memset(data_ + offset, 0, inner_start - offset);
  std::memset(data_ + inner_end, 0, end - inner_end);
  uint64_t n = inner_end - inner_start;
  bool released = false;
  if (resident_ || (fd_ < 0 && n < kMinReleaseBytes)) {
    // Small RAM ranges are zeroed in place: an madvise costs a syscall and
    // a TLB shootdown, and the next write to the range a page fault and a
    // page clear each (~10x a memset of the same bytes, measured with the
    // array benchmark, whose GC deallocates 4 KiB chunks all the time).
    std::memset(data_ + inner_start, 0, n);
    return;
  }
  if (fd_ < 0) {
    // Private anonymous pages read back as zero after MADV_DONTNEED.
    released = madvise(data_ + inner_start, n, MADV_DONTNEED) == 0;
  } else {
    released = fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                         static_cast<off_t>(inner_start),
                         static_cast<off_t>(n)) == 0;
  }
  if (!released) std::memset(data_ + inner_start, 0, n);
}

}  // namespace salix

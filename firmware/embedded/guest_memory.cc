#include "embedded/guest_memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>

namespace salix::embedded {

GuestMemory::GuestMemory(uint64_t bytes, uint64_t base)
    : base_(base), size_(bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) std::abort();
  data_ = static_cast<uint8_t*>(p);
  free_[0] = bytes / kPageSize;
}

GuestMemory::~GuestMemory() { munmap(data_, size_); }

bool GuestMemory::Read(uint64_t addr, void* dst, size_t len) const {
  if (!Contains(addr, len)) return false;
  std::memcpy(dst, data_ + (addr - base_), len);
  return true;
}

bool GuestMemory::Write(uint64_t addr, const void* src, size_t len) {
  if (!Contains(addr, len)) return false;
  std::memcpy(data_ + (addr - base_), src, len);
  return true;
}

uint8_t* GuestMemory::Translate(uint64_t addr, uint64_t len) {
  return Contains(addr, len) ? data_ + (addr - base_) : nullptr;
}

uint64_t GuestMemory::AllocPages(uint64_t count) {
  if (count == 0) return 0;
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < count) continue;
    uint64_t first = it->first;
    uint64_t left = it->second - count;
    free_.erase(it);
    if (left > 0) free_[first + count] = left;
    std::memset(data_ + first * kPageSize, 0, count * kPageSize);
    return base_ + first * kPageSize;
  }
  return 0;
}

void GuestMemory::FreePages(uint64_t addr, uint64_t count) {
  if (count == 0) return;
  uint64_t first = (addr - base_) / kPageSize;
  auto [it, inserted] = free_.emplace(first, count);
  if (!inserted) return;  // double free: ignore rather than corrupt the map
  auto next = std::next(it);
  if (next != free_.end() && first + count == next->first) {
    it->second += next->second;
    free_.erase(next);
  }
  if (it != free_.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second == first) {
      prev->second += it->second;
      free_.erase(it);
    }
  }
}

uint64_t GuestMemory::free_pages() const {
  uint64_t n = 0;
  for (const auto& [first, count] : free_) n += count;
  return n;
}

}  // namespace salix::embedded

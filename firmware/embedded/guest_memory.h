// guest_memory.h - the embedded host's "guest RAM": one flat region of
// physical addresses [base, base + size) plus a page allocator.
//
// The region is an anonymous MAP_NORESERVE mapping, so a large guest costs
// only the pages actually touched. Addresses outside the region are
// unbacked: DMA to them fails, which the firmware reports as Data Transfer
// Error (tests rely on this).
//
// Thread-safety: Read/Write/Translate may race only on disjoint ranges (the
// firmware worker and the host thread touch different buffers);
// AllocPages/FreePages must be called by one thread at a time.
#ifndef SALIX_EMBEDDED_GUEST_MEMORY_H
#define SALIX_EMBEDDED_GUEST_MEMORY_H

#include <cstddef>
#include <cstdint>
#include <map>

namespace salix::embedded {

class GuestMemory {
 public:
  static constexpr uint64_t kPageSize = 4096;
  static constexpr uint64_t kDefaultBase = 0x10000000;  // 256 MiB

  // REQUIRES: bytes and base are multiples of kPageSize. Aborts only if the
  // host process cannot reserve address space (not guest-triggerable).
  explicit GuestMemory(uint64_t bytes, uint64_t base = kDefaultBase);
  ~GuestMemory();
  GuestMemory(const GuestMemory&) = delete;
  GuestMemory& operator=(const GuestMemory&) = delete;

  uint64_t base() const { return base_; }
  uint64_t size() const { return size_; }
  bool Contains(uint64_t addr, uint64_t len) const {
    return addr >= base_ && len <= size_ && addr - base_ <= size_ - len;
  }

  // False when any byte of the range is outside the region.
  bool Read(uint64_t addr, void* dst, size_t len) const;
  bool Write(uint64_t addr, const void* src, size_t len);
  // Host pointer for a range, or nullptr when not backed.
  uint8_t* Translate(uint64_t addr, uint64_t len);

  // Physically contiguous, page-aligned, zeroed pages; 0 when exhausted.
  uint64_t AllocPages(uint64_t count);
  // REQUIRES: exactly a range AllocPages returned.
  void FreePages(uint64_t addr, uint64_t count);
  uint64_t free_pages() const;

 private:
  uint8_t* data_;
  uint64_t base_;
  uint64_t size_;
  std::map<uint64_t, uint64_t> free_;  // first page index -> page count
};

}  // namespace salix::embedded

#endif  // SALIX_EMBEDDED_GUEST_MEMORY_H

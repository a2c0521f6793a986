// backing_memory.h - the bytes behind a namespace: RAM or a sparse file.
//
// RAM is an anonymous MAP_NORESERVE mapping, so a large device costs nothing
// until written. A file is created or extended sparse and mapped MAP_SHARED,
// so data survives destroying and re-creating the controller; Sync() msyncs.
// Discard() makes a range read as zeroes and gives the memory back (madvise
// or fallocate(PUNCH_HOLE) on whole pages, memset on the ragged edges). RAM
// ranges under kMinReleaseBytes are only zeroed: they stay resident, which
// is cheaper than giving back and faulting in again. Populate() makes every
// page resident up front and keeps it so (Discard then only zeroes): a
// first write to RAM otherwise costs the writing thread a page fault and a
// page clear, and in a benchmark that lands on whichever workload touches a
// block first (docs/BENCHMARKS.md, salix-nvme prealloc=on).
//
// Thread-safety: not synchronized; owned by one personality.
#ifndef SALIX_CORE_BACKING_MEMORY_H
#define SALIX_CORE_BACKING_MEMORY_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace salix {

class BackingMemory {
 public:
  static constexpr uint64_t kMinReleaseBytes = 1 << 20;
  static constexpr uint64_t kPageBytes = 4096;  // PagesWithData's unit

  // Errors are messages naming the config key ("size: ..." or
  // "backing-file: ...").
  static Result<std::unique_ptr<BackingMemory>, std::string> CreateRam(
      uint64_t bytes);
  // Creates the file if missing and grows it (sparse) to 'bytes'. A larger
  // existing file is refused rather than truncated: its data may matter.
  static Result<std::unique_ptr<BackingMemory>, std::string> OpenFile(
      const std::string& path, uint64_t bytes);

  ~BackingMemory();
  BackingMemory(const BackingMemory&) = delete;
  BackingMemory& operator=(const BackingMemory&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  // True for a file: Sync() makes data durable across restarts.
  bool persistent() const { return fd_ >= 0; }

  // REQUIRES: offset + len <= size(). Returns false if msync failed.
  bool Sync(uint64_t offset, uint64_t len);
  bool SyncAll() { return Sync(0, size_); }
  // REQUIRES: offset + len <= size().
  void Discard(uint64_t offset, uint64_t len);
  // Makes every page resident now (MADV_POPULATE_WRITE, or a write to each
  // page on kernels without it) and from then on never gives memory back.
  // Returns an error naming the property ("prealloc: ..."), or "".
  std::string Populate();
  // One entry per 4 KiB page of [offset, offset + len), from the page that
  // holds offset: 0 when the page is RAM that was never written since it
  // was reserved or given back (neither present nor swapped, per
  // /proc/self/pagemap), so it reads as zeroes; 1 when it may hold data
  // (always for a file, and for RAM when pagemap cannot be read). Why:
  // reading such a page only to find zeroes maps the shared zero page, and
  // the next write to it then takes a copy-on-write fault with a TLB
  // shootdown across every CPU running the process's threads (in QEMU, the
  // vCPUs): the array engine's recovery asks for the tags of every block,
  // so its first writes afterwards paid that on every page.
  // REQUIRES: offset + len <= size().
  void PagesWithData(uint64_t offset, uint64_t len, std::vector<uint8_t>* out) const;

 private:
  BackingMemory(uint8_t* data, uint64_t size, int fd)
      : data_(data), size_(size), fd_(fd) {}

  uint8_t* data_;
  uint64_t size_;
  int fd_;  // -1 for RAM
  int pagemap_fd_ = -1;  // /proc/self/pagemap, RAM only
  bool resident_ = false;  // Populate() ran: Discard zeroes in place
};

}  // namespace salix

#endif  // SALIX_CORE_BACKING_MEMORY_H

// staging.h - the memory merged device commands are built in (internal).
//
// Why: a merged Write Tagged (coalescer.h) carries its tag list and, where
// the backend wants one buffer, a copy of its parts' data. Linux pins and
// maps the pages of every passthrough command's buffer, then unpins them at
// completion; in a guest profile of 4 KiB random writes (docs/BENCHMARKS.md,
// "Registered staging") that was ~6 % of fio's thread. Memory registered with io_uring ahead of time
// (IORING_URING_CMD_FIXED) is pinned once. So merged commands are built in
// one region of fixed-size slots, which the Linux backend registers
// (LinuxArray), one registered buffer per slot.
//
// How: one anonymous mapping of 'slots' slots of 'slot_bytes' each (page
// multiples, page-aligned). Without registration only the slots in use
// are ever touched; io_uring registration pins all of them at open. A Coalescer::Batch takes a slot the first time it needs one and
// keeps it for life (batches are pooled and never freed while the engine
// lives), so there is no free path. Past the last slot, or for a command
// larger than a slot, a batch builds in heap memory as before: nothing
// fails, that command is only mapped per command.
//
// Thread-safety: none (the engine's thread).
#ifndef SALIX_HOST_ARRAY_STAGING_H
#define SALIX_HOST_ARRAY_STAGING_H

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace salix::host::array {

class StagingArena {
 public:
  StagingArena() = default;
  // slot_bytes is rounded down to whole pages; 0 slots or a slot below a
  // page: an empty arena (every batch uses the heap).
  StagingArena(size_t slots, size_t slot_bytes) {
    slot_bytes_ = slot_bytes / kPage * kPage;
    if (slots == 0 || slot_bytes_ == 0) return;
    void* p = mmap(nullptr, slots * slot_bytes_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    base_ = static_cast<uint8_t*>(p);
    slots_ = slots;
  }
  ~StagingArena() {
    if (base_ != nullptr) munmap(base_, slots_ * slot_bytes_);
  }
  StagingArena(const StagingArena&) = delete;
  StagingArena& operator=(const StagingArena&) = delete;

  // A slot of slot_bytes(), page-aligned, or nullptr when all are taken.
  uint8_t* Take() {
    if (taken_ == slots_) return nullptr;
    return base_ + slot_bytes_ * taken_++;
  }
  uint8_t* base() const { return base_; }
  size_t bytes() const { return slots_ * slot_bytes_; }
  size_t slot_bytes() const { return slot_bytes_; }
  size_t taken() const { return taken_; }

  static constexpr size_t kPage = 4096;

 private:
  uint8_t* base_ = nullptr;
  size_t slots_ = 0, slot_bytes_ = 0, taken_ = 0;
};

}  // namespace salix::host::array

#endif  // SALIX_HOST_ARRAY_STAGING_H

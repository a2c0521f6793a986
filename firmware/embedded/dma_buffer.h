// dma_buffer.h - a command's data buffer in guest memory, described to the
// controller the way the caller chooses: PRP1/PRP2, PRP lists (chained when
// longer than one list page) or SGL descriptors (one Data Block, or segment
// lists chained through Segment / Last Segment descriptors).
//
// Data pages are deliberately not contiguous (every other page of an
// allocation is used) so the controller really walks the list instead of
// getting away with "PRP1 + offset".
//
// Thread-safety: not synchronized. Ownership: owns its guest pages and frees
// them on destruction; the GuestMemory must outlive it.
#ifndef SALIX_EMBEDDED_DMA_BUFFER_H
#define SALIX_EMBEDDED_DMA_BUFFER_H

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "embedded/guest_memory.h"
#include "hil/nvme_defs.h"

namespace salix::embedded {

enum class DataLayout {
  kPrp,  // PRP1 + PRP2 or a PRP list, as Linux builds them
  kSgl,  // SGL descriptors (the controller advertises SGLS)
};

struct BufferLayout {
  DataLayout kind = DataLayout::kPrp;
  // Offset of the first byte inside its first page: PRP1's offset (must be
  // a multiple of 4 for a valid PRP) or the first SGL data block's.
  uint32_t first_offset = 0;
  // SGL only: bytes per Data Block descriptor (0: 4096).
  uint32_t sgl_block_bytes = 0;
  // SGL only: descriptors per segment list (0: 256, one page). With more
  // blocks than fit, lists are chained through Segment descriptors.
  uint32_t sgl_descriptors_per_segment = 0;
};

class DmaBuffer {
 public:
  // nullptr when guest memory is exhausted. bytes may be 0 (no data).
  static std::unique_ptr<DmaBuffer> Create(GuestMemory& memory, size_t bytes,
                                           const BufferLayout& layout = {});
  ~DmaBuffer();
  DmaBuffer(const DmaBuffer&) = delete;
  DmaBuffer& operator=(const DmaBuffer&) = delete;

  size_t size() const { return size_; }
  // Sets PSDT and DPTR of sqe to describe this buffer.
  void ApplyTo(nvme::Sqe* sqe) const;

  // Copy between host memory and the buffer; src/dst may be shorter.
  void CopyIn(std::span<const uint8_t> src, size_t offset = 0);
  void CopyOut(std::span<uint8_t> dst, size_t offset = 0) const;

  // Where the data is, in order: (guest address, length).
  const std::vector<std::pair<uint64_t, uint32_t>>& data_segments() const {
    return data_;
  }

 private:
  explicit DmaBuffer(GuestMemory& memory) : memory_(memory) {}
  bool BuildPrp(size_t bytes, uint32_t first_offset);
  bool BuildSgl(size_t bytes, const BufferLayout& layout);
  uint64_t Alloc(uint64_t pages);

  GuestMemory& memory_;
  size_t size_ = 0;
  uint8_t psdt_ = nvme::kPsdtPrp;
  uint64_t dptr_[2] = {0, 0};
  std::vector<std::pair<uint64_t, uint32_t>> data_;
  std::vector<std::pair<uint64_t, uint64_t>> allocations_;  // (addr, pages)
};

}  // namespace salix::embedded

#endif  // SALIX_EMBEDDED_DMA_BUFFER_H

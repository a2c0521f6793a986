// host_buffer.h - a command's data buffer in host memory, as a list of
// address ranges, built from PRPs (prp.cc) or SGLs (sgl.cc) and used by
// personalities through the DataTransfer interface.
//
// The whole descriptor chain is walked and validated before the command
// runs, so a malformed PRP list or SGL fails the command before any data
// moves. DMA faults during the copy surface as DataTransferError.
//
// One HostBuffer is reused for every command of a controller: Build*()
// clears it but keeps its vectors' storage, so the hot path does not
// allocate after warm-up.
//
// Thread-safety: worker thread only. Does not own the Platform.
#ifndef SALIX_HIL_HOST_BUFFER_H
#define SALIX_HIL_HOST_BUFFER_H

#include <cstdint>
#include <span>
#include <vector>

#include "core/data_transfer.h"
#include "core/platform.h"
#include "core/status.h"
#include "hil/nvme_defs.h"

namespace salix {

enum class XferDir { kToHost, kFromHost };

class HostBuffer : public DataTransfer {
 public:
  struct Segment {
    uint64_t addr;
    uint64_t len;
    bool bit_bucket;  // SGL Bit Bucket: device->host data is discarded
  };

  explicit HostBuffer(Platform& platform) : platform_(platform) {}

  // Chooses PRP or SGL from the command's PSDT. length 0 builds an empty
  // buffer without looking at DPTR.
  Status Build(const nvme::Sqe& sqe, uint64_t length, XferDir dir);
  Status BuildPrp(uint64_t prp1, uint64_t prp2, uint64_t length);
  Status BuildSgl(const nvme::SglDescriptor& sgl1, uint64_t length,
                  XferDir dir);

  uint64_t length() const override { return length_; }
  Status ToHost(uint64_t offset, const void* src, size_t len) override;
  Status FromHost(uint64_t offset, void* dst, size_t len) override;

  std::span<const Segment> segments() const { return segs_; }

 private:
  void Clear();
  void Append(uint64_t addr, uint64_t len, bool bit_bucket = false);
  // Finds the segment holding 'offset', starting from the cached cursor
  // because personalities copy front to back.
  size_t Locate(uint64_t offset, uint64_t* seg_offset);
  Status AddSglDataBlock(const nvme::SglDescriptor& d, uint64_t* remaining,
                         XferDir dir);

  Platform& platform_;
  std::vector<Segment> segs_;
  uint64_t length_ = 0;
  size_t cursor_idx_ = 0;
  uint64_t cursor_start_ = 0;  // buffer offset where segs_[cursor_idx_] starts
  std::vector<uint64_t> prp_scratch_;
  std::vector<nvme::SglDescriptor> sgl_scratch_;
};

}  // namespace salix

#endif  // SALIX_HIL_HOST_BUFFER_H

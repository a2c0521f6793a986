// SGL walking (NVMe 1.4, 4.4): SGL1 in the command is a Data Block or points
// to a segment (a list of descriptors in host memory). A Segment descriptor
// may only be the last descriptor of a list and leads to the next list; a
// Last Segment descriptor leads to the final list, which holds no segment
// descriptors. A list reached through a Segment descriptor may also simply
// end with a data descriptor (Linux does this for a full last page).
#include <algorithm>

#include "hil/host_buffer.h"

namespace salix {
namespace {

// Zero-length descriptors and segment hops make no progress; cap them so a
// guest cannot make the worker walk a cyclic list forever.
constexpr uint64_t kMaxIdleSteps = 1 << 16;
constexpr size_t kMaxListEntries = 4096;  // 64 KiB segment at most

}  // namespace

Status HostBuffer::AddSglDataBlock(const nvme::SglDescriptor& d,
                                   uint64_t* remaining, XferDir dir) {
  if (d.subtype() != nvme::sgl::kSubtypeAddress) {
    return Status::SglDescriptorTypeInvalid();
  }
  uint64_t n = std::min<uint64_t>(d.length, *remaining);
  if (d.desc_type() == nvme::sgl::kBitBucket) {
    // Only reads may discard data; a write needs every byte.
    if (dir != XferDir::kToHost) return Status::SglDescriptorTypeInvalid();
    Append(0, n, true);
  } else {
    Append(d.addr, n);
  }
  *remaining -= n;
  return Status::Success();
}

Status HostBuffer::BuildSgl(const nvme::SglDescriptor& sgl1, uint64_t length,
                            XferDir dir) {
  Clear();
  if (length == 0) return Status::Success();
  uint64_t remaining = length;

  switch (sgl1.desc_type()) {
    case nvme::sgl::kDataBlock:
    case nvme::sgl::kBitBucket: {
      Status s = AddSglDataBlock(sgl1, &remaining, dir);
      if (!s.ok()) return s;
      return remaining == 0 ? Status::Success() : Status::DataSglLengthInvalid();
    }
    case nvme::sgl::kSegment:
    case nvme::sgl::kLastSegment:
      break;
    default:
      return Status::SglDescriptorTypeInvalid();
  }

  nvme::SglDescriptor seg = sgl1;
  uint64_t idle_steps = 0;
  while (true) {
    if (seg.subtype() != nvme::sgl::kSubtypeAddress) {
      return Status::SglDescriptorTypeInvalid();
    }
    if (seg.length == 0 || seg.length % sizeof(nvme::SglDescriptor) != 0) {
      return Status::InvalidSglSegmentDescriptor();
    }
    size_t n = seg.length / sizeof(nvme::SglDescriptor);
    if (n > kMaxListEntries) return Status::InvalidSglDescriptorCount();
    bool last_list = seg.desc_type() == nvme::sgl::kLastSegment;
    sgl_scratch_.resize(n);
    if (!platform_.DmaRead(seg.addr, sgl_scratch_.data(), seg.length)) {
      return Status::DataTransferError();
    }
    if (++idle_steps > kMaxIdleSteps) return Status::InvalidSglDescriptorCount();

    bool follow = false;
    for (size_t i = 0; i < n; i++) {
      const nvme::SglDescriptor& d = sgl_scratch_[i];
      switch (d.desc_type()) {
        case nvme::sgl::kDataBlock:
        case nvme::sgl::kBitBucket: {
          if (d.length == 0 && ++idle_steps > kMaxIdleSteps) {
            return Status::InvalidSglDescriptorCount();
          }
          Status s = AddSglDataBlock(d, &remaining, dir);
          if (!s.ok()) return s;
          break;
        }
        case nvme::sgl::kSegment:
        case nvme::sgl::kLastSegment:
          if (last_list || i != n - 1) {
            return Status::InvalidSglSegmentDescriptor();
          }
          follow = true;
          break;
        default:
          return Status::SglDescriptorTypeInvalid();
      }
      if (remaining == 0) return Status::Success();
    }
    if (!follow) return Status::DataSglLengthInvalid();
    seg = sgl_scratch_[n - 1];
  }
}

}  // namespace salix

#include "hil/host_buffer.h"

#include <algorithm>
#include <cstring>

namespace salix {

void HostBuffer::Clear() {
  segs_.clear();
  length_ = 0;
  cursor_idx_ = 0;
  cursor_start_ = 0;
}

void HostBuffer::Append(uint64_t addr, uint64_t len, bool bit_bucket) {
  if (len == 0) return;
  if (!segs_.empty()) {
    Segment& last = segs_.back();
    if (last.bit_bucket == bit_bucket &&
        (bit_bucket || last.addr + last.len == addr)) {
      last.len += len;
      length_ += len;
      return;
    }
  }
  segs_.push_back({addr, len, bit_bucket});
  length_ += len;
}

Status HostBuffer::Build(const nvme::Sqe& sqe, uint64_t length, XferDir dir) {
  Clear();
  if (length == 0) return Status::Success();
  switch (sqe.psdt()) {
    case nvme::kPsdtPrp:
      return BuildPrp(sqe.dptr[0], sqe.dptr[1], length);
    case nvme::kPsdtSglContigMeta:
    case nvme::kPsdtSglMetaSegment: {
      nvme::SglDescriptor d;
      std::memcpy(&d, sqe.dptr, sizeof(d));
      return BuildSgl(d, length, dir);
    }
    default:
      return Status::InvalidField();
  }
}

size_t HostBuffer::Locate(uint64_t offset, uint64_t* seg_offset) {
  if (offset < cursor_start_) {
    cursor_idx_ = 0;
    cursor_start_ = 0;
  }
  while (cursor_idx_ < segs_.size() &&
         offset >= cursor_start_ + segs_[cursor_idx_].len) {
    cursor_start_ += segs_[cursor_idx_].len;
    cursor_idx_++;
  }
  *seg_offset = offset - cursor_start_;
  return cursor_idx_;
}

Status HostBuffer::ToHost(uint64_t offset, const void* src, size_t len) {
  if (offset > length_ || len > length_ - offset) return Status::InternalError();
  const uint8_t* p = static_cast<const uint8_t*>(src);
  while (len > 0) {
    uint64_t in_seg;
    size_t i = Locate(offset, &in_seg);
    const Segment& s = segs_[i];
    size_t n = static_cast<size_t>(std::min<uint64_t>(len, s.len - in_seg));
    if (!s.bit_bucket && !platform_.DmaWrite(s.addr + in_seg, p, n)) {
      return Status::DataTransferError();
    }
    p += n;
    offset += n;
    len -= n;
  }
  return Status::Success();
}

Status HostBuffer::FromHost(uint64_t offset, void* dst, size_t len) {
  if (offset > length_ || len > length_ - offset) return Status::InternalError();
  uint8_t* p = static_cast<uint8_t*>(dst);
  while (len > 0) {
    uint64_t in_seg;
    size_t i = Locate(offset, &in_seg);
    const Segment& s = segs_[i];
    size_t n = static_cast<size_t>(std::min<uint64_t>(len, s.len - in_seg));
    // Bit buckets are refused for host->device transfers when built.
    if (s.bit_bucket || !platform_.DmaRead(s.addr + in_seg, p, n)) {
      return Status::DataTransferError();
    }
    p += n;
    offset += n;
    len -= n;
  }
  return Status::Success();
}

}  // namespace salix

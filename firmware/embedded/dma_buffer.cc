#include "embedded/dma_buffer.h"

#include <algorithm>
#include <cstring>

namespace salix::embedded {
namespace {

constexpr uint64_t kPage = GuestMemory::kPageSize;
constexpr uint64_t kPrpPerPage = kPage / sizeof(uint64_t);

}  // namespace

std::unique_ptr<DmaBuffer> DmaBuffer::Create(GuestMemory& memory, size_t bytes,
                                             const BufferLayout& layout) {
  std::unique_ptr<DmaBuffer> b(new DmaBuffer(memory));
  b->size_ = bytes;
  if (bytes == 0) return b;
  bool ok = layout.kind == DataLayout::kPrp
                ? b->BuildPrp(bytes, layout.first_offset % kPage)
                : b->BuildSgl(bytes, layout);
  return ok ? std::move(b) : nullptr;
}

DmaBuffer::~DmaBuffer() {
  for (auto [addr, pages] : allocations_) memory_.FreePages(addr, pages);
}

uint64_t DmaBuffer::Alloc(uint64_t pages) {
  uint64_t addr = memory_.AllocPages(pages);
  if (addr != 0) allocations_.emplace_back(addr, pages);
  return addr;
}

bool DmaBuffer::BuildPrp(size_t bytes, uint32_t first_offset) {
  psdt_ = nvme::kPsdtPrp;
  uint64_t pages = (first_offset + bytes + kPage - 1) / kPage;
  // Every other page: neighbouring data pages are never adjacent.
  uint64_t base = Alloc(2 * pages);
  if (base == 0) return false;
  size_t left = bytes;
  for (uint64_t i = 0; i < pages; i++) {
    uint64_t page = base + 2 * i * kPage;
    uint32_t off = i == 0 ? first_offset : 0;
    uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(left, kPage - off));
    data_.emplace_back(page + off, n);
    left -= n;
  }
  dptr_[0] = data_[0].first;
  if (pages == 1) return true;
  if (pages == 2) {
    dptr_[1] = data_[1].first;
    return true;
  }
  // PRP list of pages 1..n-1, chained: a full list page's last slot points
  // at the next list page.
  std::vector<uint64_t> entries;
  for (uint64_t i = 1; i < pages; i++) entries.push_back(data_[i].first);
  uint64_t list = Alloc(1);
  if (list == 0) return false;
  dptr_[1] = list;
  size_t pos = 0;
  while (true) {
    size_t rest = entries.size() - pos;
    uint64_t slots[kPrpPerPage] = {};
    if (rest <= kPrpPerPage) {
      std::copy_n(entries.begin() + pos, rest, slots);
      memory_.Write(list, slots, rest * sizeof(uint64_t));
      return true;
    }
    std::copy_n(entries.begin() + pos, kPrpPerPage - 1, slots);
    uint64_t next = Alloc(1);
    if (next == 0) return false;
    slots[kPrpPerPage - 1] = next;
    memory_.Write(list, slots, sizeof(slots));
    pos += kPrpPerPage - 1;
    list = next;
  }
}

bool DmaBuffer::BuildSgl(size_t bytes, const BufferLayout& layout) {
  psdt_ = nvme::kPsdtSglContigMeta;
  uint32_t block = layout.sgl_block_bytes ? layout.sgl_block_bytes : kPage;
  uint32_t per_list = layout.sgl_descriptors_per_segment
                          ? std::max<uint32_t>(2, layout.sgl_descriptors_per_segment)
                          : kPage / sizeof(nvme::SglDescriptor);
  // Each data block in its own allocation, so blocks are never adjacent.
  size_t left = bytes;
  bool first = true;
  while (left > 0) {
    uint32_t off = first ? layout.first_offset % kPage : 0;
    uint32_t n = static_cast<uint32_t>(std::min<size_t>(left, block));
    uint64_t addr = Alloc((off + n + kPage - 1) / kPage);
    if (addr == 0) return false;
    data_.emplace_back(addr + off, n);
    left -= n;
    first = false;
  }
  auto data_desc = [](std::pair<uint64_t, uint32_t> seg) {
    nvme::SglDescriptor d{};
    d.addr = seg.first;
    d.length = seg.second;
    d.type = nvme::sgl::kDataBlock << 4;
    return d;
  };
  auto seg_desc = [](uint64_t addr, size_t count, bool last) {
    nvme::SglDescriptor d{};
    d.addr = addr;
    d.length = static_cast<uint32_t>(count * sizeof(nvme::SglDescriptor));
    d.type = static_cast<uint8_t>(
        (last ? nvme::sgl::kLastSegment : nvme::sgl::kSegment) << 4);
    return d;
  };

  nvme::SglDescriptor sgl1;
  if (data_.size() == 1) {
    sgl1 = data_desc(data_[0]);
  } else {
    // Split the blocks into lists; every list but the last ends with a
    // descriptor pointing at the next list.
    std::vector<std::vector<nvme::SglDescriptor>> lists;
    size_t pos = 0;
    while (pos < data_.size()) {
      std::vector<nvme::SglDescriptor> l;
      size_t rest = data_.size() - pos;
      size_t take = rest <= per_list ? rest : per_list - 1;
      for (size_t i = 0; i < take; i++) l.push_back(data_desc(data_[pos + i]));
      pos += take;
      lists.push_back(std::move(l));
    }
    std::vector<uint64_t> addrs;
    for (auto& l : lists) {
      size_t bytes_l = (l.size() + 1) * sizeof(nvme::SglDescriptor);
      uint64_t a = Alloc((bytes_l + kPage - 1) / kPage);
      if (a == 0) return false;
      addrs.push_back(a);
    }
    for (size_t k = 0; k < lists.size(); k++) {
      auto& l = lists[k];
      if (k + 1 < lists.size()) {
        bool next_is_last = k + 2 == lists.size();
        l.push_back(seg_desc(addrs[k + 1], lists[k + 1].size() +
                                               (next_is_last ? 0 : 1),
                             next_is_last));
      }
      memory_.Write(addrs[k], l.data(), l.size() * sizeof(l[0]));
    }
    sgl1 = seg_desc(addrs[0], lists[0].size(), lists.size() == 1);
  }
  std::memcpy(dptr_, &sgl1, sizeof(sgl1));
  return true;
}

void DmaBuffer::ApplyTo(nvme::Sqe* sqe) const {
  sqe->flags = static_cast<uint8_t>((sqe->flags & 0x3F) | (psdt_ << 6));
  sqe->dptr[0] = dptr_[0];
  sqe->dptr[1] = dptr_[1];
}

void DmaBuffer::CopyIn(std::span<const uint8_t> src, size_t offset) {
  size_t pos = 0;  // byte offset of the current segment in the buffer
  for (auto [addr, len] : data_) {
    if (offset < pos + len && !src.empty()) {
      size_t skip = offset > pos ? offset - pos : 0;
      size_t n = std::min<size_t>(len - skip, src.size());
      memory_.Write(addr + skip, src.data(), n);
      src = src.subspan(n);
      offset += n;
    }
    pos += len;
  }
}

void DmaBuffer::CopyOut(std::span<uint8_t> dst, size_t offset) const {
  size_t pos = 0;
  for (auto [addr, len] : data_) {
    if (offset < pos + len && !dst.empty()) {
      size_t skip = offset > pos ? offset - pos : 0;
      size_t n = std::min<size_t>(len - skip, dst.size());
      memory_.Read(addr + skip, dst.data(), n);
      dst = dst.subspan(n);
      offset += n;
    }
    pos += len;
  }
}

}  // namespace salix::embedded

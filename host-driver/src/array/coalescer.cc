// coalescer.cc - merging a member's staged chunk writes (see coalescer.h).
#include "array/coalescer.h"

#include <salix/opcodes.h>

#include <algorithm>
#include <cstring>

namespace salix::host::array {
namespace {
constexpr uintptr_t kPage = 4096;
}  // namespace

void Coalescer::Configure(uint32_t unit_blocks, uint32_t lba_size,
                          uint32_t max_bytes, bool gather, bool scatter,
                          StagingArena* staging) {
  gather_ = gather;
  scatter_ = scatter;
  // A slot larger than this member's transfer limit is not used for it:
  // Linux 6.1 fails a fixed-buffer command whose registered buffer runs on
  // for more pages than the queue takes segments (uring_ring.cc).
  staging_ = staging != nullptr &&
                     staging->slot_bytes() <= uint64_t{max_bytes} + SALIX_TAG_LIST_ALIGN
                 ? staging
                 : nullptr;
  unit_blocks_ = unit_blocks;
  bucket_shift_ = static_cast<unsigned>(std::bit_width(unit_blocks) - 1);
  // Entries staged under another shift: their bits no longer say anything.
  if (!entries_.empty()) lba_bits_ = ~uint64_t{0};
  lba_size_ = lba_size;
  max_bytes_ = max_bytes;
}

bool Coalescer::Accepts(const DeviceCommand& cmd) const {
  if (cmd.opcode != SALIX_IO_WRITE || max_bytes_ == 0) return false;
  // CDW12 carries only NLB (no FUA, no other flags); CDW13 nothing.
  if ((cmd.cdw12 >> 16) != 0 || cmd.cdw13 != 0) return false;
  const uint32_t blocks = Blocks(cmd);
  return blocks % unit_blocks_ == 0 && Lba(cmd) % unit_blocks_ == 0 &&
         cmd.data_len == uint64_t{blocks} * lba_size_ && cmd.data != nullptr &&
         cmd.segments == nullptr;
}

bool Coalescer::Overlaps(const DeviceCommand& cmd) const {
  const uint64_t lba = Lba(cmd), end = lba + Blocks(cmd);
  if ((LbaBits(lba, Blocks(cmd)) & lba_bits_) == 0) return false;
  for (const Entry& e : entries_) {
    const uint64_t elba = Lba(e.cmd);
    if (lba < elba + Blocks(e.cmd) && elba < end) return true;
  }
  return false;
}

void Coalescer::Add(const DeviceCommand& cmd, IoDone done) {
  entries_.push_back({cmd, std::move(done)});
  staged_bytes_ += cmd.data_len;
  lba_bits_ |= LbaBits(Lba(cmd), Blocks(cmd));
}

DeviceCommand Coalescer::Merge(size_t first, size_t last, Batch* b) {
  uint64_t blocks = 0, bytes = 0;
  bool adjacent = true;
  for (size_t x = first; x < last; x++) {
    const DeviceCommand& c = entries_[order_[x].second].cmd;
    adjacent &= x == first || order_[x].first == order_[x - 1].first +
                                  Blocks(entries_[order_[x - 1].second].cmd);
    blocks += Blocks(c);
    bytes += c.data_len;
  }
  const uint64_t tags = blocks / unit_blocks_;
  // Scattered: the units' LBAs follow the tags.
  const uint64_t tag_bytes = tags * sizeof(salix_host_tag);
  const uint64_t used = tag_bytes + (adjacent ? 0 : tags * sizeof(uint64_t));
  const uint64_t list = (used + SALIX_TAG_LIST_ALIGN - 1) /
                        SALIX_TAG_LIST_ALIGN * SALIX_TAG_LIST_ALIGN;
  // Page-aligned, so that Linux can map the list and the (page-aligned)
  // chunks as they are; a gap inside a page would make it copy them all.
  const uint64_t room = list + (gather_ ? 0 : bytes);
  // The buffer keeps its size between uses and only the list's padding is
  // zeroed, and of that only what the previous list's padding did not
  // already zero: the tags and the data overwrite the rest. (Under TCG
  // glibc's memset above ~2 KiB is rep stosb, ~10x slower than a vector
  // loop: zeroing the whole buffer cost ~28 us per 4 KiB array write, a
  // 4 KiB list's padding ~13 us per merged command.)
  uint8_t* start;
  if (staging_ != nullptr && room <= staging_->slot_bytes() &&
      (b->slot != nullptr || (b->slot = staging_->Take()) != nullptr)) {
    start = b->slot;
  } else {
    if (b->buffer.size() < room + kPage) b->buffer.resize(room + kPage);
    auto base = reinterpret_cast<uintptr_t>(b->buffer.data());
    start = b->buffer.data() + ((kPage - base % kPage) % kPage);
  }
  if (start != b->last_start) {
    b->last_start = start;
    b->zero_from = b->zero_to = 0;  // nothing known about this memory
  }
  uint8_t* tag_out = start;
  uint8_t* data_out = start + list;
  uint8_t* lba_out = start + tag_bytes;
  // Zero [used, list) outside the known-zero [zero_from, zero_to).
  if (used < b->zero_from) {
    std::memset(start + used, 0, std::min(list, b->zero_from) - used);
  }
  const uint64_t after = std::max(used, b->zero_to);
  if (after < list) std::memset(start + after, 0, list - after);
  b->zero_from = used;
  b->zero_to = list;
  b->segments.clear();
  b->segments.push_back({tag_out, list});
  b->parts.clear();
  for (size_t x = first; x < last; x++) {
    Entry& e = entries_[order_[x].second];
    // A write of several units had one tag for all of them (the backups
    // of a run): each unit gets a copy, which reads back the same.
    const salix_host_tag tag{{e.cmd.cdw2, e.cmd.cdw3, e.cmd.cdw14, e.cmd.cdw15}};
    for (uint32_t u = 0; u < Blocks(e.cmd) / unit_blocks_; u++) {
      std::memcpy(tag_out, &tag, sizeof(tag));
      tag_out += sizeof(tag);
      if (!adjacent) {
        const uint64_t lba = Lba(e.cmd) + uint64_t{u} * unit_blocks_;
        std::memcpy(lba_out, &lba, sizeof(lba));
        lba_out += sizeof(lba);
      }
    }
    if (gather_) {
      b->segments.push_back({e.cmd.data, e.cmd.data_len});
    } else {
      std::memcpy(data_out, e.cmd.data, e.cmd.data_len);
      data_out += e.cmd.data_len;
    }
    b->parts.push_back(std::move(e.done));
  }
  merged_commands_++;
  merged_writes_ += last - first;
  const uint64_t slba = order_[first].first;
  DeviceCommand cmd;
  cmd.opcode = SALIX_IO_WRITE_TAGGED;
  cmd.cdw10 = static_cast<uint32_t>(slba);
  cmd.cdw11 = static_cast<uint32_t>(slba >> 32);
  cmd.cdw12 = static_cast<uint32_t>(blocks - 1);
  cmd.cdw13 = (unit_blocks_ - 1) | (adjacent ? 0 : SALIX_WRITE_TAGGED_SCATTER);
  if (gather_) {
    cmd.segments = b->segments.data();
    cmd.segment_count = static_cast<uint32_t>(b->segments.size());
  } else {
    cmd.data = start;
  }
  cmd.data_len = static_cast<uint32_t>(list + bytes);
  return cmd;
}

}  // namespace salix::host::array

// Copy (NVMe 2.0 NVM Command Set, 3.3.1), source range descriptor format 0:
// the device reads every source range and writes them back to back from
// SDLBA, without the data crossing the host link.
//   CDW10-11 SDLBA, CDW12 7:0 NR (0-based), 11:8 descriptor format, 30 FUA.
// Limits (Identify Namespace MSSRL, MCL, MSRC; identify.h) are enforced
// with Command Size Limit Exceeded; every range is checked before anything
// is written. All sources are read before the first write, so ranges may
// overlap the destination (the result is a copy of the old data).
//
// Host tag (<salix/array_commands.h>): a non-zero tag in the command
// (CDW2, CDW3, CDW14, CDW15) is stored on the destination; an all-zero tag
// keeps each source block's own tag, so a move keeps its identity.
//
// Timing: the reads are booked at arrival; the writes' data is ready when
// the last read is (IoRequest::ready_ns). Due when the last write is.
#include <algorithm>
#include <cstring>

#include "hil/controller.h"
#include "hil/io_helpers.h"
#include "hil/memory_transfer.h"

namespace salix {

CommandResult Controller::Copy(const nvme::Sqe& sqe, uint64_t now) {
  const uint64_t sdlba = io::Slba(sqe);
  const uint32_t nr = (sqe.cdw12 & 0xFF) + 1;
  const uint32_t format = (sqe.cdw12 >> 8) & 0xF;
  const bool fua = (sqe.cdw12 >> 30) & 1;
  const uint64_t cap = HostBlocks();
  const uint32_t lba = personality_->lba_size();
  const CopyLimits limits = CopyLimitsFor(lba);
  if (format != 0) {
    log_.GuestError("Copy: descriptor format {} unsupported (OCFS: 0 only)",
                    format);
    return io::Fail(Status::InvalidField(), now,
                    ParamLocation(io::kByteCdw12 + 1), sdlba);
  }
  if (nr > uint32_t{limits.msrc} + 1) {
    log_.GuestError("Copy: {} source ranges, MSRC allows {}", nr,
                    limits.msrc + 1);
    return io::Fail(Status::CommandSizeLimitExceeded(), now,
                    ParamLocation(io::kByteCdw12), sdlba);
  }
  const size_t list_bytes = nr * sizeof(nvme::CopyRangeFormat0);
  Status s = buffer_.Build(sqe, list_bytes, XferDir::kFromHost);
  if (s.ok()) {
    bounce_.resize(list_bytes);
    s = buffer_.FromHost(0, bounce_.data(), list_bytes);
  }
  if (!s.ok()) return io::Fail(s, now, ParamLocation(io::kByteDptr), sdlba);
  auto range = [&](uint32_t i) {
    nvme::CopyRangeFormat0 d;
    std::memcpy(&d, bounce_.data() + i * sizeof(d), sizeof(d));
    return d;
  };

  uint64_t total = 0;
  for (uint32_t i = 0; i < nr; i++) {
    const nvme::CopyRangeFormat0 d = range(i);
    const uint32_t n = uint32_t{d.nlb} + 1;
    if (n > limits.mssrl) {
      log_.GuestError("Copy: range {} has {} blocks, MSSRL allows {}", i, n,
                      limits.mssrl);
      return io::Fail(Status::CommandSizeLimitExceeded(), now,
                      ParamLocation(io::kByteDptr), d.slba);
    }
    if (!io::InRange(d.slba, n, cap)) {
      return io::Fail(Status::LbaOutOfRange(), now,
                      ParamLocation(io::kByteDptr), d.slba);
    }
    total += n;
  }
  if (total > limits.mcl) {
    log_.GuestError("Copy: {} blocks in all, MCL allows {}", total,
                    limits.mcl);
    return io::Fail(Status::CommandSizeLimitExceeded(), now,
                    ParamLocation(io::kByteCdw12), sdlba);
  }
  if (!io::InRange(sdlba, total, cap)) {
    return io::Fail(Status::LbaOutOfRange(), now,
                    ParamLocation(io::kByteCdw10), sdlba);
  }

  // Read every source (and, for an untagged Copy, its tags) first.
  const HostTag command_tag = io::TagOf(sqe);
  const bool keep_tags = command_tag == HostTag{};
  internal_.resize(total * lba);
  tags_.assign(keep_tags ? total : 0, BlockTag{});
  uint64_t ready = now;
  uint64_t at = 0;
  for (uint32_t i = 0; i < nr; i++) {
    const nvme::CopyRangeFormat0 d = range(i);
    const uint32_t n = uint32_t{d.nlb} + 1;
    IoResult r = ReadInternal(
        d.slba, n,
        std::span<uint8_t>(internal_).subspan(at * lba, size_t{n} * lba), now);
    if (!r.status.ok()) return io::Done(r.status, now, r.due_ns, d.slba);
    ready = std::max(ready, r.due_ns);
    if (keep_tags) {
      IoRequest t;
      t.slba = d.slba;
      t.nlb = n;
      t.now_ns = now;
      // A personality without tags has none to keep: untagged it is.
      (void)personality_->ReadTags(t, std::span<BlockTag>(tags_).subspan(at, n));
    }
    at += n;
  }
  // Write in runs of blocks that carry the same tag.
  uint64_t due = ready;
  for (uint64_t first = 0; first < total;) {
    uint64_t end = first + 1;
    if (keep_tags) {
      while (end < total && tags_[end].tag == tags_[first].tag) end++;
    } else {
      end = total;
    }
    IoRequest w;
    w.slba = sdlba + first;
    w.nlb = static_cast<uint32_t>(end - first);
    w.now_ns = now;
    w.fua = fua;
    w.tag = keep_tags ? tags_[first].tag : command_tag;
    w.internal = true;
    w.ready_ns = ready;
    MemoryTransfer xfer(std::span<uint8_t>(internal_).subspan(
        first * lba, (end - first) * lba));
    IoResult r = personality_->Write(w, xfer);
    due = std::max(due, r.due_ns);
    if (!r.status.ok()) return io::Done(r.status, now, due, w.slba);
    first = end;
  }
  health_.copy_commands++;
  health_.copy_bytes += total * lba;
  return io::Done(Status(), now, due);
}

}  // namespace salix

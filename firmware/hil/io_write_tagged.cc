// Write Tagged (Salix I/O 85h, <salix/array_commands.h>): a Write whose
// blocks carry their own host tags. The data buffer holds the tag list
// (NT entries, zero-padded to SALIX_TAG_LIST_ALIGN bytes) and then the
// data; the personality gets the data as an ordinary Write's transfer and
// the tags as IoRequest::block_tags, so it stores each block's tag exactly
// where a Write with that command tag would.
//
// Every check comes before anything is written: LBA range, the whole
// transfer (list + data) against MDTS, the buffer description, and for an
// SGL that it describes exactly the computed transfer (a host that pads
// the list differently, or miscounts NT, would otherwise have its data
// taken from the wrong offset).
//
// Timing and accounting as a Write of the data; the list crosses the host
// link too (IoRequest::extra_link_bytes).
//
// Scattered (CDW13 SALIX_WRITE_TAGGED_SCATTER): every piece has its own
// LBA; each run of pieces that are neighbours on the medium is one
// personality Write, all checked before the first.
#include <salix/array_commands.h>

#include <algorithm>
#include <cstring>
#include <span>

#include "hil/controller.h"
#include "hil/io_helpers.h"

namespace salix {
namespace {

// 'length' bytes of a command's transfer from 'offset' on, as a transfer
// of their own: the data behind Write Tagged's tag list, or one run of its
// pieces.
class OffsetTransfer final : public DataTransfer {
 public:
  OffsetTransfer(DataTransfer& whole, uint64_t offset, uint64_t length)
      : whole_(whole),
        offset_(offset),
        length_(whole.length() > offset ? std::min(length, whole.length() - offset) : 0) {}

  uint64_t length() const override { return length_; }
  Status ToHost(uint64_t offset, const void* src, size_t len) override {
    if (offset > length() || len > length() - offset) {
      return Status::InternalError();
    }
    return whole_.ToHost(offset_ + offset, src, len);
  }
  Status FromHost(uint64_t offset, void* dst, size_t len) override {
    if (offset > length() || len > length() - offset) {
      return Status::InternalError();
    }
    return whole_.FromHost(offset_ + offset, dst, len);
  }

 private:
  DataTransfer& whole_;
  uint64_t offset_;
  uint64_t length_;
};

constexpr uint64_t AlignUp(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

}  // namespace

CommandResult Controller::WriteTagged(const nvme::Sqe& sqe, uint64_t now) {
  const uint64_t slba = io::Slba(sqe);
  const uint32_t nlb = io::Nlb(sqe);
  const uint32_t per_tag = (sqe.cdw13 & 0xFFFF) + 1;
  const bool scatter = (sqe.cdw13 & SALIX_WRITE_TAGGED_SCATTER) != 0;
  if (!io::InRange(slba, nlb, HostBlocks())) {
    return io::Fail(Status::LbaOutOfRange(), now,
                    ParamLocation(io::kByteCdw10), slba);
  }
  if (scatter && nlb % per_tag != 0) {
    log_.GuestError("Write Tagged, scattered: {} blocks are not whole pieces of {}", nlb,
                    per_tag);
    return io::Fail(Status::InvalidField(), now, ParamLocation(io::kByteCdw12), slba);
  }
  const uint32_t nt = (nlb + per_tag - 1) / per_tag;
  const uint64_t tags_bytes = uint64_t{nt} * sizeof(salix_host_tag);
  const uint64_t list_bytes = tags_bytes + (scatter ? uint64_t{nt} * sizeof(uint64_t) : 0);
  const uint64_t data_offset = AlignUp(list_bytes, SALIX_TAG_LIST_ALIGN);
  const uint64_t data_bytes = uint64_t{nlb} * personality_->lba_size();
  const uint64_t transfer = data_offset + data_bytes;
  if (transfer > MaxTransferBytes()) {
    log_.GuestError(
        "Write Tagged: {} blocks with {} tags move {} bytes, MDTS is {}", nlb,
        nt, transfer, MaxTransferBytes());
    return io::Fail(Status::InvalidField(), now, ParamLocation(io::kByteCdw12),
                    slba);
  }
  // An SGL states its length: it must be the computed transfer, or the
  // host's idea of where the data starts differs from ours. (Building one
  // byte more is how to see an SGL that describes more.)
  const bool sgl = sqe.psdt() != 0;
  const auto length_mismatch = [&] {
    log_.GuestError(
        "Write Tagged: the SGL does not describe {} bytes ({} tags padded to "
        "{} bytes, then {} blocks)",
        transfer, nt, data_offset, nlb);
    return io::Fail(Status::InvalidField(), now, ParamLocation(io::kByteDptr),
                    slba);
  };
  if (sgl && buffer_.Build(sqe, transfer + 1, XferDir::kFromHost).ok()) {
    return length_mismatch();
  }
  Status s = buffer_.Build(sqe, transfer, XferDir::kFromHost);
  if (sgl && s == Status::DataSglLengthInvalid()) return length_mismatch();
  if (s.ok()) {
    write_tags_.resize(nt);
    s = buffer_.FromHost(0, write_tags_.data(), tags_bytes);
  }
  if (s.ok() && scatter) {
    write_lbas_.resize(nt);
    s = buffer_.FromHost(tags_bytes, write_lbas_.data(), uint64_t{nt} * sizeof(uint64_t));
  }
  if (!s.ok()) return io::Fail(s, now, ParamLocation(io::kByteDptr), slba);
  if (!scatter) {
    write_lbas_.assign(1, slba);  // one piece of all nlb blocks
  } else {
    for (uint32_t t = 0; t < nt; t++) {
      const uint64_t lba = write_lbas_[t];
      if (t == 0 ? lba != slba : lba < write_lbas_[t - 1] + per_tag) {
        log_.GuestError(
            "Write Tagged, scattered: piece {} at LBA {}: pieces of {} blocks must "
            "ascend from SLBA {} without overlapping",
            t, lba, per_tag, slba);
        return io::Fail(Status::InvalidField(), now, ParamLocation(io::kByteDptr), slba);
      }
      if (!io::InRange(lba, per_tag, HostBlocks())) {
        return io::Fail(Status::LbaOutOfRange(), now, ParamLocation(io::kByteDptr), lba);
      }
    }
  }

  // One personality Write per run of pieces that are neighbours.
  const uint32_t lba_size = personality_->lba_size();
  const uint32_t pieces = scatter ? nt : 1;
  const uint32_t piece_blocks = scatter ? per_tag : nlb;
  uint64_t due = now;
  IoResult io;
  for (uint32_t first = 0; first < pieces && io.status.ok();) {
    uint32_t last = first + 1;
    while (last < pieces && write_lbas_[last] == write_lbas_[last - 1] + piece_blocks) last++;
    const uint32_t run_blocks = (last - first) * piece_blocks;
    IoRequest req;
    req.slba = write_lbas_[first];
    req.nlb = run_blocks;
    req.now_ns = now;
    req.fua = (sqe.cdw12 >> 30) & 1;
    const uint32_t tag0 = first * piece_blocks / per_tag;
    req.block_tags = std::span<const HostTag>(write_tags_).subspan(tag0);
    req.blocks_per_tag = per_tag;
    req.extra_link_bytes = first == 0 ? data_offset : 0;
    OffsetTransfer data(buffer_, data_offset + uint64_t{first} * piece_blocks * lba_size,
                        uint64_t{run_blocks} * lba_size);
    io = personality_->Write(req, data);
    due = std::max(due, io.due_ns);
    first = last;
  }
  if (io.status.ok()) {
    health_.bytes_written += data_bytes;
    health_.host_write_commands++;
  }
  return io::Done(io.status, now, due, slba);
}

}  // namespace salix

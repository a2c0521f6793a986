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
#include <salix/array_commands.h>

#include <cstring>

#include "hil/controller.h"
#include "hil/io_helpers.h"

namespace salix {
namespace {

// The part of a command's transfer from 'offset' on, as its own transfer:
// the data behind Write Tagged's tag list.
class OffsetTransfer final : public DataTransfer {
 public:
  OffsetTransfer(DataTransfer& whole, uint64_t offset)
      : whole_(whole), offset_(offset) {}

  uint64_t length() const override {
    return whole_.length() > offset_ ? whole_.length() - offset_ : 0;
  }
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
};

constexpr uint64_t AlignUp(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

}  // namespace

CommandResult Controller::WriteTagged(const nvme::Sqe& sqe, uint64_t now) {
  const uint64_t slba = io::Slba(sqe);
  const uint32_t nlb = io::Nlb(sqe);
  const uint32_t per_tag = (sqe.cdw13 & 0xFFFF) + 1;
  if (!io::InRange(slba, nlb, HostBlocks())) {
    return io::Fail(Status::LbaOutOfRange(), now,
                    ParamLocation(io::kByteCdw10), slba);
  }
  const uint32_t nt = (nlb + per_tag - 1) / per_tag;
  const uint64_t list_bytes = uint64_t{nt} * sizeof(salix_host_tag);
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
    s = buffer_.FromHost(0, write_tags_.data(), list_bytes);
  }
  if (!s.ok()) return io::Fail(s, now, ParamLocation(io::kByteDptr), slba);

  IoRequest req;
  req.slba = slba;
  req.nlb = nlb;
  req.now_ns = now;
  req.fua = (sqe.cdw12 >> 30) & 1;
  req.block_tags = write_tags_;
  req.blocks_per_tag = per_tag;
  req.extra_link_bytes = data_offset;
  OffsetTransfer data(buffer_, data_offset);
  IoResult io = personality_->Write(req, data);
  if (io.status.ok()) {
    health_.bytes_written += data_bytes;
    health_.host_write_commands++;
  }
  return io::Done(io.status, now, io.due_ns, slba);
}

}  // namespace salix

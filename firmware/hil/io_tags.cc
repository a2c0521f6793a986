// Read Tags (Salix I/O 82h, <salix/array_commands.h>): one salix_tag_entry
// per logical block, from the personality's record of host tags.
#include <salix/array_commands.h>

#include <cstring>

#include "hil/controller.h"
#include "hil/io_helpers.h"

namespace salix {

CommandResult Controller::ReadTags(const nvme::Sqe& sqe, uint64_t now) {
  const uint64_t slba = io::Slba(sqe);
  const uint32_t nlb = io::Nlb(sqe);
  if (!io::InRange(slba, nlb, HostBlocks())) {
    return io::Fail(Status::LbaOutOfRange(), now,
                    ParamLocation(io::kByteCdw10), slba);
  }
  const uint64_t bytes = uint64_t{nlb} * sizeof(salix_tag_entry);
  if (bytes > MaxTransferBytes()) {
    return io::Fail(Status::InvalidField(), now, ParamLocation(io::kByteCdw12),
                    slba);
  }
  Status s = buffer_.Build(sqe, bytes, XferDir::kToHost);
  if (!s.ok()) return io::Fail(s, now, ParamLocation(io::kByteDptr), slba);

  tags_.assign(nlb, BlockTag{});
  IoRequest req;
  req.slba = slba;
  req.nlb = nlb;
  req.now_ns = now;
  IoResult r = personality_->ReadTags(req, tags_);
  if (!r.status.ok()) return io::Done(r.status, now, r.due_ns, slba);

  bounce_.resize(bytes);
  for (uint32_t i = 0; i < nlb; i++) {
    salix_tag_entry e{};
    if (tags_[i].mapped) {
      std::memcpy(&e.tag, tags_[i].tag.data(), sizeof(e.tag));
      e.seq = tags_[i].seq;
      e.flags = SALIX_TAG_MAPPED;
    }
    std::memcpy(bounce_.data() + i * sizeof(e), &e, sizeof(e));
  }
  s = buffer_.ToHost(0, bounce_.data(), bytes);
  return io::Done(s, now, r.due_ns, slba);
}

}  // namespace salix

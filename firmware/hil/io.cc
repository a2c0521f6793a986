// NVM I/O command set (NVMe 1.4, 6): validation of namespace, LBA range and
// transfer size, then the personality does the work. The HIL owns every
// check on guest input; personalities may assume valid ranges.
#include <salix/array_commands.h>
#include <salix/opcodes.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "hil/controller.h"
#include "hil/io_helpers.h"

namespace salix {

using io::Fail;
using io::kByteCdw10;
using io::kByteCdw12;
using io::kByteFlags;
using io::kByteNsid;
using io::Nlb;
using io::Slba;
namespace {
constexpr uint32_t kBroadcastNsid = 0xFFFFFFFF;
}  // namespace

CommandResult Controller::ExecuteIo(const nvme::Sqe& sqe, uint64_t now) {
  // A failed drive fails before it looks at the command (admin_fault.cc).
  if (fault_mode_ != SALIX_FAULT_NONE) {
    if (std::optional<CommandResult> r = InjectIoFault(sqe, now)) return *r;
  }
  if (!IoOpcodeSupported(sqe.opcode)) {
    return Fail(Status::InvalidOpcode(), now, ParamLocation(0));
  }
  if (sqe.fuse() != 0) {  // FUSES = 0: no fused operations
    return Fail(Status::InvalidField(), now, ParamLocation(kByteFlags));
  }
  if (sqe.psdt() == 3) {
    return Fail(Status::InvalidField(), now, ParamLocation(kByteFlags, 6));
  }
  bool flush_all = sqe.opcode == SALIX_IO_FLUSH && sqe.nsid == kBroadcastNsid;
  if (!flush_all && !NamespaceValid(sqe.nsid)) {
    return Fail(Status::InvalidNamespaceOrFormat(), now,
                ParamLocation(kByteNsid));
  }
  // Writers other than the transaction app settle its commits first.
  if (std::optional<CommandResult> r = SettleTxnHomes(sqe, &now)) return *r;
  switch (sqe.opcode) {
    case SALIX_IO_FLUSH: return Flush(sqe, now);
    case SALIX_IO_WRITE:
    case SALIX_IO_READ:
    case SALIX_IO_COMPARE: return ReadWriteCompare(sqe, now);
    case SALIX_IO_WRITE_ZEROES: return WriteZeroes(sqe, now);
    case SALIX_IO_DATASET_MANAGEMENT: return DatasetManagement(sqe, now);
    case SALIX_IO_COPY: return Copy(sqe, now);
    case SALIX_IO_PARITY_COMPUTE: return ParityCompute(sqe, now);
    case SALIX_IO_READ_TAGS: return ReadTags(sqe, now);
    case SALIX_IO_WRITE_TAGGED: return WriteTagged(sqe, now);
    case SALIX_IO_INVOKE: return Invoke(sqe, now);
    default: return Fail(Status::InvalidOpcode(), now, ParamLocation(0));
  }
}

CommandResult Controller::ReadWriteCompare(const nvme::Sqe& sqe, uint64_t now) {
  uint64_t slba = Slba(sqe);
  uint32_t nlb = Nlb(sqe);
  uint64_t cap = HostBlocks();
  if (slba >= cap || nlb > cap - slba) {
    return Fail(Status::LbaOutOfRange(), now, ParamLocation(kByteCdw10), slba);
  }
  uint64_t bytes = uint64_t{nlb} * personality_->lba_size();
  if (bytes > MaxTransferBytes()) {
    return Fail(Status::InvalidField(), now, ParamLocation(kByteCdw12), slba);
  }
  bool to_host = sqe.opcode == SALIX_IO_READ;
  Status s = buffer_.Build(sqe, bytes,
                           to_host ? XferDir::kToHost : XferDir::kFromHost);
  if (!s.ok()) return Fail(s, now, ParamLocation(24), slba);

  IoRequest req;
  req.slba = slba;
  req.nlb = nlb;
  req.now_ns = now;
  req.fua = (sqe.cdw12 >> 30) & 1;
  if (sqe.opcode == SALIX_IO_WRITE) req.tag = io::TagOf(sqe);
  IoResult io;
  switch (sqe.opcode) {
    case SALIX_IO_READ:
      io = personality_->Read(req, buffer_);
      if (io.status.ok()) {
        health_.bytes_read += bytes;
        health_.host_read_commands++;
      }
      break;
    case SALIX_IO_WRITE:
      io = personality_->Write(req, buffer_);
      if (io.status.ok()) {
        health_.bytes_written += bytes;
        health_.host_write_commands++;
      }
      break;
    default:
      io = personality_->Compare(req, buffer_);
      if (io.status.ok() || io.status == Status::CompareFailure()) {
        health_.host_read_commands++;
      }
      break;
  }
  CommandResult r = Fail(io.status, now, 0xFFFF, slba);
  r.due_ns = io.due_ns;
  return r;
}

CommandResult Controller::WriteZeroes(const nvme::Sqe& sqe, uint64_t now) {
  uint64_t slba = Slba(sqe);
  uint32_t nlb = Nlb(sqe);
  uint64_t cap = HostBlocks();
  if (slba >= cap || nlb > cap - slba) {
    return Fail(Status::LbaOutOfRange(), now, ParamLocation(kByteCdw10), slba);
  }
  IoRequest req;
  req.slba = slba;
  req.nlb = nlb;
  req.now_ns = now;
  req.fua = (sqe.cdw12 >> 30) & 1;
  req.tag = io::TagOf(sqe);
  IoResult io = personality_->WriteZeroes(req);
  CommandResult r = Fail(io.status, now, 0xFFFF, slba);
  r.due_ns = io.due_ns;
  return r;
}

CommandResult Controller::DatasetManagement(const nvme::Sqe& sqe,
                                            uint64_t now) {
  uint32_t nr = (sqe.cdw10 & 0xFF) + 1;
  bool deallocate = (sqe.cdw11 >> 2) & 1;
  size_t bytes = nr * sizeof(nvme::DsmRange);
  Status s = buffer_.Build(sqe, bytes, XferDir::kFromHost);
  if (s.ok()) {
    bounce_.resize(bytes);
    s = buffer_.FromHost(0, bounce_.data(), bytes);
  }
  if (!s.ok()) return Fail(s, now, ParamLocation(24));
  // Integral read/write hints (IDR/IDW) are accepted and ignored.
  if (!deallocate) return CommandResult::Of(Status(), now);

  auto range = [&](uint32_t i) {
    nvme::DsmRange d;
    std::memcpy(&d, bounce_.data() + i * sizeof(d), sizeof(d));
    return d;
  };
  uint64_t cap = HostBlocks();
  // Validate every range before changing anything.
  for (uint32_t i = 0; i < nr; i++) {
    nvme::DsmRange d = range(i);
    if (d.nlb == 0) continue;
    if (d.slba >= cap || d.nlb > cap - d.slba) {
      return Fail(Status::LbaOutOfRange(), now, ParamLocation(kByteCdw10),
                  d.slba);
    }
  }
  CommandResult r = CommandResult::Of(Status(), now);
  for (uint32_t i = 0; i < nr; i++) {
    nvme::DsmRange d = range(i);
    if (d.nlb == 0) continue;
    IoRequest req;
    req.slba = d.slba;
    req.nlb = d.nlb;
    req.now_ns = now;
    IoResult io = personality_->Deallocate(req);
    r.due_ns = std::max(r.due_ns, io.due_ns);
    if (!io.status.ok()) {
      r.status = io.status;
      r.error_lba = d.slba;
      break;
    }
  }
  return r;
}

CommandResult Controller::Flush(const nvme::Sqe& sqe, uint64_t now) {
  (void)sqe;
  IoResult io = personality_->Flush(now);
  CommandResult r = CommandResult::Of(io.status, now);
  r.due_ns = io.due_ns;
  return r;
}

}  // namespace salix

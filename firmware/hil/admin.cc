// Admin command set (NVMe 1.4, 5): dispatch, queue management, Abort,
// Asynchronous Event Request, features and Format NVM. Identify and Get Log
// Page are in admin_identify.cc and admin_log.cc.
#include <salix/opcodes.h>

#include <algorithm>

#include "hil/controller.h"

namespace salix {
namespace {

CommandResult Fail(Status s, uint64_t now, uint16_t param = 0xFFFF) {
  CommandResult r = CommandResult::Of(s, now);
  r.param_location = param;
  return r;
}

// SQE byte offsets of the fields the Error Information log points at.
constexpr unsigned kByteFlags = 1;
constexpr unsigned kByteNsid = 4;
constexpr unsigned kByteDptr = 24;
constexpr unsigned kByteCdw10 = 40;
constexpr unsigned kByteCdw11 = 44;

}  // namespace

CommandResult Controller::ExecuteAdmin(const nvme::Sqe& sqe, uint64_t now) {
  if (!AdminOpcodeSupported(sqe.opcode)) {
    return Fail(Status::InvalidOpcode(), now, ParamLocation(0));
  }
  if (sqe.fuse() != 0) {
    return Fail(Status::InvalidField(), now, ParamLocation(kByteFlags));
  }
  // PCIe admin commands use PRPs only (NVMe 1.4, 4.3).
  if (sqe.psdt() != nvme::kPsdtPrp) {
    return Fail(Status::InvalidField(), now, ParamLocation(kByteFlags, 6));
  }
  switch (sqe.opcode) {
    case SALIX_ADMIN_DELETE_IO_SQ: return DeleteIoSq(sqe, now);
    case SALIX_ADMIN_CREATE_IO_SQ: return CreateIoSq(sqe, now);
    case SALIX_ADMIN_GET_LOG_PAGE: return GetLogPage(sqe, now);
    case SALIX_ADMIN_DELETE_IO_CQ: return DeleteIoCq(sqe, now);
    case SALIX_ADMIN_CREATE_IO_CQ: return CreateIoCq(sqe, now);
    case SALIX_ADMIN_IDENTIFY: return Identify(sqe, now);
    case SALIX_ADMIN_ABORT: return Abort(sqe, now);
    case SALIX_ADMIN_SET_FEATURES: return SetFeatures(sqe, now);
    case SALIX_ADMIN_GET_FEATURES: return GetFeatures(sqe, now);
    case SALIX_ADMIN_ASYNC_EVENT_REQUEST: return AsyncEventRequest(sqe, now);
    case SALIX_ADMIN_FORMAT_NVM: return FormatNvm(sqe, now);
    case SALIX_ADMIN_FAULT_INJECTION: return FaultInjection(sqe, now);
    case SALIX_ADMIN_LOAD_PROGRAM: return LoadProgram(sqe, now);
    case SALIX_ADMIN_PROGRAM_ACTIVATION: return ProgramActivation(sqe, now);
    case SALIX_ADMIN_DOMAIN_MANAGEMENT: return DomainManagement(sqe, now);
    default: return Fail(Status::InvalidOpcode(), now, ParamLocation(0));
  }
}

CommandResult Controller::CreateIoCq(const nvme::Sqe& sqe, uint64_t now) {
  uint32_t qid = sqe.cdw10 & 0xFFFF;
  uint32_t size = (sqe.cdw10 >> 16) + 1;
  bool contiguous = sqe.cdw11 & 1;
  bool ien = (sqe.cdw11 >> 1) & 1;
  uint32_t iv = sqe.cdw11 >> 16;
  if (qid == 0 || qid > features_.allocated_cqs() || queues_.cq(qid)) {
    return Fail(Status::InvalidQueueIdentifier(), now, ParamLocation(kByteCdw10));
  }
  if (size < 2 || size > options_.max_queue_entries) {
    return Fail(Status::InvalidQueueSize(), now, ParamLocation(kByteCdw10 + 2));
  }
  if (!contiguous) {  // CAP.CQR = 1
    return Fail(Status::InvalidField(), now, ParamLocation(kByteCdw11));
  }
  if (iv >= msix_vectors()) {
    return Fail(Status::InvalidInterruptVector(), now,
                ParamLocation(kByteCdw11 + 2));
  }
  if (sqe.dptr[0] & (nvme::kPageSize - 1)) {
    return Fail(Status::InvalidPrpOffset(), now, ParamLocation(kByteDptr));
  }
  if (nvme::cc::Iocqes(regs_.cc()) != 4) {
    return Fail(Status::InvalidField(), now);
  }
  queues_.CreateCq(static_cast<uint16_t>(qid), size, sqe.dptr[0], ien,
                   static_cast<uint16_t>(iv));
  doorbells_.SetLive(Doorbells::CqSlot(static_cast<uint16_t>(qid)), true);
  return CommandResult::Of(Status(), now);
}

CommandResult Controller::CreateIoSq(const nvme::Sqe& sqe, uint64_t now) {
  uint32_t qid = sqe.cdw10 & 0xFFFF;
  uint32_t size = (sqe.cdw10 >> 16) + 1;
  bool contiguous = sqe.cdw11 & 1;
  uint8_t prio = (sqe.cdw11 >> 1) & 0x3;
  uint32_t cqid = sqe.cdw11 >> 16;
  if (qid == 0 || qid > features_.allocated_sqs() || queues_.sq(qid)) {
    return Fail(Status::InvalidQueueIdentifier(), now, ParamLocation(kByteCdw10));
  }
  if (cqid == 0 || queues_.cq(cqid) == nullptr) {
    return Fail(Status::CompletionQueueInvalid(), now,
                ParamLocation(kByteCdw11 + 2));
  }
  if (size < 2 || size > options_.max_queue_entries) {
    return Fail(Status::InvalidQueueSize(), now, ParamLocation(kByteCdw10 + 2));
  }
  if (!contiguous) {
    return Fail(Status::InvalidField(), now, ParamLocation(kByteCdw11));
  }
  if (sqe.dptr[0] & (nvme::kPageSize - 1)) {
    return Fail(Status::InvalidPrpOffset(), now, ParamLocation(kByteDptr));
  }
  if (nvme::cc::Iosqes(regs_.cc()) != 6) {
    return Fail(Status::InvalidField(), now);
  }
  queues_.CreateSq(static_cast<uint16_t>(qid), static_cast<uint16_t>(cqid),
                   size, sqe.dptr[0], prio);
  doorbells_.SetLive(Doorbells::SqSlot(static_cast<uint16_t>(qid)), true);
  return CommandResult::Of(Status(), now);
}

CommandResult Controller::DeleteIoSq(const nvme::Sqe& sqe, uint64_t now) {
  uint32_t qid = sqe.cdw10 & 0xFFFF;
  if (qid == 0 || queues_.sq(qid) == nullptr) {
    return Fail(Status::InvalidQueueIdentifier(), now, ParamLocation(kByteCdw10));
  }
  // Every fetched command has already been executed, so nothing is left to
  // abort; completions still waiting for CQ space are posted normally.
  doorbells_.SetLive(Doorbells::SqSlot(static_cast<uint16_t>(qid)), false);
  queues_.DeleteSq(static_cast<uint16_t>(qid));
  return CommandResult::Of(Status(), now);
}

CommandResult Controller::DeleteIoCq(const nvme::Sqe& sqe, uint64_t now) {
  uint32_t qid = sqe.cdw10 & 0xFFFF;
  CompletionQueue* cq = queues_.cq(qid);
  if (qid == 0 || cq == nullptr) {
    return Fail(Status::InvalidQueueIdentifier(), now, ParamLocation(kByteCdw10));
  }
  if (cq->sq_count > 0) {
    return Fail(Status::InvalidQueueDeletion(), now, ParamLocation(kByteCdw10));
  }
  std::erase_if(due_, [qid](const Pending& p) { return p.cqid == qid; });
  std::make_heap(due_.begin(), due_.end(),
                 [](const Pending& a, const Pending& b) {
                   return a.due_ns != b.due_ns ? a.due_ns > b.due_ns
                                               : a.seq > b.seq;
                 });
  doorbells_.SetLive(Doorbells::CqSlot(static_cast<uint16_t>(qid)), false);
  queues_.DeleteCq(static_cast<uint16_t>(qid));
  return CommandResult::Of(Status(), now);
}

CommandResult Controller::Abort(const nvme::Sqe& sqe, uint64_t now) {
  uint16_t sqid = sqe.cdw10 & 0xFFFF;
  uint16_t cid = static_cast<uint16_t>(sqe.cdw10 >> 16);
  CommandResult r = CommandResult::Of(Status(), now);
  // Commands execute as soon as they are fetched, so the only thing left to
  // abort is a held Asynchronous Event Request. DW0 bit 0 = 1: not aborted.
  if (sqid == 0 && events_.Cancel(cid)) {
    nvme::Cqe cqe{};
    cqe.sqid = 0;
    cqe.cid = cid;
    cqe.status = Status::AbortRequested().cqe_field();
    Schedule(0, cqe, now, now);
    r.dw0 = 0;
  } else {
    r.dw0 = 1;
  }
  return r;
}

CommandResult Controller::AsyncEventRequest(const nvme::Sqe& sqe,
                                            uint64_t now) {
  if (!events_.Hold(sqe.cid)) {
    return Fail(Status::AsyncEventLimitExceeded(), now);
  }
  CommandResult r;
  r.deferred = true;
  return r;
}

CommandResult Controller::GetFeatures(const nvme::Sqe& sqe, uint64_t now) {
  Features::Outcome o = features_.Get(sqe, *personality_);
  CommandResult r = Fail(o.status, now, ParamLocation(kByteCdw10));
  r.dw0 = o.dw0;
  return r;
}

CommandResult Controller::SetFeatures(const nvme::Sqe& sqe, uint64_t now) {
  Features::Outcome o =
      features_.Set(sqe, *personality_, queues_.AnyIoQueue());
  CommandResult r = Fail(o.status, now, ParamLocation(kByteCdw10));
  r.dw0 = o.dw0;
  return r;
}

CommandResult Controller::FormatNvm(const nvme::Sqe& sqe, uint64_t now) {
  if (sqe.nsid != 1 && sqe.nsid != 0xFFFFFFFF) {
    return Fail(Status::InvalidNamespaceOrFormat(), now,
                ParamLocation(kByteNsid));
  }
  unsigned lbaf = sqe.cdw10 & 0xF;
  unsigned pi = (sqe.cdw10 >> 5) & 0x7;
  unsigned ses = (sqe.cdw10 >> 9) & 0x7;
  if (lbaf >= personality_->lba_formats().size() || pi != 0) {
    return Fail(Status::InvalidFormat(), now, ParamLocation(kByteCdw10));
  }
  if (ses > 1) {  // FNA.CES = 0: no cryptographic erase
    return Fail(Status::InvalidField(), now, ParamLocation(kByteCdw10 + 1, 1));
  }
  Status s = personality_->Format(lbaf, ses == 1);
  return Fail(s, now);
}

Status Controller::SendToHost(const nvme::Sqe& sqe, const void* data,
                              size_t bytes) {
  Status s = buffer_.Build(sqe, bytes, XferDir::kToHost);
  if (!s.ok()) return s;
  return buffer_.ToHost(0, data, bytes);
}

}  // namespace salix

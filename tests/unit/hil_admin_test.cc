// Admin command set: queue management, Abort, Asynchronous Event Request,
// Format NVM and opcode coverage. Identify, features and logs have their
// own files.
#include <set>

#include "hil/logs.h"
#include "test_util.h"

namespace salix::test {
namespace {

Status Admin(EmbeddedHost& h, nvme::Sqe s) { return StatusOf(h.Execute(0, s)); }

nvme::Sqe CreateCq(uint16_t qid, uint32_t entries, uint32_t iv = 1,
                   bool pc = true) {
  return AdminSqe(SALIX_ADMIN_CREATE_IO_CQ, ((entries - 1) << 16) | qid,
                  (iv << 16) | 2u | (pc ? 1u : 0u));
}

nvme::Sqe CreateSq(uint16_t qid, uint32_t entries, uint16_t cqid,
                   uint64_t base, bool pc = true) {
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_CREATE_IO_SQ, ((entries - 1) << 16) | qid,
                         (uint32_t{cqid} << 16) | (pc ? 1u : 0u));
  s.dptr[0] = base;
  return s;
}

nvme::Sqe WithBase(nvme::Sqe s, uint64_t base) {
  s.dptr[0] = base;
  return s;
}

}  // namespace

TEST_CASE("Every admin opcode outside the opcode table is Invalid Opcode") {
  auto h = MakeHost();
  for (unsigned op = 0; op < 256; op++) {
    if (AdminOpcodeSupported(static_cast<uint8_t>(op))) continue;
    INFO("opcode " << op);
    CHECK(Admin(*h, AdminSqe(static_cast<uint8_t>(op))) ==
          Status::InvalidOpcode());
  }
}

TEST_CASE("Create I/O Completion Queue validates every field") {
  auto h = MakeHost({{"queues", "4"}});  // qid 1 exists already
  uint64_t mem = h->memory().AllocPages(4);
  CHECK(Admin(*h, WithBase(CreateCq(0, 16), mem)) ==
        Status::InvalidQueueIdentifier());
  CHECK(Admin(*h, WithBase(CreateCq(5, 16), mem)) ==
        Status::InvalidQueueIdentifier());  // above queues=4
  CHECK(Admin(*h, WithBase(CreateCq(1, 16), mem)) ==
        Status::InvalidQueueIdentifier());  // exists
  CHECK(Admin(*h, WithBase(CreateCq(2, 1), mem)) ==
        Status::InvalidQueueSize());
  CHECK(Admin(*h, WithBase(CreateCq(2, 4097), mem)) ==
        Status::InvalidQueueSize());
  CHECK(Admin(*h, WithBase(CreateCq(2, 16, 1, false), mem)) ==
        Status::InvalidField());  // not physically contiguous
  CHECK(Admin(*h, WithBase(CreateCq(2, 16, 5), mem)) ==
        Status::InvalidInterruptVector());  // vectors 0..4
  CHECK(Admin(*h, WithBase(CreateCq(2, 16, 1), mem + 16)) ==
        Status::InvalidPrpOffset());
  CHECK(Admin(*h, WithBase(CreateCq(2, 16, 4), mem)).ok());
}

TEST_CASE("Create I/O Submission Queue needs an existing completion queue") {
  auto h = MakeHost({{"queues", "4"}});
  uint64_t mem = h->memory().AllocPages(4);
  CHECK(Admin(*h, CreateSq(2, 16, 3, mem)) == Status::CompletionQueueInvalid());
  CHECK(Admin(*h, CreateSq(2, 16, 0, mem)) == Status::CompletionQueueInvalid());
  CHECK(Admin(*h, CreateSq(0, 16, 1, mem)) == Status::InvalidQueueIdentifier());
  CHECK(Admin(*h, CreateSq(1, 16, 1, mem)) == Status::InvalidQueueIdentifier());
  CHECK(Admin(*h, CreateSq(9, 16, 1, mem)) == Status::InvalidQueueIdentifier());
  CHECK(Admin(*h, CreateSq(2, 1, 1, mem)) == Status::InvalidQueueSize());
  CHECK(Admin(*h, CreateSq(2, 16, 1, mem, false)) == Status::InvalidField());
  // Two SQs may share one CQ.
  CHECK(Admin(*h, CreateSq(2, 16, 1, mem)).ok());
}

TEST_CASE("Deleting queues: SQs first, then their CQ") {
  auto h = MakeHost();
  nvme::Sqe del_cq = AdminSqe(SALIX_ADMIN_DELETE_IO_CQ, 1);
  nvme::Sqe del_sq = AdminSqe(SALIX_ADMIN_DELETE_IO_SQ, 1);
  CHECK(Admin(*h, del_cq) == Status::InvalidQueueDeletion());
  CHECK(Admin(*h, AdminSqe(SALIX_ADMIN_DELETE_IO_SQ, 0)) ==
        Status::InvalidQueueIdentifier());
  CHECK(Admin(*h, AdminSqe(SALIX_ADMIN_DELETE_IO_CQ, 0)) ==
        Status::InvalidQueueIdentifier());
  CHECK(h->DeleteIoSq(1).ok());
  CHECK(Admin(*h, del_sq) == Status::InvalidQueueIdentifier());  // gone
  CHECK(h->DeleteIoCq(1).ok());
  CHECK(Admin(*h, del_cq) == Status::InvalidQueueIdentifier());
  // The qid can be reused.
  CHECK(h->CreateIoQueuePair(1, 8).ok());
  std::vector<uint8_t> buf(4096);
  CHECK(h->Read(1, 0, buf).ok());
}

TEST_CASE("Admin commands reject fused operations and SGLs") {
  auto h = MakeHost();
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_GET_FEATURES, nvme::fid::kArbitration);
  s.flags = 1;  // first command of a fused pair
  CHECK(Admin(*h, s) == Status::InvalidField());
  s.flags = 1u << 6;  // PSDT = SGL
  CHECK(Admin(*h, s) == Status::InvalidField());
}

TEST_CASE("Abort of an unknown command reports 'not aborted'") {
  auto h = MakeHost();
  auto c = h->Execute(0, AdminSqe(SALIX_ADMIN_ABORT, (77u << 16) | 1u));
  REQUIRE(c);
  CHECK(StatusOf(c).ok());
  CHECK((c->dw0 & 1) == 1);
}

TEST_CASE("AERs are held up to the limit and the next one is refused") {
  auto h = MakeHost();
  nvme::IdentifyController id;
  REQUIRE(h->IdentifyController(&id).ok());
  unsigned limit = id.aerl + 1u;
  std::vector<nvme::Cqe> done;
  for (unsigned i = 0; i < limit; i++) {
    REQUIRE(h->Submit(0, AdminSqe(SALIX_ADMIN_ASYNC_EVENT_REQUEST),
                      [&](const nvme::Cqe& c) { done.push_back(c); }));
  }
  h->Poll();
  CHECK(done.empty());  // held, not completed
  CHECK(h->outstanding() == limit);
  CHECK(StatusOf(h->Execute(0, AdminSqe(SALIX_ADMIN_ASYNC_EVENT_REQUEST))) ==
        Status::AsyncEventLimitExceeded());
}

TEST_CASE("Aborting a held AER completes it with Command Abort Requested") {
  auto h = MakeHost();
  std::optional<nvme::Cqe> aer;
  auto cid = h->Submit(0, AdminSqe(SALIX_ADMIN_ASYNC_EVENT_REQUEST),
                       [&](const nvme::Cqe& c) { aer = c; });
  REQUIRE(cid);
  h->Poll();
  REQUIRE_FALSE(aer);
  auto r = h->Execute(0, AdminSqe(SALIX_ADMIN_ABORT, uint32_t{*cid} << 16));
  REQUIRE(r);
  CHECK(StatusOf(r).ok());
  CHECK((r->dw0 & 1) == 0);  // aborted
  REQUIRE(aer);
  CHECK(aer->cid == *cid);
  CHECK(StatusOf(aer) == Status::AbortRequested());
}

TEST_CASE("A bad doorbell value completes an outstanding AER") {
  auto h = MakeHost();
  std::vector<nvme::Cqe> events;
  auto arm = [&] {
    REQUIRE(h->Submit(0, AdminSqe(SALIX_ADMIN_ASYNC_EVENT_REQUEST),
                      [&](const nvme::Cqe& c) { events.push_back(c); }));
  };
  arm();
  arm();
  h->Poll();
  h->WriteDoorbell(2, 9999);  // SQ 1 tail beyond its 256 entries
  h->Poll();
  REQUIRE(events.size() == 1);
  CHECK(StatusOf(events[0]).ok());
  CHECK((events[0].dw0 & 0x7) == nvme::aer::kTypeError);
  CHECK(((events[0].dw0 >> 8) & 0xFF) == nvme::aer::kInfoInvalidDoorbellValue);
  CHECK(((events[0].dw0 >> 16) & 0xFF) == nvme::lid::kErrorInfo);
  bool logged = false;
  for (auto& l : h->logs()) {
    logged |= l.message == "SQ 1 tail doorbell 9999 exceeds queue size 256";
  }
  CHECK(logged);

  // Error events stay masked until the Error Information log is read.
  h->WriteDoorbell(2 * 40, 1);  // a queue that does not exist
  h->Poll();
  CHECK(events.size() == 1);
  std::vector<uint8_t> log(4096);
  REQUIRE(h->GetLogPage(nvme::lid::kErrorInfo, log).ok());
  h->Poll();
  REQUIRE(events.size() == 2);
  CHECK(((events[1].dw0 >> 8) & 0xFF) ==
        nvme::aer::kInfoInvalidDoorbellRegister);

  // The I/O queue still works after the guest fixes its doorbell.
  h->WriteDoorbell(2, 0);
  std::vector<uint8_t> buf(4096);
  CHECK(h->Read(1, 0, buf).ok());
}

TEST_CASE("Format NVM switches among the advertised LBA formats and erases") {
  auto h = MakeHost();
  REQUIRE(h->lba_size() == 4096);
  uint64_t blocks4k = h->capacity_blocks();
  auto data = Pattern(4096, 1);
  REQUIRE(h->Write(1, 3, data).ok());

  CHECK(h->Format(1, 0).ok());  // LBAF 1 is 4096 too: a plain erase
  std::vector<uint8_t> back(4096, 0xff);
  REQUIRE(h->Read(1, 3, back).ok());
  CHECK(back == std::vector<uint8_t>(4096, 0));

  REQUIRE(h->Write(1, 3, data).ok());
  CHECK(h->Format(0, 1).ok());  // 512-byte blocks, user data erase
  CHECK(h->lba_size() == 512);
  CHECK(h->capacity_blocks() == blocks4k * 8);
  std::vector<uint8_t> small(512, 0xff);
  REQUIRE(h->Read(1, 24, small).ok());
  CHECK(small == std::vector<uint8_t>(512, 0));

  CHECK(h->Format(2) == Status::InvalidFormat());
  CHECK(h->Format(15) == Status::InvalidFormat());
  CHECK(h->Format(1, 2) == Status::InvalidField());  // crypto erase
  CHECK(h->Format(1, 0, 2) == Status::InvalidNamespaceOrFormat());
  CHECK(h->Format(1, 0, 0xFFFFFFFF).ok());
  CHECK(h->lba_size() == 4096);
}

}  // namespace salix::test

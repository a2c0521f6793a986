// Queue mechanics: wrap-around, CQ-full back-pressure, arbitration, and
// doorbell robustness.
#include <set>

#include "test_util.h"

namespace salix::test {

TEST_CASE("A small queue wraps around many times without losing commands") {
  auto h = MakeHost();
  REQUIRE(h->CreateIoQueuePair(2, 4).ok());  // 3 usable slots
  auto data = Pattern(4096, 1);
  // Synchronous: one at a time, 50 wraps of the 4-entry rings.
  for (int i = 0; i < 200; i++) {
    data[0] = static_cast<uint8_t>(i);
    REQUIRE(h->Write(2, i % 64, data).ok());
  }
  // Asynchronous: keep the queue full.
  int completed = 0, failed = 0;
  for (int round = 0; round < 100; round++) {
    for (int j = 0; j < 3; j++) {
      REQUIRE(h->Submit(2, IoSqe(SALIX_IO_FLUSH, 0, 1), [&](const nvme::Cqe& c) {
        completed++;
        failed += !Status::FromCqeField(c.status).ok();
      }));
    }
    CHECK_FALSE(h->Submit(2, IoSqe(SALIX_IO_FLUSH, 0, 1), nullptr));  // full
    h->Poll();
  }
  CHECK(completed == 300);
  CHECK(failed == 0);
  std::vector<uint8_t> back(4096);
  REQUIRE(h->Read(2, 199 % 64, back).ok());
  CHECK(back[0] == 199);
  CHECK(h->unexpected_completions().empty());
}

TEST_CASE("A full CQ holds completions until the host moves its head") {
  auto h = MakeHost();
  REQUIRE(h->CreateIoCq(2, 4, 2).ok());  // room for 3 completions
  REQUIRE(h->CreateIoSq(2, 2, 64).ok());
  std::vector<uint16_t> order;
  for (int i = 0; i < 20; i++) {
    REQUIRE(h->Submit(2, IoSqe(SALIX_IO_FLUSH, 0, 1),
                      [&](const nvme::Cqe& c) { order.push_back(c.cid); }));
  }
  h->RunOnce();  // firmware only: nobody consumes completions
  h->RunOnce();
  CHECK(h->irq_count(2) >= 1);
  CHECK(order.empty());
  h->Poll();  // reaps, rings the CQ head doorbell, firmware posts more
  REQUIRE(order.size() == 20);
  for (size_t i = 1; i < order.size(); i++) CHECK(order[i] == order[i - 1] + 1);
  CHECK(h->unexpected_completions().empty());
}

TEST_CASE("The controller never writes more CQEs than the CQ can hold") {
  auto o = SmallDevice();
  o.io_queue_pairs = 0;
  auto h = MakeHostFrom(o);
  // Build the queues by hand so the test can look at raw CQ memory.
  uint64_t cq = h->memory().AllocPages(1), sq = h->memory().AllocPages(1);
  nvme::Sqe c = AdminSqe(SALIX_ADMIN_CREATE_IO_CQ, (3u << 16) | 1, (1u << 16) | 3);
  c.dptr[0] = cq;
  REQUIRE(StatusOf(h->Execute(0, c)).ok());
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_CREATE_IO_SQ, (31u << 16) | 1, (1u << 16) | 1);
  s.dptr[0] = sq;
  REQUIRE(StatusOf(h->Execute(0, s)).ok());
  for (uint16_t i = 0; i < 10; i++) {
    nvme::Sqe f = IoSqe(SALIX_IO_FLUSH, 0, 1);
    f.cid = i;
    h->memory().Write(sq + i * 64, &f, 64);
  }
  h->WriteDoorbell(2, 10);
  h->RunOnce();
  h->RunOnce();
  nvme::Cqe e[4];
  h->memory().Read(cq, e, sizeof(e));
  CHECK(e[0].phase());
  CHECK(e[1].phase());
  CHECK(e[2].phase());
  CHECK_FALSE(e[3].phase());  // the CQ is full with 3 of 4 slots used
  CHECK(e[0].cid == 0);
  CHECK(e[2].cid == 2);
  // Consume two: two more arrive, wrapping into slot 3 and then slot 0.
  h->WriteDoorbell(3, 2);
  h->RunOnce();
  h->memory().Read(cq, e, sizeof(e));
  CHECK(e[3].phase());
  CHECK(e[3].cid == 3);
  CHECK_FALSE(e[0].phase());  // phase flipped after the wrap
  CHECK(e[0].cid == 4);
  CHECK(e[2].cid == 2);  // unconsumed entry untouched
}

TEST_CASE("Arbitration serves submission queues round-robin") {
  auto h = MakeHost();
  REQUIRE(h->SetFeatures(nvme::fid::kArbitration, 0).ok());  // burst of 1
  REQUIRE(h->CreateIoSq(2, 1, 64).ok());  // second SQ on CQ 1
  std::vector<uint16_t> sqids;
  for (int i = 0; i < 10; i++) {
    for (uint16_t q : {uint16_t{1}, uint16_t{2}}) {
      REQUIRE(h->Enqueue(q, [&] {
        nvme::Sqe s = IoSqe(SALIX_IO_FLUSH, 0, 1);
        s.cid = static_cast<uint16_t>(i);
        return s;
      }(), [&](const nvme::Cqe& c) { sqids.push_back(c.sqid); }));
    }
  }
  h->RingSqDoorbell(1);
  h->RingSqDoorbell(2);
  h->Poll();
  REQUIRE(sqids.size() == 20);
  for (size_t i = 0; i < sqids.size(); i++) {
    INFO("completion " << i);
    CHECK(sqids[i] != sqids[i ^ 1]);  // strictly alternating pairs
  }
}

TEST_CASE("Bad doorbells are guest errors the controller survives") {
  auto h = MakeHost();
  h->WriteDoorbell(2, 256);        // tail == size
  h->WriteDoorbell(3, 200);        // CQ head past anything posted
  h->WriteDoorbell(2 * 50, 1);     // a queue that does not exist
  h->WriteDoorbell(2 * 64 + 1, 1); // ditto, last slot
  h->WriteReg(nvme::reg::kDoorbellBase + 2 * 65 * 4, 1);  // past the last
  h->Poll();
  std::set<std::string> msgs;
  for (auto& l : h->logs()) {
    if (l.level == SALIX_LOG_GUEST_ERROR) msgs.insert(l.message);
  }
  CHECK(msgs.count("SQ 1 tail doorbell 256 exceeds queue size 256") == 1);
  CHECK(msgs.size() >= 4);
  // Reset the doorbells to sane values and carry on.
  h->WriteDoorbell(2, 0);
  h->WriteDoorbell(3, 0);
  std::vector<uint8_t> buf(4096);
  CHECK(h->Read(1, 0, buf).ok());
}

TEST_CASE("A deleted SQ's doorbell is ignored") {
  auto h = MakeHost();
  REQUIRE(h->CreateIoQueuePair(2, 8).ok());
  REQUIRE(h->DeleteIoSq(2).ok());
  h->WriteDoorbell(4, 3);
  h->Poll();
  bool logged = false;
  for (auto& l : h->logs()) {
    logged |= l.message.find("for queue 2, which does not exist") !=
              std::string::npos;
  }
  CHECK(logged);
}

}  // namespace salix::test

// Fault Injection (admin C0h): a drive that fails I/O, hangs, or cannot
// read, while admin commands keep working.
#include "array_util.h"

namespace salix::test {
namespace {

TEST_CASE("Fault Injection IO_ERROR fails every I/O command with Internal Error and DNR") {
  auto h = MakeHost();
  auto data = Pattern(4096, 1);
  REQUIRE(h->Write(1, 0, data).ok());
  auto prev = SetFault(*h, SALIX_FAULT_IO_ERROR);
  REQUIRE(StatusOf(prev).ok());
  CHECK(prev->dw0 == SALIX_FAULT_NONE);
  std::vector<uint8_t> back(4096);
  CHECK(h->Read(1, 0, back) == Status::InternalError());
  auto cqe = h->ExecuteWithData(1, IoSqe(SALIX_IO_WRITE, 0, 1), data);
  CHECK(StatusOf(cqe) == Status::InternalError());
  CHECK(StatusOf(cqe).dnr());
  CHECK(h->Flush(1) == Status::InternalError());
  // Admin works; healing restores I/O.
  nvme::IdentifyController id{};
  CHECK(h->IdentifyController(&id).ok());
  prev = SetFault(*h, SALIX_FAULT_NONE);
  CHECK(prev->dw0 == SALIX_FAULT_IO_ERROR);
  CHECK(h->Read(1, 0, back).ok());
  CHECK(back == data);
  bool logged = false;
  for (auto& l : h->logs()) {
    if (l.message.find("fault injection: none -> io-error") != std::string::npos) logged = true;
  }
  CHECK(logged);
}

TEST_CASE("Fault Injection READ_ERROR fails reads with Unrecovered Read Error, writes work") {
  auto h = MakeHost();
  REQUIRE(StatusOf(SetFault(*h, SALIX_FAULT_READ_ERROR)).ok());
  auto data = Pattern(4096, 2);
  CHECK(h->Write(1, 5, data).ok());
  std::vector<uint8_t> back(4096);
  Status s = h->Read(1, 5, back);
  CHECK(s == Status::UnrecoveredReadError());
  CHECK(s.value() == 0x281);
  CHECK(h->Compare(1, 5, data) == Status::UnrecoveredReadError());
  CHECK(StatusOf(Copy(*h, 9, {{5, 1}})) == Status::UnrecoveredReadError());
  REQUIRE(StatusOf(SetFault(*h, SALIX_FAULT_NONE)).ok());
  CHECK(h->Read(1, 5, back).ok());
  CHECK(back == data);
}

TEST_CASE("Fault Injection rejects unknown modes") {
  auto h = MakeHost();
  CHECK(StatusOf(SetFault(*h, 4)) == Status::InvalidField());
  CHECK(StatusOf(SetFault(*h, 15)) == Status::InvalidField());
  CHECK(SetFault(*h, SALIX_FAULT_NONE)->dw0 == SALIX_FAULT_NONE);
}

TEST_CASE("An UNRESPONSIVE drive takes I/O commands and never completes them") {
  auto h = MakeHost();
  REQUIRE(StatusOf(SetFault(*h, SALIX_FAULT_UNRESPONSIVE)).ok());
  int completed = 0;
  // The host sees no SQ head move without completions, so it can fill its
  // 256-entry SQ once.
  for (int i = 0; i < 200; i++) {
    REQUIRE(h->Submit(1, IoSqe(SALIX_IO_FLUSH, 0, 1),
                      [&](const nvme::Cqe&) { completed++; }));
    h->Poll();
  }
  h->AdvanceClock(10'000'000'000);
  h->Poll();
  CHECK(completed == 0);
  CHECK(h->outstanding() == 200);
  // Admin still answers, and the mode survives a controller reset.
  nvme::IdentifyController id{};
  CHECK(h->IdentifyController(&id).ok());
  REQUIRE(h->Restart());  // the host aborts its 200 commands itself
  CHECK(h->unexpected_completions().empty());
  std::vector<uint8_t> back(4096);
  bool done = false;
  REQUIRE(h->Submit(1, IoSqe(SALIX_IO_READ, 0, 1), [&](const nvme::Cqe&) { done = true; }));
  h->Poll();
  CHECK_FALSE(done);
  CHECK(SetFault(*h, SALIX_FAULT_NONE)->dw0 == SALIX_FAULT_UNRESPONSIVE);
  CHECK(h->Flush(1).ok());
  // A shutdown and the controller's destruction with commands held: fine.
  REQUIRE(StatusOf(SetFault(*h, SALIX_FAULT_UNRESPONSIVE)).ok());
  REQUIRE(h->Submit(1, IoSqe(SALIX_IO_FLUSH, 0, 1), [](const nvme::Cqe&) {}));
  h->Poll();
  CHECK(h->Shutdown());
}

TEST_CASE("The fault mode belongs to the controller: a new one starts healthy") {
  auto h = MakeHost();
  REQUIRE(StatusOf(SetFault(*h, SALIX_FAULT_IO_ERROR)).ok());
  h.reset();
  h = MakeHost();
  CHECK(h->Flush(1).ok());
}

}  // namespace
}  // namespace salix::test

// Controller reset, bus reset and shutdown, including persistence of a
// file-backed namespace across controller lifetimes.
#include <unistd.h>

#include "test_util.h"

namespace salix::test {
namespace {

std::string TempFile() {
  char path[] = "/tmp/salix-reset-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  return path;
}

}  // namespace

TEST_CASE("CC.EN=0 with I/O in flight drops it; the controller comes back") {
  auto h = MakeHost();
  auto data = Pattern(4096, 8);
  std::vector<std::unique_ptr<embedded::DmaBuffer>> bufs;
  int callbacks = 0;
  for (int i = 0; i < 10; i++) {
    nvme::Sqe s = IoSqe(SALIX_IO_WRITE, i, 1);
    bufs.push_back(h->AllocBuffer(4096));
    bufs.back()->CopyIn(data);
    bufs.back()->ApplyTo(&s);
    REQUIRE(h->Submit(1, s, [&](const nvme::Cqe& c) {
      callbacks++;
      CHECK(Status::FromCqeField(c.status) == Status::AbortRequested());
    }));
  }
  // The doorbell rang, but the worker only runs after CC.EN=0 was written.
  h->Disable();
  CHECK(callbacks == 10);  // the host cancelled them itself
  CHECK((h->ReadReg(nvme::reg::kCsts) & nvme::csts::kRdy) == 0);
  REQUIRE(h->Enable());
  REQUIRE(h->CreateIoQueuePair(1, 64).ok());
  std::vector<uint8_t> back(4096, 0xFF);
  REQUIRE(h->Read(1, 0, back).ok());
  CHECK(back == std::vector<uint8_t>(4096, 0));  // never executed
  REQUIRE(h->Write(1, 0, data).ok());
  REQUIRE(h->Read(1, 0, back).ok());
  CHECK(back == data);
  CHECK(h->unexpected_completions().empty());
}

TEST_CASE("A 1-0-1 toggle of CC.EN between two runs still resets") {
  auto h = MakeHost();
  h->WriteReg(nvme::reg::kCc, 0);  // EN 1 -> 0, not yet applied
  REQUIRE(h->Enable());            // reprograms and sets EN = 1, one run
  // The old I/O queues are gone: creating qid 1 again succeeds.
  CHECK(h->CreateIoQueuePair(1, 16).ok());
  std::vector<uint8_t> buf(4096);
  CHECK(h->Read(1, 0, buf).ok());
}

TEST_CASE("A reset ends held AERs without completing them") {
  auto h = MakeHost();
  int aer_callbacks = 0;
  REQUIRE(h->Submit(0, AdminSqe(SALIX_ADMIN_ASYNC_EVENT_REQUEST),
                    [&](const nvme::Cqe&) { aer_callbacks++; }));
  h->Poll();
  REQUIRE(h->Restart());
  CHECK(aer_callbacks == 1);  // host-side cancel from Disable
  h->WriteDoorbell(2, 9999);  // would complete an AER if one were held
  h->Poll();
  CHECK(h->unexpected_completions().empty());
  // The limit counts from zero again.
  for (int i = 0; i < 4; i++) {
    REQUIRE(h->Submit(0, AdminSqe(SALIX_ADMIN_ASYNC_EVENT_REQUEST), nullptr));
  }
  h->Poll();
}

TEST_CASE("Bus reset returns every register to its power-on value") {
  auto h = MakeHost();
  salix_ctrl_reset(h->ctrl());
  CHECK(h->ReadReg(nvme::reg::kCc) == 0);
  CHECK(h->ReadReg(nvme::reg::kCsts) == 0);
  CHECK(h->ReadReg(nvme::reg::kAqa) == 0);
  CHECK(h->ReadReg(nvme::reg::kAsq, 8) == 0);
  REQUIRE(h->Enable());
  REQUIRE(h->CreateIoQueuePair(1, 16).ok());
  std::vector<uint8_t> buf(4096);
  CHECK(h->Read(1, 0, buf).ok());
}

TEST_CASE("Shutdown notification completes with SHST") {
  auto h = MakeHost();
  CHECK((h->ReadReg(nvme::reg::kCsts) & nvme::csts::kShstMask) == 0);
  CHECK(h->Shutdown());
  uint32_t csts = static_cast<uint32_t>(h->ReadReg(nvme::reg::kCsts));
  CHECK((csts & nvme::csts::kShstMask) == nvme::csts::kShstComplete);
  // Enabling again after a reset with SHN cleared starts fresh.
  h->WriteReg(nvme::reg::kCc, 0);
  h->RunOnce();
  CHECK((h->ReadReg(nvme::reg::kCsts) & nvme::csts::kShstMask) == 0);
  REQUIRE(h->Enable());
  auto abrupt = MakeHost();
  CHECK(abrupt->Shutdown(/*abrupt=*/true));
}

TEST_CASE("Data in a backing file survives a clean shutdown and restart") {
  std::string path = TempFile();
  auto data = Pattern(64 * 1024, 77);
  {
    auto h = MakeHost({{"backing-file", path}, {"serial", "PERSIST1"}});
    REQUIRE(h->Write(1, 123, data).ok());
    REQUIRE(h->Flush(1).ok());
    REQUIRE(h->Shutdown());
  }
  {
    auto h = MakeHost({{"backing-file", path}, {"serial", "PERSIST1"}});
    std::vector<uint8_t> back(data.size());
    REQUIRE(h->Read(1, 123, back).ok());
    CHECK(back == data);
    nvme::DsmRange r{0, 4, 123};
    REQUIRE(h->Deallocate(1, {&r, 1}).ok());
    REQUIRE(h->Shutdown());
  }
  {
    auto h = MakeHost({{"backing-file", path}, {"serial", "PERSIST1"}});
    std::vector<uint8_t> back(data.size());
    REQUIRE(h->Read(1, 123, back).ok());
    CHECK(std::all_of(back.begin(), back.begin() + 4 * 4096,
                      [](uint8_t b) { return b == 0; }));
    CHECK(std::equal(back.begin() + 4 * 4096, back.end(),
                     data.begin() + 4 * 4096));
  }
  unlink(path.c_str());
}

}  // namespace salix::test

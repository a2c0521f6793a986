// The embedded host's own pieces: guest memory, DMA buffer layouts, and the
// asynchronous contract.
#include <cstring>

#include "test_util.h"

namespace salix::test {

TEST_CASE("Guest memory allocates, frees and coalesces pages") {
  embedded::GuestMemory m(64 * 4096);
  uint64_t a = m.AllocPages(10), b = m.AllocPages(10), c = m.AllocPages(44);
  REQUIRE(a != 0);
  REQUIRE(b != 0);
  REQUIRE(c != 0);
  CHECK(m.AllocPages(1) == 0);  // exhausted
  m.FreePages(b, 10);
  m.FreePages(a, 10);
  CHECK(m.AllocPages(20) == a);  // coalesced
  CHECK_FALSE(m.Contains(m.base() - 1, 1));
  CHECK_FALSE(m.Contains(m.base() + m.size(), 1));
  CHECK_FALSE(m.Contains(m.base(), m.size() + 1));
  uint8_t x = 0;
  CHECK_FALSE(m.Read(0, &x, 1));
}

TEST_CASE("PRP buffers use non-adjacent pages and a PRP list when needed") {
  embedded::GuestMemory m(16 << 20);
  auto b = embedded::DmaBuffer::Create(m, 3 * 4096 + 10, {DataLayout::kPrp, 8});
  REQUIRE(b);
  nvme::Sqe s{};
  b->ApplyTo(&s);
  CHECK(s.psdt() == 0);
  auto& segs = b->data_segments();
  REQUIRE(segs.size() == 4);
  CHECK(s.dptr[0] == segs[0].first);
  CHECK(segs[0].first % 4096 == 8);
  CHECK(segs[1].first != segs[0].first - 8 + 4096);  // not adjacent
  uint64_t list[3];
  m.Read(s.dptr[1], list, sizeof(list));
  CHECK(list[0] == segs[1].first);
  CHECK(list[2] == segs[3].first);
  auto data = Pattern(b->size(), 3);
  b->CopyIn(data);
  std::vector<uint8_t> back(b->size());
  b->CopyOut(back);
  CHECK(back == data);
}

TEST_CASE("Execute gives up on a command that never completes") {
  auto h = MakeHost();
  auto c = h->Execute(0, AdminSqe(SALIX_ADMIN_ASYNC_EVENT_REQUEST));
  CHECK_FALSE(c.has_value());  // an AER is held by design
  CHECK(h->outstanding() == 1);
}

TEST_CASE("Callbacks may submit more work") {
  auto h = MakeHost();
  int chain = 0;
  std::function<void(const nvme::Cqe&)> next = [&](const nvme::Cqe&) {
    if (++chain < 50) REQUIRE(h->Submit(1, IoSqe(SALIX_IO_FLUSH, 0, 1), next));
  };
  REQUIRE(h->Submit(1, IoSqe(SALIX_IO_FLUSH, 0, 1), next));
  CHECK(h->PollUntil([&] { return chain == 50; }));
}

TEST_CASE("A steady-clock host works the same") {
  auto o = SmallDevice();
  o.virtual_clock = false;
  auto h = MakeHostFrom(o);
  auto data = Pattern(4096, 5);
  REQUIRE(h->Write(1, 1, data).ok());
  std::vector<uint8_t> back(4096);
  REQUIRE(h->Read(1, 1, back).ok());
  CHECK(back == data);
}

}  // namespace salix::test

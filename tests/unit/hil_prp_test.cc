// PRP walking: the HostBuffer walker alone, then end to end.
#include "hil/host_buffer.h"
#include "platform_fake.h"
#include "test_util.h"

namespace salix::test {
namespace {

constexpr uint64_t kPage = 4096;

uint64_t TotalLength(const HostBuffer& b) {
  uint64_t n = 0;
  for (auto& s : b.segments()) n += s.len;
  return n;
}

}  // namespace

TEST_CASE("PRP1 alone covers a transfer that stays inside its page") {
  FakePlatform p;
  HostBuffer b(p);
  uint64_t page = p.mem.AllocPages(1);
  REQUIRE(b.BuildPrp(page + 100, 0, 1000).ok());
  REQUIRE(b.segments().size() == 1);
  CHECK(b.segments()[0].addr == page + 100);
  CHECK(b.length() == 1000);
}

TEST_CASE("PRP2 is the second page when two pages are enough") {
  FakePlatform p;
  HostBuffer b(p);
  uint64_t a = p.mem.AllocPages(1), c = p.mem.AllocPages(3) + 2 * kPage;
  REQUIRE(b.BuildPrp(a + 512, c, 4096).ok());
  REQUIRE(b.segments().size() == 2);
  CHECK(b.segments()[0].len == 3584);
  CHECK(b.segments()[1].addr == c);
  CHECK(b.segments()[1].len == 512);
  CHECK(b.BuildPrp(a + 512, c + 8, 4096) == Status::InvalidPrpOffset());
}

TEST_CASE("A PRP1 offset that is not dword aligned is Invalid PRP Offset") {
  FakePlatform p;
  HostBuffer b(p);
  uint64_t a = p.mem.AllocPages(1);
  CHECK(b.BuildPrp(a + 2, 0, 512) == Status::InvalidPrpOffset());
  CHECK(b.BuildPrp(a + 4, 0, 512).ok());
}

TEST_CASE("A PRP list may start mid-page and chains to the next list page") {
  FakePlatform p;
  HostBuffer b(p);
  // First list page holds only 4 slots (starts 32 bytes before its end):
  // 3 data entries + a pointer to the second list page.
  uint64_t list1 = p.mem.AllocPages(1) + kPage - 32;
  uint64_t list2 = p.mem.AllocPages(1);
  uint64_t data = p.mem.AllocPages(16);
  uint64_t prp1 = p.mem.AllocPages(1);
  std::vector<uint64_t> e1 = {data, data + 2 * kPage, data + 4 * kPage, list2};
  std::vector<uint64_t> e2 = {data + 6 * kPage, data + 8 * kPage};
  p.mem.Write(list1, e1.data(), 32);
  p.mem.Write(list2, e2.data(), 16);
  REQUIRE(b.BuildPrp(prp1, list1, 6 * kPage).ok());
  REQUIRE(b.segments().size() == 6);
  CHECK(b.segments()[0].addr == prp1);
  CHECK(b.segments()[3].addr == data + 4 * kPage);
  CHECK(b.segments()[4].addr == data + 6 * kPage);
  CHECK(b.segments()[5].addr == data + 8 * kPage);
  CHECK(TotalLength(b) == 6 * kPage);
  // The last page may be partial.
  REQUIRE(b.BuildPrp(prp1, list1, 5 * kPage + 100).ok());
  CHECK(b.segments().back().len == 100);
}

TEST_CASE("Malformed PRP lists are refused before any data moves") {
  FakePlatform p;
  HostBuffer b(p);
  uint64_t list = p.mem.AllocPages(1);
  uint64_t data = p.mem.AllocPages(4);
  uint64_t entries[2] = {data, data + kPage + 8};  // second entry has an offset
  p.mem.Write(list, entries, sizeof(entries));
  CHECK(b.BuildPrp(data, list, 3 * kPage) == Status::InvalidPrpOffset());
  CHECK(b.BuildPrp(data, list + 4, 3 * kPage) == Status::InvalidPrpOffset());
  CHECK(b.BuildPrp(data, 0x100, 3 * kPage) == Status::DataTransferError());
  // Contiguous pages merge into one segment.
  uint64_t good[2] = {data + kPage, data + 2 * kPage};
  p.mem.Write(list, good, sizeof(good));
  REQUIRE(b.BuildPrp(data, list, 3 * kPage).ok());
  CHECK(b.segments().size() == 1);
}

TEST_CASE("A 512 KiB transfer with an unaligned PRP1 round-trips") {
  auto h = MakeHost();  // MDTS 7 = 512 KiB
  auto data = Pattern(512 * 1024, 11);
  BufferLayout unaligned;
  unaligned.first_offset = 512;
  REQUIRE(h->Write(1, 7, data, unaligned).ok());
  std::vector<uint8_t> back(data.size());
  REQUIRE(h->Read(1, 7, back).ok());  // aligned PRP1 this time
  CHECK(back == data);
  std::vector<uint8_t> back2(data.size());
  BufferLayout odd;
  odd.first_offset = 4092;
  REQUIRE(h->Read(1, 7, back2, odd).ok());
  CHECK(back2 == data);
}

TEST_CASE("A 4 MiB transfer uses a chained PRP list") {
  EmbeddedHostOptions o = SmallDevice({{"mdts", "10"}});
  o.guest_memory_bytes = 64ull << 20;
  auto h = MakeHostFrom(o);
  auto data = Pattern(4 << 20, 12);  // 1024 pages: 1023 list entries
  BufferLayout l;
  l.first_offset = 64;  // 1025 pages in fact
  std::vector<uint8_t> chunk(data.begin(), data.end() - 4096);
  REQUIRE(h->Write(1, 0, chunk, l).ok());
  std::vector<uint8_t> back(chunk.size());
  REQUIRE(h->Read(1, 0, back, l).ok());
  CHECK(back == chunk);
}

TEST_CASE("An I/O command with a misaligned PRP is Invalid PRP Offset") {
  auto h = MakeHost();
  auto buf = h->AllocBuffer(8192);
  nvme::Sqe s = IoSqe(SALIX_IO_WRITE, 0, 2);
  buf->ApplyTo(&s);
  s.dptr[0] += 2;  // PRP1 must be dword aligned
  CHECK(StatusOf(h->Execute(1, s)) == Status::InvalidPrpOffset());
  buf->ApplyTo(&s);
  s.dptr[1] += 512;  // PRP2 names a whole page
  CHECK(StatusOf(h->Execute(1, s)) == Status::InvalidPrpOffset());
}

TEST_CASE("PRPs outside guest memory complete with Data Transfer Error") {
  auto h = MakeHost();
  nvme::Sqe s = IoSqe(SALIX_IO_WRITE, 0, 1);
  s.dptr[0] = 0x2000;  // below guest RAM
  CHECK(StatusOf(h->Execute(1, s)) == Status::DataTransferError());
  s = IoSqe(SALIX_IO_READ, 0, 4);  // needs a PRP list
  auto buf = h->AllocBuffer(16384);
  buf->ApplyTo(&s);
  s.dptr[1] = h->memory().base() + h->memory().size();  // list beyond RAM
  CHECK(StatusOf(h->Execute(1, s)) == Status::DataTransferError());
  // A read whose second page is unbacked: error, never partial success.
  s = IoSqe(SALIX_IO_READ, 0, 2);
  buf->ApplyTo(&s);
  s.dptr[1] = 0x7000;
  CHECK(StatusOf(h->Execute(1, s)) == Status::DataTransferError());
  // The controller is fine afterwards.
  std::vector<uint8_t> ok(8192);
  CHECK(h->Read(1, 0, ok).ok());
}

}  // namespace salix::test

// SGL walking: the HostBuffer walker alone, then end to end.
#include <cstring>

#include "hil/host_buffer.h"
#include "platform_fake.h"
#include "test_util.h"

namespace salix::test {
namespace {

nvme::SglDescriptor Desc(unsigned type, uint64_t addr, uint32_t len) {
  nvme::SglDescriptor d{};
  d.addr = addr;
  d.length = len;
  d.type = static_cast<uint8_t>(type << 4);
  return d;
}

}  // namespace

TEST_CASE("A single Data Block descriptor describes the whole buffer") {
  FakePlatform p;
  HostBuffer b(p);
  uint64_t a = p.mem.AllocPages(4);
  REQUIRE(b.BuildSgl(Desc(nvme::sgl::kDataBlock, a + 3, 10000), 10000,
                     XferDir::kFromHost)
              .ok());
  CHECK(b.segments().size() == 1);
  CHECK(b.BuildSgl(Desc(nvme::sgl::kDataBlock, a, 100), 200,
                   XferDir::kFromHost) == Status::DataSglLengthInvalid());
}

TEST_CASE("Segments chain through Segment and Last Segment descriptors") {
  FakePlatform p;
  HostBuffer b(p);
  uint64_t l1 = p.mem.AllocPages(1), l2 = p.mem.AllocPages(1);
  uint64_t d = p.mem.AllocPages(8);
  nvme::SglDescriptor first[3] = {
      Desc(nvme::sgl::kDataBlock, d, 100),
      Desc(nvme::sgl::kDataBlock, d + 4096, 200),
      Desc(nvme::sgl::kLastSegment, l2, 32)};
  nvme::SglDescriptor last[2] = {Desc(nvme::sgl::kDataBlock, d + 8192, 300),
                                 Desc(nvme::sgl::kDataBlock, d + 16384, 400)};
  p.mem.Write(l1, first, sizeof(first));
  p.mem.Write(l2, last, sizeof(last));
  REQUIRE(b.BuildSgl(Desc(nvme::sgl::kSegment, l1, 48), 1000,
                     XferDir::kFromHost)
              .ok());
  REQUIRE(b.segments().size() == 4);
  CHECK(b.segments()[3].addr == d + 16384);
  CHECK(b.segments()[3].len == 400);
  CHECK(b.BuildSgl(Desc(nvme::sgl::kSegment, l1, 48), 1001,
                   XferDir::kFromHost) == Status::DataSglLengthInvalid());
}

TEST_CASE("Malformed SGLs get the specific SGL status codes") {
  FakePlatform p;
  HostBuffer b(p);
  uint64_t l = p.mem.AllocPages(1), d = p.mem.AllocPages(2);
  auto put = [&](std::initializer_list<nvme::SglDescriptor> ds) {
    std::vector<nvme::SglDescriptor> v(ds);
    p.mem.Write(l, v.data(), v.size() * sizeof(v[0]));
  };
  // Segment length not a multiple of 16.
  CHECK(b.BuildSgl(Desc(nvme::sgl::kSegment, l, 24), 100, XferDir::kToHost) ==
        Status::InvalidSglSegmentDescriptor());
  // A segment descriptor that is not last in its list.
  put({Desc(nvme::sgl::kSegment, l, 16), Desc(nvme::sgl::kDataBlock, d, 100)});
  CHECK(b.BuildSgl(Desc(nvme::sgl::kSegment, l, 32), 100, XferDir::kToHost) ==
        Status::InvalidSglSegmentDescriptor());
  // A segment descriptor inside the last segment.
  put({Desc(nvme::sgl::kDataBlock, d, 10), Desc(nvme::sgl::kSegment, l, 32)});
  CHECK(b.BuildSgl(Desc(nvme::sgl::kLastSegment, l, 32), 100,
                   XferDir::kToHost) == Status::InvalidSglSegmentDescriptor());
  // Reserved descriptor type and non-address subtype.
  CHECK(b.BuildSgl(Desc(0x7, d, 100), 100, XferDir::kToHost) ==
        Status::SglDescriptorTypeInvalid());
  nvme::SglDescriptor sub = Desc(nvme::sgl::kDataBlock, d, 100);
  sub.type |= 0x1;
  CHECK(b.BuildSgl(sub, 100, XferDir::kToHost) ==
        Status::SglDescriptorTypeInvalid());
  // A segment list in unbacked memory.
  CHECK(b.BuildSgl(Desc(nvme::sgl::kSegment, 0x10, 32), 100,
                   XferDir::kToHost) == Status::DataTransferError());
  // A Segment descriptor that points at its own list: bounded, not a hang.
  put({Desc(nvme::sgl::kDataBlock, d, 0), Desc(nvme::sgl::kSegment, l, 32)});
  CHECK(b.BuildSgl(Desc(nvme::sgl::kSegment, l, 32), 100, XferDir::kToHost) ==
        Status::InvalidSglDescriptorCount());
}

TEST_CASE("Bit Bucket descriptors discard read data but not write data") {
  FakePlatform p;
  HostBuffer b(p);
  uint64_t l = p.mem.AllocPages(1), d = p.mem.AllocPages(1);
  nvme::SglDescriptor list[2] = {Desc(nvme::sgl::kBitBucket, 0, 100),
                                 Desc(nvme::sgl::kDataBlock, d, 100)};
  p.mem.Write(l, list, sizeof(list));
  REQUIRE(b.BuildSgl(Desc(nvme::sgl::kLastSegment, l, 32), 200,
                     XferDir::kToHost)
              .ok());
  std::vector<uint8_t> src(200);
  for (size_t i = 0; i < src.size(); i++) src[i] = static_cast<uint8_t>(i);
  REQUIRE(b.ToHost(0, src.data(), src.size()).ok());
  uint8_t got[100];
  p.mem.Read(d, got, 100);
  CHECK(std::memcmp(got, src.data() + 100, 100) == 0);
  CHECK(b.BuildSgl(Desc(nvme::sgl::kLastSegment, l, 32), 200,
                   XferDir::kFromHost) == Status::SglDescriptorTypeInvalid());
}

TEST_CASE("SGL transfers round-trip end to end in every shape") {
  auto h = MakeHost();
  auto data = Pattern(256 * 1024, 21);
  REQUIRE(h->Write(1, 0, data).ok());  // PRP write

  struct Shape {
    const char* name;
    BufferLayout layout;
  };
  std::vector<Shape> shapes;
  BufferLayout one;
  one.kind = DataLayout::kSgl;
  one.sgl_block_bytes = 1 << 20;  // a single Data Block in SGL1
  shapes.push_back({"one data block", one});
  BufferLayout pages;
  pages.kind = DataLayout::kSgl;  // 64 blocks in one Last Segment
  shapes.push_back({"one segment", pages});
  BufferLayout chained;
  chained.kind = DataLayout::kSgl;
  chained.sgl_block_bytes = 1000;  // odd-sized blocks
  chained.sgl_descriptors_per_segment = 7;
  chained.first_offset = 3;
  shapes.push_back({"chained segments of odd blocks", chained});

  for (const Shape& s : shapes) {
    INFO(s.name);
    std::vector<uint8_t> back(data.size());
    REQUIRE(h->Read(1, 0, back, s.layout).ok());
    CHECK(back == data);
    auto fresh = Pattern(data.size(), 99);
    REQUIRE(h->Write(1, 100, fresh, s.layout).ok());
    std::vector<uint8_t> check(data.size());
    REQUIRE(h->Read(1, 100, check).ok());
    CHECK(check == fresh);
    CHECK(h->Compare(1, 100, fresh, s.layout).ok());
  }
}

TEST_CASE("An SGL shorter than the transfer is Data SGL Length Invalid") {
  auto h = MakeHost();
  nvme::Sqe s = IoSqe(SALIX_IO_READ, 0, 2);
  auto buf = h->AllocBuffer(4096, {DataLayout::kSgl, 0, 1 << 20, 0});
  buf->ApplyTo(&s);  // one 4 KiB data block for 8 KiB
  CHECK(StatusOf(h->Execute(1, s)) == Status::DataSglLengthInvalid());
}

}  // namespace salix::test

// NVM I/O command set through the embedded host.
#include "hil/logs.h"
#include "test_util.h"

namespace salix::test {

TEST_CASE("Written data reads back, in 4 KiB and 512-byte formats") {
  for (const char* lba : {"4096", "512"}) {
    INFO("lba-size " << lba);
    auto h = MakeHost({{"lba-size", lba}});
    auto data = Pattern(32 * 1024, 7);
    REQUIRE(h->Write(1, 100, data).ok());
    std::vector<uint8_t> back(data.size());
    REQUIRE(h->Read(1, 100, back).ok());
    CHECK(back == data);
    // Neighbours are untouched (never written: zero).
    std::vector<uint8_t> before(h->lba_size(), 0xFF);
    REQUIRE(h->Read(1, 99, before).ok());
    CHECK(before == std::vector<uint8_t>(h->lba_size(), 0));
  }
}

TEST_CASE("The last block is addressable, one past it is out of range") {
  auto h = MakeHost();
  uint64_t last = h->capacity_blocks() - 1;
  auto data = Pattern(4096, 2);
  CHECK(h->Write(1, last, data).ok());
  CHECK(h->Write(1, last + 1, data) == Status::LbaOutOfRange());
  std::vector<uint8_t> two(8192);
  CHECK(h->Read(1, last, two) == Status::LbaOutOfRange());
  CHECK(h->WriteZeroes(1, last, 2) == Status::LbaOutOfRange());
  // An SLBA that would wrap 64 bits.
  CHECK(h->Read(1, ~0ull, data) == Status::LbaOutOfRange());
}

TEST_CASE("Transfers longer than MDTS are Invalid Field") {
  auto h = MakeHost({{"mdts", "2"}});  // 16 KiB
  std::vector<uint8_t> ok(16384), big(20480);
  CHECK(h->Write(1, 0, ok).ok());
  CHECK(h->Write(1, 0, big) == Status::InvalidField());
  CHECK(h->Read(1, 0, big) == Status::InvalidField());
  // Write Zeroes moves no data: MDTS does not apply.
  CHECK(h->WriteZeroes(1, 0, 64).ok());
}

TEST_CASE("Commands to an inactive namespace are Invalid Namespace") {
  auto h = MakeHost();
  std::vector<uint8_t> buf(4096);
  CHECK(h->Read(1, 0, buf, {}, 2) == Status::InvalidNamespaceOrFormat());
  CHECK(h->Write(1, 0, buf, {}, 0) == Status::InvalidNamespaceOrFormat());
  CHECK(h->WriteZeroes(1, 0, 1, 0xFFFFFFFF) ==
        Status::InvalidNamespaceOrFormat());
  CHECK(h->Flush(1, 5) == Status::InvalidNamespaceOrFormat());
  CHECK(h->Flush(1, 0xFFFFFFFF).ok());  // broadcast flush is allowed
  CHECK(h->Flush(1).ok());
}

TEST_CASE("Write Zeroes and Deallocate make blocks read as zeroes") {
  auto h = MakeHost();
  auto data = Pattern(16 * 4096, 9);
  REQUIRE(h->Write(1, 0, data).ok());
  REQUIRE(h->WriteZeroes(1, 2, 3).ok());
  nvme::DsmRange ranges[2] = {{0, 2, 8}, {0, 1, 14}};
  REQUIRE(h->Deallocate(1, ranges).ok());
  std::vector<uint8_t> back(data.size());
  REQUIRE(h->Read(1, 0, back).ok());
  for (uint64_t b = 0; b < 16; b++) {
    bool zeroed = (b >= 2 && b < 5) || b == 8 || b == 9 || b == 14;
    auto first = back.begin() + b * 4096;
    bool is_zero = std::all_of(first, first + 4096, [](uint8_t x) { return !x; });
    bool intact = std::equal(first, first + 4096, data.begin() + b * 4096);
    INFO("block " << b);
    CHECK((zeroed ? is_zero : intact));
  }
}

TEST_CASE("Dataset Management validates every range before deallocating") {
  auto h = MakeHost();
  auto data = Pattern(4096, 4);
  REQUIRE(h->Write(1, 0, data).ok());
  nvme::DsmRange ranges[2] = {{0, 1, 0}, {0, 1, h->capacity_blocks()}};
  CHECK(h->Deallocate(1, ranges) == Status::LbaOutOfRange());
  std::vector<uint8_t> back(4096);
  REQUIRE(h->Read(1, 0, back).ok());
  CHECK(back == data);  // the valid first range was not applied
  // Without the AD bit DSM is only a hint.
  nvme::Sqe s = IoSqe(SALIX_IO_DATASET_MANAGEMENT, 0, 1);
  s.cdw10 = 0;
  s.cdw11 = 0x3;  // IDR | IDW
  std::vector<uint8_t> range(16);
  CHECK(StatusOf(h->ExecuteWithData(1, s, range)).ok());
}

TEST_CASE("Compare succeeds on equal data and fails with 0x285 otherwise") {
  auto h = MakeHost();
  auto data = Pattern(3 * 4096, 5);
  REQUIRE(h->Write(1, 50, data).ok());
  CHECK(h->Compare(1, 50, data).ok());
  auto other = data;
  other[2 * 4096 + 17] ^= 1;
  CHECK(h->Compare(1, 50, other) == Status::CompareFailure());
  CHECK(h->Compare(1, 50, other).value() == 0x285);
}

TEST_CASE("Every I/O opcode outside the opcode table is Invalid Opcode") {
  auto h = MakeHost();
  for (unsigned op = 0; op < 256; op++) {
    if (IoOpcodeSupported(static_cast<uint8_t>(op))) continue;
    INFO("opcode " << op);
    nvme::Sqe s{};
    s.opcode = static_cast<uint8_t>(op);
    s.nsid = 1;
    CHECK(StatusOf(h->Execute(1, s)) == Status::InvalidOpcode());
  }
}

TEST_CASE("Fused operations and a reserved PSDT are Invalid Field") {
  auto h = MakeHost();
  auto buf = h->AllocBuffer(4096);
  for (uint8_t flags : {uint8_t{1}, uint8_t{2}, uint8_t{3u << 6}}) {
    nvme::Sqe s = IoSqe(SALIX_IO_READ, 0, 1);
    buf->ApplyTo(&s);
    s.flags = flags;
    INFO("flags " << int(flags));
    CHECK(StatusOf(h->Execute(1, s)) == Status::InvalidField());
  }
}

TEST_CASE("Commands complete with the right SQ head, SQ id and CID") {
  auto h = MakeHost();
  std::vector<nvme::Cqe> got;
  std::vector<uint16_t> cids;
  for (int i = 0; i < 5; i++) {
    auto cid = h->Submit(1, IoSqe(SALIX_IO_FLUSH, 0, 1),
                         [&](const nvme::Cqe& c) { got.push_back(c); });
    REQUIRE(cid);
    cids.push_back(*cid);
  }
  h->Poll();
  REQUIRE(got.size() == 5);
  for (int i = 0; i < 5; i++) {
    CHECK(got[i].sqid == 1);
    CHECK(got[i].cid == cids[i]);
  }
  CHECK(got.back().sqhd == 5);
  CHECK(h->irq_count(1) >= 1);  // CQ 1 uses vector 1
}

}  // namespace salix::test

// Backing memory: RAM and sparse files, discard semantics, durability.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/backing_memory.h"
#include "test_util.h"

namespace salix::test {
namespace {

constexpr uint64_t kPage = BackingMemory::kPageBytes;

std::string TempPath() {
  char path[] = "/tmp/salix-bm-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  unlink(path);
  return path;
}

}  // namespace

TEST_CASE("A huge RAM namespace costs nothing until written") {
  auto m = BackingMemory::CreateRam(1ull << 40);  // 1 TiB of address space
  REQUIRE(m.ok());
  BackingMemory& mem = *m.value();
  CHECK_FALSE(mem.persistent());
  mem.data()[(1ull << 40) - 1] = 7;
  CHECK(mem.data()[0] == 0);
  CHECK(mem.data()[(1ull << 40) - 1] == 7);
}

TEST_CASE("Discard makes a range read as zero, including ragged edges") {
  auto m = BackingMemory::CreateRam(64 << 10);
  REQUIRE(m.ok());
  BackingMemory& mem = *m.value();
  std::memset(mem.data(), 0xAA, mem.size());
  mem.Discard(100, 3 * 4096 + 50);
  for (uint64_t i = 0; i < mem.size(); i++) {
    bool inside = i >= 100 && i < 100 + 3 * 4096 + 50;
    if ((mem.data()[i] == 0) != inside) FAIL("byte " << i);
  }
}

TEST_CASE("PagesWithData: RAM pages never written or given back report no data; "
          "a file's pages always may hold data") {
  auto m = BackingMemory::CreateRam(4 << 20);
  REQUIRE(m.ok());
  BackingMemory& mem = *m.value();
  std::vector<uint8_t> pages;
  mem.PagesWithData(0, mem.size(), &pages);
  REQUIRE(pages.size() == mem.size() / kPage);
  CHECK(std::count(pages.begin(), pages.end(), 1) == 0);

  mem.data()[5 * kPage + 17] = 1;   // page 5
  (void)*(volatile uint8_t*)(mem.data() + 9 * kPage);  // page 9: read only
  mem.PagesWithData(3 * kPage + 100, 4 * kPage, &pages);  // pages 3..7
  REQUIRE(pages.size() == 5);
  CHECK(pages == std::vector<uint8_t>{0, 0, 1, 0, 0});
  mem.PagesWithData(9 * kPage, 1, &pages);
  // The zero page is mapped now: "may hold data" (it is then looked at).
  CHECK(pages == std::vector<uint8_t>{1});

  // Given back (a discard of >= kMinReleaseBytes): no data again.
  mem.Discard(0, 2 << 20);
  mem.PagesWithData(5 * kPage, kPage, &pages);
  CHECK(pages == std::vector<uint8_t>{0});

  std::string path = TempPath();
  auto f = BackingMemory::OpenFile(path, 1 << 20);
  REQUIRE(f.ok());
  f.value()->PagesWithData(0, 1 << 20, &pages);
  CHECK(std::count(pages.begin(), pages.end(), 1) == 256);
  unlink(path.c_str());
}

TEST_CASE("Populate makes every page resident, keeps data, and Discard then "
          "zeroes without giving back") {
  auto m = BackingMemory::CreateRam(4 << 20);
  REQUIRE(m.ok());
  BackingMemory& mem = *m.value();
  auto resident = [&] {
    std::vector<uint8_t> pages;
    mem.PagesWithData(0, mem.size(), &pages);
    return std::count(pages.begin(), pages.end(), 1);
  };
  REQUIRE(mem.Populate().empty());
  CHECK(resident() == 1024);  // all 4 MiB
  std::memset(mem.data(), 0x5A, mem.size());
  mem.Discard(0, 2 << 20);  // >= kMinReleaseBytes: would be given back
  CHECK(resident() == 1024);
  for (uint64_t i = 0; i < mem.size(); i += 511) {
    if (mem.data()[i] != (i < (2u << 20) ? 0 : 0x5A)) FAIL("byte " << i);
  }

  // A file keeps what it held.
  std::string path = TempPath();
  {
    auto f = BackingMemory::OpenFile(path, 1 << 20);
    REQUIRE(f.ok());
    std::memcpy(f.value()->data() + 3 * kPage, "salix", 5);
    REQUIRE(f.value()->SyncAll());
  }
  auto f = BackingMemory::OpenFile(path, 1 << 20);
  REQUIRE(f.ok());
  REQUIRE(f.value()->Populate().empty());
  CHECK(std::memcmp(f.value()->data() + 3 * kPage, "salix", 5) == 0);
  unlink(path.c_str());
}

TEST_CASE("A backing file is created sparse and keeps data across opens") {
  std::string path = TempPath();
  {
    auto m = BackingMemory::OpenFile(path, 8 << 20);
    REQUIRE(m.ok());
    CHECK(m.value()->persistent());
    std::memcpy(m.value()->data() + 4096, "salix", 5);
    CHECK(m.value()->SyncAll());
  }
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK(st.st_size == 8 << 20);
  CHECK(st.st_blocks * 512 < (8 << 20));  // sparse
  {
    auto m = BackingMemory::OpenFile(path, 8 << 20);
    REQUIRE(m.ok());
    CHECK(std::memcmp(m.value()->data() + 4096, "salix", 5) == 0);
    m.value()->Discard(0, 8 << 20);
    CHECK(m.value()->data()[4096] == 0);
  }
  unlink(path.c_str());
}

}  // namespace salix::test

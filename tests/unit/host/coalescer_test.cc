// Coalescer (host-driver/src/array/coalescer.h): the Write Tagged commands
// it builds from staged chunk writes, checked byte for byte.
#include <catch2/catch.hpp>

#include <salix/array_commands.h>
#include <salix/opcodes.h>

#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "array/coalescer.h"

namespace salix::host::array {
namespace {

constexpr uint32_t kLba = 512, kUnit = 8, kChunk = kLba * kUnit;

DeviceCommand ChunkWrite(uint64_t chunk, uint8_t* data, uint32_t tag) {
  DeviceCommand c;
  c.opcode = SALIX_IO_WRITE;
  const uint64_t lba = chunk * kUnit;
  c.cdw10 = static_cast<uint32_t>(lba);
  c.cdw11 = static_cast<uint32_t>(lba >> 32);
  c.cdw12 = kUnit - 1;
  c.cdw2 = tag;
  c.cdw3 = ~tag;
  c.data = data;
  c.data_len = kChunk;
  return c;
}

struct Sent {
  DeviceCommand cmd;
  std::vector<uint8_t> bytes;  // what the command carried, copied at issue
};

// Flushes the stage: the commands it sends, completed.
std::vector<Sent> FlushAll(Coalescer& co, Coalescer::BatchPool& pool) {
  std::vector<Sent> sent;
  std::vector<IoDone> dones;
  co.Flush(pool, [&](const DeviceCommand& cmd, IoDone&& done) {
    const auto* p = static_cast<const uint8_t*>(cmd.data);
    sent.push_back({cmd, std::vector<uint8_t>(p, p + cmd.data_len)});
    dones.push_back(std::move(done));
  });
  for (IoDone& d : dones) d(DeviceCompletion{});
  return sent;
}

// Stages chunks [first, first + n) and flushes: one merged command.
Sent StageAndFlush(Coalescer& co, Coalescer::BatchPool& pool, uint64_t first, unsigned n,
                   std::vector<std::vector<uint8_t>>& data, int* completed) {
  for (unsigned i = 0; i < n; i++) {
    data.emplace_back(kChunk, static_cast<uint8_t>(0xA0 + i));
    DeviceCommand c = ChunkWrite(first + i, data.back().data(), 100 + i);
    REQUIRE(co.Accepts(c));
    co.Add(c, IoDone([completed](const DeviceCompletion&) { ++*completed; }));
  }
  std::vector<Sent> sent = FlushAll(co, pool);
  REQUIRE(sent.size() == 1);
  return sent[0];
}

// A merged command of chunks i = 0..n-1 with tags 100 + i: its list, the
// list's zero padding, the chunks' data.
void CheckMerged(const Sent& s, unsigned n, const std::vector<uint8_t>* data) {
  REQUIRE(s.bytes.size() == SALIX_TAG_LIST_ALIGN + n * kChunk);
  for (unsigned t = 0; t < n; t++) {
    salix_host_tag tag;
    std::memcpy(&tag, s.bytes.data() + t * sizeof(tag), sizeof(tag));
    CHECK(tag.dw[0] == 100 + t);
    CHECK(tag.dw[1] == ~(100u + t));
  }
  size_t nonzero = 0;
  for (size_t b = n * sizeof(salix_host_tag); b < SALIX_TAG_LIST_ALIGN; b++) {
    nonzero += s.bytes[b] != 0;
  }
  CHECK(nonzero == 0);
  for (unsigned i = 0; i < n; i++) {
    CHECK(std::memcmp(s.bytes.data() + SALIX_TAG_LIST_ALIGN + i * kChunk, data[i].data(),
                      kChunk) == 0);
  }
}

}  // namespace

TEST_CASE("Coalescer: a merged Write Tagged carries the tags, zero padding and the data; "
          "a smaller list in a reused buffer is padded with zeros again",
          "[array][coalescer]") {
  Coalescer co;
  co.Configure(kUnit, kLba, 64 * kChunk, /*gather=*/false);
  Coalescer::BatchPool pool;
  std::vector<std::vector<uint8_t>> data;
  data.reserve(64);
  int completed = 0;

  // A long list first, then a short one in the same pooled buffer: the
  // bytes of the long list's tags past the short list's end must be zero.
  for (unsigned n : {12u, 3u, 7u, 2u}) {
    CAPTURE(n);
    data.clear();
    const int before = completed;
    Sent s = StageAndFlush(co, pool, 40, n, data, &completed);
    CHECK(completed - before == static_cast<int>(n));
    CHECK(s.cmd.opcode == SALIX_IO_WRITE_TAGGED);
    CHECK(s.cmd.cdw10 == 40 * kUnit);
    CHECK(s.cmd.cdw12 == n * kUnit - 1);
    CHECK(s.cmd.cdw13 == kUnit - 1);
    CheckMerged(s, n, data.data());
  }
  CHECK(pool.in_use() == 0);
  CHECK(co.merged_commands() == 4);
  CHECK(co.merged_writes() == 12 + 3 + 7 + 2);
}

TEST_CASE("Coalescer: writes that are not neighbours go as one scattered Write Tagged "
          "where the member takes it, else one command per run",
          "[array][coalescer]") {
  // Chunks 7, 3, 4 and 20 staged (not in order): 3-4 are neighbours, 7 and
  // 20 are not.
  const std::vector<uint64_t> chunks = {7, 3, 4, 20};
  for (bool scatter : {true, false}) {
    CAPTURE(scatter);
    Coalescer co;
    co.Configure(kUnit, kLba, 64 * kChunk, /*gather=*/false, scatter);
    Coalescer::BatchPool pool;
    std::vector<std::vector<uint8_t>> data;
    data.reserve(chunks.size());
    int completed = 0;
    for (size_t i = 0; i < chunks.size(); i++) {
      data.emplace_back(kChunk, static_cast<uint8_t>(0x30 + i));
      DeviceCommand c = ChunkWrite(chunks[i], data.back().data(), 200 + static_cast<uint32_t>(i));
      REQUIRE(co.Accepts(c));
      co.Add(c, IoDone([&completed](const DeviceCompletion&) { ++completed; }));
    }
    const std::vector<Sent> sent = FlushAll(co, pool);
    CHECK(completed == 4);
    CHECK(pool.in_use() == 0);
    if (!scatter) {
      // 3-4 merged, 7 and 20 alone, in LBA order.
      REQUIRE(sent.size() == 3);
      CHECK(sent[0].cmd.opcode == SALIX_IO_WRITE_TAGGED);
      CHECK(sent[0].cmd.cdw10 == 3 * kUnit);
      CHECK((sent[0].cmd.cdw13 & SALIX_WRITE_TAGGED_SCATTER) == 0);
      CHECK(sent[1].cmd.opcode == SALIX_IO_WRITE);
      CHECK(sent[1].cmd.cdw10 == 7 * kUnit);
      CHECK(sent[2].cmd.cdw10 == 20 * kUnit);
      continue;
    }
    REQUIRE(sent.size() == 1);
    const Sent& s = sent[0];
    CHECK(s.cmd.opcode == SALIX_IO_WRITE_TAGGED);
    CHECK(s.cmd.cdw10 == 3 * kUnit);
    CHECK(s.cmd.cdw12 == 4 * kUnit - 1);
    CHECK(s.cmd.cdw13 == ((kUnit - 1) | SALIX_WRITE_TAGGED_SCATTER));
    REQUIRE(s.bytes.size() == SALIX_TAG_LIST_ALIGN + 4 * kChunk);
    // In LBA order: chunks 3, 4, 7, 20 (staged as the 2nd, 3rd, 1st, 4th).
    const uint64_t order[] = {3, 4, 7, 20};
    const size_t staged[] = {1, 2, 0, 3};
    for (unsigned t = 0; t < 4; t++) {
      CAPTURE(t);
      salix_host_tag tag;
      std::memcpy(&tag, s.bytes.data() + t * sizeof(tag), sizeof(tag));
      CHECK(tag.dw[0] == 200 + staged[t]);
      uint64_t lba;
      std::memcpy(&lba, s.bytes.data() + 4 * sizeof(tag) + t * sizeof(lba), sizeof(lba));
      CHECK(lba == order[t] * kUnit);
      CHECK(std::memcmp(s.bytes.data() + SALIX_TAG_LIST_ALIGN + t * kChunk,
                        data[staged[t]].data(), kChunk) == 0);
    }
    size_t nonzero = 0;
    for (size_t b = 4 * (sizeof(salix_host_tag) + 8); b < SALIX_TAG_LIST_ALIGN; b++) {
      nonzero += s.bytes[b] != 0;
    }
    CHECK(nonzero == 0);
  }
}

TEST_CASE("Coalescer: merged commands are built in a staging slot when one is free and "
          "they fit, else in heap memory, byte for byte either way",
          "[array][coalescer]") {
  constexpr size_t kSlot = 64 * 1024;  // a list and 15 chunks
  StagingArena arena(1, kSlot);
  REQUIRE(arena.bytes() == kSlot);
  Coalescer co;
  co.Configure(kUnit, kLba, 64 * kChunk, /*gather=*/false, /*scatter=*/false, &arena);
  Coalescer::BatchPool pool;
  auto in_arena = [&](const DeviceCommand& c) {
    auto* p = static_cast<const uint8_t*>(c.data);
    return p >= arena.base() && p + c.data_len <= arena.base() + arena.bytes();
  };
  std::vector<std::vector<uint8_t>> data;
  data.reserve(64);
  int completed = 0;

  // One batch, reused: 12 chunks fit the slot, 20 do not, then small lists
  // back in the slot (after the heap command, its padding is zeroed anew).
  for (unsigned n : {12u, 20u, 3u, 15u, 2u}) {
    CAPTURE(n);
    data.clear();
    Sent s = StageAndFlush(co, pool, 40, n, data, &completed);
    CHECK(in_arena(s.cmd) == (n <= 15));
    CheckMerged(s, n, data.data());
  }
  CHECK(arena.taken() == 1);

  // Two merged commands in flight at once: the second batch finds no slot
  // left and builds in the heap.
  data.clear();
  for (unsigned i = 0; i < 4; i++) {
    data.emplace_back(kChunk, static_cast<uint8_t>(0xA0 + i));
    // Chunks 10, 11 and 20, 21: two runs of neighbours.
    const uint64_t chunk = (i < 2 ? 10 : 18) + i;
    co.Add(ChunkWrite(chunk, data.back().data(), 100 + i % 2), IoDone([&completed](
                                                                  const DeviceCompletion&) {
             ++completed;
           }));
  }
  std::vector<Sent> sent = FlushAll(co, pool);
  REQUIRE(sent.size() == 2);
  CHECK(in_arena(sent[0].cmd) != in_arena(sent[1].cmd));
  CheckMerged(sent[0], 2, &data[0]);
  CheckMerged(sent[1], 2, &data[2]);
  CHECK(pool.in_use() == 0);
  CHECK(completed == 12 + 20 + 3 + 15 + 2 + 4);

  // A member whose transfer limit is below a slot never uses one.
  StagingArena small(4, kSlot);
  Coalescer narrow;
  narrow.Configure(kUnit, kLba, 8 * kChunk, /*gather=*/false, /*scatter=*/false, &small);
  data.clear();
  Sent s = StageAndFlush(narrow, pool, 40, 3, data, &completed);
  CheckMerged(s, 3, data.data());
  CHECK(small.taken() == 0);
}

TEST_CASE("Coalescer: Overlaps finds exactly the commands that share an LBA with a "
          "staged write, whatever their size or alignment",
          "[coalescer]") {
  // Overlaps first checks a 64-bit filter of the staged LBAs, then scans:
  // checked against a plain interval test over stages of random writes
  // (one chunk to runs of 80 chunks, past the filter's 64 buckets) and
  // random queries (any LBA, any length), including LBAs 64 buckets apart.
  std::mt19937_64 rng(7);
  std::vector<uint8_t> data(80 * kChunk, 0x11);
  Coalescer::BatchPool pool;
  int hits = 0, misses = 0;
  for (int round = 0; round < 200; round++) {
    Coalescer co;
    co.Configure(kUnit, kLba, 1024 * kChunk, /*gather=*/false);
    std::vector<std::pair<uint64_t, uint64_t>> staged;  // [lba, end)
    const int entries = 1 + static_cast<int>(rng() % 16);
    for (int e = 0; e < entries; e++) {
      const uint64_t chunk = rng() % 4096;
      const uint32_t units = rng() % 8 == 0 ? 1 + static_cast<uint32_t>(rng() % 80) : 1;
      DeviceCommand c = ChunkWrite(chunk, data.data(), 1);
      c.cdw12 = units * kUnit - 1;
      c.data_len = units * kChunk;
      const uint64_t lba = chunk * kUnit;
      bool clash = false;
      for (auto [b, end] : staged) clash |= lba < end && b < lba + units * kUnit;
      if (clash) continue;  // Add requires no overlap
      REQUIRE(co.Accepts(c));
      REQUIRE_FALSE(co.Overlaps(c));
      co.Add(c, IoDone([](const DeviceCompletion&) {}));
      staged.emplace_back(lba, lba + units * kUnit);
    }
    for (int q = 0; q < 200; q++) {
      DeviceCommand c;
      c.opcode = SALIX_IO_WRITE;
      // Near a staged write (and 64 buckets = 512 LBAs on from one) or anywhere.
      uint64_t lba = rng() % (4096 * kUnit + 1024);
      if (q % 2 == 0) {
        const auto& near = staged[rng() % staged.size()];
        lba = near.first + (q % 4 == 0 ? 64 * kUnit : 0) + rng() % 16 - rng() % 16;
        if (lba > (1ull << 40)) lba = 0;  // wrapped below zero
      }
      const uint32_t blocks = 1 + static_cast<uint32_t>(rng() % (q % 3 == 0 ? 700 : 12));
      c.cdw10 = static_cast<uint32_t>(lba);
      c.cdw11 = static_cast<uint32_t>(lba >> 32);
      c.cdw12 = blocks - 1;
      bool want = false;
      for (auto [b, end] : staged) want |= lba < end && b < lba + blocks;
      REQUIRE(co.Overlaps(c) == want);
      (want ? hits : misses)++;
    }
    FlushAll(co, pool);
    DeviceCommand again = ChunkWrite(staged[0].first / kUnit, data.data(), 1);
    CHECK_FALSE(co.Overlaps(again));  // an empty stage overlaps nothing
  }
  // Both answers were exercised, many times.
  CHECK(hits > 1000);
  CHECK(misses > 1000);
}

}  // namespace salix::host::array

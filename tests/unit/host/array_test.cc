// array_test.cc - the array engine over embedded Salix devices: two-phase
// writes with in-device parity, degraded reads, crash recovery of the map,
// RAID-6, rebuild, array GC, host-parity mode, and bad input.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "array/layout.h"
#include "array_fixture.h"

namespace salix::host::test {
namespace {

ArrayOptions Opts(unsigned k, unsigned m, ParityMode mode = ParityMode::kDevice) {
  ArrayOptions o;
  o.name = "t0";
  o.data_members = k;
  o.parity_members = m;
  o.parity = mode;
  return o;
}

void CheckClean(const Oracle& o, uint64_t seed) {
  INFO("seed " << seed << " (rerun with SALIX_SEED=" << seed << ")");
  if (!o.failures().empty()) {
    std::string all;
    for (size_t i = 0; i < std::min<size_t>(10, o.failures().size()); i++) {
      all += o.failures()[i] + "\n";
    }
    FAIL(o.failures().size() << " failures, first: \n" << all);
  }
}

// Every member and the engine crash with requests in flight; the array is
// opened again from the members alone and must hold every acknowledged write.
void CrashAndReopen(std::vector<std::unique_ptr<KillableDevice>>& m, Oracle& o,
                    std::unique_ptr<Array>& a, uint64_t seed) {
  for (auto& d : m) d->Crash();
  o.Crash();
  a.reset();
  auto b = OpenArray(Ptrs(m));
  INFO((b.ok() ? std::string() : b.error().message));
  REQUIRE(b.ok());
  a = std::move(b.value());
  o.set_array(a.get());
  o.VerifyAll(/*crashed=*/true);
  CheckClean(o, seed);
}

std::unique_ptr<Array> Create(std::vector<std::unique_ptr<KillableDevice>>& m,
                              const ArrayOptions& o,
                              std::vector<Device*> spares = {}) {
  auto a = CreateArray(Ptrs(m), o, spares);
  INFO((a.ok() ? std::string() : a.error().message));
  REQUIRE(a.ok());
  return std::move(a.value());
}

// Rewrites both superblock copies of a member (chunks 0 and 1) through
// edit, as a foreign tool or corruption would.
void EditSuperblocks(Device& dev, const std::function<void(std::vector<uint8_t>&)>& edit) {
  for (unsigned copy = 0; copy < 2; copy++) {
    std::vector<uint8_t> buf(4096);
    DeviceCommand rd;
    rd.opcode = SALIX_IO_READ;
    rd.cdw10 = copy;
    rd.data = buf.data();
    rd.data_len = 4096;
    REQUIRE(dev.Execute(rd).ok());
    edit(buf);
    DeviceCommand wr = rd;
    wr.opcode = SALIX_IO_WRITE;
    REQUIRE(dev.Execute(wr).ok());
  }
}

}  // namespace

TEST_CASE("A new array reads zeroes and returns what was written") {
  auto m = MakeMembers(5);
  REQUIRE(m.size() == 5);
  auto a = Create(m, Opts(4, 1));
  REQUIRE(a->block_bytes() == 4096);
  REQUIRE(a->capacity_bytes() > 8u << 20);
  uint64_t seed = ArraySeed();
  Oracle o(a.get(), seed);
  o.VerifyAll();
  o.Run(3000, 32);
  o.VerifyAll();
  CheckClean(o, seed);
  ArrayStatus st = a->Status();
  CHECK(st.conversions > 0);  // stripes were converted in the devices
  CHECK_FALSE(st.degraded);
}

TEST_CASE("Converted stripes reconstruct any one lost member from in-device parity") {
  uint64_t seed = ArraySeed();
  for (unsigned victim = 0; victim < 5; victim++) {
    auto m = MakeMembers(5);
    auto a = Create(m, Opts(4, 1));
    Oracle o(a.get(), seed + victim);
    // Whole stripes, so they convert and their backups are freed.
    for (uint64_t b = 0; b < 256; b++) o.Write(b);
    o.Drain();
    REQUIRE(a->Sync().ok());
    REQUIRE(a->Status().conversions >= 1);
    a.reset();
    // Open without the victim: what it held is rebuilt from P and the
    // surviving data, which only works if the devices computed P right.
    std::vector<Device*> devs = Ptrs(m);
    devs[victim] = nullptr;
    auto b = OpenArray(devs);
    INFO((b.ok() ? std::string() : b.error().message));
    REQUIRE(b.ok());
    CHECK(b.value()->Status().degraded);
    o.set_array(b.value().get());
    o.VerifyAll();
    CheckClean(o, seed + victim);
    CHECK(b.value()->Status().degraded_reads > 0);
  }
}

TEST_CASE("RAID-5 keeps serving every acknowledged write when a member dies mid-run") {
  uint64_t seed = ArraySeed();
  std::mt19937_64 rng(seed);
  auto m = MakeMembers(5);
  auto a = Create(m, Opts(4, 1));
  Oracle o(a.get(), seed);
  unsigned victim = rng() % 5;
  unsigned when = 500 + rng() % 2000;
  o.Run(4000, 32, 0, [&](unsigned op) {
    if (op == when) m[victim]->Kill();
  });
  o.VerifyAll();
  CheckClean(o, seed);
  ArrayStatus st = a->Status();
  CHECK(st.degraded);
  CHECK(st.members[victim].state == MemberStatus::State::kFailed);
}

TEST_CASE("RAID-6 survives two failed members") {
  uint64_t seed = ArraySeed();
  std::mt19937_64 rng(seed);
  auto m = MakeMembers(6);
  auto a = Create(m, Opts(4, 2));
  Oracle o(a.get(), seed);
  unsigned v1 = rng() % 6, v2 = (v1 + 1 + rng() % 5) % 6;
  unsigned t1 = 300 + rng() % 1000, t2 = t1 + 200 + rng() % 1000;
  o.Run(4000, 32, 0, [&](unsigned op) {
    if (op == t1) m[v1]->Kill();
    if (op == t2) m[v2]->Kill();
  });
  o.VerifyAll();
  CheckClean(o, seed);
  CHECK(a->Status().degraded);
}

TEST_CASE("The map is rebuilt after the engine crashes at a random point") {
  uint64_t seed = ArraySeed();
  std::mt19937_64 rng(seed);
  unsigned k = 4, mm = GENERATE(1u, 2u);
  auto m = MakeMembers(k + mm);
  auto a = Create(m, Opts(k, mm));
  Oracle o(a.get(), seed);
  for (int round = 0; round < 3; round++) {
    unsigned stop = 200 + rng() % 1500;
    o.Run(stop, 32, 0, {}, /*drain=*/false);
    CrashAndReopen(m, o, a, seed);  // requests still in flight
  }
}

TEST_CASE("A crash after a member died recovers the map from the stripe table") {
  uint64_t seed = ArraySeed();
  std::mt19937_64 rng(seed);
  auto m = MakeMembers(5);
  auto a = Create(m, Opts(4, 1));
  Oracle o(a.get(), seed);
  unsigned victim = rng() % 5;
  o.Run(2400, 32, 0, [&](unsigned op) {
    if (op == 1200) m[victim]->Kill();
  }, /*drain=*/false);
  // The dead member is given too: it answers every command with an error
  // and must count as missing.
  CrashAndReopen(m, o, a, seed);
}

TEST_CASE("Rebuild onto a spare restores full redundancy") {
  // Both parity modes: in host mode foreground writes change stripes the
  // rebuild has already written to the spare, which must follow them.
  const ParityMode mode = GENERATE(ParityMode::kDevice, ParityMode::kHost);
  INFO("host parity: " << (mode == ParityMode::kHost));
  uint64_t seed = ArraySeed();
  std::mt19937_64 rng(seed);
  auto m = MakeMembers(6);  // 5 members + a spare
  std::vector<std::unique_ptr<KillableDevice>> members;
  for (int i = 0; i < 5; i++) members.push_back(std::move(m[i]));
  auto spare = std::move(m[5]);
  auto a = Create(members, Opts(4, 1, mode));
  Oracle o(a.get(), seed);
  unsigned victim = rng() % 5;
  o.Run(2000, 32, 0, [&](unsigned op) {
    if (op == 800) members[victim]->Kill();
  });
  uint64_t last = 0, total = 0;
  REQUIRE(a->StartRebuild(spare.get(), [&](uint64_t d, uint64_t t) {
              last = d;
              total = t;
            }).ok());
  // Foreground I/O while the rebuild runs.
  o.Run(1500, 16);
  while (a->Status().degraded) a->Poll(0);
  CHECK(last > 0);
  CHECK(total > 0);
  CHECK(last == total);  // progress reaches 100%, free stripes included
  o.VerifyAll();
  CheckClean(o, seed);
  // The spare now carries the lost member's chunks: another member may die.
  unsigned second = (victim + 1) % 5;
  members[second]->Kill();
  o.VerifyAll();
  CheckClean(o, seed);
  // And the superblocks name the spare: reopen without the dead ones.
  REQUIRE(a->Sync().ok());
  a.reset();
  std::vector<Device*> devs;
  for (unsigned i = 0; i < 5; i++) {
    devs.push_back(i == victim || i == second ? nullptr : members[i].get());
  }
  devs.push_back(spare.get());
  auto b = OpenArray(devs);
  INFO((b.ok() ? std::string() : b.error().message));
  REQUIRE(b.ok());
  o.set_array(b.value().get());
  o.VerifyAll();
  CheckClean(o, seed);
}

TEST_CASE("Array GC reclaims stripes when the volume is overwritten many times") {
  // Slow reads on one member stretch GC's relocation reads, so user writes
  // of a chunk being relocated land in between (the relocation must never
  // win over them: it is the older version).
  uint64_t seed = ArraySeed();
  const unsigned read_delay = GENERATE(0u, 3u);
  auto m = MakeMembers(5, "8M");
  m[1]->SetReadDelay(read_delay);
  auto a = Create(m, Opts(4, 1));
  Oracle o(a.get(), seed);
  o.Run(static_cast<unsigned>(o.blocks() * 4), 32);
  o.VerifyAll();
  CheckClean(o, seed);
  ArrayStatus st = a->Status();
  CHECK(st.gc_stripes > 0);
  // Then crashes in the middle of GC, requests in flight: relocations keep
  // old sequence numbers, also in stripes reused since their table record
  // (recovery must still find them).
  for (int round = 0; round < 3; round++) {
    o.Run(static_cast<unsigned>(o.blocks() / 2), 32, 0, {}, /*drain=*/false);
    CrashAndReopen(m, o, a, seed);
  }
}

TEST_CASE("Host-parity mode (read-modify-write) matches the oracle and survives a failure") {
  uint64_t seed = ArraySeed();
  unsigned mm = GENERATE(1u, 2u);
  auto m = MakeMembers(4 + mm);
  auto a = Create(m, Opts(4, mm, ParityMode::kHost));
  Oracle o(a.get(), seed);
  o.Run(3000, 32, 0, [&](unsigned op) {
    if (op == 1500) m[1]->Kill();
  });
  o.VerifyAll();
  CheckClean(o, seed);
}

TEST_CASE("Host-parity degraded reads never see a half-done read-modify-write") {
  // Two stripes, many requests in flight: a read reconstructing a chunk of
  // the dead member races writes to the other chunks of its stripe, and
  // member 0's reads are overtaken by later writes.
  uint64_t seed = ArraySeed();
  auto m = MakeMembers(5);
  auto a = Create(m, Opts(4, 1, ParityMode::kHost));
  Oracle o(a.get(), seed);
  o.Run(200, 32, 8);
  m[2]->Kill();
  m[0]->SetReadDelay(3);
  o.Run(4000, 32, 8);
  o.VerifyAll();
  CheckClean(o, seed);
}

TEST_CASE("Writes spanning many chunks go out as few commands, merged or as band runs") {
  // 64 chunks in one request against 64 one-chunk requests, on fresh
  // arrays. With parity rotation 1 (no band runs) the long write fills 16
  // stripes, each stripe's 4 backups in one command per parity member; with
  // write coalescing on, the chunk writes that wait for a busy member also
  // go out merged (coalescer.h), as a gather list or copied into one buffer
  // (what the members say they prefer). With rotation 16 the long write is
  // one band run (layout.h): one command per member, nothing to merge; so
  // are four 16-chunk requests submitted together (gathered at Poll), with
  // a data member's piece being one request's buffer and the backups one
  // command per request.
  unsigned mm = GENERATE(1u, 2u);
  bool gather = GENERATE(true, false);
  auto commands = [](Array* a) {
    uint64_t n = 0;
    for (const auto& ms : a->Status().members) n += ms.commands;
    return n;
  };
  std::vector<uint8_t> buf(64 * 4096);
  for (size_t b = 0; b < buf.size(); b++) buf[b] = static_cast<uint8_t>(b * 7 + b / 4096);
  auto fn = [](void* p, int r) { *static_cast<int*>(p) = r; };
  // Device commands of the 64 chunks written as 'requests' requests, all
  // submitted before the first Poll; *runs: the band runs.
  auto run = [&](bool coalesce, unsigned requests, uint32_t rotation, uint64_t* merged,
                 uint64_t* runs = nullptr) {
    auto m = MakeMembers(4 + mm);
    for (auto& d : m) d->SetCheapSegments(gather);
    ArrayOptions opts = Opts(4, mm);
    opts.parity_rotation = rotation;
    auto a = Create(m, opts);
    a->SetWriteCoalescing(coalesce);
    uint64_t before = commands(a.get());
    std::vector<int> res(requests, 1);
    const uint32_t len = 64 / requests * 4096;
    for (unsigned q = 0; q < requests; q++) {
      REQUIRE(a->SubmitWrite(uint64_t{q} * len, len, buf.data() + q * len, fn, &res[q]));
    }
    while (a->in_flight() > 0) a->Poll(0);
    for (int r : res) REQUIRE(r == 0);
    const uint64_t n = commands(a.get()) - before;
    *merged = a->Status().coalesced_writes;
    if (runs != nullptr) *runs = a->Status().band_runs;
    // And it reads back (from the data chunks, then after a crash and
    // recovery from their tags: merged writes tagged every chunk, a band
    // run's pieces and backups one tag per command).
    std::vector<uint8_t> out(64 * 4096);
    int r = 1;
    REQUIRE(a->SubmitRead(0, 64 * 4096, out.data(), fn, &r));
    while (r == 1) a->Poll(0);
    REQUIRE(r == 0);
    CHECK(out == buf);
    for (auto& d : m) d->Crash();
    a.reset();
    auto b = OpenArray(Ptrs(m));
    REQUIRE(b.ok());
    std::fill(out.begin(), out.end(), 0);
    r = 1;
    REQUIRE(b.value()->SubmitRead(0, 64 * 4096, out.data(), fn, &r));
    while (r == 1) b.value()->Poll(0);
    REQUIRE(r == 0);
    CHECK(out == buf);
    return n;
  };
  uint64_t merged_off = 0, merged_singles = 0, merged_one = 0, merged_band = 0, unused = 0;
  uint64_t merged_gathered = 0, band_runs = 0, gathered_runs = 0;
  const uint64_t singles_off = run(false, 64, 1, &merged_off);
  const uint64_t one_off = run(false, 1, 1, &unused);
  const uint64_t singles_on = run(true, 64, 1, &merged_singles);
  const uint64_t one_on = run(true, 1, 1, &merged_one);
  const uint64_t band = run(true, 1, 16, &merged_band, &band_runs);
  const uint64_t gathered = run(true, 4, 16, &merged_gathered, &gathered_runs);
  INFO("coalescing off: singles " << singles_off << " commands, one request " << one_off
                                  << "; on: " << singles_on << " and " << one_on
                                  << "; band run " << band << ", four requests gathered "
                                  << gathered);
  CHECK(merged_off == 0);
  // 64 data writes either way; backups 64 * m against 16 * m.
  CHECK(singles_off - one_off >= 48 * mm);
  // Coalesced: the data chunks (64) and backups go out merged, and the
  // commands left are mostly the conversions (16 * m Parity Computes).
  CHECK(merged_singles >= 64);
  CHECK(merged_one >= 64);
  CHECK(singles_on * 3 <= singles_off);
  CHECK(one_on * 2 <= one_off);
  // Band run: 4 + m writes and m Parity Computes (SSTEP 1, 16 stripes),
  // then the stripe table and the backups' deallocation; nothing merged.
  CHECK(merged_band == 0);
  CHECK(band_runs == 1);
  CHECK(band * 2 <= one_on);
  // Gathered: the same one run, its backups one command per request (the
  // single request's backup is split at the members' transfer limit, 128
  // KiB here: 2 commands), so at most 3 * m commands more.
  CHECK(merged_gathered == 0);
  CHECK(gathered_runs == 1);
  CHECK(gathered > band);
  CHECK(gathered <= band + 3 * mm);
}

TEST_CASE("Sequential overwrites stay band runs while array GC frees the stripes") {
  // fio's 64 KiB sequential job, scaled down: 16-chunk writes, 16 in
  // flight, over a quarter of the volume, again and again. Every stripe an
  // overwrite leaves behind is dead, and GC must free them as fast as the
  // band runs take them; when it fell behind (one victim per Poll round),
  // writes found too few free stripes for a band run and went out as
  // k-chunk runs, 5-7 member commands each instead of ~3.
  auto m = MakeMembers(5, "8M");
  auto a = Create(m, Opts(4, 1));
  const uint32_t len = 16 * a->block_bytes();
  const uint64_t span = a->capacity_bytes() / 4 / len * len;
  std::vector<uint8_t> buf(len, 0x5a);
  struct Slot {
    int result = 0;
    bool busy = false;
  };
  std::vector<Slot> slots(16);
  auto fn = [](void* p, int r) {
    auto* s = static_cast<Slot*>(p);
    s->result = r;
    s->busy = false;
  };
  uint64_t next = 0, written = 0;
  // Writes 'count' requests, keeping every slot busy; returns errors.
  auto write = [&](uint64_t count) {
    int errors = 0;
    for (uint64_t submitted = 0; submitted < count || a->in_flight() > 0;) {
      for (Slot& s : slots) {
        if (s.busy || submitted == count) continue;
        errors += s.result != 0;
        s = Slot{0, true};
        REQUIRE(a->SubmitWrite(next, len, buf.data(), fn, &s));
        next = (next + len) % span;
        submitted++;
      }
      a->Poll(0);
    }
    for (Slot& s : slots) errors += s.result != 0;
    written += count;
    return errors;
  };
  // Fill the volume once over (GC runs from then on), then measure.
  REQUIRE(write(a->capacity_bytes() / len * 2) == 0);
  const ArrayStatus st0 = a->Status();
  REQUIRE(st0.gc_stripes > 0);
  const uint64_t measured = a->capacity_bytes() / len;
  REQUIRE(write(measured) == 0);
  const ArrayStatus st = a->Status();
  uint64_t commands = 0;
  for (size_t i = 0; i < st.members.size(); i++) {
    commands += st.members[i].commands - st0.members[i].commands;
  }
  INFO("per write: " << static_cast<double>(commands) / measured << " commands, "
                     << static_cast<double>(st.band_run_chunks - st0.band_run_chunks) / 16 /
                            measured
                     << " of its chunks in band runs; GC stripes "
                     << st.gc_stripes - st0.gc_stripes);
  CHECK(st.gc_stripes - st0.gc_stripes >= measured * 4 / 2);
  // Every chunk of every measured write went into a band run.
  CHECK(st.band_run_chunks - st0.band_run_chunks == measured * 16);
  CHECK(commands <= measured * 4);
  // And the data is what was written last.
  std::vector<uint8_t> out(len);
  int r = 1;
  auto done = [](void* p, int res) { *static_cast<int*>(p) = res; };
  REQUIRE(a->SubmitRead(span - len, len, out.data(), done, &r));
  while (r == 1) a->Poll(0);
  REQUIRE(r == 0);
  CHECK(out == buf);
}

TEST_CASE("Multi-chunk writes survive member failures and engine crashes") {
  // Requests of 1..3k chunks, so runs of whole stripes mix with single
  // chunks; a member dies at a random point (two for RAID-6) and the engine
  // crashes at random points, with requests in flight.
  uint64_t seed = ArraySeed();
  std::mt19937_64 rng(seed);
  unsigned k = 4, mm = GENERATE(1u, 2u);
  auto m = MakeMembers(k + mm);
  auto a = Create(m, Opts(k, mm));
  Oracle o(a.get(), seed);
  o.set_max_blocks(3 * k);
  std::vector<unsigned> victims;
  for (unsigned v = 0; v < mm; v++) {
    unsigned x;
    do {
      x = rng() % (k + mm);
    } while (std::find(victims.begin(), victims.end(), x) != victims.end());
    victims.push_back(x);
  }
  auto crash_and_reopen = [&] { CrashAndReopen(m, o, a, seed); };
  // The engine dies the moment a long write is acknowledged: its stripes
  // are not converted, not in the stripe table, so recovery finds them only
  // through the tags of its backups (a band run of 2 stripes: 2k chunks).
  // Odd rounds write four such requests back to back, gathered into one
  // run of 8 stripes: the first acknowledged may be any of them, the
  // others' pieces and backups partly written when the members freeze.
  uint64_t band_runs = 0, gathered_chunks = 0;
  for (int round = 0; round < 4; round++) {
    o.set_on_write_ack([&] {
      for (auto& d : m) d->Freeze();
    });
    uint64_t acked = o.acked_writes();
    const unsigned requests = round % 2 ? 4 : 1;
    const uint64_t b = rng() % (o.blocks() - requests * 2 * k);
    for (unsigned q = 0; q < requests; q++) o.Write(b + q * 2 * k, 2 * k);
    while (o.acked_writes() == acked) a->Poll(0);
    o.set_on_write_ack({});
    band_runs += a->Status().band_runs;
    if (requests > 1) gathered_chunks += a->Status().band_run_chunks;
    crash_and_reopen();
  }
  CHECK(band_runs >= 4);
  CHECK(gathered_chunks == 2 * 4 * 2 * k);  // two rounds, one run of 8k chunks each
  for (int round = 0; round < 3; round++) {
    unsigned stop = 100 + rng() % 600;
    unsigned when = rng() % stop;
    o.Run(stop, 16, 0, [&](unsigned op) {
      // Round 1 loses one member, round 2 (RAID-6) the second.
      if (round >= 1 && op == when && round <= static_cast<int>(mm)) {
        m[victims[round - 1]]->Kill();
      }
    }, /*drain=*/false);
    crash_and_reopen();
  }
  // And without crashes, through array GC: ~2x the volume written.
  o.Run(static_cast<unsigned>(o.blocks() / 2), 16);
  o.VerifyAll();
  CheckClean(o, seed);
  CHECK(a->Status().gc_stripes > 0);
}

TEST_CASE("Creating or opening an array over the wrong devices fails naming the device") {
  SECTION("members of different sizes") {
    auto m = MakeMembers(4);
    EmbeddedDeviceOptions d;
    d.name = "small";
    d.config = {{"size", "8M"}, {"serial", "SMALL"}};
    auto small = EmbeddedDevice::Create(d);
    REQUIRE(small.ok());
    auto devs = Ptrs(m);
    devs.push_back(small.value().get());
    auto a = CreateArray(devs, Opts(4, 1));
    REQUIRE_FALSE(a.ok());
    CHECK_THAT(a.error().message, Catch::Contains("small"));
  }
  SECTION("a different LBA size") {
    auto m = MakeMembers(4);
    EmbeddedDeviceOptions d;
    d.name = "lba512";
    d.config = {{"size", "16M"}, {"lba-size", "512"}};
    auto odd = EmbeddedDevice::Create(d);
    REQUIRE(odd.ok());
    auto devs = Ptrs(m);
    devs.push_back(odd.value().get());
    auto a = CreateArray(devs, Opts(4, 1));
    REQUIRE_FALSE(a.ok());
    CHECK_THAT(a.error().message, Catch::Contains("lba512"));
  }
  SECTION("too small devices") {
    auto m = MakeMembers(5, "1M");
    REQUIRE(m.size() == 5);
    ArrayOptions o = Opts(4, 1);
    o.chunk_bytes = 64 * 1024;  // 16 chunks per member
    auto a = CreateArray(Ptrs(m), o);
    REQUIRE_FALSE(a.ok());
    CHECK_THAT(a.error().message, Catch::Contains("too small"));
  }
  SECTION("a member of another array is not overwritten without force") {
    auto m = MakeMembers(5);
    auto first = Create(m, Opts(4, 1));
    REQUIRE(first->Sync().ok());
    first.reset();
    auto again = CreateArray(Ptrs(m), Opts(4, 1));
    REQUIRE_FALSE(again.ok());
    CHECK_THAT(again.error().message, Catch::Contains("emb0"));
    CHECK_THAT(again.error().message, Catch::Contains("already member"));
    // Nothing was written: the old array still opens.
    CHECK(OpenArray(Ptrs(m)).ok());
    ArrayOptions forced = Opts(4, 1);
    forced.force = true;
    CHECK(CreateArray(Ptrs(m), forced).ok());
  }
  SECTION("opening with members of two arrays") {
    auto a = MakeMembers(5);
    auto b = MakeMembers(5);
    Create(a, Opts(4, 1))->Sync();
    Create(b, Opts(4, 1))->Sync();
    auto devs = Ptrs(a);
    devs[2] = b[2].get();
    auto r = OpenArray(devs);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("belongs to array"));
  }
  SECTION("opening with too many members missing") {
    auto m = MakeMembers(5);
    Create(m, Opts(4, 1))->Sync();
    auto devs = Ptrs(m);
    devs[0] = nullptr;
    devs[3] = nullptr;
    auto r = OpenArray(devs);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("missing"));
  }
  SECTION("a device without a superblock") {
    auto m = MakeMembers(5);
    auto r = OpenArray(Ptrs(m));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("emb0"));
    CHECK_THAT(r.error().message, Catch::Contains("no Salix array superblock"));
  }
  SECTION("a superblock of another version") {
    auto m = MakeMembers(5);
    Create(m, Opts(4, 1))->Sync();
    // Rewrite member 1's superblocks with version 99.
    EditSuperblocks(*m[1], [](std::vector<uint8_t>& buf) {
      uint32_t v = 99;
      std::memcpy(buf.data() + 8, &v, 4);
    });
    auto r = OpenArray(Ptrs(m));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("emb1"));
    CHECK_THAT(r.error().message, Catch::Contains("version 99"));
  }
  SECTION("a superblock whose chunk size is not a power of two") {
    // Sealed like a real one (checksum valid): the engine's shifts need a
    // power of two, so the open must refuse it, naming the member.
    auto m = MakeMembers(5);
    Create(m, Opts(4, 1))->Sync();
    EditSuperblocks(*m[3], [](std::vector<uint8_t>& buf) {
      array::Superblock sb;
      std::memcpy(&sb, buf.data(), sizeof(sb));
      REQUIRE(array::CheckSuperblock(sb).empty());
      sb.chunk_bytes = 6144;
      array::SealSuperblock(&sb);
      std::memcpy(buf.data(), &sb, sizeof(sb));
    });
    auto r = OpenArray(Ptrs(m));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("emb3"));
    CHECK_THAT(r.error().message, Catch::Contains("chunk size of 6144"));
  }
  SECTION("unaligned requests are refused, nothing queued") {
    auto m = MakeMembers(5);
    auto a = Create(m, Opts(4, 1));
    std::vector<uint8_t> buf(8192);
    auto fn = [](void*, int) {};
    CHECK_FALSE(a->SubmitWrite(512, 4096, buf.data(), fn, nullptr));
    CHECK_FALSE(a->SubmitRead(0, 100, buf.data(), fn, nullptr));
    CHECK_FALSE(a->SubmitWrite(a->capacity_bytes(), 4096, buf.data(), fn, nullptr));
    CHECK(a->in_flight() == 0);
  }
}

}  // namespace salix::host::test

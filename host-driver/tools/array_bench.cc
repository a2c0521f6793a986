// array_bench.cc - host-side benchmarks of the array engine over embedded
// Salix devices (firmware in this process, timing off): engine throughput
// on one core, device parity against host parity, rebuild time with and
// without foreground load. Prints what it measured and how to rerun it.
//
//   salix-array-bench [--seconds S | --writes N] [--size 256M] [--k 4] [--m 1]
//                     [--personality nossd|ftl] [--qd 32] [--only NAME]
//                     [--rotation STRIPES] [--no-coalesce] [--bs BYTES] [--seq]
//                     [--span MIB]
// --seq writes sequentially (wrapping at the end) instead of at random
// offsets: with --bs 65536 the engine's long-write path (band runs; none
// with --rotation 1). --span writes only the volume's first MIB MiB, as
// fio --size does (the VM bench writes 256 MiB of its 2 GiB array, so its
// overwrites leave whole stripes dead; the default, the whole volume, makes
// array GC move live chunks).
// The device-parity row runs twice, with write coalescing and without (the
// engine as before coalescer.h), unless --no-coalesce leaves only the
// latter.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "salix/host/array.h"
#include "salix/host/embedded_device.h"
#include "split_timed_device.h"

namespace {

using namespace salix::host;
using Clock = std::chrono::steady_clock;

struct Args {
  double seconds = 5;
  uint64_t writes = 0;  // measured writes; 0: run for the seconds
  std::string size = "256M";
  unsigned k = 4, m = 1, qd = 32;
  uint32_t bs = 4096;
  std::string personality = "nossd";
  std::string only;
  bool warmup = true;
  bool coalesce = true;
  bool seq = false;  // sequential offsets instead of random ones
  uint64_t span_mib = 0;  // 0: the whole volume
  uint32_t rotation = salix::host::ArrayOptions{}.parity_rotation;
  std::string cmdline;
};

double Now() {
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}
double CpuSeconds() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

std::vector<std::unique_ptr<EmbeddedDevice>> Devices(const Args& a, unsigned n) {
  std::vector<std::unique_ptr<EmbeddedDevice>> out;
  for (unsigned i = 0; i < n; i++) {
    EmbeddedDeviceOptions o;
    o.name = fmt::format("emb{}", i);
    o.queue_depth = 128;
    o.config = {{"personality", a.personality},
                {"size", a.size},
                {"serial", fmt::format("BENCH{}", i)}};
    if (a.personality == "ftl") o.config.push_back({"timing.mode", "off"});
    auto d = EmbeddedDevice::Create(o);
    if (!d.ok()) {
      fmt::print(stderr, "salix-array-bench: {}\n", d.error().message);
      std::exit(1);
    }
    out.push_back(std::move(d.value()));
  }
  return out;
}

std::vector<Device*> Ptrs(const std::vector<std::unique_ptr<EmbeddedDevice>>& v,
                          size_t n) {
  std::vector<Device*> p;
  for (size_t i = 0; i < n; i++) p.push_back(v[i].get());
  return p;
}

struct Load {
  Array* array;
  unsigned qd;
  uint32_t bs;
  uint64_t blocks;
  std::vector<std::vector<uint8_t>> bufs;
  std::vector<unsigned> free;
  uint64_t done = 0, errors = 0;
  std::mt19937_64 rng{42};
  bool seq = false;
  uint64_t next_block = 0;

  Load(Array* a, unsigned depth, uint32_t bytes = 0, bool sequential = false,
       uint64_t span_bytes = 0)
      : array(a), qd(depth), seq(sequential) {
    bs = bytes ? bytes : a->block_bytes();
    uint64_t span = a->capacity_bytes();
    if (span_bytes != 0 && span_bytes < span) span = span_bytes;
    blocks = span / bs;
    bufs.resize(qd, std::vector<uint8_t>(bs, 0x5a));
    for (unsigned i = 0; i < qd; i++) free.push_back(i);
  }
  struct Ctx {
    Load* l;
    unsigned slot;
  };
  std::vector<Ctx> ctx;
  static void Done(void* p, int res) {
    auto* c = static_cast<Ctx*>(p);
    c->l->done++;
    if (res) c->l->errors++;
    c->l->free.push_back(c->slot);
  }
  // Keeps qd random 4 KiB writes in flight; one Poll per call.
  void Step() {
    if (ctx.empty()) {
      ctx.resize(qd);
      for (unsigned i = 0; i < qd; i++) ctx[i] = {this, i};
    }
    while (!free.empty()) {
      unsigned s = free.back();
      free.pop_back();
      uint64_t b = seq ? next_block++ % blocks : rng() % (blocks - 1);
      std::memcpy(bufs[s].data(), &b, 8);
      array->SubmitWrite(b * bs, bs, bufs[s].data(), &Done, &ctx[s]);
    }
    array->Poll(0);
  }
  void Drain() {
    while (free.size() < qd) array->Poll(0);
  }
};

void Throughput(const Args& a, ParityMode mode, bool coalesce, const char* name) {
  auto devs = Devices(a, a.k + a.m);
  // Every device call goes through a SplitTimedDevice, so the run's one
  // core is split between the engine (plus load generator) and the
  // firmware it drives in-process.
  bench::SplitClock clock;
  std::vector<std::unique_ptr<bench::SplitTimedDevice>> timed;
  std::vector<Device*> members;
  for (auto& d : devs) {
    timed.push_back(std::make_unique<bench::SplitTimedDevice>(*d, clock));
    members.push_back(timed.back().get());
  }
  ArrayOptions o;
  o.name = "bench";
  o.data_members = a.k;
  o.parity_members = a.m;
  o.parity = mode;
  o.parity_rotation = a.rotation;
  auto arr = CreateArray(members, o);
  if (!arr.ok()) {
    fmt::print(stderr, "salix-array-bench: {}\n", arr.error().message);
    std::exit(1);
  }
  arr.value()->SetWriteCoalescing(coalesce);
  Load load(arr.value().get(), a.qd, a.bs, a.seq, a.span_mib << 20);
  // Warm-up (not measured): writes until every device's backing memory has
  // been touched once, so first-touch page faults of the in-process
  // "flash" are not counted against the engine.
  const uint64_t warm = a.warmup ? 2 * load.blocks : 0;
  while (load.done < warm) load.Step();
  load.Drain();
  const ArrayStatus st0 = arr.value()->Status();
  uint64_t ops0[256] = {};
  for (auto& t : timed) {
    for (int op = 0; op < 256; op++) ops0[op] += t->opcode_counts()[op];
  }
  const uint64_t done0 = load.done;
  clock.Start();
  double t0 = Now(), c0 = CpuSeconds();
  uint64_t last_report = 0;
  while (a.writes ? load.done - done0 < a.writes : Now() - t0 < a.seconds) {
    load.Step();
    if (load.done - last_report >= 200000) {
      last_report = load.done;
      fmt::print(stderr, "  {}: {} writes, {:.0f}/s\n", name, load.done - done0,
                 (load.done - done0) / (Now() - t0));
    }
  }
  load.Drain();
  double wall = Now() - t0, cpu = CpuSeconds() - c0;
  const double engine_s = clock.Seconds(bench::SplitClock::kEngine);
  const double device_s = clock.Seconds(bench::SplitClock::kDevice);
  ArrayStatus st = arr.value()->Status();
  const uint64_t n = std::max<uint64_t>(1, load.done - done0);
  fmt::print("{:<28} {:>10.0f} writes/s  {:>6.2f} us CPU/write  "
             "({} writes, {} errors, {} conversions, {} GC stripes, "
             "{:.1f} s wall)\n",
             name, n / wall, cpu * 1e6 / n, n, load.errors,
             st.conversions - st0.conversions, st.gc_stripes - st0.gc_stripes,
             wall);
  // The split is measured in wall time; the machine is shared, so scale it
  // to this process's CPU time (preemption hits both sides alike).
  const double engine_cpu = cpu * engine_s / std::max(1e-9, engine_s + device_s);
  fmt::print("{:<28} {:>10.0f} writes/s  {:>6.2f} us CPU/write engine only "
             "(firmware in-process: {:.2f} us CPU/write)\n",
             "  engine alone, one core", n / engine_cpu, engine_cpu * 1e6 / n,
             (cpu - engine_cpu) * 1e6 / n);
  // What the engine asked of the devices, per user write.
  uint64_t commands = 0;
  for (size_t i = 0; i < st.members.size() && i < st0.members.size(); i++) {
    commands += st.members[i].commands - st0.members[i].commands;
  }
  fmt::print("{:<28} {:>10.2f} device commands/write ({:.2f} stripe-table "
             "writes, {:.3f} conversions, {:.2f} chunk writes merged into "
             "{:.3f} commands, {:.2f} band runs)\n",
             "  per user write", static_cast<double>(commands) / n,
             static_cast<double>(st.table_writes - st0.table_writes) / n,
             static_cast<double>(st.conversions - st0.conversions) / n,
             static_cast<double>(st.coalesced_writes - st0.coalesced_writes) / n,
             static_cast<double>(st.coalesced_commands - st0.coalesced_commands) / n,
             static_cast<double>(st.band_runs - st0.band_runs) / n);
  uint64_t ops[256] = {};
  for (auto& t : timed) {
    for (int op = 0; op < 256; op++) ops[op] += t->opcode_counts()[op];
  }
  std::string by_op;
  for (int op = 0; op < 256; op++) {
    if (ops[op] == ops0[op]) continue;
    by_op += fmt::format(" {:#04x}: {:.2f}", op,
                         static_cast<double>(ops[op] - ops0[op]) / n);
  }
  fmt::print("{:<28} by opcode:{}\n", "",
             by_op);
}

void RebuildTime(const Args& a, bool with_load) {
  auto devs = Devices(a, a.k + a.m + 1);
  ArrayOptions o;
  o.name = "bench";
  o.data_members = a.k;
  o.parity_members = a.m;
  o.parity_rotation = a.rotation;
  auto arr = CreateArray(Ptrs(devs, a.k + a.m), o);
  if (!arr.ok()) {
    fmt::print(stderr, "salix-array-bench: {}\n", arr.error().message);
    std::exit(1);
  }
  Array* array = arr.value().get();
  // Fill the volume once, sequentially in 128 KiB writes.
  uint32_t big = 32 * array->block_bytes();
  std::vector<uint8_t> buf(big, 0xa5);
  int pending = 0;
  auto fn = [](void* p, int) { (*static_cast<int*>(p))--; };
  for (uint64_t off = 0; off + big <= array->capacity_bytes(); off += big) {
    while (pending >= 8) array->Poll(0);
    pending++;
    array->SubmitWrite(off, big, buf.data(), fn, &pending);
  }
  while (pending > 0) array->Poll(0);
  (void)array->Sync();
  (void)array->FailMember(1);
  Load load(array, a.qd);
  double t0 = Now();
  uint64_t stripes_done = 0, total = 0;
  auto r = array->StartRebuild(devs.back().get(), [&](uint64_t d, uint64_t t) {
    stripes_done = d;
    total = t;
  });
  if (!r.ok()) {
    fmt::print(stderr, "salix-array-bench: {}\n", r.error().message);
    std::exit(1);
  }
  double next = t0 + 1;
  while (array->Status().degraded) {
    if (with_load) {
      load.Step();
    } else {
      array->Poll(0);
    }
    if (Now() > next) {
      next += 1;
      fmt::print(stderr, "  rebuild: {}/{} stripes\n", stripes_done, total);
    }
  }
  load.Drain();
  double wall = Now() - t0;
  fmt::print("{:<28} {:>10.2f} s for {} MiB per member{}\n",
             with_load ? "rebuild, QD32 writes" : "rebuild, idle", wall,
             array->capacity_bytes() / (a.k * 1048576.0) > 0
                 ? static_cast<uint64_t>(array->capacity_bytes() / a.k >> 20)
                 : 0,
             with_load ? fmt::format(" ({} foreground writes, {:.0f}/s)",
                                     load.done, load.done / wall)
                       : "");
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  a.cmdline = "salix-array-bench";
  for (int i = 1; i < argc; i++) {
    std::string s = argv[i];
    a.cmdline += " " + s;
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        fmt::print(stderr, "salix-array-bench: {} needs a value\n", s);
        std::exit(2);
      }
      a.cmdline += std::string(" ") + argv[i + 1];
      return argv[++i];
    };
    if (s == "--seconds") a.seconds = std::atof(next().c_str());
    else if (s == "--size") a.size = next();
    else if (s == "--writes") a.writes = std::strtoull(next().c_str(), nullptr, 0);
    else if (s == "--k") a.k = std::atoi(next().c_str());
    else if (s == "--m") a.m = std::atoi(next().c_str());
    else if (s == "--qd") a.qd = std::atoi(next().c_str());
    else if (s == "--bs") a.bs = static_cast<uint32_t>(std::atoi(next().c_str()));
    else if (s == "--personality") a.personality = next();
    else if (s == "--only") a.only = next();
    else if (s == "--no-warmup") a.warmup = false;
    else if (s == "--no-coalesce") a.coalesce = false;
    else if (s == "--seq") a.seq = true;
    else if (s == "--span") a.span_mib = std::strtoull(next().c_str(), nullptr, 0);
    else if (s == "--rotation") a.rotation = static_cast<uint32_t>(std::atoi(next().c_str()));
    else {
      fmt::print(stderr, "usage: salix-array-bench [--seconds S | --writes N] [--size 256M] "
                         "[--k 4] [--m 1] [--qd 32] [--bs 4096] [--personality nossd|ftl] "
                         "[--only device|host|rebuild] [--no-warmup] [--rotation STRIPES] "
                         "[--no-coalesce] [--seq] [--span MIB]\n");
      return 2;
    }
  }
  fmt::print("# {}+{} array over embedded Salix devices ({}, {} each, "
             "timing off), {}-byte {} writes at QD{} over {}, one core, parity "
             "rotation {} stripes\n",
             a.k, a.m, a.personality, a.size, a.bs, a.seq ? "sequential" : "random", a.qd,
             a.span_mib ? fmt::format("the first {} MiB", a.span_mib) : "the whole volume",
             a.rotation);
  if (a.only.empty() || a.only == "device") {
    if (a.coalesce) Throughput(a, ParityMode::kDevice, true, "device parity (two-phase)");
    Throughput(a, ParityMode::kDevice, false, "device parity, no coalescing");
  }
  if (a.only.empty() || a.only == "host") {
    Throughput(a, ParityMode::kHost, a.coalesce, "host parity (RMW)");
  }
  if (a.only.empty() || a.only == "rebuild") {
    RebuildTime(a, false);
    RebuildTime(a, true);
  }
  fmt::print("# rerun: {}\n", a.cmdline);
  return 0;
}

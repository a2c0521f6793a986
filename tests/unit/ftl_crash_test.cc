// Power loss in the middle of anything: a child process runs the FTL on a
// backing file and is killed with SIGKILL at a random moment (inside a host
// write, a garbage collection, a trim or a tombstone program). Reopening
// must give every page its newest acknowledged content; only the one
// operation in flight may show either its old or its new content.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <random>

#include "ftl_util.h"

namespace salix::test {
namespace {

// What the child reports through the pipe, before and after each operation.
struct Record {
  uint32_t kind;  // 0 write intent, 1 write ack, 2 trim intent, 3 trim ack
  uint32_t count;
  uint64_t lpa;
  uint64_t version;
};

// Versions start after 'base', so every round writes patterns of its own.
[[noreturn]] void Child(const ftl::FtlOptions& o, int fd, uint64_t seed,
                        uint64_t base) {
  auto f = ftl::Ftl::Open(o);
  if (!f.ok()) _exit(2);
  ftl::Ftl& ftl = *f.value();
  std::mt19937_64 rng(seed);
  const uint64_t n = ftl.user_pages();
  for (uint64_t v = base + 1;; ++v) {
    Record r{};
    r.lpa = rng() % n;
    r.version = v;
    if (rng() % 10 == 0) ftl.Background(0);  // idle: background GC steps
    const bool trim = rng() % 20 == 0;
    r.kind = trim ? 2 : 0;
    r.count = trim ? static_cast<uint32_t>(std::min<uint64_t>(n - r.lpa, 1 + rng() % 6)) : 1;
    if (write(fd, &r, sizeof(r)) != sizeof(r)) _exit(3);
    bool ok = trim ? ftl.Trim(r.lpa, r.count, 0).ok()
                   : ftl.WritePage(r.lpa, PagePattern(r.lpa, v, ftl.page_size()), 0).ok();
    if (!ok) _exit(4);
    r.kind++;
    if (write(fd, &r, sizeof(r)) != sizeof(r)) _exit(3);
  }
}

TEST_CASE("FTL survives SIGKILL at random points, including inside GC") {
  const uint64_t seed = TestSeed();
  INFO("SALIX_SEED=" << seed);
  std::mt19937_64 rng(seed);
  TempDir dir;
  auto o = MustOptions(SmallFlash({{"backing-file", dir.File("flash.img")}}));
  std::map<uint64_t, uint64_t> oracle;  // lpa -> version (absent: zeroes)
  for (int round = 0; round < 5; ++round) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      Child(o, fds[1], rng(), uint64_t{round} << 32);
    }
    close(fds[1]);
    usleep(20'000 + rng() % 200'000);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    // Replay the child's log: acknowledged operations are facts; the last
    // intent without an ack is the one in flight.
    std::optional<Record> in_flight;
    Record r;
    uint64_t acked = 0;
    while (read(fds[0], &r, sizeof(r)) == sizeof(r)) {
      if (r.kind == 0 || r.kind == 2) {
        in_flight = r;
        continue;
      }
      in_flight.reset();
      acked++;
      for (uint64_t l = r.lpa; l < r.lpa + r.count; ++l) {
        if (r.kind == 1) oracle[l] = r.version;
        else oracle.erase(l);
      }
    }
    close(fds[0]);
    INFO("round " << round << ": " << acked << " operations acknowledged");
    CHECK(acked > 100);  // the cut came after real work
    auto f = MustOpen(o);
    auto why = f->CheckConsistency();
    INFO(why.value_or(""));
    REQUIRE(!why);
    std::vector<uint8_t> got(f->page_size()), zero(f->page_size(), 0);
    for (uint64_t lpa = 0; lpa < f->user_pages(); ++lpa) {
      REQUIRE(f->ReadPage(lpa, got, 0).ok());
      auto it = oracle.find(lpa);
      const bool matches_old = it == oracle.end()
                                   ? got == zero
                                   : got == PagePattern(lpa, it->second, f->page_size());
      if (matches_old) continue;
      // Only the operation in flight may have taken effect.
      INFO("LPA " << lpa << " lost its acknowledged content");
      REQUIRE(in_flight.has_value());
      REQUIRE(lpa >= in_flight->lpa);
      REQUIRE(lpa < in_flight->lpa + in_flight->count);
      const bool matches_new = in_flight->kind == 2
                                   ? got == zero
                                   : got == PagePattern(lpa, in_flight->version, f->page_size());
      REQUIRE(matches_new);
      if (in_flight->kind == 0) oracle[lpa] = in_flight->version;
      else oracle.erase(lpa);
    }
  }
  // Over the rounds the device was rewritten many times: GC erased blocks.
  auto f = MustOpen(o);
  MediaStats m;
  f->GetStats(&m);
  CHECK(m.erase_count_max > 0);
}

}  // namespace
}  // namespace salix::test

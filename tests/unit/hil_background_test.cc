// The controller gives its personality background time (GC, write-buffer
// drain) from every run, honours the time it asks to be called back at, and
// bounds the work when the personality is always behind.
#include <salix/opcodes.h>

#include "manual_host.h"
#include "personality_wrapper.h"
#include "test_util.h"

namespace salix::test {
namespace {

struct Fixture {
  std::shared_ptr<PersonalityKnobs> knobs =
      std::make_shared<PersonalityKnobs>();
  ManualHost host{std::make_unique<WrappedNossd>(knobs)};
};

}  // namespace

TEST_CASE("Background work is called at the time the personality asked for") {
  Fixture f;
  f.host.Start();
  constexpr uint64_t kWant = 5'000'000;
  bool done = false;
  f.knobs->background = [&](uint64_t now) {
    if (now >= kWant) done = true;
    return done ? UINT64_MAX : kWant;
  };
  f.knobs->background_calls.clear();
  f.host.platform.now = 1'000;
  // Idle controller: Run says when to come back, no later than kWant.
  CHECK(f.host.Run() <= kWant);
  CHECK(f.knobs->background_calls.size() == 1);  // called from every run
  CHECK_FALSE(done);
  f.host.platform.now = kWant;
  CHECK(f.host.Run() == Controller::kIdle);
  CHECK(done);
  CHECK(f.knobs->background_calls.back() == kWant);
}

TEST_CASE("Run returns the earlier of a completion and background work") {
  Fixture f;
  f.knobs->delay_ns = 40'000;
  f.host.Start();
  f.knobs->background = [](uint64_t) { return uint64_t{100'000}; };
  f.host.Io(IoSqe(SALIX_IO_FLUSH, 0, 1));
  f.host.platform.now = 10'000;
  CHECK(f.host.Run() == 50'000);  // the completion comes first
  f.host.platform.now = 50'000;
  CHECK(f.host.Run() == 100'000);  // then the background wish
  CHECK(f.host.ReapIo() == 1);
}

TEST_CASE("A personality that is always behind cannot keep Run spinning") {
  Fixture f;
  f.host.Start();
  f.knobs->background = [](uint64_t) { return uint64_t{0}; };  // "overdue"
  f.knobs->background_calls.clear();
  f.host.platform.now = 7'000'000;
  uint64_t next = f.host.Run();
  // Some background work happened, bounded, and the host is told to come
  // back later than now (a virtual-clock host would otherwise never move).
  CHECK(f.knobs->background_calls.size() > 1);
  CHECK(f.knobs->background_calls.size() <= 64);
  CHECK(next > f.host.platform.now);
  CHECK(next < f.host.platform.now + 1'000'000);
}

TEST_CASE("Background work runs while the host is idle, with no commands") {
  Fixture f;
  f.host.Start();
  int steps = 0;
  // Three steps of GC, each done 1 ms after the previous one.
  f.knobs->background = [&](uint64_t now) {
    return ++steps < 3 ? now + 1'000'000 : UINT64_MAX;
  };
  f.host.platform.now = 0;
  uint64_t next = f.host.Run();
  while (next != Controller::kIdle) {
    f.host.platform.now = next;
    next = f.host.Run();
  }
  CHECK(steps == 3);
  CHECK(f.host.platform.now == 2'000'000);
}

TEST_CASE("No background work after a clean shutdown") {
  Fixture f;
  f.host.Start();
  f.knobs->background = [](uint64_t now) { return now + 1'000; };
  f.host.ctrl.MmioWrite(nvme::reg::kCc, (6u << 16) | (4u << 20) | 1u |
                                            (1u << 14), 4);  // SHN = normal
  f.host.Run();
  REQUIRE(((f.host.ctrl.MmioRead(nvme::reg::kCsts, 4) >> 2) & 3) == 2);
  f.knobs->background_calls.clear();
  CHECK(f.host.Run() == Controller::kIdle);
  CHECK(f.knobs->background_calls.empty());
}

}  // namespace salix::test

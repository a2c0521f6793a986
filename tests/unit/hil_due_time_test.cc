// The completion path goes through a due-time queue: a personality that
// models latency only returns a later due time. Drives the Controller class
// directly with a latency-adding personality and a fake platform.
#include <salix/opcodes.h>

#include "manual_host.h"
#include "personality_wrapper.h"
#include "test_util.h"

namespace salix::test {
namespace {

constexpr uint64_t kDelay = 40'000;  // 40 us "flash read"

std::unique_ptr<Personality> Delayed() {
  auto knobs = std::make_shared<PersonalityKnobs>();
  knobs->delay_ns = kDelay;
  return std::make_unique<WrappedNossd>(knobs);
}

}  // namespace

TEST_CASE("Completions are posted at their due time, not before") {
  ManualHost h(Delayed());
  h.Start();
  h.Io(IoSqe(SALIX_IO_FLUSH, 0, 1));
  CHECK(h.ctrl.HasWork());
  uint64_t next = h.ctrl.Run(1000);
  CHECK(next == 1000 + kDelay);  // the worker knows when to come back
  CHECK_FALSE(h.IoCqe(0).phase());  // not posted yet
  CHECK(h.ctrl.Run(1000 + kDelay - 1) == 1000 + kDelay);
  CHECK_FALSE(h.IoCqe(0).phase());
  CHECK(h.ctrl.Run(1000 + kDelay) == Controller::kIdle);
  CHECK(h.IoCqe(0).phase());
  CHECK(Status::FromCqeField(h.IoCqe(0).status).ok());
}

TEST_CASE("Due completions keep submission order and ignore arrival order") {
  ManualHost h(Delayed());
  h.Start();
  h.Io(IoSqe(SALIX_IO_FLUSH, 0, 1));
  h.ctrl.Run(0);       // due at kDelay
  h.Io(IoSqe(SALIX_IO_FLUSH, 0, 1));
  h.ctrl.Run(10);      // due at kDelay + 10
  // An admin command is not delayed by the I/O personality's latency.
  h.platform.now = 20;
  nvme::Cqe admin = h.Admin(AdminSqe(SALIX_ADMIN_GET_FEATURES,
                                     nvme::fid::kArbitration));
  CHECK(admin.phase());
  CHECK(h.ctrl.Run(kDelay + 20) == Controller::kIdle);
  CHECK(h.IoCqe(0).phase());
  CHECK(h.IoCqe(1).phase());
  CHECK(h.IoCqe(1).sqhd == 2);
}

}  // namespace salix::test

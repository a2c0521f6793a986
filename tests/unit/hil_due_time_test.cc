// The completion path goes through a due-time queue: a personality that
// models latency only returns a later due time. Drives the Controller class
// directly with a latency-adding personality and a fake platform.
#include <salix/opcodes.h>

#include "core/backing_memory.h"
#include "hil/controller.h"
#include "nossd/nossd.h"
#include "platform_fake.h"
#include "test_util.h"

namespace salix::test {
namespace {

constexpr uint64_t kDelay = 40'000;  // 40 us "flash read"

// nossd with every completion kDelay ns after its request.
class DelayedPersonality final : public Personality {
 public:
  DelayedPersonality()
      : inner_(BackingMemory::CreateRam(1 << 20).value(), 1) {}
  std::string_view name() const override { return "delayed"; }
  uint64_t capacity_blocks() const override { return inner_.capacity_blocks(); }
  uint32_t lba_size() const override { return inner_.lba_size(); }
  std::span<const LbaFormat> lba_formats() const override {
    return inner_.lba_formats();
  }
  unsigned current_lba_format() const override {
    return inner_.current_lba_format();
  }
  bool has_volatile_write_cache() const override { return false; }
  void set_write_cache_enabled(bool) override {}
  bool write_cache_enabled() const override { return false; }
  IoResult Read(const IoRequest& r, DataTransfer& x) override {
    return Later(inner_.Read(r, x));
  }
  IoResult Write(const IoRequest& r, DataTransfer& x) override {
    return Later(inner_.Write(r, x));
  }
  IoResult Compare(const IoRequest& r, DataTransfer& x) override {
    return Later(inner_.Compare(r, x));
  }
  IoResult WriteZeroes(const IoRequest& r) override {
    return Later(inner_.WriteZeroes(r));
  }
  IoResult Deallocate(const IoRequest& r) override {
    return Later(inner_.Deallocate(r));
  }
  IoResult Flush(uint64_t now) override { return Later(inner_.Flush(now)); }
  Status Format(unsigned i, bool e) override { return inner_.Format(i, e); }
  void Shutdown() override {}

 private:
  static IoResult Later(IoResult r) {
    r.due_ns += kDelay;
    return r;
  }
  NossdPersonality inner_;
};

// Just enough of a host to drive one I/O queue pair by hand.
struct ManualHost {
  FakePlatform platform;
  Controller ctrl{ControllerOptions{}, std::make_unique<DelayedPersonality>(),
                  platform};
  uint64_t asq = platform.mem.AllocPages(1), acq = platform.mem.AllocPages(1);
  uint64_t iosq = platform.mem.AllocPages(1), iocq = platform.mem.AllocPages(1);
  uint32_t admin_tail = 0, io_tail = 0;

  void Admin(nvme::Sqe s, uint64_t now) {
    platform.mem.Write(asq + admin_tail * 64, &s, 64);
    admin_tail++;
    ctrl.MmioWrite(nvme::reg::kDoorbellBase, admin_tail, 4);
    ctrl.Run(now);
  }
  void Io(nvme::Sqe s) {
    platform.mem.Write(iosq + io_tail * 64, &s, 64);
    io_tail++;
    ctrl.MmioWrite(nvme::reg::kDoorbellBase + 8, io_tail, 4);
  }
  nvme::Cqe IoCqe(unsigned i) {
    nvme::Cqe c;
    platform.mem.Read(iocq + i * 16, &c, 16);
    return c;
  }
  void Start() {
    ctrl.MmioWrite(nvme::reg::kAqa, (15u << 16) | 15u, 4);
    ctrl.MmioWrite(nvme::reg::kAsq, asq, 8);
    ctrl.MmioWrite(nvme::reg::kAcq, acq, 8);
    ctrl.MmioWrite(nvme::reg::kCc, (6u << 16) | (4u << 20) | 1u, 4);
    REQUIRE(ctrl.Run(0) == Controller::kIdle);
    REQUIRE((ctrl.MmioRead(nvme::reg::kCsts, 4) & 1) == 1);
    nvme::Sqe cq = AdminSqe(SALIX_ADMIN_CREATE_IO_CQ, (15u << 16) | 1,
                            (1u << 16) | 3);
    cq.dptr[0] = iocq;
    Admin(cq, 0);
    nvme::Sqe sq = AdminSqe(SALIX_ADMIN_CREATE_IO_SQ, (15u << 16) | 1,
                            (1u << 16) | 1);
    sq.dptr[0] = iosq;
    Admin(sq, 0);
  }
};

}  // namespace

TEST_CASE("Completions are posted at their due time, not before") {
  ManualHost h;
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
  ManualHost h;
  h.Start();
  h.Io(IoSqe(SALIX_IO_FLUSH, 0, 1));
  h.ctrl.Run(0);       // due at kDelay
  h.Io(IoSqe(SALIX_IO_FLUSH, 0, 1));
  h.ctrl.Run(10);      // due at kDelay + 10
  // An admin command is not delayed by the I/O personality's latency.
  h.Admin(AdminSqe(SALIX_ADMIN_GET_FEATURES, nvme::fid::kArbitration), 20);
  nvme::Cqe admin;
  h.platform.mem.Read(h.acq + 2 * 16, &admin, 16);
  CHECK(admin.phase());
  CHECK(h.ctrl.Run(kDelay + 20) == Controller::kIdle);
  CHECK(h.IoCqe(0).phase());
  CHECK(h.IoCqe(1).phase());
  CHECK(h.IoCqe(1).sqhd == 2);
}

}  // namespace salix::test

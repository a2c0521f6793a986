// The SMART / Health log reports wear and spare from the personality's media
// statistics: Percentage Used, Available Spare and Critical Warning bit 0.
#include <cstring>

#include "hil/logs.h"
#include "manual_host.h"
#include "personality_wrapper.h"
#include "test_util.h"

namespace salix::test {
namespace {

nvme::SmartLog SmartWith(const std::optional<MediaStats>& media) {
  auto knobs = std::make_shared<PersonalityKnobs>();
  knobs->media = media;
  ManualHost h(std::make_unique<WrappedNossd>(knobs));
  h.Start();
  nvme::SmartLog s;
  REQUIRE(h.GetLogPage(nvme::lid::kSmartHealth, &s, sizeof(s)).ok());
  return s;
}

MediaStats Worn(double erase_avg, uint32_t rated, uint64_t spare,
                uint64_t spare_initial) {
  MediaStats m;
  m.erase_count_avg = erase_avg;
  m.rated_pe_cycles = rated;
  m.spare_blocks = spare;
  m.spare_blocks_initial = spare_initial;
  return m;
}

}  // namespace

TEST_CASE("SMART percentage used is average erases over rated P/E cycles") {
  nvme::SmartLog s = SmartWith(Worn(150, 3000, 64, 64));
  CHECK(s.percentage_used == 5);
  CHECK(s.available_spare == 100);
  CHECK(s.available_spare_threshold == 10);
  CHECK((s.critical_warning & 1) == 0);
  // Past the rating the value keeps counting, up to 255.
  CHECK(SmartWith(Worn(3300, 3000, 64, 64)).percentage_used == 110);
  CHECK(SmartWith(Worn(1e6, 3000, 64, 64)).percentage_used == 255);
  // Unknown endurance: nothing honest to say but 0.
  CHECK(SmartWith(Worn(500, 0, 64, 64)).percentage_used == 0);
}

TEST_CASE("SMART available spare falls with spare blocks and warns below 10%") {
  nvme::SmartLog half = SmartWith(Worn(0, 3000, 32, 64));
  CHECK(half.available_spare == 50);
  CHECK((half.critical_warning & 1) == 0);
  nvme::SmartLog low = SmartWith(Worn(0, 3000, 5, 64));
  CHECK(low.available_spare == 7);  // 7.8% rounds down
  CHECK((low.critical_warning & 1) == 1);
  nvme::SmartLog none = SmartWith(Worn(0, 3000, 0, 64));
  CHECK(none.available_spare == 0);
  CHECK((none.critical_warning & 1) == 1);
  // Spare not tracked by the personality: a full spare, no warning.
  nvme::SmartLog unknown = SmartWith(Worn(0, 3000, 0, 0));
  CHECK(unknown.available_spare == 100);
  CHECK((unknown.critical_warning & 1) == 0);
}

TEST_CASE("SMART without media statistics reports a new drive") {
  nvme::SmartLog s = SmartWith(std::nullopt);
  CHECK(s.percentage_used == 0);
  CHECK(s.available_spare == 100);
  CHECK((s.critical_warning & 1) == 0);
}

}  // namespace salix::test

namespace salix::test {

TEST_CASE("a personality's internal fault is logged with the failing command") {
  auto knobs = std::make_shared<PersonalityKnobs>();
  knobs->fault = "injected: mapping points at an erased page";
  ManualHost h(std::make_unique<WrappedNossd>(knobs));
  std::vector<std::string> lines;
  h.ctrl.logger().Set(
      [](void* opaque, int, const char* m) {
        static_cast<std::vector<std::string>*>(opaque)->push_back(m);
      },
      &lines);
  h.Start();
  nvme::Sqe flush{};
  flush.opcode = SALIX_IO_FLUSH;
  flush.nsid = 1;
  flush.cid = 9;
  h.Io(flush);
  h.ctrl.Run(h.platform.NowNs());
  REQUIRE(h.ReapIo() == 1);
  CHECK(Status::FromCqeField(h.IoCqe(0).status) == Status::WriteFault());
  bool logged = false;
  for (const auto& l : lines) {
    if (l.find("injected: mapping points at an erased page") != std::string::npos &&
        l.find("cid 9") != std::string::npos) {
      logged = true;
    }
  }
  CHECK(logged);
  CHECK(knobs->fault.empty());  // taken once
}

}  // namespace salix::test

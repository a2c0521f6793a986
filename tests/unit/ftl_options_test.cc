// FTL configuration: sizing from capacity and over-provisioning, and bad
// input refused with a message that names the property to change.
#include "ftl_util.h"
#include "test_util.h"

namespace salix::test {
namespace {

std::string ErrorOf(const KeyValues& kv) {
  auto o = OptionsFrom(kv);
  return o.ok() ? std::string("(accepted)") : o.error();
}

TEST_CASE("FTL options size the flash from capacity and over-provisioning") {
  auto o = MustOptions(SmallFlash());
  CHECK(o.user_pages == 512);
  // 512 pages * 1.15 = 589 pages -> 4 blocks of 48 pages on each of 4 planes.
  CHECK(o.geometry.blocks_per_plane == 4);
  CHECK(o.geometry.total_pages() >= o.user_pages * 115 / 100);
  CHECK(o.spare_blocks() == 5);  // 16 blocks, 11 hold the user pages
  CHECK_FALSE(o.timing_enabled);
}

TEST_CASE("FTL options derive the capacity when the flash is fixed") {
  auto o = MustOptions({{"personality", "ftl"},
                        {"flash.channels", "1"},
                        {"flash.dies-per-channel", "2"},
                        {"flash.planes-per-die", "1"},
                        {"flash.pages-per-block", "96"},
                        {"flash.blocks-per-plane", "100"},
                        {"ftl.op-percent", "25"}});
  CHECK(o.user_pages == 2 * 100 * 96 * 100 / 125);
}

TEST_CASE("FTL options refuse bad input naming the property") {
  CHECK_THAT(ErrorOf(SmallFlash({{"flash.channels", "0"}})),
             Catch::StartsWith("flash.channels"));
  CHECK_THAT(ErrorOf(SmallFlash({{"flash.cell-type", "tlc"},
                                 {"flash.pages-per-block", "32"}})),
             Catch::StartsWith("flash.pages-per-block"));
  CHECK_THAT(ErrorOf(SmallFlash({{"ftl.op-percent", "0"}})),
             Catch::StartsWith("ftl.op-percent") && Catch::Contains("ftl.op-percent="));
  CHECK_THAT(ErrorOf(SmallFlash({{"flash.blocks-per-plane", "3"}})),
             Catch::StartsWith("size"));
  CHECK_THAT(ErrorOf(SmallFlash({{"ftl.gc-fg-blocks", "8"}, {"ftl.gc-bg-blocks", "4"}})),
             Catch::StartsWith("ftl.gc-bg-blocks"));
  CHECK_THAT(ErrorOf(SmallFlash({{"timing.read-ns", "0"}, {"timing.mode", "realtime"}})),
             Catch::StartsWith("timing.read-ns"));
  CHECK_THAT(ErrorOf(SmallFlash({{"ftl.write-buffer", "5000"}})),
             Catch::StartsWith("ftl.write-buffer"));
  CHECK_THAT(ErrorOf(SmallFlash({{"size", "2047K"}})), Catch::StartsWith("size"));
}

TEST_CASE("Controller creation reports FTL property errors and scope") {
  auto err = [](KeyValues kv) {
    EmbeddedHostOptions o;
    o.config = std::move(kv);
    auto r = EmbeddedHost::Create(o);
    return r.ok() ? std::string("(created)") : r.error();
  };
  CHECK_THAT(err({{"personality", "ftl"}, {"ftl.gc-policy", "random"}}),
             Catch::Contains("ftl.gc-policy"));
  CHECK_THAT(err({{"personality", "ftl"}, {"flash.profile", "qlc-cheap"}}),
             Catch::Contains("flash.profile") && Catch::Contains("tlc-datacenter"));
  CHECK_THAT(err({{"personality", "nossd"}, {"ftl.op-percent", "20"}}),
             Catch::Contains("ftl.op-percent") && Catch::Contains("ftl"));
  // 96 MiB fills 32 dies x 1 block of 768 pages exactly: no spare block.
  CHECK_THAT(err({{"personality", "ftl"}, {"size", "96M"}, {"ftl.op-percent", "0"},
                  {"flash.pages-per-block", "768"}}),
             Catch::Contains("ftl.op-percent"));
}

}  // namespace
}  // namespace salix::test

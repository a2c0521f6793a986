// The salix-nvme QEMU device lists the firmware's properties in an X-macro
// (qemu-device/salix-nvme.h), since qdev properties are fixed per class
// before the firmware is loaded. This keeps that list and the firmware's one
// table (firmware/abi/properties.cc) from drifting apart.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "abi/properties.h"

namespace salix::test {
namespace {

TEST_CASE("salix-nvme forwards every firmware property, and only those") {
  std::ifstream in(std::string(SALIX_SOURCE_DIR) + "/qemu-device/salix-nvme.h");
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const std::string header = text.str();
  std::set<std::string> device;
  const std::regex row(R"re(\n\s+X\([A-Z_]+,\s*"([a-z0-9.-]+)")re");
  for (std::sregex_iterator it(header.begin(), header.end(), row), end;
       it != end; ++it) {
    device.insert((*it)[1]);
  }
  std::set<std::string> firmware;
  for (const auto& p : PropertyTable()) firmware.insert(p.name);
  CHECK(device == firmware);
}

}  // namespace
}  // namespace salix::test

// The host driver's decoder of the Salix identity (salixctl list uses it)
// agrees with what the firmware publishes in Identify Controller.
#include <salix/salix.h>
#include <salix/vendor_identify.h>

#include <cstring>

#include "salix/host/discovery.h"
#include "test_util.h"

namespace salix::test {

TEST_CASE("salixctl's decoder reads the firmware's version and personality") {
  auto h = MakeHost({});
  nvme::IdentifyController id;
  REQUIRE(h->IdentifyController(&id).ok());
  auto identity = host::parse_salix_identity(id.vs, sizeof(id.vs));
  REQUIRE(identity.has_value());
  CHECK(identity->firmware_version == salix_version());
  CHECK(identity->personality == "nossd");
}

TEST_CASE("salixctl's decoder rejects vendor areas that are not Salix's") {
  uint8_t area[SALIX_VENDOR_IDENTIFY_SIZE] = {};
  CHECK_FALSE(host::parse_salix_identity(area, sizeof(area)).has_value());

  salix_vendor_identify block{};
  std::memcpy(block.magic, SALIX_VENDOR_IDENTIFY_MAGIC, SALIX_VENDOR_IDENTIFY_MAGIC_LEN);
  block.format_version = SALIX_VENDOR_IDENTIFY_VERSION + 1;  // a format we can't read
  std::memcpy(area, &block, sizeof(block));
  CHECK_FALSE(host::parse_salix_identity(area, sizeof(area)).has_value());
  CHECK_FALSE(host::parse_salix_identity(area, 100).has_value());  // truncated
  CHECK_FALSE(host::parse_salix_identity(nullptr, sizeof(area)).has_value());
}

TEST_CASE("salixctl's decoder survives unterminated strings") {
  salix_vendor_identify block{};
  std::memcpy(block.magic, SALIX_VENDOR_IDENTIFY_MAGIC, SALIX_VENDOR_IDENTIFY_MAGIC_LEN);
  block.format_version = SALIX_VENDOR_IDENTIFY_VERSION;
  std::memset(block.firmware_version, 'v', sizeof(block.firmware_version));
  std::memset(block.personality, 'p', sizeof(block.personality));
  uint8_t area[SALIX_VENDOR_IDENTIFY_SIZE];
  std::memcpy(area, &block, sizeof(block));
  auto identity = host::parse_salix_identity(area, sizeof(area));
  REQUIRE(identity.has_value());
  CHECK(identity->firmware_version == std::string(sizeof(block.firmware_version), 'v'));
  CHECK(identity->personality == std::string(sizeof(block.personality), 'p'));
}

}  // namespace salix::test

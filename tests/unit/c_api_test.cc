// The C ABI itself: argument checking, the property listing, versions.
#include <salix/salix.h>

#include <cstring>

#include "test_util.h"

namespace salix::test {

TEST_CASE("salix_config_describe lists every property with a default") {
  size_t i = 0;
  const char *name, *def, *help;
  std::vector<std::string> names;
  while (salix_config_describe(i, &name, &def, &help)) {
    names.push_back(name);
    CHECK(def != nullptr);
    CHECK(std::strlen(help) > 0);
    i++;
  }
  for (const char* k : {"serial", "size", "queues", "backing-file",
                        "personality", "lba-size", "mdts"}) {
    CHECK(std::find(names.begin(), names.end(), k) != names.end());
  }
  CHECK_FALSE(salix_config_describe(1000, &name, &def, &help));
}

TEST_CASE("salix_config_set reports errors through err and never throws") {
  salix_config* cfg = salix_config_new();
  char* err = nullptr;
  CHECK_FALSE(salix_config_set(cfg, "queues", "many", &err));
  REQUIRE(err != nullptr);
  CHECK(std::string(err).find("queues:") == 0);
  salix_free_string(err);
  CHECK_FALSE(salix_config_set(cfg, nullptr, "x", nullptr));  // err optional
  CHECK(salix_config_set(cfg, "queues", "2", nullptr));
  salix_config_free(cfg);
}

TEST_CASE("salix_ctrl_new refuses a platform with missing callbacks") {
  salix_config* cfg = salix_config_new();
  salix_platform p{};
  char* err = nullptr;
  CHECK(salix_ctrl_new(cfg, &p, &err) == nullptr);
  REQUIRE(err != nullptr);
  CHECK(std::string(err).find("platform") != std::string::npos);
  salix_free_string(err);
  salix_config_free(cfg);
}

TEST_CASE("Version and ABI version are published") {
  CHECK(salix_abi_version() == SALIX_ABI_VERSION);
  CHECK(std::string(salix_version()).size() >= 5);
}

TEST_CASE("BAR0 is a power of two holding every doorbell") {
  auto host = MakeHost({{"queues", "64"}});
  uint64_t bar = salix_ctrl_bar0_size(host->ctrl());
  CHECK((bar & (bar - 1)) == 0);
  CHECK(bar >= 0x1000 + 2 * 65 * 4);
  CHECK(salix_ctrl_msix_vectors(host->ctrl()) == 65);
}

}  // namespace salix::test

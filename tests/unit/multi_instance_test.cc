// Many controllers in one process share nothing.
#include "test_util.h"

namespace salix::test {

TEST_CASE("Several controllers in one process do not interfere") {
  std::vector<std::unique_ptr<EmbeddedHost>> hosts;
  for (int i = 0; i < 4; i++) {
    hosts.push_back(MakeHost({{"serial", "MULTI" + std::to_string(i)},
                              {"lba-size", i % 2 ? "512" : "4096"}}));
  }
  // Same LBA, different data, interleaved.
  for (int round = 0; round < 3; round++) {
    for (size_t i = 0; i < hosts.size(); i++) {
      auto d = Pattern(8192, static_cast<uint32_t>(round * 10 + i));
      REQUIRE(hosts[i]->Write(1, 0, d).ok());
    }
  }
  for (size_t i = 0; i < hosts.size(); i++) {
    std::vector<uint8_t> back(8192);
    REQUIRE(hosts[i]->Read(1, 0, back).ok());
    CHECK(back == Pattern(8192, static_cast<uint32_t>(20 + i)));
    nvme::IdentifyController id;
    REQUIRE(hosts[i]->IdentifyController(&id).ok());
    CHECK(std::string(id.sn, 6) == "MULTI" + std::to_string(i));
  }
  // Errors and resets stay local.
  hosts[0]->WriteDoorbell(2, 4000);
  hosts[0]->Poll();
  hosts[1]->Disable();
  for (size_t i = 2; i < hosts.size(); i++) {
    CHECK(hosts[i]->logs().empty());
    std::vector<uint8_t> back(8192);
    CHECK(hosts[i]->Read(1, 0, back).ok());
  }
  CHECK_FALSE(hosts[0]->logs().empty());
}

}  // namespace salix::test

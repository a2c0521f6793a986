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

#include <thread>

namespace salix::test {

TEST_CASE("Controllers on different threads run independently") {
  constexpr int kThreads = 4;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([t, &failures] {
      EmbeddedHostOptions o;
      o.config = {{"size", "8M"}, {"serial", "THREAD" + std::to_string(t)}};
      o.guest_memory_bytes = 32ull << 20;
      auto r = EmbeddedHost::Create(o);
      if (!r.ok()) {
        failures[t]++;
        return;
      }
      auto& h = *r.value();
      for (int i = 0; i < 200; i++) {
        auto d = Pattern(8192, static_cast<uint32_t>(t * 1000 + i));
        std::vector<uint8_t> back(8192);
        if (!h.Write(1, i % 100, d).ok() || !h.Read(1, i % 100, back).ok() ||
            back != d) {
          failures[t]++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; t++) CHECK(failures[t] == 0);
}

}  // namespace salix::test

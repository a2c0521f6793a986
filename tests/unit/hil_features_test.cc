// Get / Set Features.
#include <unistd.h>

#include "test_util.h"

namespace salix::test {

TEST_CASE("Number of Queues reports the allocation and locks once used") {
  auto o = SmallDevice({{"queues", "8"}});
  o.start = false;
  auto h = MakeHostFrom(o);
  REQUIRE(h->Enable());
  auto got = h->GetFeatures(nvme::fid::kNumberOfQueues);
  REQUIRE(got.ok());
  CHECK(got.value() == ((7u << 16) | 7u));
  // Ask for 2 SQs and 100 CQs: get 2 and the maximum 8.
  auto set = h->SetFeatures(nvme::fid::kNumberOfQueues, (99u << 16) | 1u);
  REQUIRE(set.ok());
  CHECK(set.value() == ((7u << 16) | 1u));
  CHECK(h->CreateIoQueuePair(1, 16).ok());
  CHECK(h->CreateIoQueuePair(2, 16).ok());
  CHECK(h->CreateIoQueuePair(3, 16) == Status::InvalidQueueIdentifier());
  // Too late to change now.
  CHECK(h->SetFeatures(nvme::fid::kNumberOfQueues, 0).error() ==
        Status::CommandSequenceError());
  CHECK(h->SetFeatures(nvme::fid::kNumberOfQueues, 0xFFFF).error() ==
        Status::InvalidField());
}

TEST_CASE("Arbitration, coalescing and async event config round-trip") {
  auto h = MakeHost();
  for (uint8_t fid : {nvme::fid::kArbitration, nvme::fid::kInterruptCoalescing,
                      nvme::fid::kAsyncEventConfig}) {
    INFO("fid " << int(fid));
    REQUIRE(h->SetFeatures(fid, 0x0302).ok());
    CHECK(h->GetFeatures(fid).value() == 0x0302);
  }
}

TEST_CASE("Temperature threshold: composite sensor, over and under") {
  auto h = MakeHost();
  nvme::IdentifyController id;
  REQUIRE(h->IdentifyController(&id).ok());
  CHECK(h->GetFeatures(nvme::fid::kTemperatureThreshold).value() == id.wctemp);
  REQUIRE(h->SetFeatures(nvme::fid::kTemperatureThreshold, 350).ok());
  REQUIRE(h->SetFeatures(nvme::fid::kTemperatureThreshold, (1u << 20) | 260)
              .ok());
  CHECK(h->GetFeatures(nvme::fid::kTemperatureThreshold).value() == 350);
  CHECK(h->GetFeatures(nvme::fid::kTemperatureThreshold, 1u << 20).value() ==
        260);
  CHECK(h->GetFeatures(nvme::fid::kTemperatureThreshold, 3u << 16).error() ==
        Status::InvalidField());  // no sensor 3
}

TEST_CASE("A threshold below the current temperature raises the SMART warning") {
  auto h = MakeHost();
  nvme::SmartLog smart;
  std::span<uint8_t> raw{reinterpret_cast<uint8_t*>(&smart), sizeof(smart)};
  REQUIRE(h->GetLogPage(nvme::lid::kSmartHealth, raw).ok());
  CHECK((smart.critical_warning & 0x2) == 0);
  uint16_t now = smart.composite_temperature;
  REQUIRE(h->SetFeatures(nvme::fid::kTemperatureThreshold, now - 1u).ok());
  REQUIRE(h->GetLogPage(nvme::lid::kSmartHealth, raw).ok());
  CHECK((smart.critical_warning & 0x2) != 0);
}

TEST_CASE("Power management accepts only power state 0") {
  auto h = MakeHost();
  CHECK(h->SetFeatures(nvme::fid::kPowerManagement, 0).ok());
  CHECK(h->SetFeatures(nvme::fid::kPowerManagement, 1).error() ==
        Status::InvalidField());
  CHECK(h->GetFeatures(nvme::fid::kPowerManagement).value() == 0);
}

TEST_CASE("Interrupt vector configuration checks the vector") {
  auto h = MakeHost({{"queues", "2"}});
  CHECK(h->SetFeatures(nvme::fid::kInterruptVectorConfig, (1u << 16) | 2).ok());
  CHECK(h->GetFeatures(nvme::fid::kInterruptVectorConfig, 2).value() ==
        ((1u << 16) | 2));
  CHECK(h->SetFeatures(nvme::fid::kInterruptVectorConfig, 3).error() ==
        Status::InvalidField());
}

TEST_CASE("Unknown features, saving and select") {
  auto h = MakeHost();
  CHECK(h->GetFeatures(0x7F).error() == Status::InvalidField());
  CHECK(h->SetFeatures(0x7F, 0).error() == Status::InvalidField());
  CHECK(h->SetFeatures(nvme::fid::kArbitration, 1, /*save=*/true).error() ==
        Status::FeatureNotSaveable());
  // RAM backing has no volatile write cache, so the feature does not exist.
  CHECK(h->GetFeatures(nvme::fid::kVolatileWriteCache).error() ==
        Status::InvalidField());
  REQUIRE(h->SetFeatures(nvme::fid::kArbitration, 5).ok());
  CHECK(h->GetFeatures(nvme::fid::kArbitration, 0, /*sel=*/1).value() == 3);
  CHECK(h->GetFeatures(nvme::fid::kArbitration, 0, /*sel=*/2).value() == 3);
  CHECK((h->GetFeatures(nvme::fid::kArbitration, 0, /*sel=*/3).value() & 0x4) !=
        0);  // changeable
  // A controller reset restores defaults.
  REQUIRE(h->Restart());
  CHECK(h->GetFeatures(nvme::fid::kArbitration).value() == 3);
}

TEST_CASE("A file-backed namespace has a volatile write cache to switch") {
  char path[] = "/tmp/salix-vwc-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  auto h = MakeHost({{"backing-file", path}});
  nvme::IdentifyController id;
  REQUIRE(h->IdentifyController(&id).ok());
  CHECK(id.vwc == 1);
  CHECK(h->GetFeatures(nvme::fid::kVolatileWriteCache).value() == 1);
  REQUIRE(h->SetFeatures(nvme::fid::kVolatileWriteCache, 0).ok());
  CHECK(h->GetFeatures(nvme::fid::kVolatileWriteCache).value() == 0);
  // Write-through still works.
  auto data = Pattern(8192, 3);
  REQUIRE(h->Write(1, 10, data).ok());
  std::vector<uint8_t> back(8192);
  REQUIRE(h->Read(1, 10, back).ok());
  CHECK(back == data);
  unlink(path);
}

}  // namespace salix::test

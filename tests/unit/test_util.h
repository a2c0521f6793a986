// test_util.h - helpers shared by the unit tests: hosts with small devices,
// SQE builders and data patterns.
#ifndef SALIX_TESTS_UNIT_TEST_UTIL_H
#define SALIX_TESTS_UNIT_TEST_UTIL_H

#include <catch2/catch.hpp>
#include <salix/opcodes.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "embedded/embedded_host.h"

namespace salix::test {

using embedded::BufferLayout;
using embedded::DataLayout;
using embedded::EmbeddedHost;
using embedded::EmbeddedHostOptions;

inline EmbeddedHostOptions SmallDevice(
    std::vector<std::pair<std::string, std::string>> config = {}) {
  EmbeddedHostOptions o;
  o.config = {{"size", "16M"}};
  for (auto& kv : config) o.config.push_back(std::move(kv));
  o.guest_memory_bytes = 64ull << 20;
  return o;
}

inline std::unique_ptr<EmbeddedHost> MakeHostFrom(const EmbeddedHostOptions& o) {
  auto r = EmbeddedHost::Create(o);
  if (!r.ok()) FAIL("EmbeddedHost::Create: " << r.error());
  return std::move(r).value();
}

inline std::unique_ptr<EmbeddedHost> MakeHost(
    std::vector<std::pair<std::string, std::string>> config = {}) {
  return MakeHostFrom(SmallDevice(std::move(config)));
}

// Bytes that identify (seed, offset), so misplaced data is visible.
inline std::vector<uint8_t> Pattern(size_t bytes, uint32_t seed) {
  std::vector<uint8_t> v(bytes);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    v[i] = static_cast<uint8_t>(x);
  }
  return v;
}

inline nvme::Sqe IoSqe(uint8_t opcode, uint64_t slba, uint32_t nlb,
                       uint32_t nsid = 1) {
  nvme::Sqe s{};
  s.opcode = opcode;
  s.nsid = nsid;
  s.cdw10 = static_cast<uint32_t>(slba);
  s.cdw11 = static_cast<uint32_t>(slba >> 32);
  s.cdw12 = (nlb - 1) & 0xFFFF;
  return s;
}

inline nvme::Sqe AdminSqe(uint8_t opcode, uint32_t cdw10 = 0,
                          uint32_t cdw11 = 0) {
  nvme::Sqe s{};
  s.opcode = opcode;
  s.cdw10 = cdw10;
  s.cdw11 = cdw11;
  return s;
}

// The low 64 bits of a 128-bit little-endian SMART counter.
inline uint64_t U128Low(const uint8_t (&v)[16]) {
  uint64_t x;
  std::memcpy(&x, v, sizeof(x));
  return x;
}

inline nvme::SmartLog Smart(EmbeddedHost& h) {
  nvme::SmartLog s;
  REQUIRE(h.GetLogPage(nvme::lid::kSmartHealth,
                       {reinterpret_cast<uint8_t*>(&s), sizeof(s)})
              .ok());
  return s;
}

inline Status StatusOf(const std::optional<nvme::Cqe>& c) {
  return EmbeddedHost::StatusOf(c);
}

}  // namespace salix::test

// Lets Catch print Status values in failed assertions.
namespace Catch {
template <>
struct StringMaker<salix::Status> {
  static std::string convert(const salix::Status& s) { return s.ToString(); }
};
}  // namespace Catch

#endif  // SALIX_TESTS_UNIT_TEST_UTIL_H

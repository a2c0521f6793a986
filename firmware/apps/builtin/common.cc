#include "apps/builtin/common.h"

#include <array>

#include <fmt/format.h>

namespace salix::apps::builtin {
namespace {

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = MakeCrcTable();

}  // namespace

uint32_t Crc32c(std::span<const uint8_t> data, uint32_t crc) {
  crc = ~crc;
  for (uint8_t b : data) crc = kCrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::optional<Outcome> CheckDomain(const struct Call& call, uint64_t first,
                                   uint64_t count, uint8_t rights,
                                   const char* what) {
  if (call.domain == nullptr) return std::nullopt;  // the flash checks alone
  for (Rights r : {kRightRead, kRightWrite}) {
    if ((rights & r) && !call.domain->Allows(first, count, r)) {
      // The registry's CheckedFlash answers refusals the same way.
      return Fail(Status::AppAccessDenied(),
                  fmt::format("{} [{}, +{}) is not {} in the caller's domain",
                              what, first, count,
                              r == kRightRead ? "readable" : "writable"));
    }
  }
  return std::nullopt;
}

}  // namespace salix::apps::builtin

#include "abi/properties.h"

#include <fmt/format.h>

#include <array>

#include "abi/personalities.h"

namespace salix {
namespace {

std::string Serial(std::string_view v) {
  if (v.empty() || v.size() > 20) {
    return fmt::format("'{}' must be 1 to 20 characters", v);
  }
  for (char c : v) {
    if (c < 0x21 || c > 0x7e) {
      return fmt::format("'{}' may only hold printable ASCII without spaces", v);
    }
  }
  return {};
}

std::string Size(std::string_view v) {
  auto r = ParseSize(v);
  if (!r.ok()) return r.error();
  if (r.value() < (1u << 20)) return fmt::format("{} is below the minimum 1M", v);
  if (r.value() > (uint64_t{64} << 40)) {
    return fmt::format("{} is above the maximum 64T", v);
  }
  return {};
}

std::string UintIn(std::string_view v, uint64_t lo, uint64_t hi) {
  auto r = ParseUint(v);
  if (!r.ok()) return r.error();
  if (r.value() < lo || r.value() > hi) {
    return fmt::format("must be between {} and {}, got {}", lo, hi, v);
  }
  return {};
}

std::string Queues(std::string_view v) { return UintIn(v, 1, 64); }
std::string Mdts(std::string_view v) { return UintIn(v, 1, 10); }

std::string LbaSize(std::string_view v) {
  if (v == "512" || v == "4096") return {};
  return fmt::format("must be 512 or 4096, got '{}'", v);
}

std::string AnyPath(std::string_view) { return {}; }

std::string PersonalityName(std::string_view v) {
  if (FindPersonality(v) != nullptr) return {};
  return fmt::format("unknown personality '{}' (valid: {})", v,
                     PersonalityNames());
}

const std::array<PropertySpec, 7> kProperties{{
    {"serial", "SALIX0001",
     "serial number (Identify SN, also names the subsystem NQN and the "
     "namespace NGUID/UUID; give every device its own)",
     &Serial, "*"},
    {"size", "1G", "namespace capacity in bytes (K/M/G/T suffixes)", &Size,
     "*"},
    {"queues", "8", "maximum I/O queue pairs (1..64)", &Queues, "*"},
    {"backing-file", "",
     "file holding the namespace data (created sparse; empty: RAM, lost at "
     "exit)",
     &AnyPath, "*"},
    {"personality", "nossd", "namespace behaviour: nossd", &PersonalityName,
     "*"},
    {"lba-size", "4096", "logical block size in bytes: 512 or 4096", &LbaSize,
     "*"},
    {"mdts", "7",
     "maximum data transfer size as a power of two of 4 KiB pages (7: "
     "512 KiB)",
     &Mdts, "*"},
}};

}  // namespace

std::span<const PropertySpec> PropertyTable() { return kProperties; }

}  // namespace salix

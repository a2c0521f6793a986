#include "flash/timing.h"

#include <fmt/format.h>

#include <charconv>

namespace salix::flash {

// Per-cell-type NAND latencies are FEMU's table (hw/femu/nand/nand.h):
//  - SLC: 40 us read, 800 us program, 2 ms erase;
//  - MLC: "profiled from Micron L95B MLC NAND used in CNEX OCSSD":
//    read 48/64 us, program 850/2300 us (lower/upper), erase 3 ms;
//  - TLC: from the SimpleSSD paper (Jung et al., IEEE CAL 2017):
//    read 56.5/77.5/106 us, program 820.5/2225/5734 us, erase 3 ms;
//  - QLC: FEMU's extrapolation from TLC after Micron's FMS'19 talk
//    "Component-Level Characterization of 3D TLC, QLC, and Low-Latency
//    NAND": TLC x1.05 / x1.1 / x1.2 / x1.6 (lower, lower-centre from the
//    centre page, upper-centre and upper from the upper page), erase 3 ms.
// Bus figures are NVMeVirt's SAMSUNG_970PRO configuration (snu-csl/nvmevirt
// ssd_config.h): NAND channel 800 MB/s, PCIe 3360 MB/s, and its
// FW_4KB_READ_LATENCY of 21.5 us as the per-command firmware overhead.
Timing Timing::Defaults(CellType cell) {
  Timing t;
  switch (cell) {
    case CellType::kSlc:
      t.read_ns = {40'000};
      t.program_ns = {800'000};
      t.erase_ns = 2'000'000;
      break;
    case CellType::kMlc:
      t.read_ns = {48'000, 64'000};
      t.program_ns = {850'000, 2'300'000};
      t.erase_ns = 3'000'000;
      break;
    case CellType::kTlc:
      t.read_ns = {56'500, 77'500, 106'000};
      t.program_ns = {820'500, 2'225'000, 5'734'000};
      t.erase_ns = 3'000'000;
      break;
    case CellType::kQlc:
      t.read_ns = {59'325, 85'250, 127'200, 169'600};
      t.program_ns = {861'525, 2'447'500, 6'880'800, 9'174'400};
      t.erase_ns = 3'000'000;
      break;
  }
  t.channel_mbps = 800;
  t.pcie_mbps = 3360;
  t.fw_overhead_ns = 21'500;
  return t;
}

std::optional<std::string> Timing::Validate(CellType cell) const {
  for (uint32_t i = 0; i < BitsPerCell(cell); ++i) {
    if (read_ns[i] == 0 || read_ns[i] > kMaxLatencyNs) {
      return fmt::format("timing.read-ns: {} page latency must be 1..{} (got {})",
                         PageTypeName(cell, i), kMaxLatencyNs, read_ns[i]);
    }
    if (program_ns[i] == 0 || program_ns[i] > kMaxLatencyNs) {
      return fmt::format(
          "timing.program-ns: {} page latency must be 1..{} (got {})",
          PageTypeName(cell, i), kMaxLatencyNs, program_ns[i]);
    }
  }
  if (erase_ns == 0 || erase_ns > kMaxLatencyNs) {
    return fmt::format("timing.erase-ns: must be 1..{} (got {})", kMaxLatencyNs,
                       erase_ns);
  }
  if (channel_mbps > kMaxMbps) {
    return fmt::format("timing.channel-mbps: must be 0..{} (got {})", kMaxMbps,
                       channel_mbps);
  }
  if (pcie_mbps > kMaxMbps) {
    return fmt::format("timing.pcie-mbps: must be 0..{} (got {})", kMaxMbps,
                       pcie_mbps);
  }
  if (fw_overhead_ns > kMaxLatencyNs) {
    return fmt::format("timing.fw-overhead-ns: must be 0..{} (got {})",
                       kMaxLatencyNs, fw_overhead_ns);
  }
  return std::nullopt;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> ParseU64(std::string_view s) {
  s = Trim(s);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

Result<LatencyTable, std::string> ParseLatencies(std::string_view key,
                                                 std::string_view text,
                                                 CellType cell,
                                                 const LatencyTable& defaults) {
  const uint32_t bits = BitsPerCell(cell);
  LatencyTable out{};
  uint32_t n = 0;
  std::string_view rest = text;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    auto v = ParseU64(item);
    if (!v || *v == 0 || *v > kMaxLatencyNs) {
      return Err(fmt::format(
          "{}: '{}' is not a latency in ns (1..{}); give one number or {} "
          "comma-separated numbers for {}",
          key, Trim(item), kMaxLatencyNs, bits, CellTypeName(cell)));
    }
    if (n == bits) {
      return Err(fmt::format("{}: {} has {} page types, got more values", key,
                             CellTypeName(cell), bits));
    }
    out[n++] = *v;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (n == 1 && bits > 1) {
    // One number is the LSB latency; keep the default page-type ratios.
    for (uint32_t i = 1; i < bits; ++i) {
      out[i] = (out[0] * defaults[i] + defaults[0] / 2) / defaults[0];
    }
    return out;
  }
  if (n != bits) {
    return Err(fmt::format(
        "{}: {} has {} page types; give one number or {} (got {})", key,
        CellTypeName(cell), bits, bits, n));
  }
  return out;
}

Result<uint64_t, std::string> ParseTimingValue(std::string_view key,
                                               std::string_view text,
                                               uint64_t max) {
  auto v = ParseU64(text);
  if (!v || *v > max) {
    return Err(fmt::format("{}: '{}' must be an integer 0..{}", key, text, max));
  }
  return *v;
}

std::string TimingToString(const Timing& t, CellType cell) {
  auto list = [&](const LatencyTable& l) {
    std::string s;
    for (uint32_t i = 0; i < BitsPerCell(cell); ++i) {
      if (i) s += '/';
      s += fmt::format("{:g}", static_cast<double>(l[i]) / 1000.0);
    }
    return s;
  };
  return fmt::format(
      "tR {} us, tPROG {} us, tBERS {:g} us, channel {} MB/s, PCIe {} MB/s, "
      "fw {:g} us",
      list(t.read_ns), list(t.program_ns),
      static_cast<double>(t.erase_ns) / 1000.0, t.channel_mbps, t.pcie_mbps,
      static_cast<double>(t.fw_overhead_ns) / 1000.0);
}

}  // namespace salix::flash

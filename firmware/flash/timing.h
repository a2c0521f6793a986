// timing.h - NAND and link timing parameters.
//
// Latencies are per page type (see cell_type.h): index 0 is the LSB page,
// index BitsPerCell-1 the MSB page; entries past the cell's bit count are
// unused. All times are nanoseconds of the model clock; bandwidths are
// MB/s with MB = 10^6 bytes (as NAND and PCIe datasheets count).
//
// Properties (parsed with ParseLatencies/ParseTimingValue below):
//   timing.read-ns      tR     "N" or "N0,N1,..." (one per page type)
//   timing.program-ns   tPROG  same form
//   timing.erase-ns     tBERS
//   timing.channel-mbps flash channel bus bandwidth, 0 = transfers are free
//   timing.pcie-mbps    host link bandwidth, 0 = transfers are free
//   timing.fw-overhead-ns firmware time per host command
// A single N for a multi-bit cell is the LSB latency; the other page types
// keep the ratios of the cell type's default table (Defaults() below).
//
// Thread-safety: plain values and pure functions.
#ifndef SALIX_FLASH_TIMING_H
#define SALIX_FLASH_TIMING_H

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "flash/cell_type.h"

namespace salix::flash {

using LatencyTable = std::array<uint64_t, kMaxBitsPerCell>;

struct Timing {
  LatencyTable read_ns{};     // tR by page type
  LatencyTable program_ns{};  // tPROG by page type
  uint64_t erase_ns = 0;      // tBERS
  uint64_t channel_mbps = 0;
  uint64_t pcie_mbps = 0;
  uint64_t fw_overhead_ns = 0;

  // Published per-cell-type figures; see timing.cc for the sources.
  static Timing Defaults(CellType cell);

  // nullopt if valid, else a message naming the property.
  std::optional<std::string> Validate(CellType cell) const;

  // REQUIRES: page_type < kMaxBitsPerCell.
  uint64_t ReadNs(uint32_t page_type) const { return read_ns[page_type]; }
  uint64_t ProgramNs(uint32_t page_type) const { return program_ns[page_type]; }

  friend bool operator==(const Timing&, const Timing&) = default;
};

// Upper bound accepted for any latency: 10 s.
inline constexpr uint64_t kMaxLatencyNs = 10'000'000'000ull;
// Upper bound for a bandwidth: 1 TB/s.
inline constexpr uint64_t kMaxMbps = 1'000'000;

// Time to move 'bytes' at 'mbps' MB/s, rounded up; 0 if mbps is 0.
constexpr uint64_t TransferNs(uint64_t bytes, uint64_t mbps) {
  // bytes / (mbps * 1e6 B/s) seconds = bytes * 1000 / mbps ns.
  return mbps == 0 ? 0 : (bytes * 1000 + mbps - 1) / mbps;
}

// Parses the value of timing.read-ns or timing.program-ns for 'cell'.
// 'key' only names the property in the error message.
Result<LatencyTable, std::string> ParseLatencies(std::string_view key,
                                                 std::string_view text,
                                                 CellType cell,
                                                 const LatencyTable& defaults);

// Parses a single non-negative integer property value (erase-ns, *-mbps,
// fw-overhead-ns) no larger than 'max'.
Result<uint64_t, std::string> ParseTimingValue(std::string_view key,
                                               std::string_view text,
                                               uint64_t max);

// "tR 56.5/77.5/106 us, tPROG 820.5/2225/5734 us, tBERS 3000 us, ..."
std::string TimingToString(const Timing& t, CellType cell);

}  // namespace salix::flash

#endif  // SALIX_FLASH_TIMING_H

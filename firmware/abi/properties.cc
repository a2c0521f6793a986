#include "abi/properties.h"

#include <fmt/format.h>

#include <array>

#include "abi/personalities.h"
#include "flash/cell_type.h"
#include "flash/profiles.h"
#include "ftl/gc_policy.h"

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
std::string ParityMbps(std::string_view v) { return UintIn(v, 0, 1'000'000); }

std::string LbaSize(std::string_view v) {
  if (v == "512" || v == "4096") return {};
  return fmt::format("must be 512 or 4096, got '{}'", v);
}

std::string AnyPath(std::string_view) { return {}; }

// Empty means "the profile's value" (or a derived one) for the keys whose
// default is empty; FtlOptions treats it as not set.
template <std::string (*Check)(std::string_view)>
std::string OrEmpty(std::string_view v) {
  return v.empty() ? std::string() : Check(v);
}

// Syntax only; FtlOptions checks ranges against the geometry and profile.
std::string AnyUint(std::string_view v) {
  auto r = ParseUint(v);
  return r.ok() ? std::string() : r.error();
}
std::string AnySize(std::string_view v) {
  auto r = ParseSize(v);
  return r.ok() ? std::string() : r.error();
}
// "N" or "N0,N1,...": digits and commas; per-page-type checks come later.
std::string Latencies(std::string_view v) {
  if (v.empty()) return "empty value, expected N or N0,N1,...";
  for (char c : v) {
    if ((c < '0' || c > '9') && c != ',') {
      return fmt::format("'{}' is not N or a comma-separated list of ns", v);
    }
  }
  return {};
}
std::string OpPercent(std::string_view v) { return UintIn(v, 0, 400); }
std::string PeCycles(std::string_view v) { return UintIn(v, 1, 100'000'000); }
std::string FgBlocks(std::string_view v) { return UintIn(v, 1, UINT32_MAX); }

std::string OneOf(std::string_view v, std::initializer_list<std::string_view> ok) {
  std::string names;
  for (auto o : ok) {
    if (v == o) return {};
    names += (names.empty() ? "" : ", ") + std::string(o);
  }
  return fmt::format("must be one of {}, got '{}'", names, v);
}
std::string ProfileName(std::string_view v) {
  std::string names;
  for (auto n : flash::ProfileNames()) {
    if (v == n) return {};
    names += (names.empty() ? "" : ", ") + std::string(n);
  }
  return fmt::format("unknown profile '{}' (valid: {})", v, names);
}
std::string CellType(std::string_view v) {
  return OneOf(v, {"slc", "mlc", "tlc", "qlc"});
}
std::string Store(std::string_view v) { return OneOf(v, {"data", "metadata"}); }
std::string TimingMode(std::string_view v) { return OneOf(v, {"off", "realtime"}); }
std::string GcPolicyValue(std::string_view v) {
  return OneOf(v, {"greedy", "cost-benefit", "fifo"});
}
std::string OnOff(std::string_view v) { return OneOf(v, {"on", "off"}); }

std::string PersonalityName(std::string_view v) {
  if (FindPersonality(v) != nullptr) return {};
  return fmt::format("unknown personality '{}' (valid: {})", v,
                     PersonalityNames());
}

const std::array<PropertySpec, 34> kProperties{{
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
    {"personality", "nossd", "namespace behaviour: nossd or ftl", &PersonalityName,
     "*"},
    {"prealloc", "off",
     "on: the namespace's memory is populated when the device starts and "
     "deallocated blocks are zeroed in place, not given back, so no write "
     "pays a host page fault (for benchmarks; start-up takes longer and "
     "the whole size stays resident)",
     &OnOff, "nossd"},
    {"lba-size", "4096", "logical block size in bytes: 512 or 4096", &LbaSize,
     "*"},
    {"mdts", "7",
     "maximum data transfer size as a power of two of 4 KiB pages (7: "
     "512 KiB)",
     &Mdts, "*"},
    {"parity.engine-mbps", "4000",
     "in-device parity engine bandwidth for Parity Compute, MB/s of source "
     "data (0: free); seen by personalities that model time. Default: above "
     "the profiles' host links (3050-3360 MB/s), so offloaded parity is never "
     "slower than moving the chunks to the host",
     &ParityMbps, "*"},
    {"apps.builtin", "off",
     "built-in SSD apps (txn, kv, append; docs/APPS.md): on reserves the "
     "transaction log at the top of the namespace, which the host no longer "
     "sees (smaller NSZE)",
     &OnOff, "*"},

    // ---- ftl: flash geometry (defaults: the profile's) ----
    {"flash.profile", "tlc-datacenter",
     "drive profile giving geometry and timing (tlc-datacenter, "
     "slc-lowlatency; sources in firmware/flash/profiles.cc)",
     &ProfileName, "ftl"},
    {"flash.channels", "", "flash channels (profile: 8)", &OrEmpty<AnyUint>, "ftl"},
    {"flash.dies-per-channel", "", "dies (LUNs) per channel (profile: 4)",
     &OrEmpty<AnyUint>, "ftl"},
    {"flash.planes-per-die", "", "planes per die", &OrEmpty<AnyUint>, "ftl"},
    {"flash.blocks-per-plane", "",
     "erase blocks per plane (default: sized from size and ftl.op-percent)",
     &OrEmpty<AnyUint>, "ftl"},
    {"flash.pages-per-block", "", "pages per erase block", &OrEmpty<AnyUint>, "ftl"},
    {"flash.page-size", "",
     "flash page size in bytes, also the mapping unit (profile: 4096)",
     &OrEmpty<AnyUint>,
     "ftl"},
    {"flash.oob-size", "", "out-of-band bytes per page", &OrEmpty<AnyUint>, "ftl"},
    {"flash.cell-type", "",
     "slc, mlc, tlc or qlc (another type than the profile's resets the "
     "latencies to that type's defaults)",
     &OrEmpty<CellType>, "ftl"},
    {"flash.store", "data",
     "data: keep page payloads; metadata: OOB and states only (simulator "
     "studies, reads return a pattern)",
     &Store, "ftl"},

    // ---- ftl: timing (defaults: the profile's) ----
    {"timing.mode", "realtime",
     "realtime: complete each command at its modelled time; off: at once",
     &TimingMode, "ftl"},
    {"timing.read-ns", "", "tR per page type (N or LSB,CSB,MSB,...)",
     &OrEmpty<Latencies>, "ftl"},
    {"timing.program-ns", "", "tPROG per page type (N or N0,N1,...)",
     &OrEmpty<Latencies>, "ftl"},
    {"timing.erase-ns", "", "tBERS, block erase time", &OrEmpty<AnyUint>, "ftl"},
    {"timing.channel-mbps", "", "flash channel bandwidth, MB/s (0: free)",
     &OrEmpty<AnyUint>, "ftl"},
    {"timing.pcie-mbps", "", "host link bandwidth, MB/s (0: free)",
     &OrEmpty<AnyUint>,
     "ftl"},
    {"timing.fw-overhead-ns", "", "firmware time per command",
     &OrEmpty<AnyUint>,
     "ftl"},

    // ---- ftl: translation layer ----
    {"ftl.op-percent", "7",
     "over-provisioning: physical flash = capacity * (1 + op/100)",
     &OpPercent, "ftl"},
    {"ftl.gc-policy", "greedy", "victim choice: greedy, cost-benefit, fifo",
     &GcPolicyValue, "ftl"},
    {"ftl.gc-fg-blocks", "2",
     "free blocks at or below which host writes collect first (foreground "
     "GC)",
     &FgBlocks, "ftl"},
    {"ftl.gc-bg-blocks", "",
     "free blocks below which idle time collects (default: fg + min(dies, "
     "spare/8))",
     &OrEmpty<AnyUint>, "ftl"},
    {"ftl.write-buffer", "1M",
     "DRAM write buffer (early completion; 0: none, and no volatile write "
     "cache is advertised)",
     &AnySize, "ftl"},
    {"ftl.pe-cycles", "",
     "rated program/erase cycles for SMART Percentage Used (default by cell "
     "type: 100000/10000/3000/1000)",
     &OrEmpty<PeCycles>, "ftl"},
    {"ftl.wear-aware", "on",
     "allocate the least-erased free block of a die (dynamic wear levelling)",
     &OnOff, "ftl"},
}};

}  // namespace

std::span<const PropertySpec> PropertyTable() { return kProperties; }

}  // namespace salix

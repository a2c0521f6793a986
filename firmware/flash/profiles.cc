#include "flash/profiles.h"

namespace salix::flash {
namespace {

// A TLC data-centre drive: the Western Digital Ultrastar DC ZN540 as NVMeVirt
// models it (snu-csl/nvmevirt ssd_config.h, BASE_SSD == WD_ZN540): 8
// channels x 4 LUNs, channel 450 MB/s, PCIe 3050 MB/s, 50 us to read 4 KiB
// (NAND_4KB_READ_LATENCY, same for LSB/CSB/MSB), FW_4KB_READ_LATENCY 20 us.
// Its 561 us tPROG programs a one-shot wordline of 3 x 32 KiB = 24 pages of
// 4 KiB. Salix maps and programs 4 KiB pages one at a time, so the per-page
// figure here is 561/24 = 23.375 us: per-die write throughput matches the
// drive, the latency of one isolated page program does not (a known limit
// of a per-page model; the write buffer hides it from the host).
// NVMeVirt does not model erase (0); tBERS is FEMU's TLC 3 ms.
Profile TlcDatacenter() {
  Profile p;
  p.name = "tlc-datacenter";
  p.description = "TLC data-centre drive (WD Ultrastar DC ZN540 per NVMeVirt)";
  p.geometry.channels = 8;
  p.geometry.dies_per_channel = 4;
  p.geometry.planes_per_die = 1;
  p.geometry.blocks_per_plane = 256;
  p.geometry.pages_per_block = 768;  // 3 MiB blocks; not a cited figure
  p.geometry.page_size = 4096;
  p.geometry.oob_size = 128;
  p.geometry.cell_type = CellType::kTlc;
  p.timing.read_ns = {50'000, 50'000, 50'000};
  p.timing.program_ns = {23'375, 23'375, 23'375};
  p.timing.erase_ns = 3'000'000;
  p.timing.channel_mbps = 450;
  p.timing.pcie_mbps = 3050;
  p.timing.fw_overhead_ns = 20'000;
  return p;
}

// An SLC low-latency drive: Samsung Z-NAND (Z-SSD SZ985 / 983 ZET). Samsung's
// ISSCC 2018 figures as reported by AnandTech's 983 ZET review: 48-layer SLC,
// tR 3 us, tPROG 100 us, 2/4 KiB pages. Not published, so assumed: erase is
// FEMU's SLC 2 ms; channel 800 MB/s (the ONFI 4.0 NV-DDR3 maximum); PCIe
// 3360 MB/s (NVMeVirt's figure for a PCIe 3.0 x4 drive, as the 983 ZET is);
// firmware overhead 5.6 us, derived so that a QD1 4 KiB read totals the
// 15 us of Samsung's ISSCC 2018 controller paper ("A flash memory controller
// for 15us ultra-low-latency SSD using high-speed 3D NAND flash with 3us read
// time"): 15 - 3 tR - 5.12 channel - 1.22 PCIe ~= 5.6. Shape (channels,
// dies, planes) is not published either and follows the defaults.
Profile SlcLowLatency() {
  Profile p;
  p.name = "slc-lowlatency";
  p.description = "SLC low-latency drive (Samsung Z-NAND, ISSCC 2018)";
  p.geometry.channels = 8;
  p.geometry.dies_per_channel = 4;
  p.geometry.planes_per_die = 2;
  p.geometry.blocks_per_plane = 512;
  p.geometry.pages_per_block = 256;
  p.geometry.page_size = 4096;
  p.geometry.oob_size = 128;
  p.geometry.cell_type = CellType::kSlc;
  p.timing.read_ns = {3'000};
  p.timing.program_ns = {100'000};
  p.timing.erase_ns = 2'000'000;
  p.timing.channel_mbps = 800;
  p.timing.pcie_mbps = 3360;
  p.timing.fw_overhead_ns = 5'600;
  return p;
}

}  // namespace

std::optional<Profile> FindProfile(std::string_view name) {
  if (name == "tlc-datacenter") return TlcDatacenter();
  if (name == "slc-lowlatency") return SlcLowLatency();
  return std::nullopt;
}

std::vector<std::string_view> ProfileNames() {
  return {"tlc-datacenter", "slc-lowlatency"};
}

}  // namespace salix::flash

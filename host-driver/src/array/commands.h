// commands.h - building the NVMe commands the array engine sends (internal).
#ifndef SALIX_HOST_ARRAY_COMMANDS_H
#define SALIX_HOST_ARRAY_COMMANDS_H

#include <salix/opcodes.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "array/layout.h"
#include "salix/host/device.h"

namespace salix::host::array {

// NVMe Dataset Management range (NVMe 1.4, Figure 364).
struct DsmRange {
  uint32_t attributes;
  uint32_t nlb;
  uint64_t slba;
};
static_assert(sizeof(DsmRange) == 16);

inline void SetTag(DeviceCommand* c, const ChunkTag& t) {
  salix_host_tag h = EncodeTag(t);
  c->cdw2 = h.dw[0];
  c->cdw3 = h.dw[1];
  c->cdw14 = h.dw[2];
  c->cdw15 = h.dw[3];
}

// Read or Write of 'blocks' LBAs at 'lba'.
inline DeviceCommand Rw(uint8_t opcode, uint64_t lba, uint32_t blocks,
                        void* data, uint32_t bytes) {
  DeviceCommand c;
  c.opcode = opcode;
  c.cdw10 = static_cast<uint32_t>(lba);
  c.cdw11 = static_cast<uint32_t>(lba >> 32);
  c.cdw12 = blocks - 1;
  c.data = data;
  c.data_len = bytes;
  return c;
}

// Deallocate of 'ranges' (which must outlive the command).
inline DeviceCommand Deallocate(const std::vector<DsmRange>& ranges) {
  DeviceCommand c;
  c.opcode = SALIX_IO_DATASET_MANAGEMENT;
  c.cdw10 = static_cast<uint32_t>(ranges.size() - 1);
  c.cdw11 = 1u << 2;  // AD: deallocate
  c.data = const_cast<DsmRange*>(ranges.data());
  c.data_len = static_cast<uint32_t>(ranges.size() * sizeof(DsmRange));
  return c;
}

// Ranges covering [0, blocks) (NLB is 32 bits).
inline std::vector<DsmRange> WholeDevice(uint64_t blocks) {
  std::vector<DsmRange> ranges;
  for (uint64_t lba = 0; lba < blocks;) {
    uint32_t nlb = static_cast<uint32_t>(std::min<uint64_t>(blocks - lba, 1u << 30));
    ranges.push_back({0, nlb, lba});
    lba += nlb;
  }
  return ranges;
}

}  // namespace salix::host::array

#endif  // SALIX_HOST_ARRAY_COMMANDS_H

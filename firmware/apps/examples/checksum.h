/* checksum.h - input of the checksum example app (shared by the eBPF C
 * program and the C++ tests).
 *
 * The app reads lba_count LBAs from first_lba and returns their CRC32C
 * (Castagnoli, reflected, init and final xor 0xffffffff) in r0, and as 4
 * little-endian output bytes. */
#ifndef SALIX_APPS_EXAMPLES_CHECKSUM_H
#define SALIX_APPS_EXAMPLES_CHECKSUM_H

#include <stdint.h>

struct checksum_params {
  uint64_t first_lba;
  uint32_t lba_count;
  uint32_t reserved;
};

#endif /* SALIX_APPS_EXAMPLES_CHECKSUM_H */

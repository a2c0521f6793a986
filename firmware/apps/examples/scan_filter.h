/* scan_filter.h - the record format and input of the scan-and-filter
 * example app (shared by the eBPF C program and the C++ tests).
 *
 * LBAs hold fixed-size records back to back (lba_size / 64 per LBA). The
 * app reads lba_count LBAs from first_lba, returns in r0 how many records
 * have min_value <= value <= max_value, and emits the first max_out of
 * them (whole records, in LBA order) as output. */
#ifndef SALIX_APPS_EXAMPLES_SCAN_FILTER_H
#define SALIX_APPS_EXAMPLES_SCAN_FILTER_H

#include <stdint.h>

#define SCAN_RECORD_SIZE 64

struct scan_record {
  uint64_t key;
  uint32_t value;
  uint32_t flags;
  uint8_t payload[48];
};

struct scan_filter_params {
  uint64_t first_lba;
  uint32_t lba_count;
  uint32_t min_value;
  uint32_t max_value;
  uint32_t max_out;
};

#endif /* SALIX_APPS_EXAMPLES_SCAN_FILTER_H */

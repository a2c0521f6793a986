/* scan_filter.c - scan-and-filter over fixed-size records (scan_filter.h).
 *
 * Reads the range in batches into scratch memory and emits matching
 * records to the output while they fit. */
#include <salix_app.h>

#include "scan_filter.h"

SALIX_APP long scan_filter(const struct salix_app_ctx *ctx) {
  if (ctx->input_len < sizeof(struct scan_filter_params)) return -SALIX_EINVAL;
  const struct scan_filter_params *p = salix_ptr(ctx->input);
  const uint32_t lba_size = ctx->lba_size;
  if (lba_size % SCAN_RECORD_SIZE != 0) return -SALIX_EINVAL;
  uint32_t batch = ctx->scratch_len / lba_size;
  if (batch == 0) return -SALIX_EINVAL;
  if (batch > SALIX_MAX_LBAS_PER_CALL) batch = SALIX_MAX_LBAS_PER_CALL;
  const uint8_t *buf = salix_ptr(ctx->scratch);

  const uint32_t lo = p->min_value, hi = p->max_value, max_out = p->max_out;
  uint64_t lba = p->first_lba;
  uint32_t left = p->lba_count;
  long matches = 0;
  while (left > 0) {
    const uint32_t n = left < batch ? left : batch;
    const uint32_t bytes = n * lba_size;
    long r = salix_read_lba(lba, n, (void *)buf, bytes);
    if (r < 0) return r;
    for (uint32_t off = 0; off < bytes; off += SCAN_RECORD_SIZE) {
      const struct scan_record *rec = (const void *)(buf + off);
      if (rec->value < lo || rec->value > hi) continue;
      if (matches < max_out && salix_emit(rec, SCAN_RECORD_SIZE) < 0) return -SALIX_ENOSPC;
      matches++;
    }
    lba += n;
    left -= n;
  }
  return matches;
}

/* Refused: a memcpy of a size unknown at compile time is a library call. */
#include <salix_app.h>

void *memcpy(void *dst, const void *src, unsigned long n);

SALIX_APP long memcpy_call(const struct salix_app_ctx *ctx) {
  uint8_t *scratch = salix_ptr(ctx->scratch);
  memcpy(scratch, salix_ptr(ctx->input), ctx->input_len);
  return 0;
}

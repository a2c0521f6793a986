/* Refused: a function that is not inlined is a bpf-to-bpf call. */
#include <salix_app.h>

__attribute__((noinline)) static long twice(long x) { return x * 2 + (x >> 3); }

SALIX_APP long local_call(const struct salix_app_ctx *ctx) {
  return twice((long)ctx->lba_size);
}

/* Refused by the loader: a writable global lands in .data (or .bss). */
#include <salix_app.h>

static uint64_t calls;

SALIX_APP long writable_global(const struct salix_app_ctx *ctx) {
  calls += ctx->lba_size;
  return (long)calls;
}

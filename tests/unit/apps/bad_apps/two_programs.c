/* Two programs in one section: the loader asks for one per section; each
 * has its own section here, so naming a section picks one. */
#include <salix_app.h>

__attribute__((section("salix/first"), used)) long first(const struct salix_app_ctx *ctx) {
  return ctx->lba_size;
}
__attribute__((section("salix/second"), used)) long second(const struct salix_app_ctx *ctx) {
  return ctx->input_len;
}

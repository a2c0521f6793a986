/* btree_lookup.c - point lookup in an on-flash B+-tree (btree.h).
 *
 * Pointer chasing: each step reads one node (one LBA) into scratch memory,
 * binary-searches it and follows the child LBA. The depth bound turns a
 * corrupt tree with a cycle into an error rather than a budget overrun. */
#include <salix_app.h>

#include "btree.h"

SALIX_APP long btree_lookup(const struct salix_app_ctx *ctx) {
  if (ctx->input_len < sizeof(struct btree_lookup_params)) return -SALIX_EINVAL;
  const struct btree_lookup_params *p = salix_ptr(ctx->input);
  const uint32_t lba_size = ctx->lba_size;
  if (ctx->scratch_len < lba_size) return -SALIX_EINVAL;
  const uint8_t *buf = salix_ptr(ctx->scratch);
  const struct btree_node_header *node = (const void *)buf;
  const struct btree_entry *entries = (const void *)(buf + SALIX_BTREE_HEADER_SIZE);
  const uint32_t capacity = SALIX_BTREE_CAPACITY(lba_size);

  const uint64_t key = p->key;
  uint64_t lba = p->root_lba;
  for (int depth = 0; depth < SALIX_BTREE_MAX_DEPTH; depth++) {
    long r = salix_read_lba(lba, 1, (void *)buf, lba_size);
    if (r < 0) return r;
    const uint32_t count = node->count;
    if (node->magic != SALIX_BTREE_MAGIC || count == 0 || count > capacity) return -SALIX_EINVAL;
    /* The first entry whose key is greater than 'key'. */
    uint32_t lo = 0, hi = count;
    while (lo < hi) {
      const uint32_t mid = (lo + hi) / 2;
      if (entries[mid].key <= key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo == 0) return 0; /* smaller than every key */
    const struct btree_entry *e = &entries[lo - 1];
    if (node->level == 0) {
      if (e->key != key) return 0;
      salix_emit(&e->value, sizeof(e->value));
      return 1;
    }
    lba = e->value;
  }
  return -SALIX_EINVAL;
}

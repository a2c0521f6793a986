/* salix_app.h - the ABI between a Salix SSD app (eBPF) and the device.
 *
 * Include this from an app written in C and compile it with
 *   clang -target bpf -O2 -ffreestanding -I firmware/apps/ebpf/include -c app.c -o app.o
 * The firmware includes it too (C++), so the layout below is the one the
 * interpreter implements; docs/APPS.md explains the rules.
 *
 * Entry: one function per program section, usually
 *   SALIX_APP long my_app(const struct salix_app_ctx *ctx) { ... }
 * r1 holds ctx; the return value (r0) goes back to the caller with the
 * output bytes.
 *
 * Memory: the program sees separate regions at fixed addresses (region N
 * at N << 32). Every load and store is checked against its region's bounds
 * and rights at run time; addresses come from ctx and from the stack
 * pointer, never from integer constants.
 *   ctx      read-only   struct salix_app_ctx
 *   stack    read/write  512 bytes below r10, zeroed at every run
 *   scratch  read/write  ctx->scratch_len bytes, zeroed at every run
 *   input    read-only   ctx->input_len bytes sent by the caller
 *   output   read/write  ctx->output_cap bytes returned to the caller
 *   rodata   read-only   the object's const globals (.rodata)
 */
#ifndef SALIX_APP_H
#define SALIX_APP_H

#include <stdint.h>

#define SALIX_STACK_SIZE 512

/* Region numbers: an address is (region << 32) | offset. */
#define SALIX_REGION_CTX 1
#define SALIX_REGION_STACK 2
#define SALIX_REGION_SCRATCH 3
#define SALIX_REGION_INPUT 4
#define SALIX_REGION_OUTPUT 5
#define SALIX_REGION_RODATA 6
#define SALIX_REGION_SHIFT 32

/* Helper ids (the imm of a call instruction). */
#define SALIX_HELPER_READ_LBA 1
#define SALIX_HELPER_WRITE_LBA 2
#define SALIX_HELPER_EMIT 3
#define SALIX_HELPER_SET_OUTPUT_LEN 4

/* Helpers return 0 (or a length) on success and a negative error. */
#define SALIX_EPERM 1   /* outside the caller's protection domain, or no right */
#define SALIX_EIO 5     /* the flash access failed */
#define SALIX_EFAULT 14 /* a buffer argument is outside its region */
#define SALIX_EINVAL 22 /* a bad count or length */
#define SALIX_ENOSPC 28 /* the output buffer is full */

/* Most LBAs one read or write helper call may move. */
#define SALIX_MAX_LBAS_PER_CALL 256

/* What the program gets in r1. Addresses are region addresses (above). */
struct salix_app_ctx {
  uint64_t input;       /* address of the input bytes */
  uint64_t output;      /* address of the output buffer */
  uint64_t scratch;     /* address of scratch memory */
  uint32_t input_len;   /* bytes of input */
  uint32_t output_cap;  /* bytes the output buffer holds */
  uint32_t scratch_len; /* bytes of scratch memory */
  uint32_t lba_size;    /* bytes per LBA of the namespace */
  uint64_t lba_count;   /* LBAs in the namespace (the domain may grant fewer) */
};

#ifdef __bpf__

#define SALIX_APP __attribute__((section("salix"), used))

/* Reads 'count' LBAs from 'lba' into dst (dst_len >= count * lba_size).
 * All or nothing: an LBA outside the caller's read domain gives -SALIX_EPERM
 * and dst is untouched. */
static long (*salix_read_lba)(uint64_t lba, uint32_t count, void *dst,
                              uint32_t dst_len) = (void *)SALIX_HELPER_READ_LBA;
/* Writes 'count' LBAs at 'lba' from src (src_len >= count * lba_size).
 * All or nothing, as for reads, against the write domain. */
static long (*salix_write_lba)(uint64_t lba, uint32_t count, const void *src,
                               uint32_t src_len) = (void *)SALIX_HELPER_WRITE_LBA;
/* Appends len bytes to the output; returns the new output length, or
 * -SALIX_ENOSPC (nothing appended) if they do not fit. */
static long (*salix_emit)(const void *src, uint32_t len) = (void *)SALIX_HELPER_EMIT;
/* Sets the output length after writing ctx->output directly (len <= cap). */
static long (*salix_set_output_len)(uint32_t len) = (void *)SALIX_HELPER_SET_OUTPUT_LEN;

static inline void *salix_ptr(uint64_t address) { return (void *)(unsigned long)address; }

#endif /* __bpf__ */

#endif /* SALIX_APP_H */

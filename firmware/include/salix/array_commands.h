/*
 * array_commands.h - layouts of the commands an array engine uses on a
 * Salix device: chunk tags on writes, in-device parity, reading tags back,
 * the "GC busy" completion hint and fault injection. Opcodes live in
 * opcodes.h; this header fixes the dwords and the data structures.
 * C-compatible; all multi-byte fields little-endian.
 *
 * Why these dwords: Linux passes cdw2, cdw3 and cdw10..cdw15 of a
 * passthrough command (ioctl or io_uring NVME_URING_CMD_IO) to the device
 * unchanged, and returns CQE DW0 (the "result"). Nothing else of an SQE is
 * under the submitter's control.
 *
 * ---- Host tag (Write, Write Zeroes, Copy, Parity Compute) -------------------
 * Every command that programs pages carries a 16-byte host tag:
 *   bytes 0..3 = CDW2, 4..7 = CDW3, 8..11 = CDW14, 12..15 = CDW15.
 * The device stores it in the OOB area of every page the command writes, and
 * Read Tags returns it. Salix namespaces have no protection information, so
 * CDW14/CDW15 (reference/application tag fields of Write) and CDW2/CDW3 are
 * otherwise unused; a plain Linux block write sends zeroes there, which is
 * the "untagged" tag. Copy: a non-zero tag in the Copy command is stored on
 * the destination; an all-zero one keeps each source page's tag (a move keeps
 * its identity). GC inside the device keeps tags.
 *
 * ---- Completion hint (every I/O command) -------------------------------------
 * CQE DW0 of NVM-command-set completions carries device state bits; the
 * standard leaves DW0 command specific and Read/Write/Flush define nothing.
 */
#ifndef SALIX_ARRAY_COMMANDS_H
#define SALIX_ARRAY_COMMANDS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CQE DW0 bits of I/O completions. */
#define SALIX_CQE_GC_BUSY (1u << 0)       /* garbage collection is running */
#define SALIX_CQE_GC_FOREGROUND (1u << 1) /* host writes are paying for GC */

typedef struct salix_host_tag {
    uint32_t dw[4]; /* CDW2, CDW3, CDW14, CDW15 */
} salix_host_tag;

/*
 * ---- Parity Compute (I/O, SALIX_IO_PARITY_COMPUTE) ---------------------------
 * Reads k source chunks of the namespace, computes one parity chunk inside
 * the device and writes it at DSLBA with the command's host tag; optionally
 * deallocates the sources once the parity is written.
 *   CDW10-11  DSLBA: first LBA of the destination chunk
 *   CDW12     bits 7:0   NR: number of source descriptors, 0-based (k - 1)
 *             bits 11:8  kind: SALIX_PARITY_P (XOR) or SALIX_PARITY_Q
 *             bits 23:16 SSTEP: chunks between the sources of consecutive
 *                        stripes (NS > 0), 0 = NR + 1
 *             bit 31     deallocate the sources after the parity is written
 *   CDW13     bits 15:0  NLB: chunk length in logical blocks, 0-based
 *             bits 31:16 NS: number of stripes, 0-based (see below)
 *   CDW2,3,14,15         host tag of the destination pages
 *   data pointer (host to device): NR + 1 salix_parity_source descriptors.
 * Several stripes in one command (NS > 0), for stripes whose sources lie
 * back to back: stripe j (0..NS) has the sources of stripe 0 shifted by
 * j * step chunks (slba + j * step * (NLB + 1), the same coefs; step =
 * SSTEP, or NR + 1 when SSTEP is 0: groups of NR + 1 chunks back to back;
 * SSTEP 1 suits sources interleaved stripe by stripe) and
 * its parity goes to DSLBA + j * (NLB + 1). Every destination chunk gets
 * the command's tag; the checks below cover every stripe's ranges.
 * P = XOR of the sources. Q = sum over sources of g^coef * D in GF(2^8) with
 * the polynomial x^8+x^4+x^3+x^2+1 (0x11D) and generator g = 2, as Linux md
 * and the RAID-6 literature (H. P. Anvin, "The mathematics of RAID-6") use;
 * a source's coef is its data index in the stripe, so stripes may be
 * partial and sources in any order.
 * Status: Invalid Field for an unknown kind, NR >= SALIX_PARITY_MAX_SOURCES,
 * or a destination overlapping a source; LBA Out of Range for any range past
 * the namespace. Nothing is written when any check fails.
 */
#define SALIX_PARITY_P 0u
#define SALIX_PARITY_Q 1u
#define SALIX_PARITY_MAX_SOURCES 32u
#define SALIX_PARITY_DEALLOCATE (1u << 31)
#define SALIX_PARITY_SSTEP_SHIFT 16u

typedef struct salix_parity_source {
    uint64_t slba;   /* first LBA of a source chunk (NLB + 1 blocks long) */
    uint8_t coef;    /* Q: exponent of g for this source; ignored for P */
    uint8_t reserved[7];
} salix_parity_source;

/*
 * ---- Write Tagged (I/O, SALIX_IO_WRITE_TAGGED) --------------------------------
 * A Write whose blocks carry tags of their own, so that a host can gather
 * chunks that belong to different writes (another logical chunk, another
 * sequence number) into one command and still tag each of them.
 *   CDW10-11  SLBA
 *   CDW12     bits 15:0  NLB, 0-based; bit 30 FUA (as Write)
 *   CDW13     bits 15:0  TB: logical blocks per tag, 0-based
 *   data pointer (host to device): the tag list, then the data. The list
 *     holds NT = ceil((NLB + 1) / (TB + 1)) salix_host_tag entries, tag t
 *     for blocks [SLBA + t * (TB + 1), +TB + 1) (the last may cover fewer),
 *     zero-padded to a multiple of SALIX_TAG_LIST_ALIGN bytes; the NLB + 1
 *     blocks of data follow it. The transfer is that sum.
 *   CDW13 bit 31 SALIX_WRITE_TAGGED_SCATTER (controllers whose vendor
 *     identify block has SALIX_FEATURE_WRITE_TAGGED_SCATTER): the pieces
 *     of TB + 1 blocks go to LBAs of their own. NLB + 1 is NT * (TB + 1);
 *     the list holds the NT tags, then NT uint64_t LBAs (piece t's first
 *     block; ascending, pieces not overlapping, the first equal to SLBA),
 *     all zero-padded to a multiple of SALIX_TAG_LIST_ALIGN bytes; the
 *     pieces' data follows in list order. So a host merges writes that are
 *     not neighbours on the medium into one command too.
 * Stored and read back as a Write's command tag would be (an all-zero entry
 * is "untagged"); where a flash page spans several tags, the page keeps the
 * tag of its first block the command writes. CDW2, CDW3, CDW14, CDW15 are
 * reserved (zero).
 * Status: LBA Out of Range (any piece); Invalid Field if the transfer
 * exceeds MDTS, the data length is not the computed transfer, or (scatter)
 * NLB + 1 is not a multiple of TB + 1 or the LBAs are not ascending without
 * overlap from SLBA. Nothing is written then.
 */
#define SALIX_TAG_LIST_ALIGN 4096u
#define SALIX_WRITE_TAGGED_SCATTER (1u << 31)

/*
 * ---- Read Tags (I/O, SALIX_IO_READ_TAGS) ------------------------------------
 * Returns one salix_tag_entry per logical block of [SLBA, SLBA + NLB]: the
 * host tag and the device's program sequence number of the page that holds
 * the block now. For crash recovery of a host's map.
 *   CDW10-11  SLBA
 *   CDW12     bits 15:0  NLB, 0-based
 *   data pointer (device to host): (NLB + 1) * 32 bytes
 * Status: LBA Out of Range; Invalid Field if the transfer exceeds MDTS.
 */
#define SALIX_TAG_MAPPED (1u << 0) /* the block holds data (else all zero) */

typedef struct salix_tag_entry {
    salix_host_tag tag;
    uint64_t seq;    /* device-wide program order; larger = written later */
    uint32_t flags;  /* SALIX_TAG_* */
    uint32_t reserved;
} salix_tag_entry;

/*
 * ---- Fault Injection (admin, SALIX_ADMIN_FAULT_INJECTION) --------------------
 * Makes the controller behave as a failed drive, for tests of the layers
 * above. Admin commands keep working, so a test can revive the drive.
 *   CDW10     bits 3:0  mode (SALIX_FAULT_*)
 *   CQE DW0   the mode that was in force before the command
 * The mode survives controller resets, not power cycles (a new controller).
 * Status: Invalid Field for an unknown mode.
 */
#define SALIX_FAULT_NONE 0u        /* healthy */
#define SALIX_FAULT_IO_ERROR 1u    /* every I/O command: Internal Error, DNR */
#define SALIX_FAULT_UNRESPONSIVE 2u /* I/O commands are taken, never completed */
#define SALIX_FAULT_READ_ERROR 3u  /* reads: Unrecovered Read Error; writes work */

#ifdef __cplusplus
static_assert(sizeof(salix_host_tag) == 16, "host tag fills the OOB tag");
static_assert(sizeof(salix_parity_source) == 16, "parity source descriptor");
static_assert(sizeof(salix_tag_entry) == 32, "tag entry");
}
#else
_Static_assert(sizeof(salix_host_tag) == 16, "host tag fills the OOB tag");
_Static_assert(sizeof(salix_parity_source) == 16, "parity source descriptor");
_Static_assert(sizeof(salix_tag_entry) == 32, "tag entry");
#endif

#endif /* SALIX_ARRAY_COMMANDS_H */

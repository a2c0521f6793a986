/*
 * stats_log.h - the Salix statistics log page (vendor-specific log C0h).
 *
 * Read with Get Log Page, LID SALIX_LOG_STATS (plain `nvme get-log /dev/nvme0
 * --log-id=0xc0 --log-len=1024` dumps it raw; `salixctl stats` decodes it;
 * the simulator reads it through the embedded host). Little-endian, fixed
 * layout; new fields take bytes from 'reserved' and bump the version only
 * when an old reader would misread a field. Counters are cumulative since
 * the controller was created: Format NVM and controller resets do not clear
 * them (as the SMART counters, and wear cannot be undone), so experiments
 * diff two snapshots. Host counters follow SMART: successful commands only,
 * Compare counts as a read command. Lateness samples every I/O completion
 * (admin completions are left out: their due time is when they ran, so a
 * Format's run time would read as lateness).
 */
#ifndef SALIX_STATS_LOG_H
#define SALIX_STATS_LOG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SALIX_LOG_STATS 0xC0u
#define SALIX_STATS_LOG_SIZE 1024u
#define SALIX_STATS_LOG_MAGIC "SALIXST\0"
#define SALIX_STATS_LOG_VERSION 1u
/* Lateness histogram: bucket 0 counts lateness < 1 us, bucket i (i >= 1)
 * counts [2^(i-1), 2^i) us; the last bucket also takes everything above. */
#define SALIX_STATS_LATENESS_BUCKETS 32u

/* flags */
#define SALIX_STATS_MEDIA_VALID (1u << 0) /* media fields below are meaningful */
#define SALIX_STATS_GC_ACTIVE (1u << 1)   /* garbage collection running now */

typedef struct salix_stats_log {
    char magic[8];                 /* SALIX_STATS_LOG_MAGIC */
    uint32_t version;              /* SALIX_STATS_LOG_VERSION */
    uint32_t flags;                /* SALIX_STATS_* */
    char personality[16];          /* NUL-padded, e.g. "ftl" */

    /* Host side, counted by the host interface for every personality. */
    uint64_t host_read_commands;
    uint64_t host_write_commands;
    uint64_t host_bytes_read;
    uint64_t host_bytes_written;

    /* Media side (valid when SALIX_STATS_MEDIA_VALID), in flash pages. */
    uint32_t flash_page_size;      /* bytes */
    uint32_t waf_milli;            /* nand_pages_written * 1000 / host_pages_written */
    uint64_t host_pages_written;
    uint64_t nand_pages_written;
    uint64_t nand_pages_read;
    uint64_t gc_runs;
    uint64_t gc_pages_moved;
    uint64_t erases;
    uint32_t erase_count_min;
    uint32_t erase_count_max;
    uint32_t erase_count_avg_milli;
    uint32_t rated_pe_cycles;
    uint64_t free_blocks;
    uint64_t total_blocks;
    uint64_t spare_blocks;

    /* Completion lateness: time a completion was posted minus the time the
     * timing model said it was due. Measures how well the host keeps time. */
    uint64_t lateness_samples;
    uint64_t lateness_sum_ns;
    uint64_t lateness_max_ns;
    uint64_t lateness_hist[SALIX_STATS_LATENESS_BUCKETS];

    /* FTL metadata held in controller DRAM (mapping table, block table),
     * bytes; 0 when unknown. Media field (SALIX_STATS_MEDIA_VALID). */
    uint64_t metadata_bytes;

    /* Array commands, successful ones (host side, every personality):
     * Parity Compute commands and the source bytes they read, Copy
     * commands and the bytes they wrote. Zero from firmware before them. */
    uint64_t parity_commands;
    uint64_t parity_source_bytes;
    uint64_t copy_commands;
    uint64_t copy_bytes;

    uint8_t reserved[544];
} salix_stats_log;

#ifdef __cplusplus
static_assert(sizeof(salix_stats_log) == SALIX_STATS_LOG_SIZE,
              "statistics log page layout");
#else
_Static_assert(sizeof(salix_stats_log) == SALIX_STATS_LOG_SIZE,
               "statistics log page layout");
#endif

#ifdef __cplusplus
}
#endif

#endif /* SALIX_STATS_LOG_H */

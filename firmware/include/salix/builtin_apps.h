/*
 * builtin_apps.h - the built-in (trusted) SSD apps: names, function ids and
 * the layouts of their inputs and outputs (issue 5, part 3).
 *
 * C-compatible, shared by the firmware and the host side. Every structure
 * is little-endian with naturally aligned fields (no padding, sizes checked
 * below). An invocation's input is the structure named for the function,
 * followed by its data where the function takes data (log-write, put,
 * append); its output is what the function describes. The scalar result
 * (CQE DW0/DW1) is named "value" below.
 *
 * Statuses every function may return, besides its own:
 *   Invalid Field (0x002)        a field is out of bounds (reason says which)
 *   LBA Out of Range (0x080)     a range is beyond the namespace
 *   the domain's refusal         the caller may not read/write the range
 * Each failure has a readable reason and leaves device state unchanged.
 *
 * ---- Transactions (app "txn") -------------------------------------------
 * Atomic multi-write transactions with MARS semantics (Coburn et al., "From
 * ARIES to MARS", SOSP'13; Willow, OSDI'14): a transaction logs writes of
 * several ranges, may read back and edit what it logged, then commits
 * (every write reaches its home LBAs) or aborts (none does). After a power
 * cut a transaction is all or nothing: committed ones are replayed at
 * recovery, the rest discarded. The log lives in the app's private region;
 * home LBAs are in the caller's domain.
 *   BEGIN   input: none (0 bytes)            value: transaction id (32
 *           bits, as CQE DW0 carries; passed back as salix_txn_id.txid)
 *           Capacity Exceeded: SALIX_TXN_MAX_OPEN transactions already open
 *   WRITE   input: salix_txn_write + count * lba_size bytes of data
 *           logs the data for [lba, lba + count); LBAs already logged by the
 *           transaction are edited in place (the newest data wins)
 *           Capacity Exceeded: the log has no room, or the transaction has
 *           more than SALIX_TXN_MAX_EXTENTS extents; nothing is logged
 *   READ    input: salix_txn_read             output: count * lba_size bytes
 *           the transaction's view: logged data over the home data
 *   COMMIT  input: salix_txn_id              value: commit sequence number
 *           (bits 31:0 in CQE DW0)
 *           durable when it completes; the id is then closed
 *   ABORT   input: salix_txn_id              the id is closed, log freed
 *   INFO    input: none                      output: salix_txn_info
 *   EXEC    input: salix_txn_exec + ranges * salix_txn_range + the data of
 *           every range, in order (count * lba_size bytes each)
 *           value: commit sequence number, as COMMIT
 *           BEGIN, one WRITE per range and COMMIT in one invocation (MARS's
 *           atomic multi-write): durable and applied when it completes, all
 *           or nothing after a power cut; where ranges overlap, the later
 *           one wins. No transaction id is opened, so it does not count
 *           against SALIX_TXN_MAX_OPEN.
 *           Capacity Exceeded: the log has no room for the data
 *   Command Sequence Error: an id that is not open.
 *
 * ---- Key-value store (app "kv") ------------------------------------------
 * A log-structured store over an LBA range of the caller's domain that the
 * caller formats (so protection follows the domain: whoever may read and
 * write the range may use the store). Every call names the range. Keys
 * 1..SALIX_KV_MAX_KEY bytes, ordered bytewise; values 0..SALIX_KV_MAX_VALUE.
 * A put or delete is durable when it completes.
 *   FORMAT  input: salix_kv_format           (erases the store logically)
 *   PUT     input: salix_kv_key_op + key + value
 *           Capacity Exceeded: the store is full even after cleaning
 *   GET     input: salix_kv_key_op + key     output: the value; value: its
 *           length, or SALIX_KV_ABSENT (success, no output) for a missing
 *           key. An output buffer smaller than the value: Invalid Field
 *           with value = the length needed.
 *   DELETE  input: salix_kv_key_op + key     value: 1 deleted, 0 absent
 *   SCAN    input: salix_kv_scan + start key (keys >= start; empty = all)
 *           output: salix_kv_scan_header, then per entry a
 *           salix_kv_scan_entry followed by key and value bytes (values
 *           omitted with SALIX_KV_SCAN_KEYS_ONLY); entries are not padded.
 *           Stops after max_entries or when the next entry does not fit
 *           (header.more = 1). value: entries returned.
 *   INFO    input: salix_kv_range            output: salix_kv_info
 *   Command Sequence Error: the range is not a formatted store, or names a
 *   different range than the one formatted.
 *
 * ---- Append (app "append") ---------------------------------------------------
 * An append log over a range of the caller's domain: the device chooses
 * where data goes (the next free LBAs) and returns the location. LBA 0 and
 * 1 of the range hold the log's state; data goes to [first + 2, first +
 * count). Appended data is stored as is, so it can be read back with plain
 * NVMe reads at the returned LBA.
 *   FORMAT  input: salix_append_range        empties the log
 *   APPEND  input: salix_append_op + nlb * lba_size bytes of data
 *           value: first LBA written; output: salix_append_result
 *           Capacity Exceeded: not enough room left; nothing written
 *   READ    input: salix_append_read         output: nlb * lba_size bytes
 *           (only LBAs appended so far)
 *   INFO    input: salix_append_range        output: salix_append_info
 */
#ifndef SALIX_BUILTIN_APPS_H
#define SALIX_BUILTIN_APPS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest data an invocation carries in or out through these functions. */
#define SALIX_BUILTIN_MAX_DATA (128u * 1024u)

/* ---- Transactions ---- */
#define SALIX_APP_TXN "txn"
#define SALIX_TXN_BEGIN 1u
#define SALIX_TXN_WRITE 2u
#define SALIX_TXN_READ 3u
#define SALIX_TXN_COMMIT 4u
#define SALIX_TXN_ABORT 5u
#define SALIX_TXN_INFO 6u
#define SALIX_TXN_EXEC 7u

#define SALIX_TXN_MAX_OPEN 16u    /* transactions open at once */
#define SALIX_TXN_MAX_EXTENTS 64u /* contiguous home ranges per transaction */

typedef struct salix_txn_id {
    uint64_t txid;
} salix_txn_id;

typedef struct salix_txn_write {
    uint64_t txid;
    uint64_t lba;   /* first home LBA */
    uint32_t count; /* LBAs, >= 1; data follows */
    uint32_t reserved;
} salix_txn_write;

typedef struct salix_txn_read {
    uint64_t txid;
    uint64_t lba;
    uint32_t count;
    uint32_t reserved;
} salix_txn_read;

typedef struct salix_txn_exec {
    uint32_t ranges; /* 1..SALIX_TXN_MAX_EXTENTS salix_txn_range follow */
    uint32_t reserved;
} salix_txn_exec;

typedef struct salix_txn_range {
    uint64_t lba;   /* first home LBA */
    uint32_t count; /* LBAs, >= 1 */
    uint32_t reserved;
} salix_txn_range;

typedef struct salix_txn_info {
    uint32_t open;            /* transactions open */
    uint32_t max_open;
    uint64_t log_lbas;        /* LBAs of log data space */
    uint64_t log_free_lbas;   /* of which free */
    uint64_t commits;         /* since power-on */
    uint64_t aborts;
    uint64_t replayed;        /* committed transactions replayed at recovery */
    uint64_t discarded;       /* log records of uncommitted ones dropped */
} salix_txn_info;

/* ---- Key-value store ---- */
#define SALIX_APP_KV "kv"
#define SALIX_KV_FORMAT 1u
#define SALIX_KV_PUT 2u
#define SALIX_KV_GET 3u
#define SALIX_KV_DELETE 4u
#define SALIX_KV_SCAN 5u
#define SALIX_KV_INFO 6u

#define SALIX_KV_MAX_KEY 128u
#define SALIX_KV_MAX_VALUE (64u * 1024u)
#define SALIX_KV_ABSENT UINT64_MAX     /* GET value of a missing key */
#define SALIX_KV_SCAN_KEYS_ONLY (1u << 0)

typedef struct salix_kv_range {
    uint64_t first; /* first LBA of the store */
    uint64_t count; /* LBAs */
} salix_kv_range;

typedef struct salix_kv_format {
    salix_kv_range range;
    uint32_t segment_lbas; /* LBAs per segment; 0: SALIX_KV_DEFAULT_SEGMENT */
    uint32_t reserved;
} salix_kv_format;
#define SALIX_KV_DEFAULT_SEGMENT 64u

typedef struct salix_kv_key_op {
    salix_kv_range range;
    uint32_t key_len;
    uint32_t value_len; /* PUT: bytes of value after the key; else 0 */
} salix_kv_key_op;

typedef struct salix_kv_scan {
    salix_kv_range range;
    uint32_t key_len;     /* start key length (0: from the first key) */
    uint32_t max_entries; /* >= 1 */
    uint32_t flags;       /* SALIX_KV_SCAN_* */
    uint32_t reserved;
} salix_kv_scan;

typedef struct salix_kv_scan_header {
    uint32_t count; /* entries that follow */
    uint32_t more;  /* 1: stopped early (limit or output full) */
} salix_kv_scan_header;

typedef struct salix_kv_scan_entry {
    uint32_t key_len;
    uint32_t value_len; /* the value's length, also with KEYS_ONLY */
} salix_kv_scan_entry;

typedef struct salix_kv_info {
    uint64_t keys;
    uint64_t segments;
    uint64_t segment_lbas;
    uint64_t free_segments;
    uint64_t live_lbas;     /* LBAs holding current records */
    uint64_t cleaned;       /* segments cleaned since power-on */
} salix_kv_info;

/* ---- Append ---- */
#define SALIX_APP_APPEND "append"
#define SALIX_APPEND_FORMAT 1u
#define SALIX_APPEND_APPEND 2u
#define SALIX_APPEND_READ 3u
#define SALIX_APPEND_INFO 4u

#define SALIX_APPEND_META_LBAS 2u /* state LBAs at the start of the range */

typedef struct salix_append_range {
    uint64_t first;
    uint64_t count; /* >= SALIX_APPEND_META_LBAS + 1 */
} salix_append_range;

typedef struct salix_append_op {
    salix_append_range range;
    uint32_t nlb; /* LBAs of data that follow, >= 1 */
    uint32_t reserved;
} salix_append_op;

typedef struct salix_append_result {
    uint64_t lba;      /* first LBA written */
    uint64_t sequence; /* appends to this log so far, this one included */
} salix_append_result;

typedef struct salix_append_read {
    salix_append_range range;
    uint64_t lba;
    uint32_t nlb;
    uint32_t reserved;
} salix_append_read;

typedef struct salix_append_info {
    uint64_t data_first; /* first data LBA */
    uint64_t tail;       /* next LBA to be written */
    uint64_t capacity;   /* data LBAs */
    uint64_t appends;
} salix_append_info;

#ifdef __cplusplus
}  /* extern "C" */
static_assert(sizeof(salix_txn_id) == 8);
static_assert(sizeof(salix_txn_write) == 24);
static_assert(sizeof(salix_txn_read) == 24);
static_assert(sizeof(salix_txn_info) == 56);
static_assert(sizeof(salix_txn_exec) == 8);
static_assert(sizeof(salix_txn_range) == 16);
static_assert(sizeof(salix_kv_range) == 16);
static_assert(sizeof(salix_kv_format) == 24);
static_assert(sizeof(salix_kv_key_op) == 24);
static_assert(sizeof(salix_kv_scan) == 32);
static_assert(sizeof(salix_kv_scan_header) == 8);
static_assert(sizeof(salix_kv_scan_entry) == 8);
static_assert(sizeof(salix_kv_info) == 48);
static_assert(sizeof(salix_append_range) == 16);
static_assert(sizeof(salix_append_op) == 24);
static_assert(sizeof(salix_append_result) == 16);
static_assert(sizeof(salix_append_read) == 32);
static_assert(sizeof(salix_append_info) == 32);
#else
_Static_assert(sizeof(salix_txn_write) == 24, "salix_txn_write");
_Static_assert(sizeof(salix_kv_scan) == 32, "salix_kv_scan");
_Static_assert(sizeof(salix_append_read) == 32, "salix_append_read");
#endif

#endif /* SALIX_BUILTIN_APPS_H */

/*
 * salix-nvme: state shared by the device glue (salix-nvme.c) and its worker
 * thread (salix-worker.c).
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#ifndef HW_SALIX_NVME_H
#define HW_SALIX_NVME_H

#include "hw/pci/pci.h"
#include "qemu/event_notifier.h"
#include "qemu/thread.h"
#include "qom/object.h"

#include "salix-fw-loader.h"

#define TYPE_SALIX_NVME "salix-nvme"
OBJECT_DECLARE_SIMPLE_TYPE(SalixNvmeState, SALIX_NVME)

/*
 * Firmware-facing properties: forwarded verbatim to salix_config_set(),
 * which parses and validates them and names the key in its error. Only the
 * ones the user set are forwarded; the firmware has defaults for the rest.
 * To expose a new firmware key, add one line: X(ENUM_NAME, "key", "help").
 */
#define SALIX_FW_PROPS(X)                                                    \
    X(SERIAL, "serial",                                                      \
      "controller serial number (default: derived from the device id)")      \
    X(SIZE, "size", "namespace capacity, e.g. 1G")                           \
    X(QUEUES, "queues", "number of I/O queue pairs")                         \
    X(BACKING_FILE, "backing-file",                                          \
      "file that holds the flash contents (default: RAM)")                   \
    X(PERSONALITY, "personality", "namespace personality, e.g. ftl or zns")  \
    X(LBA_SIZE, "lba-size", "logical block size in bytes")                   \
    X(MDTS, "mdts", "maximum data transfer size, as a power of two of pages") \
    X(PARITY_MBPS, "parity.engine-mbps",                                     \
      "parity engine bandwidth for Parity Compute, MB/s (0: free)")          \
    X(APPS_BUILTIN, "apps.builtin", "built-in SSD apps txn, kv, append: on/off") \
    X(PREALLOC, "prealloc", "nossd: populate the namespace memory at start-up: on/off") \
    X(FLASH_PROFILE, "flash.profile", "ftl: drive profile (geometry, timing)") \
    X(FLASH_CHANNELS, "flash.channels", "ftl: flash channels")                \
    X(FLASH_DIES, "flash.dies-per-channel", "ftl: dies per channel")          \
    X(FLASH_PLANES, "flash.planes-per-die", "ftl: planes per die")            \
    X(FLASH_BLOCKS, "flash.blocks-per-plane", "ftl: blocks per plane")        \
    X(FLASH_PAGES, "flash.pages-per-block", "ftl: pages per block")           \
    X(FLASH_PAGE_SIZE, "flash.page-size", "ftl: flash page size, bytes")      \
    X(FLASH_OOB_SIZE, "flash.oob-size", "ftl: OOB bytes per page")            \
    X(FLASH_CELL, "flash.cell-type", "ftl: slc, mlc, tlc or qlc")             \
    X(FLASH_STORE, "flash.store", "ftl: data or metadata (no payloads)")      \
    X(TIMING_MODE, "timing.mode", "ftl: realtime or off")                     \
    X(TIMING_READ, "timing.read-ns", "ftl: tR per page type, ns")             \
    X(TIMING_PROGRAM, "timing.program-ns", "ftl: tPROG per page type, ns")    \
    X(TIMING_ERASE, "timing.erase-ns", "ftl: tBERS, ns")                      \
    X(TIMING_CHANNEL, "timing.channel-mbps", "ftl: channel bandwidth, MB/s")  \
    X(TIMING_PCIE, "timing.pcie-mbps", "ftl: PCIe bandwidth, MB/s")           \
    X(TIMING_FW, "timing.fw-overhead-ns", "ftl: firmware time per command")   \
    X(FTL_OP, "ftl.op-percent", "ftl: over-provisioning, percent")            \
    X(FTL_GC_POLICY, "ftl.gc-policy", "ftl: greedy, cost-benefit or fifo")    \
    X(FTL_GC_FG, "ftl.gc-fg-blocks", "ftl: foreground GC free-block mark")    \
    X(FTL_GC_BG, "ftl.gc-bg-blocks", "ftl: background GC free-block mark")    \
    X(FTL_WRITE_BUFFER, "ftl.write-buffer", "ftl: DRAM write buffer size")    \
    X(FTL_PE_CYCLES, "ftl.pe-cycles", "ftl: rated P/E cycles")                \
    X(FTL_WEAR_AWARE, "ftl.wear-aware", "ftl: wear-aware allocation, on/off")

enum {
#define SALIX_FW_PROP_ENUM(e, name, help) SALIX_FW_PROP_##e,
    SALIX_FW_PROPS(SALIX_FW_PROP_ENUM)
#undef SALIX_FW_PROP_ENUM
    SALIX_FW_PROP__MAX
};

/*
 * Threading: the worker thread owns the controller's I/O path. It alone
 * calls salix_ctrl_run() and salix_ctrl_reset(); the vCPU threads call only
 * salix_ctrl_mmio_read/write (thread-safe per salix.h). Bus reset and
 * unrealize are requests the worker carries out while the BQL is dropped,
 * so a worker blocked on the BQL (MSI-X, DMA aimed at MMIO) never deadlocks
 * against them. salix_ctrl_free() runs only after the worker was joined.
 */
typedef struct SalixWorker {
    QemuThread thread;
    bool initialized;           /* kick and cond exist */
    bool started;               /* thread is running */
    EventNotifier kick;         /* set by platform.kick, stop and reset */
    bool kicked;                /* a kick since the last run(), deduplicates */
    bool stopping;              /* written under the BQL */
    unsigned reset_req;         /* BQL; bumped per reset request */
    unsigned reset_done;        /* BQL; last reset request carried out */
    bool exited;                /* BQL */
    QemuCond cond;              /* with the BQL: reset_done, exited */

    uint64_t poll_max_ns;       /* "poll-us" */
    uint64_t poll_ns;           /* current adaptive polling window */

    /* MSI-X vectors raised during one run(), notified after it. */
    unsigned long *irq_pending;
    bool irq_any;
} SalixWorker;

struct SalixNvmeState {
    PCIDevice parent_obj;

    MemoryRegion iomem;         /* BAR0: the firmware's registers */

    /* properties */
    char *firmware;
    uint32_t poll_us;
    char *fw_prop[SALIX_FW_PROP__MAX];

    char *name;                 /* for logs and traces: id or QOM path */
    SalixFw *fw;
    salix_ctrl *ctrl;
    uint16_t msix_vectors;
    SalixWorker worker;
};

/* salix-worker.c */
void salix_worker_platform(SalixNvmeState *s, salix_platform *platform);
bool salix_worker_init(SalixNvmeState *s, Error **errp);
void salix_worker_start(SalixNvmeState *s);
void salix_worker_reset(SalixNvmeState *s);
void salix_worker_stop(SalixNvmeState *s);

#endif /* HW_SALIX_NVME_H */

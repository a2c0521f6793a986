/*
 * salix.h - the C ABI between a Salix firmware instance and its host.
 *
 * The firmware implements a whole NVMe controller; a host (the salix-nvme QEMU
 * device, the in-process embedded host, the simulator) provides the bus:
 * register access, a thread that runs the firmware, guest-memory DMA, MSI-X
 * and a clock. Nothing else crosses this boundary, so the same firmware runs
 * unchanged in every host. The firmware never includes a QEMU header and
 * QEMU never sees a C++ type.
 *
 * Lifecycle:
 *   cfg = salix_config_new();
 *   salix_config_set(cfg, "size", "1G", &err);      // once per property
 *   ctrl = salix_ctrl_new(cfg, &platform, &err);    // validates the whole set
 *   salix_config_free(cfg);                         // ctrl keeps a copy
 *   ... salix_ctrl_mmio_read/write from the bus thread(s) ...
 *   ... salix_ctrl_run from one worker thread ...
 *   salix_ctrl_free(ctrl);
 *
 * Errors: functions that can fail return false/NULL and, when err is not
 * NULL, store a heap string in *err that names the offending property
 * ("flash.channels: must be between 1 and 64, got 0"). Free it with
 * salix_free_string(). No function aborts or throws on bad input.
 *
 * Threading contract:
 *   - salix_ctrl_mmio_read/write may be called from any thread, concurrently
 *     with salix_ctrl_run. Doorbell writes are lock-free; other register
 *     writes only record state and request work, which run() carries out.
 *   - salix_ctrl_run, salix_ctrl_reset and salix_ctrl_free must not be called
 *     concurrently with each other (one worker owns the controller's I/O path).
 *   - platform.dma_read, dma_write and irq are only called from inside
 *     salix_ctrl_run (i.e. on the worker thread). platform.kick may be called
 *     from inside salix_ctrl_mmio_write on the bus thread.
 */
#ifndef SALIX_SALIX_H
#define SALIX_SALIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SALIX_ABI_VERSION 1

/* Returned by salix_ctrl_run when nothing is due until the next kick. */
#define SALIX_RUN_IDLE UINT64_MAX

typedef struct salix_config salix_config;
typedef struct salix_ctrl salix_ctrl;

/* Services the host provides to the firmware. All pointers must be set. */
typedef struct salix_platform {
    void *opaque;
    /* Copy len bytes from guest physical address addr into buf. Return 0 on
     * success, non-zero when the range is not backed by guest memory (the
     * command then completes with Data Transfer Error). */
    int (*dma_read)(void *opaque, uint64_t addr, void *buf, size_t len);
    /* Copy len bytes from buf to guest physical address addr. Same return. */
    int (*dma_write)(void *opaque, uint64_t addr, const void *buf, size_t len);
    /* Signal MSI-X vector 'vector'. */
    void (*irq)(void *opaque, uint16_t vector);
    /* Current time in nanoseconds on the host's clock (monotonic). */
    uint64_t (*now_ns)(void *opaque);
    /* Work arrived (a doorbell or control register was written): make the
     * worker call salix_ctrl_run soon. Must not block; may be a no-op for a
     * host that calls run() itself after every register write. */
    void (*kick)(void *opaque);
} salix_platform;

/* ---- configuration ---------------------------------------------------- */

salix_config *salix_config_new(void);
void salix_config_free(salix_config *cfg);

/* Sets one property ("size", "queues", "flash.channels", ...). Values use
 * the forms a user types: integers, sizes with K/M/G/T suffixes, on/off,
 * names. Unknown keys and malformed values fail here, naming the key. */
bool salix_config_set(salix_config *cfg, const char *key, const char *value,
                      char **err);

/* The documented property table: name, default value and one-line help, for
 * "-device salix-nvme,help"-style listings and the docs. Returns false when
 * index is past the end. */
bool salix_config_describe(size_t index, const char **name,
                           const char **default_value, const char **help);

/* ---- controller ------------------------------------------------------- */

/* Creates a controller from a complete configuration. Cross-property checks
 * (size versus block size, backing file access, ...) happen here. The
 * platform struct is copied. */
salix_ctrl *salix_ctrl_new(const salix_config *cfg,
                           const salix_platform *platform, char **err);

/* Destroys the controller. Behaves like a power loss unless the guest shut
 * the controller down first (CC.SHN); backing files are unmapped either way. */
void salix_ctrl_free(salix_ctrl *ctrl);

/* PCI-facing facts the bus needs before the guest starts. */
uint64_t salix_ctrl_bar0_size(const salix_ctrl *ctrl); /* power of two */
uint16_t salix_ctrl_msix_vectors(const salix_ctrl *ctrl);

/* BAR0 access. size is 4 or 8; offset is naturally aligned. Reads of
 * undefined registers return 0 and writes to them are ignored (the firmware
 * records a guest-error event in its trace). */
uint64_t salix_ctrl_mmio_read(salix_ctrl *ctrl, uint64_t offset,
                              unsigned size);
void salix_ctrl_mmio_write(salix_ctrl *ctrl, uint64_t offset, uint64_t value,
                           unsigned size);

/* Does all work that is ready at time now_ns: register state changes,
 * fetching and executing submissions, posting completions that are due and
 * raising their interrupts. Returns the earliest time at which more work
 * becomes due without a new kick, or SALIX_RUN_IDLE. */
uint64_t salix_ctrl_run(salix_ctrl *ctrl, uint64_t now_ns);

/* Cheap check a polling worker may spin on: true when a doorbell or control
 * register was written since the last run(). */
bool salix_ctrl_has_work(const salix_ctrl *ctrl);

/* Bus-level reset (PCI reset, VM reset): as CC.EN=0 plus clearing every
 * register to its power-on value. Queued work is dropped. */
void salix_ctrl_reset(salix_ctrl *ctrl);

/* ---- observability ---------------------------------------------------- */

/* Guest mistakes and notable events, for the host's own logging (QEMU's
 * LOG_GUEST_ERROR and trace points). Optional: set to NULL to ignore. level
 * is one of SALIX_LOG_*. Called on the thread that detected the event. */
enum { SALIX_LOG_GUEST_ERROR = 1, SALIX_LOG_INFO = 2 };
typedef void (*salix_log_fn)(void *opaque, int level, const char *message);
void salix_ctrl_set_log(salix_ctrl *ctrl, salix_log_fn fn, void *opaque);

/* Firmware version string, e.g. "0.1.0". */
const char *salix_version(void);

/* SALIX_ABI_VERSION of the library. Hosts that load the firmware at run
 * time (dlopen) compare it with the header they were built against. */
uint32_t salix_abi_version(void);

void salix_free_string(char *s);

#ifdef __cplusplus
}
#endif

#endif /* SALIX_SALIX_H */

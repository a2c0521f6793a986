/*
 * array_bridge.h - the C interface between the fio ioengine (C, compiled
 * against fio's own headers) and the array engine (C++). One handle is one
 * opened array; used from one fio job thread at a time.
 */
#ifndef SALIX_FIO_ARRAY_BRIDGE_H
#define SALIX_FIO_ARRAY_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct salix_fio_array salix_fio_array;

enum salix_fio_op { SALIX_FIO_READ, SALIX_FIO_WRITE, SALIX_FIO_FLUSH, SALIX_FIO_TRIM };

/* Opens the array over 'members' (colon-separated device paths; NULL or ""
 * = every Salix namespace that is not a spare), with 'spares' (may be NULL).
 * When 'name' is set the array must carry that name. 'polling' is "off"
 * (interrupts; also NULL) or "on" (io_uring IOPOLL on the NVMe poll queues,
 * which every member must have; see LinuxPolling in linux_device.h). staging = 0 leaves the
 * engine's staging memory unregistered (LinuxDeviceOptions::register_staging). NULL on
 * failure, with the reason in err. */
salix_fio_array* salix_fio_open(const char* members, const char* spares, const char* name,
                                const char* polling, int submit_thread, int staging,
                                char* err, size_t errlen);
uint64_t salix_fio_capacity(const salix_fio_array* a);
uint32_t salix_fio_block(const salix_fio_array* a);
/* Queues one request; fn(ctx, result) runs from salix_fio_poll with 0 or a
 * negative errno. Returns 0, or -EINVAL for a malformed request (nothing
 * queued, fn never runs). */
int salix_fio_submit(salix_fio_array* a, enum salix_fio_op op, uint64_t offset, uint64_t len,
                     void* buf, void (*fn)(void* ctx, int result), void* ctx);
/* Registers fio's I/O buffer region with the array's ring (fixed buffers:
 * no page pinning per NVMe command). 0, or -1 with the reason in err (I/O
 * then works as without). */
int salix_fio_register(salix_fio_array* a, void* base, size_t len, char* err, size_t errlen);
/* Write coalescing on (1, the default) or off (0). */
void salix_fio_coalesce(salix_fio_array* a, int on);
/* Makes progress; may wait up to wait_us for a completion. */
size_t salix_fio_poll(salix_fio_array* a, unsigned wait_us);
/* Syncs and closes; 0, or -1 with the reason in err. */
int salix_fio_close(salix_fio_array* a, char* err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SALIX_FIO_ARRAY_BRIDGE_H */

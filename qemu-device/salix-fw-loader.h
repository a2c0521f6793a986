/*
 * Salix firmware loader: resolves the firmware's C ABI (salix.h) from a
 * shared library at run time.
 *
 * QEMU is never linked against the firmware. Each salix-nvme device opens
 * the library named by its "firmware" property (or $SALIX_FIRMWARE, or
 * "libsalix-fw.so" on the normal search path) and calls it through a
 * SalixFw table, so a firmware rebuild never relinks QEMU and two devices
 * in one VM may run different firmware builds. dlopen() reference-counts
 * the library, so devices sharing a path share one mapping.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#ifndef HW_SALIX_FW_LOADER_H
#define HW_SALIX_FW_LOADER_H

#include "salix.h"

/* Every ABI entry point, resolved as "salix_" #name. */
#define SALIX_FW_FUNCS(X)   \
    X(abi_version)          \
    X(version)              \
    X(free_string)          \
    X(config_new)           \
    X(config_free)          \
    X(config_set)           \
    X(config_describe)      \
    X(ctrl_new)             \
    X(ctrl_free)            \
    X(ctrl_bar0_size)       \
    X(ctrl_msix_vectors)    \
    X(ctrl_mmio_read)       \
    X(ctrl_mmio_write)      \
    X(ctrl_run)             \
    X(ctrl_has_work)        \
    X(ctrl_reset)           \
    X(ctrl_set_log)

typedef struct SalixFw {
    void *handle;
    char *path;         /* what was passed to dlopen() */
#define SALIX_FW_FIELD(name) __typeof__(salix_##name) *name;
    SALIX_FW_FUNCS(SALIX_FW_FIELD)
#undef SALIX_FW_FIELD
} SalixFw;

/*
 * Opens the firmware library. @path may be NULL: then $SALIX_FIRMWARE, then
 * "libsalix-fw.so" through the dynamic linker's search path. On failure
 * (library missing, symbol missing, ABI version mismatch) returns NULL with
 * @errp naming the "firmware" property and what to do about it.
 */
SalixFw *salix_fw_load(const char *path, Error **errp);

/* Closes the library. REQUIRES: no controller of @fw is alive. */
void salix_fw_unload(SalixFw *fw);

/*
 * Takes a firmware error string (may be NULL) and returns it as a
 * g_malloc'd copy, freeing the original with the firmware's allocator.
 */
char *salix_fw_take_error(SalixFw *fw, char *err);

#endif /* HW_SALIX_FW_LOADER_H */

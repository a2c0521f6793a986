/*
 * Salix firmware loader (see salix-fw-loader.h).
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include <dlfcn.h>

#include "salix-fw-loader.h"

#define SALIX_FW_DEFAULT_NAME "libsalix-fw.so"

static const struct {
    const char *name;
    size_t offset;
} salix_fw_symbols[] = {
#define SALIX_FW_SYMBOL(fn) { "salix_" #fn, offsetof(SalixFw, fn) },
    SALIX_FW_FUNCS(SALIX_FW_SYMBOL)
#undef SALIX_FW_SYMBOL
};

SalixFw *salix_fw_load(const char *path, Error **errp)
{
    ERRP_GUARD();
    g_autofree SalixFw *fw = g_new0(SalixFw, 1);
    const char *origin = "firmware";
    const char *missing = NULL;
    uint32_t abi;
    size_t i;

    if (!path || !*path) {
        path = g_getenv("SALIX_FIRMWARE");
        origin = "firmware (from $SALIX_FIRMWARE)";
        if (!path || !*path) {
            path = SALIX_FW_DEFAULT_NAME;
            origin = "firmware (default " SALIX_FW_DEFAULT_NAME ")";
        }
    }

    /*
     * RTLD_LOCAL keeps the firmware's C++ runtime symbols out of QEMU's
     * namespace; RTLD_NOW makes a half-linked library fail here, at
     * start-up, rather than in the middle of a guest command.
     */
    fw->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!fw->handle) {
        error_setg(errp, "%s: cannot load Salix firmware '%s': %s", origin,
                   path, dlerror());
        error_append_hint(errp, "Set firmware=/path/to/libsalix-fw.so or "
                          "$SALIX_FIRMWARE; './salix build' builds it as "
                          "build/firmware/libsalix-fw.so.\n");
        return NULL;
    }

    for (i = 0; i < ARRAY_SIZE(salix_fw_symbols); i++) {
        void *sym = dlsym(fw->handle, salix_fw_symbols[i].name);

        if (!sym && !missing) {
            missing = salix_fw_symbols[i].name;
        }
        /* POSIX's way to turn dlsym's object pointer into a function one */
        memcpy((char *)fw + salix_fw_symbols[i].offset, &sym, sizeof(sym));
    }

    /* A version mismatch explains missing symbols better than their names */
    abi = fw->abi_version ? fw->abi_version() : 0;
    if (fw->abi_version && abi != SALIX_ABI_VERSION) {
        error_setg(errp, "%s: '%s' implements Salix ABI version %" PRIu32
                   ", this QEMU was built for version %d", origin, path, abi,
                   SALIX_ABI_VERSION);
        error_append_hint(errp, "Rebuild QEMU with "
                          "qemu-device/build-qemu.sh from the same tree as "
                          "the firmware.\n");
        dlclose(fw->handle);
        return NULL;
    }
    if (missing) {
        error_setg(errp, "%s: '%s' lacks symbol %s (not a Salix firmware "
                   "library?)", origin, path, missing);
        dlclose(fw->handle);
        return NULL;
    }

    fw->path = g_strdup(path);
    return g_steal_pointer(&fw);
}

void salix_fw_unload(SalixFw *fw)
{
    if (!fw) {
        return;
    }
    dlclose(fw->handle);
    g_free(fw->path);
    g_free(fw);
}

char *salix_fw_take_error(SalixFw *fw, char *err)
{
    char *copy;

    if (!err) {
        return g_strdup("unknown error (the firmware gave no message)");
    }
    copy = g_strdup(err);
    fw->free_string(err);
    return copy;
}

/*
 * salix-nvme: a programmable NVMe controller for storage research.
 *
 * The controller (registers, queues, commands, FTL, flash model) is the
 * Salix firmware, a shared library loaded at realize time through the C
 * ABI in salix.h. This device is glue: it forwards BAR0 accesses to the
 * firmware, runs it on a worker thread (salix-worker.c) and provides DMA,
 * MSI-X and a clock. It never interprets an NVMe command.
 *
 * Usage:
 *
 *   -device salix-nvme[,firmware=PATH][,poll-us=N][,serial=S][,size=SIZE]
 *                     [,queues=N][,backing-file=PATH][,personality=NAME]
 *                     [,lba-size=N][,mdts=N][,parity.engine-mbps=N]
 *                     [,apps.builtin=on|off]
 *                     [,flash.*=...][,timing.*=...][,ftl.*=...]
 *
 * Device properties:
 *   firmware      Path of libsalix-fw.so. Default: $SALIX_FIRMWARE, else
 *                 "libsalix-fw.so" through the dynamic linker's search
 *                 path. Devices in one VM may load different builds.
 *   poll-us       Ceiling of the worker's adaptive polling window in
 *                 microseconds after it goes idle (default 50, 0 disables,
 *                 at most 10000). Also how early the worker wakes before a
 *                 completion's due time, spinning the rest (host timers
 *                 wake tens of us late). Polling trades host CPU for
 *                 latency; an idle device never spins.
 *
 * Firmware properties, passed verbatim to salix_config_set(); the firmware
 * parses and validates them and documents their defaults. Only the ones
 * given are passed:
 *   serial        Serial number. Default: "SALIX-<id>" for a short id,
 *                 else "SALIX-" and a hash of the device's QOM path, so
 *                 each device of a VM gets its own stable serial.
 *   size          Namespace capacity (1G, 512M, ...).
 *   queues        Number of I/O queue pairs.
 *   backing-file  File holding the flash contents (default: RAM only).
 *   personality   Namespace personality: nossd (direct-mapped, no flash
 *                 model) or ftl (page-mapping FTL over a NAND model).
 *   lba-size      Logical block size in bytes.
 *   mdts          Maximum data transfer size (power of two, in pages).
 *   parity.engine-mbps  In-device parity engine bandwidth for Parity
 *                 Compute, MB/s (default 4000, 0: free; only personalities
 *                 that model time see it).
 *   apps.builtin  on: the built-in SSD apps (txn, kv, append) are active;
 *                 the transaction log takes LBAs off the top of the
 *                 namespace (default off).
 *
 *   personality=ftl only (defaults: the profile's, see salix-fw-info):
 *   flash.profile           tlc-datacenter (default) or slc-lowlatency
 *   flash.channels, flash.dies-per-channel, flash.planes-per-die,
 *   flash.blocks-per-plane (default: sized from size and ftl.op-percent),
 *   flash.pages-per-block, flash.page-size, flash.oob-size,
 *   flash.cell-type (slc/mlc/tlc/qlc), flash.store (data/metadata)
 *   timing.mode             realtime (default) or off
 *   timing.read-ns, timing.program-ns (N or one per page type),
 *   timing.erase-ns, timing.channel-mbps, timing.pcie-mbps,
 *   timing.fw-overhead-ns
 *   ftl.op-percent (7), ftl.gc-policy (greedy/cost-benefit/fifo),
 *   ftl.gc-fg-blocks, ftl.gc-bg-blocks, ftl.write-buffer (1M, 0: no
 *   volatile write cache), ftl.pe-cycles, ftl.wear-aware (on/off)
 *
 * PCI identity: vendor 0x1b36 (Red Hat / QEMU), device 0x5a1f (not used
 * by any QEMU device), revision 1, class 0x010802 (NVMe), so the guest's
 * NVMe driver binds by class. BAR0 (64-bit memory) holds the firmware's
 * registers, sized by the firmware; the MSI-X table and PBA live in their
 * own BAR 4, so BAR0 belongs to the firmware alone. MSI-X only: there is
 * no INTx fallback (Linux and every current NVMe driver use MSI-X).
 *
 * Example:
 *   -device salix-nvme,id=ssd0,firmware=build/firmware/libsalix-fw.so,size=1G
 *   -device salix-nvme,id=ssd1,size=4G,personality=ftl,ftl.op-percent=15,\
 *           flash.profile=slc-lowlatency,backing-file=/var/tmp/ssd1.img
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/units.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"

#include "salix-nvme.h"
#include "trace.h"

#define SALIX_NVME_DEVICE_ID    0x5a1f
#define SALIX_NVME_REVISION     1
#define SALIX_NVME_PROG_IF      0x2     /* NVM Express */
#define SALIX_NVME_MSIX_BAR     4
#define SALIX_NVME_POLL_US_MAX  10000
#define SALIX_NVME_SERIAL_MAX   20      /* Identify Controller SN field */
#define SALIX_NVME_SERIAL_PFX   "SALIX-"     /* + id or path hash */

static const char *const salix_fw_prop_names[SALIX_FW_PROP__MAX] = {
#define SALIX_FW_PROP_NAME(e, name, help) [SALIX_FW_PROP_##e] = name,
    SALIX_FW_PROPS(SALIX_FW_PROP_NAME)
#undef SALIX_FW_PROP_NAME
};

/* ---- BAR0 ---------------------------------------------------------------- */

static uint64_t salix_nvme_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    SalixNvmeState *s = opaque;
    uint64_t val = s->fw->ctrl_mmio_read(s->ctrl, addr, size);

    trace_salix_mmio_read(s->name, addr, size, val);
    return val;
}

static void salix_nvme_mmio_write(void *opaque, hwaddr addr, uint64_t data,
                                  unsigned size)
{
    SalixNvmeState *s = opaque;

    trace_salix_mmio_write(s->name, addr, size, data);
    s->fw->ctrl_mmio_write(s->ctrl, addr, data, size);
}

/*
 * The firmware takes naturally aligned 4- and 8-byte accesses only; the
 * memory core rejects (and logs as a guest error) anything else.
 */
static const MemoryRegionOps salix_nvme_mmio_ops = {
    .read = salix_nvme_mmio_read,
    .write = salix_nvme_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
};

/* ---- firmware ------------------------------------------------------------ */

static void salix_nvme_fw_log(void *opaque, int level, const char *msg)
{
    SalixNvmeState *s = opaque;

    if (level == SALIX_LOG_GUEST_ERROR) {
        trace_salix_err_guest(s->name, msg);
        qemu_log_mask(LOG_GUEST_ERROR, "salix-nvme %s: %s\n", s->name, msg);
    } else {
        trace_salix_fw_info(s->name, msg);
    }
}

static bool salix_nvme_id_usable(const char *id)
{
    if (!id || !*id ||
        strlen(id) > SALIX_NVME_SERIAL_MAX - strlen(SALIX_NVME_SERIAL_PFX)) {
        return false;
    }
    for (; *id; id++) {
        if (*id < 0x20 || *id > 0x7e) {
            return false;
        }
    }
    return true;
}

/* Unique within a VM and stable across runs of the same command line. */
static char *salix_nvme_default_serial(SalixNvmeState *s)
{
    DeviceState *dev = DEVICE(s);
    g_autofree char *path = NULL;

    if (salix_nvme_id_usable(dev->id)) {
        return g_strdup_printf(SALIX_NVME_SERIAL_PFX "%s", dev->id);
    }
    path = object_get_canonical_path(OBJECT(s));
    if (!path) {
        path = g_strdup_printf("devfn-%02x", s->parent_obj.devfn);
    }
    return g_strdup_printf(SALIX_NVME_SERIAL_PFX "%08X", g_str_hash(path));
}

static bool salix_nvme_configure(SalixNvmeState *s, salix_config *cfg,
                                 Error **errp)
{
    ERRP_GUARD();
    g_autofree char *serial = NULL;
    int i;

    for (i = 0; i < SALIX_FW_PROP__MAX; i++) {
        const char *key = salix_fw_prop_names[i];
        const char *value = s->fw_prop[i];
        g_autofree char *msg = NULL;
        char *err = NULL;

        if (!value && i == SALIX_FW_PROP_SERIAL) {
            value = serial = salix_nvme_default_serial(s);
        }
        if (!value) {
            continue;
        }
        trace_salix_config_set(s->name, key, value);
        if (s->fw->config_set(cfg, key, value, &err)) {
            continue;
        }
        msg = salix_fw_take_error(s->fw, err);
        if (g_str_has_prefix(msg, key)) {
            error_setg(errp, "%s", msg);
        } else {
            error_setg(errp, "%s: %s", key, msg);
        }
        if (value == serial) {
            error_append_hint(errp, "The serial '%s' was derived from the "
                              "device; set serial= explicitly.\n", serial);
        }
        return false;
    }
    return true;
}

static bool salix_nvme_create_ctrl(SalixNvmeState *s, Error **errp)
{
    salix_platform platform;
    salix_config *cfg;
    char *err = NULL;
    bool ok;

    cfg = s->fw->config_new();
    if (!cfg) {
        error_setg(errp, "firmware: '%s' could not allocate a configuration",
                   s->fw->path);
        return false;
    }
    ok = salix_nvme_configure(s, cfg, errp);
    if (ok) {
        salix_worker_platform(s, &platform);
        s->ctrl = s->fw->ctrl_new(cfg, &platform, &err);
        if (!s->ctrl) {
            g_autofree char *msg = salix_fw_take_error(s->fw, err);
            error_setg(errp, "%s", msg);
            ok = false;
        }
    }
    s->fw->config_free(cfg);
    return ok;
}

/* ---- PCI ----------------------------------------------------------------- */

static bool salix_nvme_init_pci(SalixNvmeState *s, Error **errp)
{
    PCIDevice *pci_dev = PCI_DEVICE(s);
    uint64_t bar0_size = s->fw->ctrl_bar0_size(s->ctrl);
    unsigned v;
    int ret;

    if (bar0_size < 4 * KiB || !is_power_of_2(bar0_size)) {
        error_setg(errp, "firmware: '%s' reports a BAR0 size of 0x%" PRIx64
                   ", not a power of two of at least 4 KiB", s->fw->path,
                   bar0_size);
        return false;
    }
    s->msix_vectors = s->fw->ctrl_msix_vectors(s->ctrl);
    if (s->msix_vectors < 1 || s->msix_vectors > PCI_MSIX_FLAGS_QSIZE + 1) {
        error_setg(errp, "firmware: '%s' asks for %u MSI-X vectors, "
                   "supported are 1 to %u", s->fw->path, s->msix_vectors,
                   PCI_MSIX_FLAGS_QSIZE + 1);
        return false;
    }

    pci_config_set_prog_interface(pci_dev->config, SALIX_NVME_PROG_IF);
    ret = pcie_endpoint_cap_init(pci_dev, 0x80);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "cannot add the PCIe capability");
        return false;
    }

    memory_region_init_io(&s->iomem, OBJECT(s), &salix_nvme_mmio_ops, s,
                          "salix-nvme-bar0", bar0_size);
    pci_register_bar(pci_dev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->iomem);

    if (msix_init_exclusive_bar(pci_dev, s->msix_vectors,
                                SALIX_NVME_MSIX_BAR, errp) < 0) {
        /* Includes -ENOTSUP: without MSI-X the device cannot interrupt. */
        return false;
    }
    for (v = 0; v < s->msix_vectors; v++) {
        msix_vector_use(pci_dev, v);
    }
    return true;
}

/* ---- qdev ---------------------------------------------------------------- */

static void salix_nvme_teardown(SalixNvmeState *s)
{
    salix_worker_stop(s);
    if (s->ctrl) {
        s->fw->ctrl_free(s->ctrl);
        s->ctrl = NULL;
    }
    salix_fw_unload(s->fw);
    s->fw = NULL;
    g_free(s->name);
    s->name = NULL;
}

static void salix_nvme_realize(PCIDevice *pci_dev, Error **errp)
{
    SalixNvmeState *s = SALIX_NVME(pci_dev);
    DeviceState *dev = DEVICE(pci_dev);

    s->name = dev->id ? g_strdup(dev->id)
                      : object_get_canonical_path(OBJECT(s));
    if (!s->name) {
        s->name = g_strdup(TYPE_SALIX_NVME);
    }

    if (s->poll_us > SALIX_NVME_POLL_US_MAX) {
        error_setg(errp, "poll-us: must be at most %u, got %" PRIu32,
                   SALIX_NVME_POLL_US_MAX, s->poll_us);
        goto fail;
    }

    s->fw = salix_fw_load(s->firmware, errp);
    if (!s->fw) {
        goto fail;
    }
    if (!salix_worker_init(s, errp) ||
        !salix_nvme_create_ctrl(s, errp)) {
        goto fail;
    }
    s->fw->ctrl_set_log(s->ctrl, salix_nvme_fw_log, s);

    if (!salix_nvme_init_pci(s, errp)) {
        goto fail;
    }

    salix_worker_start(s);
    trace_salix_realize(s->name, s->fw->path, s->fw->version(),
                        memory_region_size(&s->iomem), s->msix_vectors);
    return;

fail:
    salix_nvme_teardown(s);
}

static void salix_nvme_exit(PCIDevice *pci_dev)
{
    SalixNvmeState *s = SALIX_NVME(pci_dev);

    /* Stop the worker first: it may be raising an MSI-X vector. */
    salix_worker_stop(s);
    msix_unuse_all_vectors(pci_dev);
    msix_uninit_exclusive_bar(pci_dev);
    salix_nvme_teardown(s);
}

static void salix_nvme_reset(DeviceState *dev)
{
    SalixNvmeState *s = SALIX_NVME(dev);

    trace_salix_reset(s->name);
    salix_worker_reset(s);
}

static Property salix_nvme_props[] = {
    DEFINE_PROP_STRING("firmware", SalixNvmeState, firmware),
    DEFINE_PROP_UINT32("poll-us", SalixNvmeState, poll_us, 50),
#define SALIX_FW_PROP_DEFINE(e, name, help) \
    DEFINE_PROP_STRING(name, SalixNvmeState, fw_prop[SALIX_FW_PROP_##e]),
    SALIX_FW_PROPS(SALIX_FW_PROP_DEFINE)
#undef SALIX_FW_PROP_DEFINE
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription salix_nvme_vmstate = {
    .name = TYPE_SALIX_NVME,
    .unmigratable = 1,
};

static void salix_nvme_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    pc->realize = salix_nvme_realize;
    pc->exit = salix_nvme_exit;
    pc->vendor_id = PCI_VENDOR_ID_REDHAT;
    pc->device_id = SALIX_NVME_DEVICE_ID;
    pc->revision = SALIX_NVME_REVISION;
    pc->class_id = PCI_CLASS_STORAGE_EXPRESS;

    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    dc->desc = "Salix programmable NVMe SSD (firmware loaded from a library)";
    dc->reset = salix_nvme_reset;
    dc->vmsd = &salix_nvme_vmstate;
    device_class_set_props(dc, salix_nvme_props);

    object_class_property_set_description(oc, "firmware",
        "path of libsalix-fw.so (default: $SALIX_FIRMWARE, then the "
        "library search path)");
    object_class_property_set_description(oc, "poll-us",
        "ceiling of the worker's adaptive polling window in us, 0 disables");
#define SALIX_FW_PROP_DESCRIBE(e, name, help) \
    object_class_property_set_description(oc, name, \
                                          help " [checked by the firmware]");
    SALIX_FW_PROPS(SALIX_FW_PROP_DESCRIBE)
#undef SALIX_FW_PROP_DESCRIBE
}

static const TypeInfo salix_nvme_info = {
    .name          = TYPE_SALIX_NVME,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SalixNvmeState),
    .class_init    = salix_nvme_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void salix_nvme_register_types(void)
{
    type_register_static(&salix_nvme_info);
}

type_init(salix_nvme_register_types)

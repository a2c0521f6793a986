/*
 * vendor_identify.h - the Salix block in the vendor-specific area of the
 * NVMe Identify Controller data structure (bytes 3072..4095).
 *
 * Guest tools (salixctl list) read it to tell Salix controllers from other
 * NVMe devices and to learn the firmware version and personality without a
 * vendor command. All multi-byte fields are little-endian; strings are
 * NUL-terminated and NUL-padded. New fields take bytes from 'reserved' and
 * bump SALIX_VENDOR_IDENTIFY_VERSION only if an old reader would misread them.
 */
#ifndef SALIX_VENDOR_IDENTIFY_H
#define SALIX_VENDOR_IDENTIFY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Byte offset of the block inside the 4096-byte Identify Controller page. */
#define SALIX_VENDOR_IDENTIFY_OFFSET 3072u
#define SALIX_VENDOR_IDENTIFY_SIZE 1024u
/* Eight bytes: "SALIX" followed by three NULs. */
#define SALIX_VENDOR_IDENTIFY_MAGIC "SALIX\0\0\0"
#define SALIX_VENDOR_IDENTIFY_MAGIC_LEN 8u
#define SALIX_VENDOR_IDENTIFY_VERSION 1u
/* features: Write Tagged takes SALIX_WRITE_TAGGED_SCATTER (array_commands.h). */
#define SALIX_FEATURE_WRITE_TAGGED_SCATTER (1u << 0)

typedef struct salix_vendor_identify {
    char magic[8];              /* SALIX_VENDOR_IDENTIFY_MAGIC */
    uint32_t format_version;    /* SALIX_VENDOR_IDENTIFY_VERSION */
    uint32_t abi_version;       /* SALIX_ABI_VERSION of the firmware */
    char firmware_version[32];  /* e.g. "0.1.0" */
    char personality[32];       /* e.g. "nossd" */
    uint32_t features;          /* SALIX_FEATURE_* (0 before the field) */
    uint8_t reserved[940];
} salix_vendor_identify;

#ifdef __cplusplus
static_assert(sizeof(salix_vendor_identify) == SALIX_VENDOR_IDENTIFY_SIZE,
              "vendor identify block must fill bytes 3072..4095");
#else
_Static_assert(sizeof(salix_vendor_identify) == SALIX_VENDOR_IDENTIFY_SIZE,
               "vendor identify block must fill bytes 3072..4095");
#endif

#ifdef __cplusplus
}
#endif

#endif /* SALIX_VENDOR_IDENTIFY_H */

/*
 * app_commands.h - layouts of the SSD-app commands: loading and activating
 * eBPF programs, protection domains, invoking an app, and the app log
 * pages. Opcodes live in opcodes.h; this header fixes the dwords, the data
 * structures and the statuses. C-compatible; all multi-byte fields
 * little-endian. docs/APPS.md and docs/COMMANDS.md explain them with
 * nvme-cli lines.
 *
 * Standards: Load Program (85h) and Program Activation Management (88h)
 * follow the shape of the NVMe Computational Programs Command Set 1.0
 * (TP4091, ratified with NVMe 2.1): a program index (slot), a program type,
 * multi-chunk loads by offset, activation as a separate step. Salix sends
 * them on the admin queue, as NVMe 2.1's admin opcode list places them, so
 * only a privileged process can load code; the program type values, the
 * app name and the scratch size are Salix's. Memory Range Set Management
 * (89h) is not used: an app reaches host data through the Invoke data
 * buffer and flash through its protection domain. Program instructions
 * are eBPF as in RFC 9669.
 *
 * Why these dwords: Linux passes CDW2, CDW3 and CDW10..CDW15 of a
 * passthrough command (ioctl or io_uring NVME_URING_CMD_IO) to the device
 * unchanged and returns CQE DW0 and DW1 (the 64-bit "result"; nvme-cli
 * prints DW0). Nothing else of an SQE is under the submitter's control.
 *
 * Bidirectional commands (opcode bits 1:0 = 11b: Invoke, Domain
 * Management) use ONE data buffer: the device first reads the input from
 * it, then writes the output into it from byte 0. Linux maps a
 * passthrough buffer of a "write" opcode (bit 0 set) without a bounce copy
 * when it is page aligned, so the device's writes land in the caller's
 * memory; an unaligned buffer may be bounced and the output lost. nvme-cli
 * (io-passthru/admin-passthru with --write --read, or an opcode with both
 * bits) and the Salix host library allocate page-aligned buffers and write
 * every byte before submitting (a never-touched page could be the shared
 * zero page).
 */
#ifndef SALIX_APP_COMMANDS_H
#define SALIX_APP_COMMANDS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Slots ------------------------------------------------------------------
 * Loadable programs live in slots 0 .. SALIX_APP_PROGRAM_SLOTS - 1. Built-in
 * (trusted) apps are always active at slots SALIX_APP_BUILTIN_SLOT_BASE + i,
 * in the order the firmware registers them; find them by name in the App
 * log page. */
#define SALIX_APP_PROGRAM_SLOTS 16u
#define SALIX_APP_BUILTIN_SLOT_BASE 0x100u
#define SALIX_APP_NAME_LEN 16u          /* bytes, NUL-padded, no NUL needed */
#define SALIX_APP_MAX_PROGRAM_BYTES (1u << 20)

/*
 * ---- Load Program (admin, SALIX_ADMIN_LOAD_PROGRAM, 85h) -------------------
 * Transfers a program into a slot, in one or several chunks.
 *   CDW10  bits 7:0    PTYPE, program type (SALIX_PROGRAM_*)
 *          bit 8       SEL: 0 = load, 1 = unload the slot (no data)
 *          bits 31:16  PIND, program slot (< SALIX_APP_PROGRAM_SLOTS)
 *   CDW11  TSZE: total program size in bytes (the same in every chunk)
 *   CDW12  NUMB: bytes in this chunk (the data buffer's length)
 *   CDW13  LOFST: offset of this chunk in the program
 *   data (host to device): NUMB bytes
 * A chunk at offset 0 starts a load (dropping an unfinished one in that
 * slot); later chunks must continue where the previous one ended. The chunk
 * that completes TSZE makes the device parse (ELF) and verify the program;
 * only then is the slot "loaded" (CQE DW0 = instruction slots). A refused
 * program leaves the slot empty, with the reason in the firmware log and
 * the Error Information log.
 * Statuses: SLOT_OCCUPIED (the slot holds a program: unload it first),
 * PROGRAM_INVALID (loader or verifier refused), Invalid Field (slot out of
 * range, unknown PTYPE, TSZE 0 or > SALIX_APP_MAX_PROGRAM_BYTES, chunk out
 * of order or beyond TSZE). Unload: SLOT_EMPTY, PROGRAM_ACTIVE (deactivate
 * first).
 */
#define SALIX_PROGRAM_EBPF_ELF 1u /* ELF64 object from clang -target bpf */
#define SALIX_PROGRAM_EBPF_RAW 2u /* raw 8-byte eBPF instruction slots */
#define SALIX_LOAD_PROGRAM_UNLOAD (1u << 8)

/*
 * ---- Program Activation Management (admin, SALIX_ADMIN_PROGRAM_ACTIVATION,
 * 88h) -----------------------------------------------------------------------
 *   CDW10  bits 3:0    SEL: SALIX_PROGRAM_DEACTIVATE or SALIX_PROGRAM_ACTIVATE
 *          bits 31:16  PIND, program slot
 *   CDW11  bits 15:0   scratch memory in KiB (0: 64 KiB; at most 16 MiB)
 *          bit 16      SALIX_PROGRAM_PRIVATE: only the host may call it
 *                      (else other apps may call it too)
 *   CDW12..CDW15       app name, 16 bytes NUL-padded (bytes 0..3 = CDW12);
 *                      all zero: "slot<N>"
 *   no data
 * An activated eBPF program is an app with one function, id 0, whose input
 * may be 0 .. 64 KiB. Statuses: SLOT_EMPTY (nothing loaded),
 * SLOT_OCCUPIED (already active), NAME_IN_USE (another app has the name),
 * APP_NOT_ACTIVE (deactivating an inactive slot), Invalid Field.
 */
#define SALIX_PROGRAM_DEACTIVATE 0u
#define SALIX_PROGRAM_ACTIVATE 1u
#define SALIX_PROGRAM_PRIVATE (1u << 16)

/*
 * ---- Domain Management (admin, SALIX_ADMIN_DOMAIN_MANAGEMENT, C3h) --------
 * Protection domains: sets of LBA ranges with read and/or write rights
 * (Willow's permissions, installed by a privileged process). Each has an
 * unguessable 128-bit token drawn from the host OS's CSPRNG (getrandom).
 * Domains are controller state: they do not survive a power cycle.
 *   CDW10  bits 3:0    action: SALIX_DOMAIN_CREATE or SALIX_DOMAIN_DESTROY
 *   CDW11  create:  NR, number of ranges (1 .. SALIX_DOMAIN_MAX_RANGES)
 *          destroy: domain id (CQE DW0 of its create)
 *   create data (both directions, one buffer of
 *                SALIX_DOMAIN_CREATE_BYTES(NR)):
 *          in:  salix_domain_create header (token field ignored), then NR
 *               salix_domain_range entries
 *          out: the header's token field holds the new token
 *   CQE DW0  create: the domain id (1..); destroy: 0
 * Destroy revokes the token at once: later invocations with it fail with
 * TOKEN_INVALID. Statuses: Invalid Field (bad action or NR, a range that is
 * empty, wraps, has no or unknown rights, overlaps another, or lies past
 * the namespace: the log names which), DOMAIN_LIMIT (SALIX_DOMAIN_MAX
 * domains exist), TOKEN_INVALID (destroy of an unknown id).
 */
#define SALIX_DOMAIN_CREATE 0u
#define SALIX_DOMAIN_DESTROY 1u
#define SALIX_DOMAIN_MAX_RANGES 64u
#define SALIX_DOMAIN_MAX 256u
#define SALIX_DOMAIN_READ 1u  /* right bits of salix_domain_range.rights */
#define SALIX_DOMAIN_WRITE 2u

typedef struct salix_app_token {
    uint32_t dw[4]; /* as carried by Invoke: CDW2, CDW3, CDW14, CDW15 */
} salix_app_token;

typedef struct salix_domain_range {
    uint64_t slba;    /* first LBA */
    uint32_t nlb;     /* number of LBAs (1-based) */
    uint8_t rights;   /* SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE */
    uint8_t reserved[3];
} salix_domain_range;

typedef struct salix_domain_create {
    salix_app_token token; /* out: the new domain's token */
    uint32_t reserved[4];
    /* salix_domain_range ranges[NR] follow */
} salix_domain_create;

#define SALIX_DOMAIN_CREATE_BYTES(nr) \
    (sizeof(salix_domain_create) + (nr) * sizeof(salix_domain_range))

/*
 * ---- Invoke (I/O, SALIX_IO_INVOKE, 83h) --------------------------------------
 * Runs one function of an active app with the caller's domain.
 *   CDW2, CDW3     token bits 63:0   (salix_app_token dw[0], dw[1])
 *   CDW14, CDW15   token bits 127:64 (dw[2], dw[3])
 *   CDW10  bits 15:0   app slot
 *          bits 31:16  function id
 *   CDW11  input bytes (read from the data buffer at offset 0)
 *   CDW12  output capacity in bytes (written to the buffer from offset 0)
 *   CDW13  instruction budget in units of 1024 (0: device default;
 *          capped at the device maximum) for eBPF apps
 *   data (both directions): one buffer of max(CDW11, CDW12) bytes, at most
 *          MDTS. The output overwrites the input.
 *   CQE DW0  the function's return value, bits 31:0 (eBPF: r0)
 *   CQE DW1  output length in bytes
 * A token of all zeroes means "no domain": the app runs without flash
 * access. Statuses: TOKEN_INVALID (forged or revoked token), SLOT_EMPTY /
 * APP_NOT_ACTIVE, FUNCTION_INVALID, INPUT_SIZE (outside the function's
 * bounds), BUDGET_EXHAUSTED, MEMORY_FAULT, ACCESS_DENIED (a built-in app's
 * flash access outside the domain; nothing was done by that access),
 * APP_FAILED (the app returned an error: eBPF r0 in -4095..-1), Invalid
 * Field (lengths beyond MDTS). On a failed status DW0 still carries the
 * return value when there is one, and the output is not returned.
 */
#define SALIX_APP_MAX_INPUT (64u * 1024u) /* input bound of eBPF function 0 */
#define SALIX_APP_BUDGET_UNIT 1024u

/*
 * ---- Statuses ----------------------------------------------------------------
 * Status Code Type 7h (vendor specific); the 16-bit value nvme-cli prints
 * is (SCT << 8) | SC, e.g. 0x708. salixctl prints the name and a reason.
 */
#define SALIX_SCT_VENDOR 7u
#define SALIX_SC_PROGRAM_INVALID 0x01u  /* loader or verifier refused */
#define SALIX_SC_SLOT_OCCUPIED 0x02u    /* slot holds a program / is active */
#define SALIX_SC_SLOT_EMPTY 0x03u       /* no program in the slot */
#define SALIX_SC_PROGRAM_ACTIVE 0x04u   /* unload of an active program */
#define SALIX_SC_APP_NOT_ACTIVE 0x05u   /* loaded, not activated */
#define SALIX_SC_FUNCTION_INVALID 0x06u /* no such function, or not exported */
#define SALIX_SC_INPUT_SIZE 0x07u       /* input size outside the bounds */
#define SALIX_SC_TOKEN_INVALID 0x08u    /* unknown (forged) or revoked token */
#define SALIX_SC_ACCESS_DENIED 0x09u    /* flash access outside the domain */
#define SALIX_SC_BUDGET_EXHAUSTED 0x0Au /* instruction budget spent */
#define SALIX_SC_MEMORY_FAULT 0x0Bu     /* load/store outside the regions */
#define SALIX_SC_APP_FAILED 0x0Cu       /* the app returned an error */
#define SALIX_SC_DOMAIN_LIMIT 0x0Du     /* too many domains */
#define SALIX_SC_NAME_IN_USE 0x0Eu      /* another app has this name */
#define SALIX_SC_CALL_DEPTH 0x0Fu       /* app-to-app calls nested too deep */

/*
 * ---- App log page (Get Log Page, LID SALIX_LOG_APPS = C1h) ----------------
 * One entry per slot that holds something (built-in apps included), in slot
 * order; counters are cumulative since the program was loaded (built-in:
 * since power-on). `nvme get-log /dev/nvme0 --log-id=0xc1 --log-len=4096`.
 */
#define SALIX_LOG_APPS 0xC1u
#define SALIX_APP_LOG_MAGIC "SALIXAP\0"
#define SALIX_APP_LOG_VERSION 1u
#define SALIX_APP_LOG_MAX_ENTRIES 31u
#define SALIX_APP_LOG_SIZE 4096u

#define SALIX_APP_STATE_LOADING 1u  /* chunks arriving */
#define SALIX_APP_STATE_LOADED 2u   /* verified, not active */
#define SALIX_APP_STATE_ACTIVE 3u
#define SALIX_APP_STATE_BUILTIN 4u  /* trusted, always active */

#define SALIX_APP_FLAG_PRIVATE (1u << 0) /* not callable by other apps */

typedef struct salix_app_log_entry {
    uint16_t slot;
    uint8_t state;            /* SALIX_APP_STATE_* */
    uint8_t type;             /* SALIX_PROGRAM_* (0 for built-in) */
    uint16_t functions;       /* number of functions */
    uint16_t flags;           /* SALIX_APP_FLAG_* */
    char name[SALIX_APP_NAME_LEN];
    uint32_t program_insns;   /* eBPF instruction slots (0 for built-in) */
    uint32_t scratch_bytes;
    uint64_t calls;           /* invocations, from the host or other apps */
    uint64_t errors;          /* invocations that ended with a status */
    uint64_t instructions;    /* eBPF instructions executed */
    uint64_t lbas_read;       /* LBAs the app read from flash */
    uint64_t lbas_written;
    uint64_t device_ns;       /* modelled device time spent in calls */
    uint64_t private_lbas;    /* size of a built-in app's private region */
    uint8_t reserved[40];
} salix_app_log_entry;

typedef struct salix_app_log {
    char magic[8];            /* SALIX_APP_LOG_MAGIC */
    uint32_t version;         /* SALIX_APP_LOG_VERSION */
    uint32_t count;           /* entries that follow */
    uint64_t domains;         /* live protection domains */
    uint64_t reserved;
    salix_app_log_entry entries[SALIX_APP_LOG_MAX_ENTRIES];
    uint8_t pad[SALIX_APP_LOG_SIZE - 32 - SALIX_APP_LOG_MAX_ENTRIES * 128];
} salix_app_log;

/*
 * ---- App functions log page (LID SALIX_LOG_APP_FUNCTIONS = C2h) -----------
 * The functions of the app in the slot named by the Log Specific Identifier
 * (CDW11 bits 31:16). Invalid Field if the slot holds no active app.
 */
#define SALIX_LOG_APP_FUNCTIONS 0xC2u
#define SALIX_APP_FUNCTIONS_MAX 127u
#define SALIX_FUNCTION_EXPORTED (1u << 0) /* other apps may call it */

typedef struct salix_app_function_entry {
    uint32_t id;
    uint32_t min_input;
    uint32_t max_input;
    uint32_t flags;           /* SALIX_FUNCTION_* */
    char name[SALIX_APP_NAME_LEN];
} salix_app_function_entry;

typedef struct salix_app_functions_log {
    uint16_t slot;
    uint16_t count;
    uint32_t reserved[7];
    salix_app_function_entry entries[SALIX_APP_FUNCTIONS_MAX];
} salix_app_functions_log;

#ifdef __cplusplus
static_assert(sizeof(salix_app_token) == 16, "token");
static_assert(sizeof(salix_domain_range) == 16, "domain range");
static_assert(sizeof(salix_domain_create) == 32, "domain create header");
static_assert(sizeof(salix_app_log_entry) == 128, "app log entry");
static_assert(sizeof(salix_app_log) == SALIX_APP_LOG_SIZE, "app log");
static_assert(sizeof(salix_app_function_entry) == 32, "function entry");
static_assert(sizeof(salix_app_functions_log) == 4096, "functions log");
}
#else
_Static_assert(sizeof(salix_app_token) == 16, "token");
_Static_assert(sizeof(salix_domain_range) == 16, "domain range");
_Static_assert(sizeof(salix_domain_create) == 32, "domain create header");
_Static_assert(sizeof(salix_app_log_entry) == 128, "app log entry");
_Static_assert(sizeof(salix_app_log) == SALIX_APP_LOG_SIZE, "app log");
_Static_assert(sizeof(salix_app_function_entry) == 32, "function entry");
_Static_assert(sizeof(salix_app_functions_log) == 4096, "functions log");
#endif

#endif /* SALIX_APP_COMMANDS_H */

/*
 * opcodes.h - every NVMe command a Salix controller supports.
 *
 * The single table shared by the firmware (dispatch and the Commands
 * Supported and Effects log, which is generated from it), the host driver
 * and the docs. A command absent from these lists is answered with Invalid
 * Command Opcode. C-compatible.
 *
 * Each list is an X-macro: X(SYMBOL, opcode, "spec name", effects), where
 * effects is the Commands Supported and Effects log entry (NVMe 1.4, 5.14.1.5)
 * built from the SALIX_EFFECT_* bits below.
 */
#ifndef SALIX_OPCODES_H
#define SALIX_OPCODES_H

#include <stdint.h>

/* Commands Supported and Effects entry bits. */
#define SALIX_EFFECT_CSUPP (1u << 0) /* command supported */
#define SALIX_EFFECT_LBCC (1u << 1)  /* logical block content change */
#define SALIX_EFFECT_NCC (1u << 2)   /* namespace capability change */
#define SALIX_EFFECT_NIC (1u << 3)   /* namespace inventory change */
#define SALIX_EFFECT_CCC (1u << 4)   /* controller capability change */
/* Command Submission and Execution: no other command to the same namespace
 * (1) or to any namespace (2) may be outstanding while it runs. */
#define SALIX_EFFECT_CSE_NS (1u << 16)
#define SALIX_EFFECT_CSE_ALL (2u << 16)

/* Admin command set. */
#define SALIX_ADMIN_COMMANDS(X)                                                \
    X(DELETE_IO_SQ, 0x00, "Delete I/O Submission Queue", SALIX_EFFECT_CSUPP)   \
    X(CREATE_IO_SQ, 0x01, "Create I/O Submission Queue", SALIX_EFFECT_CSUPP)   \
    X(GET_LOG_PAGE, 0x02, "Get Log Page", SALIX_EFFECT_CSUPP)                  \
    X(DELETE_IO_CQ, 0x04, "Delete I/O Completion Queue", SALIX_EFFECT_CSUPP)   \
    X(CREATE_IO_CQ, 0x05, "Create I/O Completion Queue", SALIX_EFFECT_CSUPP)   \
    X(IDENTIFY, 0x06, "Identify", SALIX_EFFECT_CSUPP)                          \
    X(ABORT, 0x08, "Abort", SALIX_EFFECT_CSUPP)                                \
    X(SET_FEATURES, 0x09, "Set Features", SALIX_EFFECT_CSUPP)                  \
    X(GET_FEATURES, 0x0A, "Get Features", SALIX_EFFECT_CSUPP)                  \
    X(ASYNC_EVENT_REQUEST, 0x0C, "Asynchronous Event Request",                 \
      SALIX_EFFECT_CSUPP)                                                      \
    X(FORMAT_NVM, 0x80, "Format NVM",                                          \
      SALIX_EFFECT_CSUPP | SALIX_EFFECT_LBCC | SALIX_EFFECT_NCC |              \
          SALIX_EFFECT_NIC | SALIX_EFFECT_CSE_NS)                             \
    X(LOAD_PROGRAM, 0x85, "Load Program", SALIX_EFFECT_CSUPP)                  \
    X(PROGRAM_ACTIVATION, 0x88, "Program Activation Management",               \
      SALIX_EFFECT_CSUPP)                                                      \
    X(FAULT_INJECTION, 0xC0, "Salix Fault Injection", SALIX_EFFECT_CSUPP)      \
    X(DOMAIN_MANAGEMENT, 0xC3, "Salix Domain Management", SALIX_EFFECT_CSUPP)
/*
 * Vendor-specific admin range C0h-FFh. Opcode bits 1:0 give the data
 * direction (01b host to device, 10b device to host), which Linux
 * passthrough relies on. Layouts: array_commands.h, app_commands.h (Load
 * Program 85h and Program Activation Management 88h are NVMe 2.1
 * computational-programs opcodes; Domain Management C3h moves data both
 * ways). Add entries to
 * SALIX_ADMIN_COMMANDS with their effects; nothing else needs editing for
 * the effects log.
 */

/* NVM I/O command set. */
#define SALIX_IO_COMMANDS(X)                                                   \
    X(FLUSH, 0x00, "Flush", SALIX_EFFECT_CSUPP)                                \
    X(WRITE, 0x01, "Write", SALIX_EFFECT_CSUPP | SALIX_EFFECT_LBCC)            \
    X(READ, 0x02, "Read", SALIX_EFFECT_CSUPP)                                  \
    X(COMPARE, 0x05, "Compare", SALIX_EFFECT_CSUPP)                            \
    X(WRITE_ZEROES, 0x08, "Write Zeroes",                                      \
      SALIX_EFFECT_CSUPP | SALIX_EFFECT_LBCC)                                  \
    X(DATASET_MANAGEMENT, 0x09, "Dataset Management",                          \
      SALIX_EFFECT_CSUPP | SALIX_EFFECT_LBCC)                                  \
    X(COPY, 0x19, "Copy", SALIX_EFFECT_CSUPP | SALIX_EFFECT_LBCC)              \
    X(PARITY_COMPUTE, 0x81, "Salix Parity Compute",                           \
      SALIX_EFFECT_CSUPP | SALIX_EFFECT_LBCC)                                  \
    X(READ_TAGS, 0x82, "Salix Read Tags", SALIX_EFFECT_CSUPP)                  \
    X(INVOKE, 0x83, "Salix Invoke App", SALIX_EFFECT_CSUPP | SALIX_EFFECT_LBCC) \
    X(WRITE_TAGGED, 0x85, "Salix Write Tagged",                               \
      SALIX_EFFECT_CSUPP | SALIX_EFFECT_LBCC)
/*
 * Vendor-specific I/O range 80h-FFh (parity, tags, app invocation),
 * direction bits as for admin; layouts in array_commands.h and
 * app_commands.h (Invoke 83h moves data both ways; LBCC because apps may
 * write, so Linux lets an unprivileged caller send it only on a /dev/ng
 * node it opened for writing). Standard
 * commands (Zone Management 79h/7Ah, Zone Append 7Dh) go above in spec
 * order when implemented.
 */

#define SALIX_OPCODE_ENUM_ADMIN_(sym, op, name, eff) SALIX_ADMIN_##sym = op,
#define SALIX_OPCODE_ENUM_IO_(sym, op, name, eff) SALIX_IO_##sym = op,
enum salix_admin_opcode { SALIX_ADMIN_COMMANDS(SALIX_OPCODE_ENUM_ADMIN_) };
enum salix_io_opcode { SALIX_IO_COMMANDS(SALIX_OPCODE_ENUM_IO_) };
#undef SALIX_OPCODE_ENUM_ADMIN_
#undef SALIX_OPCODE_ENUM_IO_

#endif /* SALIX_OPCODES_H */

#include "core/status.h"

#include <fmt/format.h>

namespace salix {

const char* Status::name() const {
  switch (value()) {
    case 0x000: return "Successful Completion";
    case 0x001: return "Invalid Command Opcode";
    case 0x002: return "Invalid Field in Command";
    case 0x003: return "Command ID Conflict";
    case 0x004: return "Data Transfer Error";
    case 0x006: return "Internal Error";
    case 0x007: return "Command Abort Requested";
    case 0x008: return "Command Aborted due to SQ Deletion";
    case 0x00B: return "Invalid Namespace or Format";
    case 0x00C: return "Command Sequence Error";
    case 0x00D: return "Invalid SGL Segment Descriptor";
    case 0x00E: return "Invalid Number of SGL Descriptors";
    case 0x00F: return "Data SGL Length Invalid";
    case 0x011: return "SGL Descriptor Type Invalid";
    case 0x013: return "PRP Offset Invalid";
    case 0x080: return "LBA Out of Range";
    case 0x081: return "Capacity Exceeded";
    case 0x082: return "Namespace Not Ready";
    case 0x100: return "Completion Queue Invalid";
    case 0x101: return "Invalid Queue Identifier";
    case 0x102: return "Invalid Queue Size";
    case 0x103: return "Abort Command Limit Exceeded";
    case 0x105: return "Asynchronous Event Request Limit Exceeded";
    case 0x106: return "Invalid Firmware Slot";
    case 0x108: return "Invalid Interrupt Vector";
    case 0x109: return "Invalid Log Page";
    case 0x10A: return "Invalid Format";
    case 0x10C: return "Invalid Queue Deletion";
    case 0x10D: return "Feature Identifier Not Saveable";
    case 0x10E: return "Feature Not Changeable";
    case 0x183: return "Command Size Limit Exceeded";
    case 0x280: return "Write Fault";
    case 0x281: return "Unrecovered Read Error";
    case 0x285: return "Compare Failure";
    case 0x700 | SALIX_SC_PROGRAM_INVALID: return "Program Invalid";
    case 0x700 | SALIX_SC_SLOT_OCCUPIED: return "Program Slot Occupied";
    case 0x700 | SALIX_SC_SLOT_EMPTY: return "Program Slot Empty";
    case 0x700 | SALIX_SC_PROGRAM_ACTIVE: return "Program Active";
    case 0x700 | SALIX_SC_APP_NOT_ACTIVE: return "App Not Active";
    case 0x700 | SALIX_SC_FUNCTION_INVALID: return "App Function Invalid";
    case 0x700 | SALIX_SC_INPUT_SIZE: return "App Input Size Invalid";
    case 0x700 | SALIX_SC_TOKEN_INVALID: return "Domain Token Invalid";
    case 0x700 | SALIX_SC_ACCESS_DENIED: return "App Access Denied";
    case 0x700 | SALIX_SC_BUDGET_EXHAUSTED: return "App Instruction Budget Exhausted";
    case 0x700 | SALIX_SC_MEMORY_FAULT: return "App Memory Fault";
    case 0x700 | SALIX_SC_APP_FAILED: return "App Failed";
    case 0x700 | SALIX_SC_DOMAIN_LIMIT: return "Domain Limit Exceeded";
    case 0x700 | SALIX_SC_NAME_IN_USE: return "App Name In Use";
    case 0x700 | SALIX_SC_CALL_DEPTH: return "App Call Depth Exceeded";
    default: return "Unknown Status";
  }
}

std::string Status::ToString() const {
  return fmt::format("{} (0x{:03x})", name(), value());
}

}  // namespace salix

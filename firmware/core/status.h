// status.h - an NVMe completion status as a value.
//
// Every NVMe status code the firmware produces is named here, and only here:
// the rest of the code returns Status::InvalidField() and friends, never a
// bare number. A default-constructed Status is Success.
//
// Thread-safety: a plain value type.
#ifndef SALIX_CORE_STATUS_H
#define SALIX_CORE_STATUS_H

#include <salix/app_commands.h>

#include <cstdint>
#include <string>

namespace salix {

// Status Code Type (NVMe 1.4, Figure 125).
enum class StatusType : uint8_t {
  kGeneric = 0,
  kCommandSpecific = 1,
  kMediaError = 2,
  kPath = 3,
  kVendor = 7,
};

class Status {
 public:
  constexpr Status() = default;

  static constexpr Status Success() { return Status(); }

  // Generic command status (SCT 0).
  static constexpr Status InvalidOpcode() { return Generic(0x01); }
  static constexpr Status InvalidField() { return Generic(0x02); }
  static constexpr Status CommandIdConflict() { return Generic(0x03); }
  static constexpr Status DataTransferError() { return Generic(0x04); }
  static constexpr Status InternalError() { return Generic(0x06); }
  // Aborts are retryable by the host: no DNR.
  static constexpr Status AbortRequested() { return Generic(0x07, false); }
  static constexpr Status AbortedSqDeletion() { return Generic(0x08, false); }
  static constexpr Status InvalidNamespaceOrFormat() { return Generic(0x0B); }
  static constexpr Status CommandSequenceError() { return Generic(0x0C); }
  static constexpr Status InvalidSglSegmentDescriptor() { return Generic(0x0D); }
  static constexpr Status InvalidSglDescriptorCount() { return Generic(0x0E); }
  static constexpr Status DataSglLengthInvalid() { return Generic(0x0F); }
  static constexpr Status SglDescriptorTypeInvalid() { return Generic(0x11); }
  static constexpr Status InvalidPrpOffset() { return Generic(0x13); }
  static constexpr Status LbaOutOfRange() { return Generic(0x80); }
  static constexpr Status CapacityExceeded() { return Generic(0x81); }
  // The namespace will become ready again: the host should retry.
  static constexpr Status NamespaceNotReady() { return Generic(0x82, false); }

  // Command specific status (SCT 1).
  static constexpr Status CompletionQueueInvalid() { return Specific(0x00); }
  static constexpr Status InvalidQueueIdentifier() { return Specific(0x01); }
  static constexpr Status InvalidQueueSize() { return Specific(0x02); }
  static constexpr Status AbortCommandLimitExceeded() { return Specific(0x03); }
  static constexpr Status AsyncEventLimitExceeded() { return Specific(0x05); }
  static constexpr Status InvalidFirmwareSlot() { return Specific(0x06); }
  static constexpr Status InvalidInterruptVector() { return Specific(0x08); }
  static constexpr Status InvalidLogPage() { return Specific(0x09); }
  static constexpr Status InvalidFormat() { return Specific(0x0A); }
  static constexpr Status InvalidQueueDeletion() { return Specific(0x0C); }
  static constexpr Status FeatureNotSaveable() { return Specific(0x0D); }
  static constexpr Status FeatureNotChangeable() { return Specific(0x0E); }
  // NVM command set specific (NVMe 2.0 NVM Command Set, Figure 32): Copy
  // beyond MSSRL, MCL or MSRC.
  static constexpr Status CommandSizeLimitExceeded() { return Specific(0x83); }

  // Media and data integrity errors (SCT 2).
  static constexpr Status WriteFault() { return Media(0x80); }
  static constexpr Status UnrecoveredReadError() { return Media(0x81); }
  static constexpr Status CompareFailure() { return Media(0x85); }

  // Vendor specific (SCT 7): SSD apps (<salix/app_commands.h>).
  static constexpr Status ProgramInvalid() { return Vendor(SALIX_SC_PROGRAM_INVALID); }
  static constexpr Status ProgramSlotOccupied() { return Vendor(SALIX_SC_SLOT_OCCUPIED); }
  static constexpr Status ProgramSlotEmpty() { return Vendor(SALIX_SC_SLOT_EMPTY); }
  static constexpr Status ProgramActive() { return Vendor(SALIX_SC_PROGRAM_ACTIVE); }
  static constexpr Status AppNotActive() { return Vendor(SALIX_SC_APP_NOT_ACTIVE); }
  static constexpr Status AppFunctionInvalid() { return Vendor(SALIX_SC_FUNCTION_INVALID); }
  static constexpr Status AppInputSize() { return Vendor(SALIX_SC_INPUT_SIZE); }
  static constexpr Status AppTokenInvalid() { return Vendor(SALIX_SC_TOKEN_INVALID); }
  static constexpr Status AppAccessDenied() { return Vendor(SALIX_SC_ACCESS_DENIED); }
  static constexpr Status AppBudgetExhausted() { return Vendor(SALIX_SC_BUDGET_EXHAUSTED); }
  static constexpr Status AppMemoryFault() { return Vendor(SALIX_SC_MEMORY_FAULT); }
  static constexpr Status AppFailed() { return Vendor(SALIX_SC_APP_FAILED); }
  static constexpr Status DomainLimit() { return Vendor(SALIX_SC_DOMAIN_LIMIT); }
  static constexpr Status AppNameInUse() { return Vendor(SALIX_SC_NAME_IN_USE); }
  static constexpr Status AppCallDepth() { return Vendor(SALIX_SC_CALL_DEPTH); }

  constexpr bool ok() const { return type_ == 0 && code_ == 0; }
  constexpr StatusType type() const { return static_cast<StatusType>(type_); }
  constexpr uint8_t code() const { return code_; }
  constexpr bool dnr() const { return dnr_; }

  // (SCT << 8) | SC, the form the spec tables and nvme-cli print (0x285).
  constexpr uint16_t value() const {
    return static_cast<uint16_t>((type_ << 8) | code_);
  }

  // Bits 15:1 of the CQE status field (DW3 31:17); the phase bit (0) is 0.
  constexpr uint16_t cqe_field() const {
    return static_cast<uint16_t>((dnr_ ? 1u << 15 : 0u) | (uint32_t{type_} << 9) |
                                 (uint32_t{code_} << 1));
  }

  // Inverse of cqe_field(), for hosts that decode completions.
  static constexpr Status FromCqeField(uint16_t field) {
    Status s;
    s.code_ = static_cast<uint8_t>(field >> 1);
    s.type_ = static_cast<uint8_t>((field >> 9) & 0x7);
    s.dnr_ = (field >> 15) & 1;
    return s;
  }

  // "Invalid Field in Command (0x002)".
  std::string ToString() const;
  const char* name() const;

  friend constexpr bool operator==(Status a, Status b) {
    return a.type_ == b.type_ && a.code_ == b.code_;
  }

 private:
  constexpr Status(uint8_t type, uint8_t code, bool dnr)
      : type_(type), code_(code), dnr_(dnr) {}
  static constexpr Status Generic(uint8_t code, bool dnr = true) {
    return Status(0, code, dnr);
  }
  static constexpr Status Specific(uint8_t code) { return Status(1, code, true); }
  static constexpr Status Media(uint8_t code) { return Status(2, code, true); }
  static constexpr Status Vendor(uint8_t code) { return Status(7, code, true); }

  uint8_t type_ = 0;
  uint8_t code_ = 0;
  bool dnr_ = false;
};

}  // namespace salix

#endif  // SALIX_CORE_STATUS_H

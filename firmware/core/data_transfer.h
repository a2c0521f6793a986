// data_transfer.h - the host data buffer of one command, as a personality
// sees it: a flat byte range it can copy to or from.
//
// The host interface layer builds it from PRPs or SGLs; personalities never
// learn how the buffer is described. Offsets are relative to the start of the
// command's data (byte 0 = first byte of the first LBA).
//
// Thread-safety: used by one command on the worker thread.
#ifndef SALIX_CORE_DATA_TRANSFER_H
#define SALIX_CORE_DATA_TRANSFER_H

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace salix {

class DataTransfer {
 public:
  virtual ~DataTransfer() = default;

  // Bytes the host buffer describes for this command.
  virtual uint64_t length() const = 0;

  // Device -> host. Returns DataTransferError when the host memory is not
  // backed, InternalError when [offset, offset+len) exceeds length().
  virtual Status ToHost(uint64_t offset, const void* src, size_t len) = 0;

  // Host -> device. Same errors.
  virtual Status FromHost(uint64_t offset, void* dst, size_t len) = 0;
};

}  // namespace salix

#endif  // SALIX_CORE_DATA_TRANSFER_H

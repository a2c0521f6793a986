// memory_transfer.h - a DataTransfer over controller memory, for commands
// whose data moves inside the device (Copy, Parity Compute): the
// personality reads into, or writes from, a firmware buffer instead of
// host memory.
//
// Thread-safety: one command on the worker thread. Does not own the bytes.
#ifndef SALIX_HIL_MEMORY_TRANSFER_H
#define SALIX_HIL_MEMORY_TRANSFER_H

#include <cstring>
#include <span>

#include "core/data_transfer.h"

namespace salix {

class MemoryTransfer final : public DataTransfer {
 public:
  explicit MemoryTransfer(std::span<uint8_t> bytes) : bytes_(bytes) {}

  uint64_t length() const override { return bytes_.size(); }
  Status ToHost(uint64_t offset, const void* src, size_t len) override {
    if (offset > bytes_.size() || len > bytes_.size() - offset) {
      return Status::InternalError();
    }
    std::memcpy(bytes_.data() + offset, src, len);
    return Status();
  }
  Status FromHost(uint64_t offset, void* dst, size_t len) override {
    if (offset > bytes_.size() || len > bytes_.size() - offset) {
      return Status::InternalError();
    }
    std::memcpy(dst, bytes_.data() + offset, len);
    return Status();
  }

 private:
  std::span<uint8_t> bytes_;
};

}  // namespace salix

#endif  // SALIX_HIL_MEMORY_TRANSFER_H

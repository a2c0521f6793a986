// io_helpers.h - field decoding and failure results shared by the NVM
// command set's source files (io.cc, io_tags.cc, io_parity.cc, io_copy.cc).
#ifndef SALIX_HIL_IO_HELPERS_H
#define SALIX_HIL_IO_HELPERS_H

#include <cstdint>
#include <cstring>

#include "core/personality.h"
#include "hil/command.h"
#include "hil/nvme_defs.h"

namespace salix::io {

// SQE byte offsets of the fields the Error Information log points at.
constexpr unsigned kByteFlags = 1;
constexpr unsigned kByteNsid = 4;
constexpr unsigned kByteDptr = 24;
constexpr unsigned kByteCdw10 = 40;
constexpr unsigned kByteCdw12 = 48;
constexpr unsigned kByteCdw13 = 52;

inline CommandResult Fail(Status s, uint64_t now, uint16_t param,
                          uint64_t lba = 0) {
  CommandResult r = CommandResult::Of(s, now);
  r.param_location = param;
  r.error_lba = lba;
  return r;
}

// A result carrying a personality's status and due time.
inline CommandResult Done(Status s, uint64_t now, uint64_t due,
                          uint64_t lba = 0) {
  CommandResult r = Fail(s, now, 0xFFFF, lba);
  r.due_ns = due > now ? due : now;
  return r;
}

inline uint64_t Slba(const nvme::Sqe& sqe) {
  return (uint64_t{sqe.cdw11} << 32) | sqe.cdw10;
}
inline uint32_t Nlb(const nvme::Sqe& sqe) { return (sqe.cdw12 & 0xFFFF) + 1; }

// [slba, slba + nlb) inside a namespace of 'cap' blocks (no wrap-around).
inline bool InRange(uint64_t slba, uint64_t nlb, uint64_t cap) {
  return slba < cap && nlb <= cap - slba;
}

inline bool Overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn) {
  return a < b + bn && b < a + an;
}

// The host tag of a command that programs pages (<salix/array_commands.h>):
// CDW2, CDW3, CDW14, CDW15, little-endian.
inline HostTag TagOf(const nvme::Sqe& sqe) {
  HostTag t;
  const uint32_t dw[4] = {sqe.cdw2, sqe.cdw3, sqe.cdw14, sqe.cdw15};
  std::memcpy(t.data(), dw, sizeof(dw));
  return t;
}

}  // namespace salix::io

#endif  // SALIX_HIL_IO_HELPERS_H

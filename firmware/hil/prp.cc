// PRP walking (NVMe 1.4, 4.3): PRP1 may start anywhere dword-aligned in a
// page; every later entry names a whole page. When more than two pages are
// needed PRP2 points to a PRP list; a list page's last entry points to the
// next list page when more entries follow (a chained list).
#include <algorithm>

#include "hil/host_buffer.h"

namespace salix {
namespace {

constexpr uint64_t kPage = nvme::kPageSize;
constexpr uint64_t kEntriesPerPage = kPage / sizeof(uint64_t);

}  // namespace

Status HostBuffer::BuildPrp(uint64_t prp1, uint64_t prp2, uint64_t length) {
  Clear();
  if (length == 0) return Status::Success();
  if (prp1 & 0x3) return Status::InvalidPrpOffset();

  uint64_t first = std::min<uint64_t>(length, kPage - (prp1 & (kPage - 1)));
  Append(prp1, first);
  uint64_t remaining = length - first;
  if (remaining == 0) return Status::Success();

  if (remaining <= kPage) {
    if (prp2 & (kPage - 1)) return Status::InvalidPrpOffset();
    Append(prp2, remaining);
    return Status::Success();
  }

  // PRP2 is a list pointer; the first list may start mid-page (qword aligned).
  if (prp2 & 0x7) return Status::InvalidPrpOffset();
  prp_scratch_.resize(kEntriesPerPage);
  uint64_t list = prp2;
  while (remaining > 0) {
    uint64_t slots = (kPage - (list & (kPage - 1))) / sizeof(uint64_t);
    uint64_t pages_left = (remaining + kPage - 1) / kPage;
    // All entries are data if the rest fits in this list; otherwise the last
    // slot chains to the next list page.
    bool chained = pages_left > slots;
    uint64_t to_read = chained ? slots : pages_left;
    if (!platform_.DmaRead(list, prp_scratch_.data(),
                           to_read * sizeof(uint64_t))) {
      return Status::DataTransferError();
    }
    uint64_t data_entries = chained ? slots - 1 : to_read;
    for (uint64_t i = 0; i < data_entries; i++) {
      uint64_t e = prp_scratch_[i];
      if (e & (kPage - 1)) return Status::InvalidPrpOffset();
      uint64_t n = std::min<uint64_t>(remaining, kPage);
      Append(e, n);
      remaining -= n;
    }
    if (chained) {
      list = prp_scratch_[slots - 1];
      if (list & (kPage - 1)) return Status::InvalidPrpOffset();
    }
  }
  return Status::Success();
}

}  // namespace salix

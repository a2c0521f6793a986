// coalescer.h - gathers one member's chunk writes into fewer commands
// (internal).
//
// Why: a device command is the unit of cost on every host of the engine.
// Under TCG a Linux passthrough command costs the guest 220-310 us of
// kernel time whatever its size (docs/BENCHMARKS.md), and each command
// costs the in-process firmware its fixed per-command work. The engine
// writes one chunk per command (a data chunk, a backup, a table chunk), so
// without help it pays 2-3 commands per 4 KiB write where Linux md, whose
// block layer merges and plugs, pays less per member I/O.
//
// How: a member's plain chunk Writes wait here (Add) until the engine's
// next Poll finds the member with nothing in flight, or the stage holds a
// full command's worth; then Flush sends them in LBA order: writes at adjacent
// LBAs go as one Salix Write Tagged (<salix/array_commands.h>), whose tag
// list gives every chunk the tag it would have had as a Write of its own,
// and whose data is either a gather list of the parts' own buffers
// (DeviceCommand::segments, where the backend takes them cheaply) or
// copied into one buffer after the list; a write with no neighbour
// goes out unchanged. Where the member takes scattered Write Tagged
// (SALIX_WRITE_TAGGED_SCATTER: each chunk's own LBA in the list), the
// staged writes need not be neighbours: all of them go as one command (up
// to a command's worth). Once array GC runs, the stripes it frees lie
// scattered over the volume and a member's chunk writes are seldom
// neighbours; with adjacent merging only, random 4 KiB writes then cost
// ~3.5x the commands (docs/ARRAY.md). The merged command's completion is every part's
// completion. So the writes submitted between two polls, and those that
// arrive while a member is busy, cost one command per member and run of
// adjacent LBAs (layout.h puts consecutive stripes of a band side by side);
// a lone write on an idle member goes out at the next Poll alone. (The
// Linux backend submits to the kernel from Poll anyway, one io_uring_enter
// for everything queued.)
//
// What waits here has been handed to the engine's device layer like any
// submitted command: nothing in the engine reads or frees those LBAs before
// the write completes (slots and groups are reused only after their writes
// completed), so holding them changes no ordering the engine relies on. A
// write overlapping one already staged flushes the stage first.
//
// Thread-safety: none (one per member, used on the engine's thread).
#ifndef SALIX_HOST_ARRAY_COALESCER_H
#define SALIX_HOST_ARRAY_COALESCER_H

#include <salix/array_commands.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

#include "array/inline_fn.h"
#include "array/pool.h"
#include "array/staging.h"
#include "salix/host/device.h"

namespace salix::host::array {

// What runs when a device command completes. Captures up to 96 bytes stay
// inline: the hot paths (chunk writes, backups, table writes) allocate
// nothing per command.
using IoDone = InlineFn<void(const DeviceCompletion&)>;

class Coalescer {
 public:
  // A merged command in flight: its bounce buffer and its parts. Pooled by
  // the owner of the coalescers (the engine), whose address is stable.
  struct Batch {
    // Where the command is built: the tag list (zero-padded), then the
    // data when it is copied. A staging slot (staging.h), taken at first
    // use and kept, when the command fits one; else the page-aligned start
    // of 'buffer'.
    uint8_t* slot = nullptr;
    std::vector<uint8_t> buffer;
    // Bytes [zero_from, zero_to) after last_start, where the last command
    // was built, are known to be zero (the last list's padding), so the
    // next list there zeroes only what its padding does not share with it.
    const uint8_t* last_start = nullptr;
    uint64_t zero_from = 0, zero_to = 0;
    std::vector<iovec> segments;   // else: the tag list, each part's data
    std::vector<IoDone> parts;
  };
  using BatchPool = Pool<Batch>;

  // unit_blocks: LBAs per tag (the array's chunk); max_bytes: data bytes
  // one merged command may carry (below the member's transfer limit), 0 =
  // off; gather: send the parts' buffers as a gather list instead of
  // copying them (DeviceInfo::cheap_segments); scatter: merge writes that
  // are not neighbours (DeviceInfo::scattered_write_tagged); staging: slots
  // to build merged commands in (nullptr: heap memory only), which must
  // outlive the coalescer.
  void Configure(uint32_t unit_blocks, uint32_t lba_size, uint32_t max_bytes,
                 bool gather, bool scatter = false, StagingArena* staging = nullptr);

  // True when cmd may wait here: a plain Write of whole units, no FUA.
  bool Accepts(const DeviceCommand& cmd) const;
  // True when cmd writes an LBA of a staged write.
  bool Overlaps(const DeviceCommand& cmd) const;
  // REQUIRES: Accepts(cmd), !Overlaps(cmd).
  void Add(const DeviceCommand& cmd, IoDone done);

  bool empty() const { return entries_.empty(); }
  // Data bytes staged; Flush once it reaches full().
  uint64_t staged_bytes() const { return staged_bytes_; }
  bool full() const { return staged_bytes_ >= max_bytes_; }
  uint64_t merged_commands() const { return merged_commands_; }
  uint64_t merged_writes() const { return merged_writes_; }

  // Empties the stage: issue(cmd, done) for each command to send, in LBA
  // order.
  template <typename Issue>
  void Flush(BatchPool& pool, Issue&& issue);

 private:
  struct Entry {
    DeviceCommand cmd;
    IoDone done;
  };
  static uint64_t Lba(const DeviceCommand& c) {
    return (uint64_t{c.cdw11} << 32) | c.cdw10;
  }
  static uint32_t Blocks(const DeviceCommand& c) { return (c.cdw12 & 0xFFFF) + 1; }
  // The bits of lba_bits_ that LBAs [lba, lba + blocks) map to: LBA x to
  // bit (x >> bucket_shift_) mod 64. Writes that overlap share a bit, so a
  // command whose bits miss lba_bits_ overlaps nothing staged (Overlaps
  // then skips the scan, which costs ~100 instructions per 4 KiB write
  // with a stage of a dozen entries).
  uint64_t LbaBits(uint64_t lba, uint32_t blocks) const {
    const uint64_t b0 = lba >> bucket_shift_, b1 = (lba + blocks - 1) >> bucket_shift_;
    if (b1 - b0 >= 63) return ~uint64_t{0};
    return std::rotl((uint64_t{2} << (b1 - b0)) - 1, static_cast<int>(b0 & 63));
  }
  // A scattered list's bytes per unit: its tag and its LBA.
  static constexpr uint64_t kScatterEntryBytes = sizeof(salix_host_tag) + sizeof(uint64_t);
  // Builds one Write Tagged from entries order_[first, last) (scattered
  // when they are not all neighbours).
  DeviceCommand Merge(size_t first, size_t last, Batch* b);

  uint32_t unit_blocks_ = 1, lba_size_ = 512;
  bool gather_ = false, scatter_ = false;
  StagingArena* staging_ = nullptr;
  uint64_t max_bytes_ = 0;
  unsigned bucket_shift_ = 0;  // floor(log2(unit_blocks_))
  uint64_t lba_bits_ = 0;      // LbaBits of every staged entry
  std::vector<Entry> entries_;
  std::vector<std::pair<uint64_t, uint32_t>> order_;  // (lba, entry)
  uint64_t staged_bytes_ = 0;
  uint64_t merged_commands_ = 0, merged_writes_ = 0;
};

template <typename Issue>
void Coalescer::Flush(BatchPool& pool, Issue&& issue) {
  order_.clear();
  for (uint32_t e = 0; e < entries_.size(); e++) {
    order_.emplace_back(Lba(entries_[e].cmd), e);
  }
  std::sort(order_.begin(), order_.end());
  for (size_t first = 0; first < order_.size();) {
    // The longest run of adjacent writes from 'first' that fits a command
    // (scattered: of writes in LBA order, their list within one page).
    size_t last = first + 1;
    uint64_t end = order_[first].first + Blocks(entries_[order_[first].second].cmd);
    uint64_t bytes = entries_[order_[first].second].cmd.data_len;
    uint64_t units = Blocks(entries_[order_[first].second].cmd) / unit_blocks_;
    while (last < order_.size() && (scatter_ || order_[last].first == end)) {
      const DeviceCommand& next = entries_[order_[last].second].cmd;
      const uint64_t next_units = Blocks(next) / unit_blocks_;
      if (bytes + next.data_len > max_bytes_) break;
      if (scatter_ && (units + next_units) * kScatterEntryBytes > SALIX_TAG_LIST_ALIGN) break;
      end = order_[last].first + Blocks(next);
      bytes += next.data_len;
      units += next_units;
      last++;
    }
    if (last - first == 1) {
      Entry& e = entries_[order_[first].second];
      issue(e.cmd, std::move(e.done));
    } else {
      Batch* b = pool.Get();
      DeviceCommand cmd = Merge(first, last, b);
      issue(cmd, IoDone([&pool, b](const DeviceCompletion& c) {
              for (IoDone& part : b->parts) part(c);
              b->parts.clear();
              pool.Put(b);
            }));
    }
    first = last;
  }
  entries_.clear();
  staged_bytes_ = 0;
  lba_bits_ = 0;
}

}  // namespace salix::host::array

#endif  // SALIX_HOST_ARRAY_COALESCER_H

// personality.h - a namespace's storage behaviour, behind the host interface.
//
// The HIL validates commands (namespace, LBA range, transfer size) and hands
// a personality LBA ranges plus a DataTransfer for the payload. The
// personality decides where data lives and when the command is done: every
// operation returns a Status and the time (ns, platform clock) at which the
// completion may be posted. Functional personalities (nossd) return the
// request's now_ns; a flash model returns its modelled finish time.
//
// Thread-safety: called only from the controller's worker thread.
// Ownership: owned by the controller.
#ifndef SALIX_CORE_PERSONALITY_H
#define SALIX_CORE_PERSONALITY_H

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/data_transfer.h"
#include "core/status.h"

namespace salix {

struct LbaFormat {
  uint32_t lba_size;       // bytes, power of two >= 512
  uint16_t metadata_size;  // bytes per LBA (0: none)
};

// The formats block personalities offer: 512 B and 4 KiB, no metadata.
inline constexpr std::array<LbaFormat, 2> kStandardLbaFormats{
    LbaFormat{512, 0}, LbaFormat{4096, 0}};

// The 16-byte host tag a command that programs pages stores with them
// (<salix/array_commands.h>: CDW2, CDW3, CDW14, CDW15, little-endian). All
// zero is "untagged".
using HostTag = std::array<uint8_t, 16>;

// One LBA range command. REQUIRES (checked by the HIL): nlb >= 1 and
// slba + nlb <= capacity_blocks().
struct IoRequest {
  uint64_t slba = 0;
  uint32_t nlb = 0;  // number of blocks, 1-based
  uint64_t now_ns = 0;
  bool fua = false;
  // Write, Write Zeroes: stored with every page the command programs.
  HostTag tag{};
  // Write Tagged: a tag per run of blocks, overriding 'tag' for a Write.
  // Empty: every block takes 'tag'. Entry t covers the request's blocks
  // [t * blocks_per_tag, (t + 1) * blocks_per_tag); REQUIRES (HIL):
  // block_tags.size() * blocks_per_tag >= nlb, blocks_per_tag >= 1. Where a
  // page holds blocks of several entries, it keeps the entry of its first
  // block the command writes. The span is valid for the call only.
  std::span<const HostTag> block_tags{};
  uint32_t blocks_per_tag = 1;
  // Host-link bytes the command moves besides the data in its
  // DataTransfer (Write Tagged's tag list), before the data.
  uint64_t extra_link_bytes = 0;
  // The data moves inside the device (Copy, Parity Compute): no host link
  // transfer, and a write's data is in the controller only at ready_ns
  // (>= now_ns; the reads and the parity engine before it). Flash
  // operations are still booked at now_ns, so the model's clock never runs
  // backwards. A personality that models time completes such a write no
  // earlier than ready_ns; a functional one (nossd, timing off) ignores it.
  bool internal = false;
  uint64_t ready_ns = 0;
  // An SSD app's flash access inside an Invoke: the host command already
  // pays the per-command firmware time (command_overhead_ns(), charged
  // once by the HIL), so this access costs media time only.
  bool in_app = false;

  // The tag a Write stores with block 'b' of the request (0-based from
  // slba): its block_tags entry, or 'tag' when there is no list.
  const HostTag& TagOfBlock(uint64_t b) const {
    if (block_tags.empty()) return tag;
    const uint64_t t = b / (blocks_per_tag == 0 ? 1 : blocks_per_tag);
    return t < block_tags.size() ? block_tags[t] : block_tags.back();
  }
  bool has_block_tags() const { return !block_tags.empty(); }
};

// What Read Tags reports for one logical block.
struct BlockTag {
  HostTag tag{};
  uint64_t seq = 0;     // program order; larger = written later
  bool mapped = false;  // the block holds data (else tag and seq are 0)
};

// Completion-hint state (<salix/array_commands.h>, SALIX_CQE_GC_*).
struct GcHint {
  bool busy = false;        // garbage collection is running
  bool foreground = false;  // host writes are paying for GC copies
};

struct IoResult {
  Status status;
  uint64_t due_ns = 0;
};

// What a flash personality knows about its media, for the SMART log and the
// Salix statistics log page. Counts are in flash pages unless named bytes.
struct MediaStats {
  uint32_t page_size = 0;           // bytes per flash page (0: unknown)
  uint64_t host_pages_written = 0;  // pages the host asked to write
  uint64_t nand_pages_written = 0;  // pages programmed (host + GC + metadata)
  uint64_t nand_pages_read = 0;
  uint64_t gc_runs = 0;             // victim blocks collected
  uint64_t gc_pages_moved = 0;      // valid pages copied by GC
  uint64_t erases = 0;
  uint32_t erase_count_min = 0;     // per block
  uint32_t erase_count_max = 0;
  double erase_count_avg = 0;
  uint32_t rated_pe_cycles = 0;     // endurance; 0 = unknown
  uint64_t free_blocks = 0;
  uint64_t total_blocks = 0;
  uint64_t spare_blocks = 0;        // over-provisioned blocks still usable
  uint64_t spare_blocks_initial = 0;
  bool gc_active = false;           // collecting now (completions' "GC busy" hint)
  uint64_t metadata_bytes = 0;      // FTL metadata in controller DRAM
};

class Personality {
 public:
  virtual ~Personality() = default;

  virtual std::string_view name() const = 0;

  // Namespace geometry under the current LBA format.
  virtual uint64_t capacity_blocks() const = 0;
  virtual uint32_t lba_size() const = 0;
  virtual std::span<const LbaFormat> lba_formats() const = 0;
  virtual unsigned current_lba_format() const = 0;
  // Blocks that currently hold data (NUSE); capacity when not tracked.
  virtual uint64_t blocks_in_use() const { return capacity_blocks(); }

  // True when completed writes may sit in a volatile cache until Flush.
  virtual bool has_volatile_write_cache() const = 0;
  // Volatile Write Cache feature (WCE). REQUIRES: has_volatile_write_cache().
  virtual void set_write_cache_enabled(bool enabled) = 0;
  virtual bool write_cache_enabled() const = 0;

  // REQUIRES: xfer.length() == nlb * lba_size().
  virtual IoResult Read(const IoRequest& req, DataTransfer& xfer) = 0;
  virtual IoResult Write(const IoRequest& req, DataTransfer& xfer) = 0;
  // CompareFailure when the host data differs from the stored data.
  virtual IoResult Compare(const IoRequest& req, DataTransfer& xfer) = 0;
  virtual IoResult WriteZeroes(const IoRequest& req) = 0;
  // After Deallocate the range reads as zeroes (DLFEAT = 001b).
  virtual IoResult Deallocate(const IoRequest& req) = 0;
  virtual IoResult Flush(uint64_t now_ns) = 0;

  // Tags of [slba, slba + nlb) into out[0 .. nlb). REQUIRES: out.size() ==
  // req.nlb. Personalities that keep no tags answer Invalid Opcode.
  virtual IoResult ReadTags(const IoRequest& req, std::span<BlockTag> out) {
    (void)out;
    return {Status::InvalidOpcode(), req.now_ns};
  }

  // Format NVM: switch to lba_formats()[index]; erase = secure erase of user
  // data. REQUIRES: index < lba_formats().size().
  virtual Status Format(unsigned index, bool erase) = 0;

  // Clean shutdown (CC.SHN): make every completed write durable.
  virtual void Shutdown() = 0;

  // Media counters; false for personalities without a flash model (nossd).
  virtual bool GetMediaStats(MediaStats* /*out*/) const { return false; }

  // For the GC bits of every I/O completion: must be cheap (called once per
  // completion), so no MediaStats fill.
  virtual GcHint gc_hint() const { return {}; }
  // Firmware time a personality that models time adds to each host
  // command (timing.fw-overhead-ns); 0 for functional personalities.
  virtual uint64_t command_overhead_ns() const { return 0; }

  // Why the last command failed inside the personality (a flash error, a
  // broken invariant: faults of the device, not of the guest), or empty.
  // Reading it clears it; the controller logs it with the command.
  virtual std::string TakeFault() { return {}; }

  // Background work due by now_ns (garbage collection, write-buffer drain).
  // The controller calls it from every run and folds the returned time (the
  // next moment the personality wants to run, or UINT64_MAX) into the time
  // it returns to its host, so idle-time GC happens without host I/O.
  // Do a bounded step per call: a time <= now_ns asks for another call at
  // once, which the controller grants a few times per run (host commands
  // come first) before pausing briefly (hil/controller.cc, kBackground*).
  virtual uint64_t Background(uint64_t /*now_ns*/) { return UINT64_MAX; }
};

}  // namespace salix

#endif  // SALIX_CORE_PERSONALITY_H

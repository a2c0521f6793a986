// array.h - the all-flash array engine: one fault-tolerant volume over
// several Salix devices, parity computed inside the devices.
//
// Design (docs/ARRAY.md has the full story): ScalaAFA's two-phase write
// (USENIX ATC'24), log-structured, with its gaps closed.
//   - A stripe is k data chunks + m parity chunks (RAID-5: m = 1, RAID-6:
//     m = 2) on k + m members, parity rotating. Logical chunks are mapped to
//     physical (stripe, slot); writes go to open stripes, out of place.
//   - Replication: a new chunk goes to its data member and, as a backup, to
//     the transient area of each of the stripe's parity members. Small
//     writes need no reads.
//   - Conversion: a full stripe (or one forced by transient-area or
//     free-stripe pressure) becomes parity through one Parity Compute
//     command on each parity member, which also frees the backups.
//   - Every write is tagged (salix/array_commands.h) so the map can be
//     rebuilt from the members after a crash; each member also carries a
//     versioned superblock.
//   - Degraded reads, rebuild onto a spare, hot spare, GC-aware placement,
//     array-level GC with in-device Copy, a host-parity read-modify-write
//     mode for comparison.
//
// The I/O interface is asynchronous like Device: Submit*, then Poll() to
// make progress; completions run on the polling thread.
//
// Thread-safety: one thread at a time. Ownership: the array does not own
// its devices (the caller keeps them alive); it owns its map.
#ifndef SALIX_HOST_ARRAY_H
#define SALIX_HOST_ARRAY_H

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "salix/host/device.h"
#include "salix/host/error.h"

namespace salix::host {

enum class ParityMode {
  kDevice,  // two-phase: replicate, then Parity Compute in the devices
  kHost,    // classic read-modify-write with parity computed on the host
};

struct ArrayOptions {
  std::string name = "salix0";
  unsigned data_members = 4;    // k
  unsigned parity_members = 1;  // m: 1 = RAID-5, 2 = RAID-6
  uint32_t chunk_bytes = 4096;  // multiple of every member's LBA size
  ParityMode parity = ParityMode::kDevice;
  // Stripes kept free as array-GC headroom, in percent of all stripes (1..50;
  // capacity is the rest). The array is log-structured: once the volume has
  // been overwritten at random, greedy GC writes about (1 + p) / (2 p)
  // chunks per user chunk, p = reserve / capacity (the usual approximation
  // of greedy cleaning under uniform random writes): 6% headroom costs ~8
  // device writes per user write, 20% about 2.5. SSDs make the same trade
  // with their over-provisioning (7% consumer, 28% enterprise).
  unsigned gc_reserve_percent = 20;
  // Stripes in a row that keep their parity on one member (1..65536): md's
  // chunk size in stripes (16 with 4 KiB chunks = md's --chunk=64). Within
  // such a band each member's chunks of consecutive stripes are adjacent, so
  // the engine writes many chunks with one command per member; 1 rotates
  // parity on every stripe.
  uint32_t parity_rotation = 16;
  // Overwrite members that carry another array's superblock.
  bool force = false;
};

struct MemberStatus {
  std::string name;
  std::string serial;
  enum class State { kActive, kFailed, kRebuilding, kSpare } state;
  uint64_t commands = 0;
  uint64_t errors = 0;
  uint64_t gc_busy_seen = 0;  // completions that carried SALIX_CQE_GC_BUSY
};

struct ArrayStatus {
  std::string name;
  uint64_t uuid = 0;
  unsigned k = 0, m = 0;
  uint32_t chunk_bytes = 0;
  uint64_t capacity_bytes = 0;
  uint64_t stripes = 0, stripes_free = 0, stripes_open = 0,
           stripes_replicated = 0;
  uint64_t conversions = 0, gc_stripes = 0, degraded_reads = 0;
  uint64_t table_writes = 0;  // stripe-table chunk writes (all copies)
  // Chunk writes sent merged with others, and the Write Tagged commands
  // that carried them (write coalescing, docs/ARRAY.md).
  uint64_t coalesced_writes = 0, coalesced_commands = 0;
  // Writes placed as band runs (one command per member, docs/ARRAY.md),
  // and the chunks they carried.
  uint64_t band_runs = 0, band_run_chunks = 0;
  bool degraded = false;
  double rebuild_progress = -1;  // 0..1 while rebuilding, -1 otherwise
  std::string rebuild_error;     // why the last rebuild stopped, if it did
  std::vector<MemberStatus> members;
};

// Completion of an array request: 0 or a negative errno (-EIO when the data
// cannot be served: more members lost than the parity covers).
using ArrayCompletionFn = void (*)(void* ctx, int result);

class Array {
 public:
  virtual ~Array() = default;

  virtual uint64_t capacity_bytes() const = 0;
  // Reads and writes are in multiples of this, aligned to it.
  virtual uint32_t block_bytes() const = 0;

  // Asynchronous I/O. False when the request is malformed (unaligned, past
  // the end: nothing queued); every accepted request completes through fn.
  virtual bool SubmitRead(uint64_t offset, uint32_t len, void* buf,
                          ArrayCompletionFn fn, void* ctx) = 0;
  virtual bool SubmitWrite(uint64_t offset, uint32_t len, const void* buf,
                           ArrayCompletionFn fn, void* ctx) = 0;
  // Completes when every write acknowledged before it is durable.
  virtual bool SubmitFlush(ArrayCompletionFn fn, void* ctx) = 0;
  virtual bool SubmitTrim(uint64_t offset, uint64_t len, ArrayCompletionFn fn,
                          void* ctx) = 0;
  // Makes progress on every member; returns the number of array requests
  // completed.
  virtual size_t Poll(unsigned wait_us = 0) = 0;
  virtual size_t in_flight() const = 0;

  virtual ArrayStatus Status() const = 0;
  // Marks a member failed (the engine also does so by itself after an
  // error it cannot retry). Reads are served degraded from then on.
  virtual Result<bool> FailMember(unsigned index) = 0;
  // Rebuilds the lost member onto 'spare' (or the hot spare given at open
  // when null), serving I/O meanwhile. progress(done, total) runs from Poll.
  virtual Result<bool> StartRebuild(
      Device* spare, std::function<void(uint64_t, uint64_t)> progress = {}) = 0;
  // Writes everything the map needs to the members (superblocks) and waits
  // for outstanding I/O. The array stays usable.
  virtual Result<bool> Sync() = 0;
  // Merging chunk writes that wait for a busy member into one command per
  // run of adjacent blocks (on by default; off to measure what it saves).
  virtual void SetWriteCoalescing(bool on) = 0;

  // The memory the array builds merged member commands in: 'bytes' at
  // 'base' in slots of 'slot_bytes' (page-aligned; a command never crosses
  // a slot), fixed for the array's life. A backend that maps memory ahead
  // registers it (LinuxArray: io_uring fixed buffers, one per slot), so
  // that those commands need no page pinning each. Empty: none.
  struct StagingMemory {
    void* base = nullptr;
    size_t bytes = 0;
    size_t slot_bytes = 0;
  };
  virtual StagingMemory staging_memory() const = 0;
};

// Creates a new array over 'members' (k + m devices, in member order) and
// writes its superblocks. Errors name the device: too small, mismatched LBA
// size, not a Salix device, or already a member of something (without
// options.force).
Result<std::unique_ptr<Array>> CreateArray(std::vector<Device*> members,
                                           const ArrayOptions& options,
                                           std::vector<Device*> spares = {});

// Opens an existing array from its members (any order; a missing member is
// given as nullptr and leaves the array degraded). Rebuilds the map from
// superblocks and chunk tags. Errors name the device: no superblock, another
// version, another array, too many members missing.
Result<std::unique_ptr<Array>> OpenArray(std::vector<Device*> members,
                                         std::vector<Device*> spares = {});

}  // namespace salix::host

#endif  // SALIX_HOST_ARRAY_H

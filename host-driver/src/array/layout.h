// layout.h - where an array keeps what on each member, and its on-disk
// structures: the superblock, the chunk tags, the stripe table.
//
// Every member has the same layout, in chunks (chunk_bytes each):
//
//   0, 1                      superblock, two copies written alternately
//                             (the newer valid generation wins on open)
//   [table_start, +table_chunks)      stripe table, mirrored on every member
//   [transient_start, +groups*k)      transient area: backup groups of k chunks
//   [data_start, +stripes)            one chunk of every stripe
//
// Stripe s has one chunk on every member, at data_start + s. Its parity
// rotates (left-symmetric, as Linux md's default) every `rotation` stripes:
// with band b = s / rotation, P on member n-1 - (b mod n), Q (RAID-6) on
// the member after P, data index i on the (m + i)-th member after P. A band
// is what md calls a stripe of chunks: rotation 16 with 4 KiB chunks puts
// 64 KiB of one member's data side by side, as md's --chunk=64 does. Within
// a band a member's chunks of consecutive stripes are consecutive LBAs with
// the same role, so writes to consecutive stripes coalesce into one command
// per member (coalescer.h); rotation 1 is the classic per-stripe rotation. While a stripe is open, each of its parity
// members holds the stripe's backups in one transient group, data index i
// at chunk i of the group, so that conversion is one Parity Compute over k
// contiguous chunks.
//
// Band runs (docs/ARRAY.md): a long write of R * k chunks (R = 2, 4, 8 or
// 16) takes R consecutive fresh stripes of one band and R consecutive
// groups on each parity member, the first a multiple of R (an extent).
// Chunk c of the write (c = i * R + x) goes to data index i of stripe
// s0 + x, so each data member gets a contiguous piece of the caller's
// buffer at consecutive LBAs; its backup is chunk c of the extent, so a
// parity member gets the whole buffer at once. No command needs a copy or
// a gather list. Stripe s0 + x finds its backup of index i at extent chunk
// i * R + x, so conversion reads k chunks R apart (Parity Compute SSTEP 1
// converts the R stripes in one command).
//
// All structures are little-endian and versioned; sizes are static_asserted.
#ifndef SALIX_HOST_ARRAY_LAYOUT_H
#define SALIX_HOST_ARRAY_LAYOUT_H

#include <salix/array_commands.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace salix::host::array {

constexpr unsigned kMaxMembers = 32;
constexpr unsigned kMaxData = 16;  // k <= 16: slot masks are 16 bits
constexpr unsigned kMaxParity = 2;
constexpr uint32_t kMaxRotation = 1u << 16;  // stripes per parity position
constexpr unsigned kMaxBandRun = 16;  // stripes of one band run (a tag's 4 bits)

// ---- superblock ------------------------------------------------------------------
constexpr char kSuperblockMagic[8] = {'S', 'A', 'L', 'I', 'X', 'A', 'R', 'R'};
constexpr uint32_t kSuperblockVersion = 1;
constexpr uint32_t kSuperblockBytes = 4096;

enum class MemberState : uint8_t { kActive = 0, kFailed = 1 };

struct Superblock {
  char magic[8];
  uint32_t version;
  uint32_t bytes;  // kSuperblockBytes
  uint64_t uuid;
  uint64_t generation;  // bumped on every superblock write
  char name[32];
  uint32_t k, m;
  uint32_t chunk_bytes;
  uint32_t parity_mode;  // 0 device, 1 host
  uint32_t member_index;
  uint32_t member_count;  // k + m
  uint64_t member_chunks;  // chunks of each member the array uses
  uint64_t stripes;
  uint64_t logical_chunks;
  uint64_t table_start, table_chunks;
  uint64_t transient_start, groups;
  uint64_t data_start;
  uint8_t member_state[kMaxMembers];
  char member_serial[kMaxMembers][20];
  uint32_t parity_rotation;  // stripes per parity position; 0 (older) = 1
  uint8_t reserved[kSuperblockBytes - 8 - 4 * 2 - 8 * 2 - 32 - 4 * 6 -
                   8 * 8 - kMaxMembers - kMaxMembers * 20 - 4 - 4];
  uint32_t checksum;  // FNV-1a of everything before it
};
static_assert(sizeof(Superblock) == kSuperblockBytes);

uint32_t Checksum(std::span<const uint8_t> bytes);
void SealSuperblock(Superblock* sb);
// Empty when sb is a valid superblock of our version; otherwise why not
// ("no Salix array superblock", "superblock version 7, this is 1", ...).
std::string CheckSuperblock(const Superblock& sb);

// ---- geometry ----------------------------------------------------------------------
struct Geometry {
  unsigned k = 0, m = 0;
  uint32_t chunk_bytes = 0;
  uint32_t chunk_blocks = 0;  // LBAs per chunk
  uint64_t member_chunks = 0;
  uint64_t stripes = 0;
  uint64_t logical_chunks = 0;
  uint64_t table_start = 2, table_chunks = 0;
  uint64_t transient_start = 0, groups = 0;
  uint64_t data_start = 0;
  uint32_t rotation = 1;  // stripes per parity position (a band)
  unsigned n() const { return k + m; }

  // Member holding parity j (0 = P, 1 = Q) of stripe s. (On the engine's
  // per-write path: one 32-bit remainder where a stripe number fits 32
  // bits, instead of two 64-bit divisions and two remainders.)
  unsigned ParityMember(uint64_t s, unsigned j) const {
    const uint64_t band = s <= UINT32_MAX ? static_cast<uint32_t>(s) / rotation
                                          : s / rotation;
    const unsigned pos = band <= UINT32_MAX ? static_cast<uint32_t>(band) % n()
                                            : static_cast<unsigned>(band % n());
    const unsigned p = n() - 1 - pos + j;  // j < n
    return p < n() ? p : p - n();
  }
  // The first stripe of the band after stripe s's (wrapping to 0).
  uint64_t NextBand(uint64_t s) const {
    uint64_t next = (s / rotation + 1) * rotation;
    return next < stripes ? next : 0;
  }
  // Member holding data index i of stripe s.
  unsigned DataMember(uint64_t s, unsigned i) const {
    const unsigned d = ParityMember(s, 0) + m + i;  // m + i < n
    return d < n() ? d : d - n();
  }
  uint64_t DataLba(uint64_t s) const { return (data_start + s) * chunk_blocks; }
  // Backup of data index i of a stripe whose backups start at 'group': the
  // stripe's own group (run_len 1), or stripe run_pos of a band run of
  // run_len stripes whose extent starts there.
  uint64_t BackupLba(uint64_t group, unsigned i, unsigned run_len = 1,
                     unsigned run_pos = 0) const {
    return (transient_start + group * k + uint64_t{i} * run_len + run_pos) *
           chunk_blocks;
  }
  uint64_t ChunkLba(uint64_t chunk) const { return chunk * chunk_blocks; }
};

// Lays an array out on members of member_chunks chunks. Reserves
// gc_reserve_percent of the stripes as headroom for array GC (at least 2
// per member). Empty string or why it cannot.
std::string ComputeGeometry(unsigned k, unsigned m, uint32_t chunk_bytes,
                            uint32_t lba_size, uint64_t member_chunks,
                            unsigned gc_reserve_percent, uint32_t rotation,
                            Geometry* out);
Geometry GeometryOf(const Superblock& sb, uint32_t lba_size);

// ---- stripe table -------------------------------------------------------------
// One record per converted stripe, so the map survives the loss of the
// members that carried a stripe's chunk tags. A table chunk holds
// RecordsPerChunk records after a 32-byte header.
struct TableHeader {
  uint32_t magic;  // kTableMagic
  uint32_t version;
  uint64_t chunk_index;
  uint64_t generation;  // larger = newer copy
  uint64_t uuid;
};
static_assert(sizeof(TableHeader) == 32);
constexpr uint32_t kTableMagic = 0x53544254;  // "TBTS"

struct SlotRecord {
  uint32_t lc;  // logical chunk
  uint32_t reserved;
  uint64_t seq;
};
static_assert(sizeof(SlotRecord) == 16);

// Record layout: epoch (8), data mask (2), parity mask (2), state (4), then
// k SlotRecords.
constexpr uint32_t kRecordHeaderBytes = 16;
inline uint32_t RecordBytes(unsigned k) { return kRecordHeaderBytes + 16 * k; }
inline uint64_t RecordsPerChunk(uint32_t chunk_bytes, unsigned k) {
  return (chunk_bytes - sizeof(TableHeader)) / RecordBytes(k);
}

// ---- chunk tags ------------------------------------------------------------------
// The 16-byte host tag of every array write (salix_host_tag):
//   dw0  31:28 kind, 27:24 data index, 23:16 kTagFormat, 15:0 seq 47:32
//   dw1  seq 31:0
//   dw2  data, backup: logical chunk; parity: data mask of the conversion
//   dw3  stripe
// seq is the engine's write sequence (parity: the stripe's epoch, the
// sequence number when it was opened).
// A device stores a command's tag on every page it writes. The backups of
// a run (consecutive logical chunks written at consecutive data indices of
// one stripe) travel in one command per parity member, so one tag covers
// several chunks of a group: it names the first index and the first
// logical chunk, and chunk i of the group holds logical chunk
// value + (i - index). A single backup is the case i == index.
// Band runs (above) tag each data member's piece with the first stripe and
// its first chunk: the page of stripe s holds value + (s - stripe). Their
// backups are kBackupRun, index = log2 R, value = the run's first logical
// chunk, stripe = its first stripe: extent chunk c holds value + c.
constexpr uint32_t kTagFormat = 0xA1;
enum class TagKind : uint8_t {
  kNone = 0,
  kData = 1,
  kBackup = 2,
  kParityP = 3,
  kParityQ = 4,
  kMeta = 5,  // superblock and stripe table
  kBackupRun = 6,  // the backups of a band run (above)
};

struct ChunkTag {
  TagKind kind = TagKind::kNone;
  unsigned index = 0;
  uint64_t seq = 0;
  uint32_t value = 0;  // lc or mask
  uint32_t stripe = 0;
};

salix_host_tag EncodeTag(const ChunkTag& t);
// nullopt for tags that are not ours (zero, another format).
std::optional<ChunkTag> DecodeTag(const salix_host_tag& t);

}  // namespace salix::host::array

#endif  // SALIX_HOST_ARRAY_LAYOUT_H

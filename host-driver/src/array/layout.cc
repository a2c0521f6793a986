// layout.cc - superblock checks, geometry, chunk tags.
#include "array/layout.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace salix::host::array {

uint32_t Checksum(std::span<const uint8_t> bytes) {
  uint32_t h = 2166136261u;
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 16777619u;
  }
  return h;
}

void SealSuperblock(Superblock* sb) {
  std::memcpy(sb->magic, kSuperblockMagic, sizeof(sb->magic));
  sb->version = kSuperblockVersion;
  sb->bytes = kSuperblockBytes;
  sb->checksum = Checksum({reinterpret_cast<const uint8_t*>(sb),
                           offsetof(Superblock, checksum)});
}

std::string CheckSuperblock(const Superblock& sb) {
  if (std::memcmp(sb.magic, kSuperblockMagic, sizeof(sb.magic)) != 0) {
    return "no Salix array superblock";
  }
  if (sb.version != kSuperblockVersion) {
    return fmt::format("superblock version {}, this engine reads version {}",
                       sb.version, kSuperblockVersion);
  }
  uint32_t c = Checksum({reinterpret_cast<const uint8_t*>(&sb),
                         offsetof(Superblock, checksum)});
  if (c != sb.checksum) return "superblock checksum mismatch (torn or corrupt)";
  if (sb.k == 0 || sb.k > kMaxData || sb.m == 0 || sb.m > kMaxParity ||
      sb.member_count != sb.k + sb.m || sb.member_index >= sb.member_count) {
    return fmt::format("superblock describes an impossible array ({}+{}, "
                       "member {} of {})",
                       sb.k, sb.m, sb.member_index, sb.member_count);
  }
  if (sb.chunk_bytes < 4096 || (sb.chunk_bytes & (sb.chunk_bytes - 1)) != 0) {
    return fmt::format("superblock has a chunk size of {} bytes (a power of "
                       "two >= 4096 is needed)",
                       sb.chunk_bytes);
  }
  if (sb.parity_rotation > kMaxRotation) {
    return fmt::format("superblock has a parity rotation of {} stripes (at "
                       "most {})",
                       sb.parity_rotation, kMaxRotation);
  }
  return {};
}

std::string ComputeGeometry(unsigned k, unsigned m, uint32_t chunk_bytes,
                            uint32_t lba_size, uint64_t member_chunks,
                            unsigned gc_reserve_percent, uint32_t rotation,
                            Geometry* out) {
  if (gc_reserve_percent < 1 || gc_reserve_percent > 50) {
    return fmt::format("GC reserve of {}%: must be 1..50", gc_reserve_percent);
  }
  if (rotation < 1 || rotation > kMaxRotation) {
    return fmt::format("parity rotation of {} stripes: must be 1..{}", rotation,
                       kMaxRotation);
  }
  if (k < 2 || k > kMaxData) {
    return fmt::format("{} data members: the array needs 2..{}", k, kMaxData);
  }
  if (m < 1 || m > kMaxParity) {
    return fmt::format("{} parity members: RAID-5 has 1, RAID-6 has 2", m);
  }
  if (chunk_bytes < 4096 || chunk_bytes % lba_size != 0 ||
      (chunk_bytes & (chunk_bytes - 1)) != 0) {
    return fmt::format("chunk size {}: must be a power of two >= 4096 and a "
                       "multiple of the LBA size {}",
                       chunk_bytes, lba_size);
  }
  Geometry g;
  g.k = k;
  g.m = m;
  g.rotation = rotation;
  g.chunk_bytes = chunk_bytes;
  g.chunk_blocks = chunk_bytes / lba_size;
  g.member_chunks = member_chunks;
  // Transient area: about 1/16 of the member, at least 8 groups (each
  // open stripe holds one group on each of its parity members).
  g.groups = std::clamp<uint64_t>(member_chunks / 16 / k, 8, 4096);
  uint64_t rpc = RecordsPerChunk(chunk_bytes, k);
  uint64_t fixed = 2 + g.groups * k;
  if (member_chunks <= fixed + 64) {
    return fmt::format("members of {} chunks are too small: the array needs "
                       "at least {} chunks of {} bytes each",
                       member_chunks, fixed + 65, chunk_bytes);
  }
  // stripes + ceil(stripes / rpc) <= member_chunks - fixed
  uint64_t room = member_chunks - fixed;
  uint64_t stripes = room * rpc / (rpc + 1);
  while (stripes + (stripes + rpc - 1) / rpc > room) stripes--;
  g.stripes = stripes;
  g.table_start = 2;
  g.table_chunks = (stripes + rpc - 1) / rpc;
  g.transient_start = g.table_start + g.table_chunks;
  g.data_start = g.transient_start + g.groups * k;
  // GC headroom: stripes a log-structured array keeps free so that
  // collection always finds space, at least 2 per member.
  uint64_t reserve = std::max<uint64_t>(stripes * gc_reserve_percent / 100,
                                        2 * g.n() + 4);
  if (stripes <= reserve + 4) {
    return fmt::format("members of {} chunks are too small for a {}+{} array "
                       "of {}-byte chunks",
                       member_chunks, k, m, chunk_bytes);
  }
  g.logical_chunks = (stripes - reserve) * k;
  *out = g;
  return {};
}

Geometry GeometryOf(const Superblock& sb, uint32_t lba_size) {
  Geometry g;
  g.k = sb.k;
  g.m = sb.m;
  g.chunk_bytes = sb.chunk_bytes;
  g.chunk_blocks = sb.chunk_bytes / lba_size;
  g.member_chunks = sb.member_chunks;
  g.stripes = sb.stripes;
  g.logical_chunks = sb.logical_chunks;
  g.table_start = sb.table_start;
  g.table_chunks = sb.table_chunks;
  g.transient_start = sb.transient_start;
  g.groups = sb.groups;
  g.data_start = sb.data_start;
  g.rotation = sb.parity_rotation == 0 ? 1 : sb.parity_rotation;
  return g;
}

salix_host_tag EncodeTag(const ChunkTag& t) {
  salix_host_tag h;
  h.dw[0] = (uint32_t{static_cast<uint8_t>(t.kind)} << 28) |
            ((t.index & 0xF) << 24) | (kTagFormat << 16) |
            static_cast<uint32_t>((t.seq >> 32) & 0xFFFF);
  h.dw[1] = static_cast<uint32_t>(t.seq);
  h.dw[2] = t.value;
  h.dw[3] = t.stripe;
  return h;
}

std::optional<ChunkTag> DecodeTag(const salix_host_tag& h) {
  if (((h.dw[0] >> 16) & 0xFF) != kTagFormat) return std::nullopt;
  ChunkTag t;
  unsigned kind = h.dw[0] >> 28;
  if (kind == 0 || kind > static_cast<unsigned>(TagKind::kBackupRun)) {
    return std::nullopt;
  }
  t.kind = static_cast<TagKind>(kind);
  t.index = (h.dw[0] >> 24) & 0xF;
  t.seq = (uint64_t{h.dw[0] & 0xFFFF} << 32) | h.dw[1];
  t.value = h.dw[2];
  t.stripe = h.dw[3];
  return t;
}

}  // namespace salix::host::array

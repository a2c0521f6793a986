// checkpoint.h - the mapping table saved at clean shutdown.
//
// A file beside the backing file ("<backing-file>.ftl-checkpoint"):
//   CheckpointHeader, then user_pages uint32 physical page numbers.
// Written to a temporary name, fsync'ed and renamed, so a crash leaves the
// old state or the new one. The FTL deletes it right after loading, before
// any write: a later crash then finds no stale checkpoint and scans OOB.
//
// Version history: 1 = initial layout.
#ifndef SALIX_FTL_CHECKPOINT_H
#define SALIX_FTL_CHECKPOINT_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace salix::ftl {

inline constexpr char kCheckpointMagic[8] = {'S', 'A', 'L', 'I', 'X', 'C', 'P', '\0'};
inline constexpr uint32_t kCheckpointVersion = 1;

struct CheckpointHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;
  uint64_t user_pages;
  uint64_t total_pages;  // of the flash it describes
  uint64_t next_seq;
  uint64_t checksum;     // FNV-1a over the mapping
};
static_assert(sizeof(CheckpointHeader) == 48);

struct Checkpoint {
  uint64_t total_pages = 0;
  uint64_t next_seq = 0;
  std::vector<uint32_t> l2p;
};

// False with *why on any I/O error.
bool WriteCheckpoint(const std::string& path, const Checkpoint& cp,
                     std::string* why);
// nullopt when missing, of another version or shape, or damaged.
std::optional<Checkpoint> ReadCheckpoint(const std::string& path,
                                         uint64_t user_pages,
                                         uint64_t total_pages);

}  // namespace salix::ftl

#endif  // SALIX_FTL_CHECKPOINT_H

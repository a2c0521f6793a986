// nossd.h - the "no SSD" personality: a direct-mapped namespace.
//
// LBA n lives at byte n * lba_size of the backing memory (RAM or a sparse
// file). No flash model, no latency: every command completes at its request
// time, like FEMU's NoSSD mode. It is the functional baseline and the
// fastest mode.
//
// Volatile write cache: with a backing file, completed writes sit in the
// host page cache until Flush (msync), so the namespace reports a volatile
// write cache (VWC = 1) and honours FUA and WCE = 0 by syncing the written
// range. RAM backing has no durability to promise, hence no cache (VWC = 0)
// and Flush is a no-op.
//
// Host tags (Read Tags): tagged writes are remembered in a lazily
// allocated per-block table beside the data (tag_extents.h), so untagged
// use costs nothing. A block without a tag reports tag 0 and sequence
// number 0, and "mapped" when its data is not all zeroes: a direct-mapped
// namespace has no allocation state, and a deallocated block is exactly
// one that reads as zeroes. The table lives in controller memory only: tags do not survive a restart, even
// with a backing file (the ftl personality keeps them in flash OOB).
// Sequence numbers count tagged commands (one per command, not per block,
// also for a Write Tagged whose blocks carry different tags).
//
// Thread-safety: worker thread only (see Personality).
#ifndef SALIX_NOSSD_NOSSD_H
#define SALIX_NOSSD_NOSSD_H

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/backing_memory.h"
#include "core/config.h"
#include "core/personality.h"
#include "core/result.h"
#include "nossd/tag_extents.h"

namespace salix {

class NossdPersonality final : public Personality {
 public:
  // Reads size, lba-size and backing-file. Errors name the key.
  static Result<std::unique_ptr<Personality>, std::string> Create(
      const Config& config);

  NossdPersonality(std::unique_ptr<BackingMemory> memory, unsigned lba_format);

  std::string_view name() const override { return "nossd"; }
  uint64_t capacity_blocks() const override;
  uint32_t lba_size() const override { return kFormats[format_].lba_size; }
  std::span<const LbaFormat> lba_formats() const override { return kFormats; }
  unsigned current_lba_format() const override { return format_; }

  bool has_volatile_write_cache() const override {
    return memory_->persistent();
  }
  void set_write_cache_enabled(bool enabled) override { wce_ = enabled; }
  bool write_cache_enabled() const override {
    return memory_->persistent() && wce_;
  }

  IoResult Read(const IoRequest& req, DataTransfer& xfer) override;
  IoResult Write(const IoRequest& req, DataTransfer& xfer) override;
  IoResult Compare(const IoRequest& req, DataTransfer& xfer) override;
  IoResult WriteZeroes(const IoRequest& req) override;
  IoResult Deallocate(const IoRequest& req) override;
  IoResult Flush(uint64_t now_ns) override;
  IoResult ReadTags(const IoRequest& req, std::span<BlockTag> out) override;
  Status Format(unsigned index, bool erase) override;
  void Shutdown() override;

  static constexpr const auto& kFormats = kStandardLbaFormats;

 private:
  uint64_t Offset(uint64_t lba) const { return lba * lba_size(); }
  // Makes a completed write durable when the host asked for it.
  Status Persist(const IoRequest& req);
  // Records the tags a completed write stores (req.TagOfBlock per block).
  void StoreTags(const IoRequest& req);

  std::unique_ptr<BackingMemory> memory_;
  unsigned format_;
  bool wce_ = true;
  std::vector<uint8_t> compare_buf_;  // reused by Compare
  TagExtents tags_;
  std::vector<uint8_t> pages_scratch_;  // ReadTags: BackingMemory::PagesWithData
  uint64_t tag_seq_ = 1;
};

}  // namespace salix

#endif  // SALIX_NOSSD_NOSSD_H

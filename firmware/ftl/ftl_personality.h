// ftl_personality.h - the "ftl" namespace personality: a flash SSD.
//
// Puts the NVMe command set on top of the page-mapping FTL (ftl.h) and adds
// the host-side half of the timing model:
//   read:  flash (tR + channel) -> PCIe transfer -> + firmware overhead
//   write: PCIe transfer -> DRAM write buffer (early completion when a slot
//          is free) -> program drains to flash; + firmware overhead
// With timing.mode=off every completion is due at once (functional mode).
//
// Logical blocks (512 or 4096 bytes) map onto 4 KiB-or-larger logical
// pages; a write or deallocate that covers part of a page reads, merges and
// rewrites it, as an SSD with a larger mapping unit must.
//
// Volatile write cache: advertised exactly when the model has one
// (ftl.write-buffer > 0). Then a write completes when buffered, Flush waits
// until every buffered page is programmed (and msyncs a backing file), FUA
// or WCE=0 make a write wait for its own programs. Without a buffer every
// write completes when programmed. (The page data itself always reaches
// the page store at once, so the device never loses more than it admits.)
//
// Host tags: kept per logical page in its OOB (a write covering part of a
// page tags the whole page; Read Tags reports each block the tag of its
// page). With per-block tags (Write Tagged, IoRequest::block_tags) a page
// takes the tag of its first block the command writes. Whole pages zeroed
// by Write Zeroes are trimmed, not programmed, so they read back unmapped
// and untagged; a partial page Write Zeroes merges takes the command's
// tag, a partial Deallocate keeps the page's.
//
// metadata-only store (flash.store=metadata): payloads are not kept, so a
// write does not even copy them from the host; reads return the store's
// per-(LPA, sequence) pattern. For simulator studies only.
//
// Thread-safety: worker thread only (see Personality).
#ifndef SALIX_FTL_FTL_PERSONALITY_H
#define SALIX_FTL_FTL_PERSONALITY_H

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/personality.h"
#include "core/result.h"
#include "flash/bus_timeline.h"
#include "ftl/ftl.h"
#include "ftl/write_buffer.h"

namespace salix::ftl {

class FtlPersonality final : public Personality {
 public:
  static Result<std::unique_ptr<Personality>, std::string> Create(
      const Config& config);

  FtlPersonality(std::unique_ptr<Ftl> ftl, unsigned lba_format);

  std::string_view name() const override { return "ftl"; }
  uint64_t capacity_blocks() const override;
  uint32_t lba_size() const override { return kFormats[format_].lba_size; }
  std::span<const LbaFormat> lba_formats() const override { return kFormats; }
  unsigned current_lba_format() const override { return format_; }
  uint64_t blocks_in_use() const override;

  bool has_volatile_write_cache() const override { return buffer_.slots() > 0; }
  void set_write_cache_enabled(bool enabled) override { wce_ = enabled; }
  bool write_cache_enabled() const override {
    return has_volatile_write_cache() && wce_;
  }

  IoResult Read(const IoRequest& req, DataTransfer& xfer) override;
  IoResult Write(const IoRequest& req, DataTransfer& xfer) override;
  IoResult Compare(const IoRequest& req, DataTransfer& xfer) override;
  IoResult WriteZeroes(const IoRequest& req) override;
  IoResult Deallocate(const IoRequest& req) override;
  IoResult Flush(uint64_t now_ns) override;
  IoResult ReadTags(const IoRequest& req, std::span<BlockTag> out) override;
  // A write that paid for copies saw GC run, even when its copies finished
  // the last job.
  uint64_t command_overhead_ns() const override;
  GcHint gc_hint() const override {
    const bool fg = ftl_->gc_foreground();
    return {fg || ftl_->gc_active(), fg};
  }
  Status Format(unsigned index, bool erase) override;
  void Shutdown() override;
  bool GetMediaStats(MediaStats* out) const override;
  uint64_t Background(uint64_t now_ns) override;
  std::string TakeFault() override { return ftl_->TakeError(); }

  const Ftl& ftl() const { return *ftl_; }

  static constexpr const auto& kFormats = kStandardLbaFormats;

 private:
  // Visits the logical pages of [slba, slba + nlb): fn(lpa, byte offset in
  // the command's data, offset within the page, length). Stops at the first
  // failed status.
  template <typename Fn>
  Status ForEachPage(const IoRequest& req, Fn&& fn);
  // Rewrites part of one page with 'src' (nullptr: zeroes), tagged 'tag'
  // (nullptr: the page keeps the tag it has).
  Result<uint64_t> Merge(uint64_t lpa, uint32_t offset, uint32_t len,
                         const uint8_t* src, uint64_t now, const HostTag* tag);
  // Zeroes [slba, slba + nlb): whole pages are trimmed, partial ones merged
  // (tagged with req.tag when 'tagged', else keeping their tag).
  IoResult Zero(const IoRequest& req, bool tagged);
  // Completion time of a command whose media part ends at 'media_done' and
  // moves 'bytes' over PCIe after it (reads) or before (writes).
  // in_app (IoRequest::in_app): no per-command firmware time.
  uint64_t Due(uint64_t now, uint64_t media_done, bool in_app = false) const;

  std::unique_ptr<Ftl> ftl_;
  unsigned format_;
  bool wce_ = true;
  WriteBuffer buffer_;
  flash::BusTimeline pcie_;
  std::vector<uint8_t> page_;   // one logical page
  std::vector<uint8_t> chunk_;  // Compare's host data
};

}  // namespace salix::ftl

#endif  // SALIX_FTL_FTL_PERSONALITY_H

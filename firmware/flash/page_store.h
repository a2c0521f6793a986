// page_store.h - NAND page contents, kept where the FTL physically puts them.
//
// Pages are addressed by flat page number and blocks by flat block index
// (geometry.h). The store enforces what NAND enforces: a page is programmed
// once between erases, in order within its block; an erased page reads as
// all 0xFF with an all-ones OOB. So an FTL bug shows up as an error or as
// wrong data, which tests can see.
//
// Backends (Options):
//  - RAM: an anonymous MAP_NORESERVE mapping; capacity costs nothing until
//    written, erase gives memory back.
//  - backing file: a sparse file mapped MAP_SHARED; survives the process
//    (including kill -9; Sync()/SyncPage() for durability against host
//    crashes) and may exceed host RAM. The file starts with a header that
//    records the geometry; reopening with another geometry is refused.
//  - metadata-only (either backend): no page data is stored; reads return
//    PatternFor(lpa, seq), OOB and page states are kept. For simulator
//    studies that need no payloads (as MQSim does).
//
// Memory: in-RAM state is the mapping only. Per block 8 bytes; per page a
// 40-byte OOB slot (in the mapping, so paid only for pages ever written)
// plus page data unless metadata-only. No per-page heap structures.
//
// Thread-safety: none; a flash model instance is single-threaded.
// Ownership: the store owns its mapping; the file is closed on destruction.
#ifndef SALIX_FLASH_PAGE_STORE_H
#define SALIX_FLASH_PAGE_STORE_H

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/backing_memory.h"
#include "core/result.h"
#include "flash/flash_error.h"
#include "flash/geometry.h"
#include "flash/oob.h"
#include "flash/store_format.h"

namespace salix::flash {

class PageStore {
 public:
  struct Options {
    // Empty: RAM. Otherwise the path of the backing file (created if
    // missing or empty).
    std::string backing_file;
    // True: keep OOB and states only (flash.store=metadata).
    bool metadata_only = false;
    // NAND requires in-order programming within a block; an FTL experiment
    // modelling SLC partial-page programming may turn this off.
    bool sequential_program = true;
  };

  // Errors are messages naming the property at fault ("flash.channels: ...",
  // "backing-file: ... was created with flash.channels=8, not 4 ...").
  static Result<std::unique_ptr<PageStore>, std::string> Open(
      const Geometry& geometry, const Options& options);

  PageStore(const PageStore&) = delete;
  PageStore& operator=(const PageStore&) = delete;

  // Programs one page. 'data' is exactly page_size bytes; in metadata-only
  // mode it may also be empty (its content is never stored).
  FlashError Program(uint64_t page, std::span<const uint8_t> data,
                     const Oob& oob);

  // Reads one page into 'data' (page_size bytes, or empty to read only the
  // OOB) and, if 'oob' is non-null, its OOB. Returns the page's state.
  Result<PageState, FlashError> Read(uint64_t page, std::span<uint8_t> data,
                                     Oob* oob) const;

  // Erases a block: every page reads erased again, erase count + 1.
  FlashError Erase(uint64_t block);

  // REQUIRES: page < geometry().total_pages().
  PageState State(uint64_t page) const {
    return slots_[page].state == kSlotProgrammed ? PageState::kProgrammed
                                                 : PageState::kErased;
  }
  // REQUIRES: block < geometry().total_blocks().
  uint32_t WritePointer(uint64_t block) const {
    return blocks_[block].write_pointer;
  }
  uint32_t EraseCount(uint64_t block) const { return blocks_[block].erase_count; }

  // Durability against host crashes (no-ops for RAM). False if msync failed.
  bool Sync();
  bool SyncPage(uint64_t page);

  // The bytes a metadata-only store returns for a page written with (lpa,
  // seq): deterministic, so a simulator can still check what it reads.
  static void PatternFor(uint64_t lpa, uint64_t seq, std::span<uint8_t> out);

  const Geometry& geometry() const { return geometry_; }
  bool metadata_only() const { return metadata_only_; }
  bool persistent() const { return memory_->persistent(); }
  // Bytes the mapping spans (virtual; RAM is committed only when touched).
  uint64_t mapped_bytes() const { return memory_->size(); }

 private:
  PageStore(const Geometry& g, const Options& o,
            std::unique_ptr<BackingMemory> memory, const StoreHeader& layout);
  void RepairWritePointers();

  Geometry geometry_;
  bool metadata_only_;
  bool sequential_;
  std::unique_ptr<BackingMemory> memory_;
  BlockRecord* blocks_;
  OobSlot* slots_;
  uint8_t* data_;  // nullptr when metadata-only
  uint64_t block_table_offset_;
  uint64_t oob_offset_;
  uint64_t data_offset_;
};

}  // namespace salix::flash

#endif  // SALIX_FLASH_PAGE_STORE_H

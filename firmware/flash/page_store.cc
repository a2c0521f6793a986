#include "flash/page_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace salix::flash {
namespace {

uint64_t AlignUp(uint64_t v) { return (v + kStoreAlign - 1) & ~(kStoreAlign - 1); }

StoreHeader LayoutFor(const Geometry& g, bool metadata_only) {
  StoreHeader h{};
  std::memcpy(h.magic, kStoreMagic, sizeof(h.magic));
  h.version = kStoreVersion;
  h.header_bytes = sizeof(StoreHeader);
  h.channels = g.channels;
  h.dies_per_channel = g.dies_per_channel;
  h.planes_per_die = g.planes_per_die;
  h.blocks_per_plane = g.blocks_per_plane;
  h.pages_per_block = g.pages_per_block;
  h.page_size = g.page_size;
  h.oob_size = g.oob_size;
  h.cell_type = BitsPerCell(g.cell_type);
  h.metadata_only = metadata_only ? 1 : 0;
  h.block_table_offset = kStoreAlign;
  h.oob_offset =
      AlignUp(h.block_table_offset + g.total_blocks() * sizeof(BlockRecord));
  h.data_offset = AlignUp(h.oob_offset + g.total_pages() * sizeof(OobSlot));
  h.total_bytes =
      h.data_offset + (metadata_only ? 0 : g.total_pages() * g.page_size);
  return h;
}

// Compares a file's header with the one this geometry and mode would write;
// the message names the first property that differs.
std::optional<std::string> CheckHeader(const std::string& path,
                                       const StoreHeader& have,
                                       const StoreHeader& want) {
  if (std::memcmp(have.magic, kStoreMagic, sizeof(kStoreMagic)) != 0) {
    return fmt::format(
        "backing-file: '{}' is not a Salix flash image (bad magic); use a new "
        "or empty file",
        path);
  }
  if (have.version != kStoreVersion) {
    return fmt::format(
        "backing-file: '{}' is a version {} flash image; this firmware reads "
        "version {}",
        path, have.version, kStoreVersion);
  }
  struct Field {
    const char* key;
    uint32_t have, want;
  };
  const Field fields[] = {
      {"flash.channels", have.channels, want.channels},
      {"flash.dies-per-channel", have.dies_per_channel, want.dies_per_channel},
      {"flash.planes-per-die", have.planes_per_die, want.planes_per_die},
      {"flash.blocks-per-plane", have.blocks_per_plane, want.blocks_per_plane},
      {"flash.pages-per-block", have.pages_per_block, want.pages_per_block},
      {"flash.page-size", have.page_size, want.page_size},
      {"flash.oob-size", have.oob_size, want.oob_size},
  };
  for (const Field& f : fields) {
    if (f.have != f.want) {
      return fmt::format(
          "backing-file: '{}' was created with {}={}, not {}; reopen it with "
          "the geometry it was created with, or use a new file",
          path, f.key, f.have, f.want);
    }
  }
  if (have.cell_type != want.cell_type) {
    return fmt::format(
        "backing-file: '{}' was created with flash.cell-type={}, not {}", path,
        CellTypeName(static_cast<CellType>(have.cell_type)),
        CellTypeName(static_cast<CellType>(want.cell_type)));
  }
  if (have.metadata_only != want.metadata_only) {
    return fmt::format(
        "backing-file: '{}' was created with flash.store={}, not {}", path,
        have.metadata_only ? "metadata" : "data",
        want.metadata_only ? "metadata" : "data");
  }
  if (have.total_bytes != want.total_bytes ||
      have.data_offset != want.data_offset) {
    return fmt::format("backing-file: '{}' has an inconsistent header", path);
  }
  return std::nullopt;
}

// Reads the header of an existing, non-empty file. nullopt: the file is
// missing or empty, i.e. a new image.
Result<std::optional<StoreHeader>, std::string> ReadHeader(
    const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<StoreHeader>();
    return Err(fmt::format("backing-file: cannot open '{}': {}", path,
                           std::strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return Err(fmt::format("backing-file: cannot stat '{}': {}", path,
                           std::strerror(e)));
  }
  if (st.st_size == 0) {
    close(fd);
    return std::optional<StoreHeader>();
  }
  StoreHeader h{};
  ssize_t n = pread(fd, &h, sizeof(h), 0);
  close(fd);
  if (n != static_cast<ssize_t>(sizeof(h))) {
    return Err(fmt::format(
        "backing-file: '{}' is too short to be a Salix flash image ({} bytes)",
        path, static_cast<uint64_t>(st.st_size)));
  }
  return std::optional<StoreHeader>(h);
}

uint64_t Mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

Result<std::unique_ptr<PageStore>, std::string> PageStore::Open(
    const Geometry& geometry, const Options& options) {
  if (auto e = geometry.Validate()) return Err(*e);
  const StoreHeader want = LayoutFor(geometry, options.metadata_only);

  std::unique_ptr<BackingMemory> memory;
  bool reopened = false;
  if (options.backing_file.empty()) {
    auto m = BackingMemory::CreateRam(want.total_bytes);
    if (!m.ok()) return Err(m.error());
    memory = std::move(m.value());
  } else {
    auto existing = ReadHeader(options.backing_file);
    if (!existing.ok()) return Err(existing.error());
    if (existing.value()) {
      if (auto e = CheckHeader(options.backing_file, *existing.value(), want)) {
        return Err(*e);
      }
      reopened = true;
    }
    auto m = BackingMemory::OpenFile(options.backing_file, want.total_bytes);
    if (!m.ok()) return Err(m.error());
    memory = std::move(m.value());
  }
  if (!reopened) {
    std::memcpy(memory->data(), &want, sizeof(want));
    if (!memory->Sync(0, sizeof(want))) {
      return Err(fmt::format("backing-file: cannot write the header of '{}'",
                             options.backing_file));
    }
  }
  std::unique_ptr<PageStore> store(
      new PageStore(geometry, options, std::move(memory), want));
  if (reopened) store->RepairWritePointers();
  return store;
}

PageStore::PageStore(const Geometry& g, const Options& o,
                     std::unique_ptr<BackingMemory> memory,
                     const StoreHeader& layout)
    : geometry_(g),
      metadata_only_(o.metadata_only),
      sequential_(o.sequential_program),
      memory_(std::move(memory)),
      blocks_(reinterpret_cast<BlockRecord*>(memory_->data() +
                                             layout.block_table_offset)),
      slots_(reinterpret_cast<OobSlot*>(memory_->data() + layout.oob_offset)),
      data_(o.metadata_only ? nullptr : memory_->data() + layout.data_offset),
      block_table_offset_(layout.block_table_offset),
      oob_offset_(layout.oob_offset),
      data_offset_(layout.data_offset) {}

// A process killed between programming a page and advancing its block's
// write pointer leaves the pointer behind the last complete page; the slot
// states are the truth, so move the pointer past them.
void PageStore::RepairWritePointers() {
  const uint32_t ppb = geometry_.pages_per_block;
  for (uint64_t b = 0; b < geometry_.total_blocks(); ++b) {
    BlockRecord& r = blocks_[b];
    if (r.write_pointer > ppb) r.write_pointer = ppb;
    const uint64_t first = geometry_.FirstPageOfBlock(b);
    while (r.write_pointer < ppb &&
           slots_[first + r.write_pointer].state == kSlotProgrammed) {
      ++r.write_pointer;
    }
  }
}

FlashError PageStore::Program(uint64_t page, std::span<const uint8_t> data,
                              const Oob& oob) {
  if (page >= geometry_.total_pages()) return FlashError::kAddressOutOfRange;
  const bool length_ok =
      data.size() == geometry_.page_size || (metadata_only_ && data.empty());
  if (!length_ok) return FlashError::kBadLength;
  OobSlot& slot = slots_[page];
  if (slot.state != 0) return FlashError::kNotErased;
  const uint64_t block = geometry_.BlockOfPage(page);
  const uint32_t index = static_cast<uint32_t>(page % geometry_.pages_per_block);
  BlockRecord& rec = blocks_[block];
  if (sequential_ && index != rec.write_pointer) {
    return index < rec.write_pointer ? FlashError::kNotErased
                                     : FlashError::kOutOfOrder;
  }
  if (!metadata_only_) {
    std::memcpy(data_ + page * geometry_.page_size, data.data(), data.size());
  }
  slot.flags = 0;
  slot.lpa = oob.lpa;
  slot.seq = oob.seq;
  std::memcpy(slot.tag, oob.tag.data(), sizeof(slot.tag));
  // Data and OOB must reach the (shared) mapping before the page is marked
  // complete, so a kill -9 in between never leaves a half-written page that
  // looks programmed; the fence stops the compiler from reordering.
  std::atomic_signal_fence(std::memory_order_release);
  slot.state = kSlotProgrammed;
  std::atomic_signal_fence(std::memory_order_release);
  if (index + 1 > rec.write_pointer) rec.write_pointer = index + 1;
  return FlashError::kNone;
}

Result<PageState, FlashError> PageStore::Read(uint64_t page,
                                              std::span<uint8_t> data,
                                              Oob* oob) const {
  if (page >= geometry_.total_pages()) return Err(FlashError::kAddressOutOfRange);
  if (!data.empty() && data.size() != geometry_.page_size) {
    return Err(FlashError::kBadLength);
  }
  const OobSlot& slot = slots_[page];
  if (slot.state != kSlotProgrammed) {
    std::memset(data.data(), 0xFF, data.size());
    if (oob) *oob = Oob{};
    return PageState::kErased;
  }
  if (!data.empty()) {
    if (metadata_only_) {
      PatternFor(slot.lpa, slot.seq, data);
    } else {
      std::memcpy(data.data(), data_ + page * geometry_.page_size, data.size());
    }
  }
  if (oob) {
    oob->lpa = slot.lpa;
    oob->seq = slot.seq;
    std::memcpy(oob->tag.data(), slot.tag, sizeof(slot.tag));
  }
  return PageState::kProgrammed;
}

FlashError PageStore::Erase(uint64_t block) {
  if (block >= geometry_.total_blocks()) return FlashError::kAddressOutOfRange;
  const uint64_t first = geometry_.FirstPageOfBlock(block);
  const uint64_t ppb = geometry_.pages_per_block;
  // Discard zeroes (the erased state) and returns whole pages of memory or
  // file space to the host.
  memory_->Discard(oob_offset_ + first * sizeof(OobSlot), ppb * sizeof(OobSlot));
  if (!metadata_only_) {
    memory_->Discard(data_offset_ + first * geometry_.page_size,
                     ppb * geometry_.page_size);
  }
  blocks_[block].write_pointer = 0;
  ++blocks_[block].erase_count;
  return FlashError::kNone;
}

bool PageStore::Sync() { return memory_->SyncAll(); }

bool PageStore::SyncPage(uint64_t page) {
  if (!persistent() || page >= geometry_.total_pages()) return true;
  bool ok = true;
  if (!metadata_only_) {
    ok &= memory_->Sync(data_offset_ + page * geometry_.page_size,
                        geometry_.page_size);
  }
  ok &= memory_->Sync(oob_offset_ + page * sizeof(OobSlot), sizeof(OobSlot));
  ok &= memory_->Sync(block_table_offset_ +
                          geometry_.BlockOfPage(page) * sizeof(BlockRecord),
                      sizeof(BlockRecord));
  return ok;
}

void PageStore::PatternFor(uint64_t lpa, uint64_t seq, std::span<uint8_t> out) {
  const uint64_t key = Mix(lpa) ^ Mix(seq ^ 0x5a11c0ffeeull);
  size_t i = 0;
  for (uint64_t w = 0; i + 8 <= out.size(); i += 8, ++w) {
    uint64_t v = Mix(key + w);
    std::memcpy(out.data() + i, &v, 8);
  }
  if (i < out.size()) {
    uint64_t v = Mix(key + i / 8);
    std::memcpy(out.data() + i, &v, out.size() - i);
  }
}

}  // namespace salix::flash

#include "nossd/nossd.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace salix {
namespace {

constexpr size_t kCompareChunk = 64 * 1024;

IoResult Done(Status s, const IoRequest& req) { return {s, req.now_ns}; }

}  // namespace

Result<std::unique_ptr<Personality>, std::string> NossdPersonality::Create(
    const Config& config) {
  uint64_t size = config.GetSize("size");
  uint64_t lba = config.GetUint("lba-size");
  std::string path = config.GetString("backing-file");
  unsigned format = 0;
  while (format < kFormats.size() && kFormats[format].lba_size != lba) format++;
  if (format == kFormats.size()) {
    return Err(fmt::format("lba-size: {} is not supported by nossd", lba));
  }
  if (size == 0 || size % lba != 0) {
    return Err(fmt::format("size: {} is not a multiple of lba-size {}", size,
                           lba));
  }
  auto memory = path.empty() ? BackingMemory::CreateRam(size)
                             : BackingMemory::OpenFile(path, size);
  if (!memory.ok()) return Err(memory.error());
  if (config.GetString("prealloc") == "on") {
    if (std::string e = memory.value()->Populate(); !e.empty()) return Err(e);
  }
  return std::unique_ptr<Personality>(
      new NossdPersonality(std::move(memory).value(), format));
}

NossdPersonality::NossdPersonality(std::unique_ptr<BackingMemory> memory,
                                   unsigned lba_format)
    : memory_(std::move(memory)), format_(lba_format) {}

uint64_t NossdPersonality::capacity_blocks() const {
  return memory_->size() / lba_size();
}

IoResult NossdPersonality::Read(const IoRequest& req, DataTransfer& xfer) {
  uint64_t len = uint64_t{req.nlb} * lba_size();
  return Done(xfer.ToHost(0, memory_->data() + Offset(req.slba), len), req);
}

IoResult NossdPersonality::Write(const IoRequest& req, DataTransfer& xfer) {
  uint64_t len = uint64_t{req.nlb} * lba_size();
  Status s = xfer.FromHost(0, memory_->data() + Offset(req.slba), len);
  if (s.ok()) s = Persist(req);
  if (s.ok()) StoreTags(req);
  return Done(s, req);
}

void NossdPersonality::StoreTags(const IoRequest& req) {
  const HostTag untagged{};
  // Runs of blocks that share a tag (one run without a tag list; adjacent
  // list entries with the same tag join) are set or erased as one. One
  // sequence number per tagged command, as for a Write.
  const uint64_t step =
      req.has_block_tags() ? std::max<uint32_t>(1, req.blocks_per_tag) : req.nlb;
  uint64_t seq = 0;
  for (uint64_t b = 0; b < req.nlb;) {
    const HostTag& tag = req.TagOfBlock(b);
    uint64_t end = std::min<uint64_t>(req.nlb, b + step);
    while (end < req.nlb && req.TagOfBlock(end) == tag) {
      end = std::min<uint64_t>(req.nlb, end + step);
    }
    if (tag != untagged) {
      if (seq == 0) seq = tag_seq_++;
      tags_.Set(req.slba + b, req.slba + end, tag, seq);
    } else {
      tags_.Erase(req.slba + b, req.slba + end);
    }
    b = end;
  }
}

IoResult NossdPersonality::Compare(const IoRequest& req, DataTransfer& xfer) {
  uint64_t len = uint64_t{req.nlb} * lba_size();
  const uint8_t* stored = memory_->data() + Offset(req.slba);
  compare_buf_.resize(kCompareChunk);
  bool equal = true;
  // Read every chunk even after a mismatch is found: a data transfer fault
  // must win over Compare Failure so the host sees why its buffer was bad.
  for (uint64_t off = 0; off < len; off += kCompareChunk) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kCompareChunk, len - off));
    Status s = xfer.FromHost(off, compare_buf_.data(), n);
    if (!s.ok()) return Done(s, req);
    if (equal && std::memcmp(compare_buf_.data(), stored + off, n) != 0) {
      equal = false;
    }
  }
  return Done(equal ? Status() : Status::CompareFailure(), req);
}

IoResult NossdPersonality::WriteZeroes(const IoRequest& req) {
  tags_.Erase(req.slba, req.slba + req.nlb);
  memory_->Discard(Offset(req.slba), uint64_t{req.nlb} * lba_size());
  return Done(Persist(req), req);
}

IoResult NossdPersonality::Deallocate(const IoRequest& req) {
  // Deallocated blocks read as zeroes (DLFEAT = 001b); the hole also gives
  // the memory or file space back.
  tags_.Erase(req.slba, req.slba + req.nlb);
  memory_->Discard(Offset(req.slba), uint64_t{req.nlb} * lba_size());
  return Done(Status(), req);
}

IoResult NossdPersonality::Flush(uint64_t now_ns) {
  bool ok = memory_->SyncAll();
  return {ok ? Status() : Status::WriteFault(), now_ns};
}

Status NossdPersonality::Persist(const IoRequest& req) {
  if (!memory_->persistent() || (wce_ && !req.fua)) return Status();
  bool ok = memory_->Sync(Offset(req.slba), uint64_t{req.nlb} * lba_size());
  return ok ? Status() : Status::WriteFault();
}

Status NossdPersonality::Format(unsigned index, bool erase) {
  // Both "no secure erase" and "user data erase" leave the namespace
  // reading as zeroes: the old contents would be garbage under the new LBA
  // size anyway. erase only records the host's intent.
  (void)erase;
  format_ = index;
  tags_.Clear();
  memory_->Discard(0, memory_->size());
  return Status();
}

IoResult NossdPersonality::ReadTags(const IoRequest& req,
                                   std::span<BlockTag> out) {
  const uint32_t lba = lba_size();
  const uint64_t n = std::min<uint64_t>(req.nlb, out.size());
  // An untagged block is mapped when it holds a nonzero byte; pages never
  // written are not looked at (BackingMemory::PagesWithData says why).
  constexpr uint64_t kPage = BackingMemory::kPageBytes;
  memory_->PagesWithData(Offset(req.slba), n * lba, &pages_scratch_);
  const uint64_t first_page = Offset(req.slba) / kPage;
  for (uint64_t i = 0; i < n; i++) {
    const uint64_t b = req.slba + i;
    BlockTag t;
    if (auto e = tags_.Find(b)) {
      t.tag = e->tag;
      t.seq = e->seq;
      t.mapped = true;
    } else {
      const uint64_t off = Offset(b);
      bool may_hold_data = false;
      for (uint64_t p = off / kPage; p <= (off + lba - 1) / kPage; p++) {
        may_hold_data |= pages_scratch_[p - first_page] != 0;
      }
      const uint8_t* d = memory_->data() + off;
      t.mapped = may_hold_data &&
                 std::any_of(d, d + lba, [](uint8_t x) { return x != 0; });
    }
    out[i] = t;
  }
  return Done(Status(), req);
}

void NossdPersonality::Shutdown() { memory_->SyncAll(); }

}  // namespace salix

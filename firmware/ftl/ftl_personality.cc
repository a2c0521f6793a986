#include "ftl/ftl_personality.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace salix::ftl {

Result<std::unique_ptr<Personality>, std::string> FtlPersonality::Create(
    const Config& config) {
  auto options = FtlOptions::FromConfig(config);
  if (!options.ok()) return Err(options.error());
  const uint64_t lba = config.GetUint("lba-size");
  unsigned format = 0;
  while (format < kFormats.size() && kFormats[format].lba_size != lba) format++;
  if (format == kFormats.size() || lba > options->geometry.page_size) {
    return Err(fmt::format(
        "lba-size: {} is not supported by ftl with flash.page-size {}", lba,
        options->geometry.page_size));
  }
  auto ftl = Ftl::Open(options.value());
  if (!ftl.ok()) return Err(ftl.error());
  return std::unique_ptr<Personality>(
      new FtlPersonality(std::move(ftl).value(), format));
}

FtlPersonality::FtlPersonality(std::unique_ptr<Ftl> ftl, unsigned lba_format)
    : ftl_(std::move(ftl)),
      format_(lba_format),
      buffer_(ftl_->options().write_buffer_pages),
      pcie_(ftl_->options().timing.pcie_mbps),
      page_(ftl_->page_size()) {}

uint64_t FtlPersonality::capacity_blocks() const {
  return ftl_->user_pages() * ftl_->page_size() / lba_size();
}

uint64_t FtlPersonality::blocks_in_use() const {
  return ftl_->mapped_pages() * ftl_->page_size() / lba_size();
}

template <typename Fn>
Status FtlPersonality::ForEachPage(const IoRequest& req, Fn&& fn) {
  const uint64_t psize = ftl_->page_size();
  const uint64_t begin = req.slba * lba_size();
  const uint64_t end = begin + uint64_t{req.nlb} * lba_size();
  for (uint64_t lpa = begin / psize; lpa * psize < end; ++lpa) {
    const uint64_t page_start = lpa * psize;
    const uint64_t from = std::max(begin, page_start);
    const uint64_t to = std::min(end, page_start + psize);
    Status s = fn(lpa, from - begin, static_cast<uint32_t>(from - page_start),
                  static_cast<uint32_t>(to - from));
    if (!s.ok()) return s;
  }
  return Status();
}

uint64_t FtlPersonality::Due(uint64_t now, uint64_t media_done, bool in_app) const {
  if (!ftl_->timing_enabled()) return now;
  return std::max(now, media_done) + (in_app ? 0 : command_overhead_ns());
}

uint64_t FtlPersonality::command_overhead_ns() const {
  return ftl_->timing_enabled() ? ftl_->options().timing.fw_overhead_ns : 0;
}

IoResult FtlPersonality::Read(const IoRequest& req, DataTransfer& xfer) {
  uint64_t media = req.now_ns;
  Status s = ForEachPage(req, [&](uint64_t lpa, uint64_t doff, uint32_t poff,
                                  uint32_t len) -> Status {
    auto r = ftl_->ReadPage(lpa, page_, req.now_ns);
    if (!r.ok()) return r.error();
    media = std::max(media, r.value());
    return xfer.ToHost(doff, page_.data() + poff, len);
  });
  if (ftl_->timing_enabled() && !req.internal) {
    media = pcie_.Reserve(req.now_ns, media, xfer.length()).end;
  }
  return {s, Due(req.now_ns, media, req.in_app)};
}

Result<uint64_t> FtlPersonality::Merge(uint64_t lpa, uint32_t offset,
                                       uint32_t len, const uint8_t* src,
                                       uint64_t now, const HostTag* tag) {
  const HostTag keep = tag != nullptr ? *tag : ftl_->PageTag(lpa).tag;
  auto r = ftl_->ReadPage(lpa, page_, now);
  if (!r.ok()) return r;
  if (src != nullptr) {
    std::memcpy(page_.data() + offset, src, len);
  } else {
    std::memset(page_.data() + offset, 0, len);
  }
  return ftl_->WritePage(lpa, page_, now, keep);
}

IoResult FtlPersonality::Write(const IoRequest& req, DataTransfer& xfer) {
  const uint64_t now = req.now_ns;
  const uint32_t psize = ftl_->page_size();
  // Data crosses PCIe before the controller can buffer it (with Write
  // Tagged's tag list in front of it).
  // (Internal moves: once the reads and the parity engine are done.)
  const uint64_t arrived =
      req.internal ? std::max(now, req.ready_ns)
      : ftl_->timing_enabled()
          ? pcie_.Reserve(now, now, xfer.length() + req.extra_link_bytes).end
          : now;
  const uint32_t lba = lba_size();
  const bool early = write_cache_enabled() && !req.fua;
  uint64_t done = arrived;
  std::vector<uint8_t>& part = chunk_;
  Status s = ForEachPage(req, [&](uint64_t lpa, uint64_t doff, uint32_t poff,
                                  uint32_t len) -> Status {
    // The page keeps the tag of its first block this command writes.
    const HostTag& tag = req.TagOfBlock(doff / lba);
    Result<uint64_t> programmed = now;
    if (len == psize) {
      std::span<const uint8_t> data;
      if (!ftl_->metadata_only()) {
        Status t = xfer.FromHost(doff, page_.data(), psize);
        if (!t.ok()) return t;
        data = page_;
      }
      programmed = ftl_->WritePage(lpa, data, now, tag);
    } else {
      part.resize(len);
      Status t = xfer.FromHost(doff, part.data(), len);
      if (!t.ok()) return t;
      programmed = Merge(lpa, poff, len, part.data(), now, &tag);
    }
    if (!programmed.ok()) return programmed.error();
    const uint64_t acked = buffer_.slots() > 0
                               ? buffer_.Admit(arrived, programmed.value())
                               : programmed.value();
    done = std::max(done, early ? acked : programmed.value());
    if (req.fua && !ftl_->SyncPage(lpa)) return Status::WriteFault();
    return Status();
  });
  return {s, Due(now, done, req.in_app)};
}

IoResult FtlPersonality::Compare(const IoRequest& req, DataTransfer& xfer) {
  uint64_t media = req.now_ns;
  bool equal = true;
  // Every page is read even after a mismatch: a data transfer fault must
  // win over Compare Failure so the host sees why its buffer was bad.
  Status s = ForEachPage(req, [&](uint64_t lpa, uint64_t doff, uint32_t poff,
                                  uint32_t len) -> Status {
    auto r = ftl_->ReadPage(lpa, page_, req.now_ns);
    if (!r.ok()) return r.error();
    media = std::max(media, r.value());
    chunk_.resize(len);
    Status t = xfer.FromHost(doff, chunk_.data(), len);
    if (!t.ok()) return t;
    if (std::memcmp(chunk_.data(), page_.data() + poff, len) != 0) equal = false;
    return Status();
  });
  if (s.ok() && !equal) s = Status::CompareFailure();
  return {s, Due(req.now_ns, media, req.in_app)};
}

IoResult FtlPersonality::Zero(const IoRequest& req, bool tagged) {
  const uint64_t now = req.now_ns;
  const uint32_t psize = ftl_->page_size();
  uint64_t done = now;
  uint64_t run_first = 0, run_count = 0;  // whole pages, trimmed together
  auto flush_run = [&]() -> Status {
    if (run_count == 0) return Status();
    auto r = ftl_->Trim(run_first, run_count, now);
    run_count = 0;
    if (!r.ok()) return r.error();
    done = std::max(done, r.value());
    return Status();
  };
  Status s = ForEachPage(req, [&](uint64_t lpa, uint64_t, uint32_t poff,
                                  uint32_t len) -> Status {
    if (len == psize) {
      if (run_count == 0) run_first = lpa;
      run_count++;
      return Status();
    }
    if (Status t = flush_run(); !t.ok()) return t;
    if (!ftl_->IsMapped(lpa)) return Status();  // already reads as zeroes
    auto r = Merge(lpa, poff, len, nullptr, now, tagged ? &req.tag : nullptr);
    if (!r.ok()) return r.error();
    done = std::max(done, r.value());
    return Status();
  });
  if (s.ok()) s = flush_run();
  return {s, Due(now, done, req.in_app)};
}

IoResult FtlPersonality::WriteZeroes(const IoRequest& req) {
  return Zero(req, true);
}

IoResult FtlPersonality::Deallocate(const IoRequest& req) {
  return Zero(req, false);
}

IoResult FtlPersonality::ReadTags(const IoRequest& req,
                                  std::span<BlockTag> out) {
  const uint64_t per_page = ftl_->page_size() / lba_size();
  uint64_t cached_lpa = UINT64_MAX;
  BlockTag cached;
  for (uint32_t i = 0; i < req.nlb && i < out.size(); ++i) {
    const uint64_t lpa = (req.slba + i) / per_page;
    if (lpa != cached_lpa) cached = ftl_->PageTag(lpa), cached_lpa = lpa;
    out[i] = cached;
  }
  return {Status(), Due(req.now_ns, req.now_ns)};
}

IoResult FtlPersonality::Flush(uint64_t now_ns) {
  const bool ok = ftl_->Sync();
  return {ok ? Status() : Status::WriteFault(), Due(now_ns, buffer_.drained_at())};
}

Status FtlPersonality::Format(unsigned index, bool erase) {
  // User data is erased either way: under a new LBA size the old contents
  // would be garbage. 'erase' only records the host's intent.
  (void)erase;
  Status s = ftl_->Format();
  if (s.ok()) format_ = index;
  return s;
}

void FtlPersonality::Shutdown() { ftl_->Shutdown(); }

bool FtlPersonality::GetMediaStats(MediaStats* out) const {
  ftl_->GetStats(out);
  return true;
}

uint64_t FtlPersonality::Background(uint64_t now_ns) {
  return ftl_->Background(now_ns);
}

}  // namespace salix::ftl

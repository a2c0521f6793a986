// Parity Compute (Salix I/O 81h, <salix/array_commands.h>): the device
// reads k source chunks, computes P or Q with firmware/parity and writes
// the result with the command's host tag, then optionally deallocates the
// sources. Built on the Personality interface only, so every personality
// has it.
//
// Several stripes (CDW13 NS > 0): stripe j's sources are stripe 0's
// shifted by j * step chunks (CDW12 SSTEP, 0 = k: groups of k chunks back
// to back; 1: sources interleaved, as the array engine lays out the
// backups of a band run), its parity goes to the j-th chunk after DSLBA.
// The command then runs as NS + 1 single ones would, one after the other,
// except that all of them are checked first and the sources of every
// stripe are deallocated after the last parity chunk is written.
//
// Every field and descriptor is checked, for every stripe, before anything
// is read or written. A chunk is processed in slices (kSliceBytes per
// source), so controller memory stays bounded whatever NLB is; the sources
// are deallocated only after every parity chunk is written.
//
// Timing: the reads of a slice are booked at the command's arrival, the
// parity engine (ControllerOptions::parity_engine_mbps, one engine per
// controller) starts when they are all in, and the write's data is ready
// when the engine is done (IoRequest::ready_ns). The completion is due when
// the last write, and the deallocation, are. Every stripe is booked so, at
// the command's arrival: the same times as NS + 1 commands arriving
// together.
#include <salix/array_commands.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "hil/controller.h"
#include "hil/io_helpers.h"
#include "hil/memory_transfer.h"
#include "parity/gf256.h"
#include "parity/parity.h"

namespace salix {
namespace {

constexpr uint64_t kSliceBytes = 128 * 1024;

// Does any of the chunks [first + j * stride, +len), j = 0 .. count - 1,
// overlap [a, b)? REQUIRES: stride >= 1, no chunk wraps past 2^64.
bool AnyChunkOverlaps(uint64_t first, uint64_t stride, uint64_t count,
                      uint64_t len, uint64_t a, uint64_t b) {
  // The first chunk that ends after a, then whether it starts before b.
  uint64_t j = 0;
  if (first + len <= a) j = (a - (first + len)) / stride + 1;
  return j < count && first + j * stride < b;
}

}  // namespace

IoResult Controller::ReadInternal(uint64_t slba, uint32_t nlb,
                                  std::span<uint8_t> out, uint64_t now) {
  IoRequest req;
  req.slba = slba;
  req.nlb = nlb;
  req.now_ns = now;
  req.internal = true;
  MemoryTransfer xfer(out);
  return personality_->Read(req, xfer);
}

uint64_t Controller::BookParityEngine(uint64_t ready, uint64_t bytes) {
  const uint64_t mbps = options_.parity_engine_mbps;
  if (mbps == 0) return ready;
  const uint64_t start = std::max(ready, parity_engine_free_ns_);
  // MB/s = bytes per microsecond: bytes * 1000 / mbps nanoseconds.
  parity_engine_free_ns_ = start + (bytes * 1000 + mbps - 1) / mbps;
  return parity_engine_free_ns_;
}

CommandResult Controller::ParityCompute(const nvme::Sqe& sqe, uint64_t now) {
  const uint64_t dslba = io::Slba(sqe);
  const uint32_t nr = (sqe.cdw12 & 0xFF) + 1;
  const uint32_t kind = (sqe.cdw12 >> 8) & 0xF;
  const bool deallocate = (sqe.cdw12 & SALIX_PARITY_DEALLOCATE) != 0;
  const uint32_t nlb = (sqe.cdw13 & 0xFFFF) + 1;
  const uint32_t stripes = (sqe.cdw13 >> 16) + 1;
  const uint32_t step = (sqe.cdw12 >> SALIX_PARITY_SSTEP_SHIFT) & 0xFF;
  const uint64_t cap = HostBlocks();
  if (kind != SALIX_PARITY_P && kind != SALIX_PARITY_Q) {
    log_.GuestError("Parity Compute: unknown kind {} (CDW12 bits 11:8)", kind);
    return io::Fail(Status::InvalidField(), now,
                    ParamLocation(io::kByteCdw12 + 1), dslba);
  }
  if (nr > SALIX_PARITY_MAX_SOURCES) {
    log_.GuestError("Parity Compute: {} sources, at most {}", nr,
                    SALIX_PARITY_MAX_SOURCES);
    return io::Fail(Status::InvalidField(), now, ParamLocation(io::kByteCdw12),
                    dslba);
  }
  // Destinations: stripes * nlb blocks from DSLBA, back to back.
  const uint64_t dest_blocks = uint64_t{stripes} * nlb;
  if (!io::InRange(dslba, dest_blocks, cap)) {
    return io::Fail(Status::LbaOutOfRange(), now,
                    ParamLocation(io::kByteCdw10), dslba);
  }
  // The descriptor list, as Dataset Management ranges arrive.
  const size_t list_bytes = nr * sizeof(salix_parity_source);
  Status s = buffer_.Build(sqe, list_bytes, XferDir::kFromHost);
  if (s.ok()) {
    bounce_.resize(list_bytes);
    s = buffer_.FromHost(0, bounce_.data(), list_bytes);
  }
  if (!s.ok()) return io::Fail(s, now, ParamLocation(io::kByteDptr), dslba);
  std::array<salix_parity_source, SALIX_PARITY_MAX_SOURCES> src;
  std::memcpy(src.data(), bounce_.data(), list_bytes);

  // Stripe j's source i starts at src[i].slba + j * stride.
  const uint64_t stride = uint64_t{step != 0 ? step : nr} * nlb;
  const uint64_t last_shift = uint64_t{stripes - 1} * stride;
  std::array<bool, parity::kGfOrder> coef_used{};
  for (uint32_t i = 0; i < nr; i++) {
    // In range for the first and the last stripe: in range for all.
    if (!io::InRange(src[i].slba, nlb, cap) ||
        !io::InRange(src[i].slba + last_shift, nlb, cap)) {
      return io::Fail(Status::LbaOutOfRange(), now,
                      ParamLocation(io::kByteDptr), src[i].slba);
    }
    // Every stripe's destination is inside [dslba, dslba + dest_blocks).
    if (AnyChunkOverlaps(src[i].slba, stride, stripes, nlb, dslba,
                         dslba + dest_blocks)) {
      log_.GuestError(
          "Parity Compute: source {} at LBA {} (stripe 0) overlaps a "
          "destination in LBAs {}..{} ({} stripes of {} blocks)",
          i, src[i].slba, dslba, dslba + dest_blocks - 1, stripes, nlb);
      return io::Fail(Status::InvalidField(), now,
                      ParamLocation(io::kByteCdw10), src[i].slba);
    }
    if (kind == SALIX_PARITY_Q) {
      const unsigned c = src[i].coef % parity::kGfOrder;
      if (coef_used[c]) {
        // Q of two sources with one coefficient cannot recover either.
        log_.GuestError(
            "Parity Compute: source {} repeats Q coefficient {} (mod 255)", i,
            src[i].coef);
        return io::Fail(Status::InvalidField(), now,
                        ParamLocation(io::kByteDptr), src[i].slba);
      }
      coef_used[c] = true;
    }
  }

  const uint32_t lba = personality_->lba_size();
  const HostTag tag = io::TagOf(sqe);
  uint64_t due = now;
  for (uint32_t j = 0; j < stripes; j++) {
    const uint64_t shift = uint64_t{j} * stride;
    const uint64_t dest = dslba + uint64_t{j} * nlb;
    if (std::optional<CommandResult> failed =
            ParityStripe(std::span(src.data(), nr), kind, nlb, shift, dest,
                         tag, now, &due)) {
      return *failed;
    }
  }
  if (deallocate) {
    for (uint32_t j = 0; j < stripes; j++) {
      for (uint32_t i = 0; i < nr; i++) {
        IoRequest d;
        d.slba = src[i].slba + uint64_t{j} * stride;
        d.nlb = nlb;
        d.now_ns = now;
        IoResult r = personality_->Deallocate(d);
        due = std::max(due, r.due_ns);
        if (!r.status.ok()) return io::Done(r.status, now, due, d.slba);
      }
    }
  }
  health_.parity_commands++;
  health_.parity_source_bytes += uint64_t{stripes} * nr * nlb * lba;
  return io::Done(Status(), now, due);
}

std::optional<CommandResult> Controller::ParityStripe(
    std::span<const salix_parity_source> src, uint32_t kind, uint32_t nlb,
    uint64_t shift, uint64_t dest, const HostTag& tag, uint64_t now,
    uint64_t* due) {
  const uint32_t nr = static_cast<uint32_t>(src.size());
  const uint32_t lba = personality_->lba_size();
  const uint32_t slice_blocks =
      static_cast<uint32_t>(std::max<uint64_t>(1, kSliceBytes / lba));
  const size_t slice_bytes = size_t{std::min(slice_blocks, nlb)} * lba;
  internal_.resize((nr + 1) * slice_bytes);
  for (uint32_t off = 0; off < nlb; off += slice_blocks) {
    const uint32_t n = std::min(slice_blocks, nlb - off);
    const size_t bytes = size_t{n} * lba;
    std::array<parity::Source, SALIX_PARITY_MAX_SOURCES> sources;
    uint64_t ready = now;
    for (uint32_t i = 0; i < nr; i++) {
      const uint64_t slba = src[i].slba + shift + off;
      std::span<uint8_t> chunk(internal_.data() + i * slice_bytes, bytes);
      IoResult r = ReadInternal(slba, n, chunk, now);
      if (!r.status.ok()) {
        return io::Done(r.status, now, std::max(*due, r.due_ns), slba);
      }
      ready = std::max(ready, r.due_ns);
      sources[i] = {chunk, src[i].coef};
    }
    std::span<uint8_t> out(internal_.data() + nr * slice_bytes, bytes);
    std::span<const parity::Source> used(sources.data(), nr);
    const bool computed = kind == SALIX_PARITY_P ? parity::ComputeP(used, out)
                                                 : parity::ComputeQ(used, out);
    if (!computed) {  // validated above: lengths match, coefficients differ
      return io::Done(Status::InternalError(), now, *due, dest);
    }
    IoRequest w;
    w.slba = dest + off;
    w.nlb = n;
    w.now_ns = now;
    w.tag = tag;
    w.internal = true;
    w.ready_ns = BookParityEngine(ready, uint64_t{nr} * bytes);
    MemoryTransfer xfer(out);
    IoResult r = personality_->Write(w, xfer);
    *due = std::max(*due, r.due_ns);
    if (!r.status.ok()) return io::Done(r.status, now, *due, w.slba);
  }
  return std::nullopt;
}

}  // namespace salix

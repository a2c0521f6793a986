// Parity Compute (Salix I/O 81h, <salix/array_commands.h>): the device
// reads k source chunks, computes P or Q with firmware/parity and writes
// the result with the command's host tag, then optionally deallocates the
// sources. Built on the Personality interface only, so every personality
// has it.
//
// Every field and descriptor is checked before anything is read or
// written. The chunk is processed in slices (kSliceBytes per source), so
// controller memory stays bounded whatever NLB is; the sources are
// deallocated only after the whole parity chunk is written.
//
// Timing: the reads of a slice are booked at the command's arrival, the
// parity engine (ControllerOptions::parity_engine_mbps, one engine per
// controller) starts when they are all in, and the write's data is ready
// when the engine is done (IoRequest::ready_ns). The completion is due when
// the last write, and the deallocation, are.
#include <salix/array_commands.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "hil/controller.h"
#include "hil/io_helpers.h"
#include "hil/memory_transfer.h"
#include "parity/gf256.h"
#include "parity/parity.h"

namespace salix {
namespace {

constexpr uint64_t kSliceBytes = 128 * 1024;

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
  if (!io::InRange(dslba, nlb, cap)) {
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

  std::array<bool, parity::kGfOrder> coef_used{};
  for (uint32_t i = 0; i < nr; i++) {
    if (!io::InRange(src[i].slba, nlb, cap)) {
      return io::Fail(Status::LbaOutOfRange(), now,
                      ParamLocation(io::kByteDptr), src[i].slba);
    }
    if (io::Overlap(src[i].slba, nlb, dslba, nlb)) {
      log_.GuestError(
          "Parity Compute: source {} at LBA {} overlaps the destination at "
          "LBA {} ({} blocks)",
          i, src[i].slba, dslba, nlb);
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
  const uint32_t slice_blocks =
      static_cast<uint32_t>(std::max<uint64_t>(1, kSliceBytes / lba));
  const size_t slice_bytes = size_t{std::min(slice_blocks, nlb)} * lba;
  internal_.resize((nr + 1) * slice_bytes);
  const HostTag tag = io::TagOf(sqe);
  uint64_t due = now;
  for (uint32_t off = 0; off < nlb; off += slice_blocks) {
    const uint32_t n = std::min(slice_blocks, nlb - off);
    const size_t bytes = size_t{n} * lba;
    std::array<parity::Source, SALIX_PARITY_MAX_SOURCES> sources;
    uint64_t ready = now;
    for (uint32_t i = 0; i < nr; i++) {
      std::span<uint8_t> chunk(internal_.data() + i * slice_bytes, bytes);
      IoResult r = ReadInternal(src[i].slba + off, n, chunk, now);
      if (!r.status.ok()) {
        return io::Done(r.status, now, std::max(due, r.due_ns),
                        src[i].slba + off);
      }
      ready = std::max(ready, r.due_ns);
      sources[i] = {chunk, src[i].coef};
    }
    std::span<uint8_t> out(internal_.data() + nr * slice_bytes, bytes);
    std::span<const parity::Source> used(sources.data(), nr);
    const bool computed = kind == SALIX_PARITY_P ? parity::ComputeP(used, out)
                                                 : parity::ComputeQ(used, out);
    if (!computed) {  // validated above: lengths match, coefficients differ
      return io::Done(Status::InternalError(), now, due, dslba);
    }
    IoRequest w;
    w.slba = dslba + off;
    w.nlb = n;
    w.now_ns = now;
    w.tag = tag;
    w.internal = true;
    w.ready_ns = BookParityEngine(ready, uint64_t{nr} * bytes);
    MemoryTransfer xfer(out);
    IoResult r = personality_->Write(w, xfer);
    due = std::max(due, r.due_ns);
    if (!r.status.ok()) return io::Done(r.status, now, due, w.slba);
  }
  if (deallocate) {
    for (uint32_t i = 0; i < nr; i++) {
      IoRequest d;
      d.slba = src[i].slba;
      d.nlb = nlb;
      d.now_ns = now;
      IoResult r = personality_->Deallocate(d);
      due = std::max(due, r.due_ns);
      if (!r.status.ok()) return io::Done(r.status, now, due, d.slba);
    }
  }
  health_.parity_commands++;
  health_.parity_source_bytes += uint64_t{nr} * nlb * lba;
  return io::Done(Status(), now, due);
}

}  // namespace salix

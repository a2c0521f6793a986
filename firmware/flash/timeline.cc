#include "flash/timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

namespace salix::flash {

Timeline::Timeline(const Geometry& geometry, const Timing& timing)
    : geometry_(geometry),
      timing_(timing),
      dies_(geometry.dies()),
      // Every flash transfer the FTL makes is a whole page: shorter gaps
      // on a channel can never be used (see BusTimeline).
      channels_(geometry.channels,
                BusTimeline(timing.channel_mbps,
                            TransferNs(geometry.page_size, timing.channel_mbps))) {}

uint64_t Timeline::DoRead(uint32_t channel, uint32_t die, uint32_t page,
                          uint32_t planes, uint32_t bytes, uint64_t now) {
  Die& d = dies_[geometry_.DieIndex(channel, die)];
  const uint64_t start = std::max(now, d.free_at);
  const uint64_t t_r = timing_.ReadNs(geometry_.PageTypeOf(page));
  uint64_t ready = start + t_r;
  // Each plane's page register drains over the bus in turn.
  for (uint32_t i = 0; i < planes; ++i) {
    ready = channels_[channel].Reserve(now, ready, bytes).end;
  }
  d.free_at = ready;
  d.stats.busy_ns += ready - start;
  d.stats.array_ns += t_r;
  d.stats.reads += planes;
  return ready;
}

uint64_t Timeline::DoProgram(uint32_t channel, uint32_t die, uint32_t page,
                             uint32_t planes, uint64_t now) {
  Die& d = dies_[geometry_.DieIndex(channel, die)];
  const uint64_t start = std::max(now, d.free_at);
  uint64_t loaded = start;
  for (uint32_t i = 0; i < planes; ++i) {
    loaded = channels_[channel].Reserve(now, loaded, geometry_.page_size).end;
  }
  const uint64_t t_prog = timing_.ProgramNs(geometry_.PageTypeOf(page));
  d.free_at = loaded + t_prog;
  d.stats.busy_ns += d.free_at - start;
  d.stats.array_ns += t_prog;
  d.stats.programs += planes;
  return d.free_at;
}

uint64_t Timeline::DoErase(uint32_t channel, uint32_t die, uint32_t planes,
                           uint64_t now) {
  // The erase command's few bytes on the bus are negligible next to tBERS.
  Die& d = dies_[geometry_.DieIndex(channel, die)];
  const uint64_t start = std::max(now, d.free_at);
  d.free_at = start + timing_.erase_ns;
  d.stats.busy_ns += timing_.erase_ns;
  d.stats.array_ns += timing_.erase_ns;
  d.stats.erases += planes;
  return d.free_at;
}

uint64_t Timeline::Read(const Ppa& p, uint64_t now, uint32_t bytes) {
  assert(geometry_.Contains(p) && bytes <= geometry_.page_size);
  return DoRead(p.channel, p.die, p.page, 1, bytes, now);
}

uint64_t Timeline::Program(const Ppa& p, uint64_t now) {
  assert(geometry_.Contains(p));
  return DoProgram(p.channel, p.die, p.page, 1, now);
}

uint64_t Timeline::Erase(const BlockAddr& b, uint64_t now) {
  assert(geometry_.Contains(b));
  return DoErase(b.channel, b.die, 1, now);
}

uint64_t Timeline::ReadMultiPlane(std::span<const Ppa> ppas, uint64_t now) {
  assert(!CheckMultiPlane(geometry_, ppas));
  const Ppa& p = ppas.front();
  return DoRead(p.channel, p.die, p.page, static_cast<uint32_t>(ppas.size()),
                geometry_.page_size, now);
}

uint64_t Timeline::ProgramMultiPlane(std::span<const Ppa> ppas, uint64_t now) {
  assert(!CheckMultiPlane(geometry_, ppas));
  const Ppa& p = ppas.front();
  return DoProgram(p.channel, p.die, p.page,
                   static_cast<uint32_t>(ppas.size()), now);
}

uint64_t Timeline::EraseMultiPlane(std::span<const BlockAddr> blocks,
                                   uint64_t now) {
  assert(!blocks.empty() && blocks.size() <= geometry_.planes_per_die);
  const BlockAddr& b = blocks.front();
  return DoErase(b.channel, b.die, static_cast<uint32_t>(blocks.size()), now);
}

std::optional<std::string> Timeline::CheckMultiPlane(const Geometry& g,
                                                     std::span<const Ppa> ppas) {
  if (ppas.empty() || ppas.size() > g.planes_per_die) {
    return fmt::format("multi-plane group needs 1..{} pages, got {}",
                       g.planes_per_die, ppas.size());
  }
  uint32_t planes_seen = 0;
  for (const Ppa& p : ppas) {
    if (!g.Contains(p)) return std::string("multi-plane page outside geometry");
    if (p.channel != ppas[0].channel || p.die != ppas[0].die) {
      return std::string("multi-plane pages must be on one die");
    }
    if (p.page != ppas[0].page) {
      return std::string("multi-plane pages must share the page index");
    }
    if (planes_seen & (1u << p.plane)) {
      return fmt::format("multi-plane group uses plane {} twice", p.plane);
    }
    planes_seen |= 1u << p.plane;
  }
  return std::nullopt;
}

ChannelStats Timeline::channel_stats(uint32_t channel) const {
  const BusTimeline& b = channels_[channel];
  return {b.busy_ns(), b.bytes(), b.transfers()};
}

}  // namespace salix::flash

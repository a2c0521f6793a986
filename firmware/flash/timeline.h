// timeline.h - the NAND timing model: per-die and per-channel timelines.
//
// Each die executes its operations one at a time, in the order they are
// booked (a die is busy from the moment it is selected until its operation
// is over). Each channel bus moves data for all dies on it, one transfer at
// a time (BusTimeline). Different dies overlap freely, except on the bus.
//
//   read:    die free -> tR(page type) -> data out over the bus -> done
//   program: die free -> data in over the bus -> tPROG(page type) -> done
//   erase:   die free -> tBERS -> done
// Multi-plane variants run the same operation on several planes of one die
// with a single tR/tPROG/tBERS (each plane's data still crosses the bus).
// The die stays busy while read data waits for the bus: it sits in the
// die's page register until transferred.
//
// Every method is a pure function of the model's own clock: 'now' in ns,
// completion time in ns out. No wall time, no threads, no sleeping.
// REQUIRES: 'now' never decreases from one call to the next (the model
// clock only moves forward); addresses are inside the geometry.
// Thread-safety: none; a flash model instance is single-threaded.
#ifndef SALIX_FLASH_TIMELINE_H
#define SALIX_FLASH_TIMELINE_H

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "flash/bus_timeline.h"
#include "flash/geometry.h"
#include "flash/timing.h"

namespace salix::flash {

struct DieStats {
  uint64_t busy_ns = 0;   // selected: array time plus waits for the bus
  uint64_t array_ns = 0;  // tR + tPROG + tBERS only
  uint64_t reads = 0;     // page reads (a 2-plane read counts 2)
  uint64_t programs = 0;
  uint64_t erases = 0;
};

struct ChannelStats {
  uint64_t busy_ns = 0;
  uint64_t bytes = 0;
  uint64_t transfers = 0;
};

class Timeline {
 public:
  // REQUIRES: !geometry.Validate() && !timing.Validate(geometry.cell_type).
  Timeline(const Geometry& geometry, const Timing& timing);

  // Completion time of reading 'bytes' of the page at 'ppa' (default: the
  // whole page). Only the transfer depends on 'bytes'; tR reads a page.
  uint64_t Read(const Ppa& ppa, uint64_t now) {
    return Read(ppa, now, geometry_.page_size);
  }
  uint64_t Read(const Ppa& ppa, uint64_t now, uint32_t bytes);
  uint64_t Program(const Ppa& ppa, uint64_t now);
  uint64_t Erase(const BlockAddr& block, uint64_t now);

  // REQUIRES: !CheckMultiPlane(geometry, ppas): 1..planes_per_die pages on
  // one die, distinct planes, the same page index.
  uint64_t ReadMultiPlane(std::span<const Ppa> ppas, uint64_t now);
  uint64_t ProgramMultiPlane(std::span<const Ppa> ppas, uint64_t now);
  // REQUIRES: blocks on one die, distinct planes.
  uint64_t EraseMultiPlane(std::span<const BlockAddr> blocks, uint64_t now);

  // nullopt if 'ppas' form a valid multi-plane group, else why not.
  static std::optional<std::string> CheckMultiPlane(const Geometry& g,
                                                    std::span<const Ppa> ppas);

  // When the die / channel is next idle given what is booked so far: the
  // FTL uses these to steer work to idle dies.
  uint64_t die_free_at(uint32_t die_index) const { return dies_[die_index].free_at; }
  uint64_t channel_idle_at(uint32_t channel) const {
    return channels_[channel].idle_at();
  }

  const DieStats& die_stats(uint32_t die_index) const {
    return dies_[die_index].stats;
  }
  ChannelStats channel_stats(uint32_t channel) const;

  const Geometry& geometry() const { return geometry_; }
  const Timing& timing() const { return timing_; }

 private:
  struct Die {
    uint64_t free_at = 0;
    DieStats stats;
  };

  uint64_t DoRead(uint32_t channel, uint32_t die, uint32_t page, uint32_t planes,
                  uint32_t bytes, uint64_t now);
  uint64_t DoProgram(uint32_t channel, uint32_t die, uint32_t page,
                     uint32_t planes, uint64_t now);
  uint64_t DoErase(uint32_t channel, uint32_t die, uint32_t planes,
                   uint64_t now);

  Geometry geometry_;
  Timing timing_;
  std::vector<Die> dies_;              // by flat die index
  std::vector<BusTimeline> channels_;  // by channel
};

}  // namespace salix::flash

#endif  // SALIX_FLASH_TIMELINE_H

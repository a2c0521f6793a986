// profiles.h - named drive profiles: a geometry shape plus timing.
//
// A profile gives researchers a published starting point; every value can
// still be overridden by its property. Capacity (flash.blocks-per-plane) is
// never a cited figure: set it for the study at hand.
//
// Thread-safety: pure functions returning values.
#ifndef SALIX_FLASH_PROFILES_H
#define SALIX_FLASH_PROFILES_H

#include <optional>
#include <string_view>
#include <vector>

#include "flash/geometry.h"
#include "flash/timing.h"

namespace salix::flash {

struct Profile {
  std::string_view name;
  std::string_view description;
  Geometry geometry;
  Timing timing;
};

// "tlc-datacenter", "slc-lowlatency"; nullopt for an unknown name.
std::optional<Profile> FindProfile(std::string_view name);
std::vector<std::string_view> ProfileNames();

}  // namespace salix::flash

#endif  // SALIX_FLASH_PROFILES_H

#include "abi/personalities.h"

#include <array>

#include "ftl/ftl_personality.h"
#include "nossd/nossd.h"

namespace salix {
namespace {

const std::array<PersonalityEntry, 2> kPersonalities{{
    {"nossd", "direct-mapped namespace, no flash model, instant completion",
     &NossdPersonality::Create},
    {"ftl",
     "flash SSD: page-mapping FTL with garbage collection over a NAND "
     "timing model",
     &ftl::FtlPersonality::Create},
}};

}  // namespace

std::span<const PersonalityEntry> PersonalityRegistry() {
  return kPersonalities;
}

const PersonalityEntry* FindPersonality(std::string_view name) {
  for (const auto& p : kPersonalities) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

std::string PersonalityNames() {
  std::string s;
  for (const auto& p : kPersonalities) {
    if (!s.empty()) s += ", ";
    s += p.name;
  }
  return s;
}

}  // namespace salix

#include "abi/personalities.h"

#include <array>

#include "nossd/nossd.h"

namespace salix {
namespace {

const std::array<PersonalityEntry, 1> kPersonalities{{
    {"nossd", "direct-mapped namespace, no flash model, instant completion",
     &NossdPersonality::Create},
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

// personalities.h - the registry of namespace personalities, by name.
//
// One place lists what "personality=" accepts; adding the ftl or zns
// personality means one row here plus its own keys in properties.cc.
#ifndef SALIX_ABI_PERSONALITIES_H
#define SALIX_ABI_PERSONALITIES_H

#include <memory>
#include <span>
#include <string>

#include "core/config.h"
#include "core/personality.h"
#include "core/result.h"

namespace salix {

struct PersonalityEntry {
  const char* name;
  const char* help;
  Result<std::unique_ptr<Personality>, std::string> (*create)(const Config&);
};

std::span<const PersonalityEntry> PersonalityRegistry();
const PersonalityEntry* FindPersonality(std::string_view name);
// "nossd" or "nossd, ftl": for error messages.
std::string PersonalityNames();

}  // namespace salix

#endif  // SALIX_ABI_PERSONALITIES_H

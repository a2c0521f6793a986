#include "core/config.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>

namespace salix {

Result<uint64_t, std::string> ParseUint(std::string_view text) {
  if (text.empty()) return Err(std::string("empty value, expected an integer"));
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return Err(fmt::format("'{}' is not a non-negative integer", text));
    }
    unsigned d = static_cast<unsigned>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) {
      return Err(fmt::format("'{}' is too large", text));
    }
    v = v * 10 + d;
  }
  return v;
}

Result<uint64_t, std::string> ParseSize(std::string_view text) {
  if (text.empty()) return Err(std::string("empty value, expected a size"));
  unsigned shift = 0;
  std::string_view digits = text;
  switch (text.back()) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: break;
  }
  if (shift != 0) digits.remove_suffix(1);
  auto n = ParseUint(digits);
  if (!n.ok()) {
    return Err(fmt::format(
        "'{}' is not a size (integer with optional K/M/G/T suffix)", text));
  }
  if (shift != 0 && n.value() > (std::numeric_limits<uint64_t>::max() >> shift)) {
    return Err(fmt::format("'{}' is too large", text));
  }
  return n.value() << shift;
}

const PropertySpec* Config::Find(std::string_view key) const {
  for (const auto& p : table_) {
    if (key == p.name) return &p;
  }
  return nullptr;
}

std::optional<std::string> Config::Set(std::string_view key,
                                       std::string_view value) {
  const PropertySpec* spec = Find(key);
  if (spec == nullptr) {
    std::string known;
    for (const auto& p : table_) {
      if (!known.empty()) known += ", ";
      known += p.name;
    }
    return fmt::format("{}: unknown property (known: {})", key, known);
  }
  std::string why = spec->validate(value);
  if (!why.empty()) return fmt::format("{}: {}", key, why);
  values_.insert_or_assign(std::string(key), std::string(value));
  return std::nullopt;
}

bool Config::IsSet(std::string_view key) const {
  return values_.find(key) != values_.end();
}

std::string Config::GetString(std::string_view key) const {
  auto it = values_.find(key);
  if (it != values_.end()) return it->second;
  const PropertySpec* spec = Find(key);
  return spec != nullptr ? spec->default_value : "";
}

uint64_t Config::GetSize(std::string_view key) const {
  auto r = ParseSize(GetString(key));
  return r.ok() ? r.value() : 0;
}

uint64_t Config::GetUint(std::string_view key) const {
  auto r = ParseUint(GetString(key));
  return r.ok() ? r.value() : 0;
}

}  // namespace salix

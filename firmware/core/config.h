// config.h - validated key/value configuration of one controller.
//
// The property table (name, default, help, validator, scope) lives in one
// place, firmware/abi/properties.cc; Config only stores what the user set and
// answers typed queries, falling back to the table's defaults. The HIL and
// each personality read their own keys from it, so adding flash.* or ftl.*
// keys touches the table and the personality, never the HIL.
//
// Thread-safety: not synchronized. Ownership: the table is static data.
#ifndef SALIX_CORE_CONFIG_H
#define SALIX_CORE_CONFIG_H

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace salix {

struct PropertySpec {
  const char* name;
  const char* default_value;
  const char* help;
  // Syntax and range check of one value; returns the reason it is bad
  // (without the key name), or an empty string.
  std::string (*validate)(std::string_view value);
  // "*" for every controller, or the personality that reads the key. Setting
  // a key another personality owns is an error at controller creation.
  const char* scope;
};

// Value parsers shared by validators and getters.
// Sizes: decimal integer with optional K/M/G/T suffix (powers of 1024).
Result<uint64_t, std::string> ParseSize(std::string_view text);
Result<uint64_t, std::string> ParseUint(std::string_view text);

class Config {
 public:
  explicit Config(std::span<const PropertySpec> table) : table_(table) {}

  // Unknown key or invalid value: an error naming the key.
  std::optional<std::string> Set(std::string_view key, std::string_view value);

  bool IsSet(std::string_view key) const;
  // The set value or the table default. REQUIRES: key is in the table.
  std::string GetString(std::string_view key) const;
  uint64_t GetSize(std::string_view key) const;
  uint64_t GetUint(std::string_view key) const;

  const PropertySpec* Find(std::string_view key) const;
  std::span<const PropertySpec> table() const { return table_; }
  const std::map<std::string, std::string, std::less<>>& values() const {
    return values_;
  }

 private:
  std::span<const PropertySpec> table_;
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace salix

#endif  // SALIX_CORE_CONFIG_H

#include "abi/controller_factory.h"

#include <fmt/format.h>

#include "abi/personalities.h"

#ifndef SALIX_FW_VERSION
#define SALIX_FW_VERSION "0.0.0"
#endif

namespace salix {

const char* FirmwareVersion() { return SALIX_FW_VERSION; }

Result<std::unique_ptr<Controller>, std::string> MakeController(
    const Config& config, Platform& platform) {
  std::string personality = config.GetString("personality");
  const PersonalityEntry* entry = FindPersonality(personality);
  if (entry == nullptr) {
    return Err(fmt::format("personality: unknown personality '{}' (valid: {})",
                           personality, PersonalityNames()));
  }
  for (const auto& [key, value] : config.values()) {
    const PropertySpec* spec = config.Find(key);
    std::string_view scope = spec != nullptr ? spec->scope : "*";
    if (scope != "*" && scope != personality) {
      return Err(fmt::format("{}: only used by personality '{}', not '{}'",
                             key, scope, personality));
    }
  }
  auto p = entry->create(config);
  if (!p.ok()) return Err(p.error());

  ControllerOptions opts;
  opts.serial = config.GetString("serial");
  opts.firmware_version = FirmwareVersion();
  opts.max_io_queues = static_cast<uint16_t>(config.GetUint("queues"));
  opts.mdts = static_cast<uint8_t>(config.GetUint("mdts"));
  opts.parity_engine_mbps = config.GetUint("parity.engine-mbps");
  opts.builtin_apps = config.GetString("apps.builtin") == "on";
  return std::make_unique<Controller>(opts, std::move(p).value(), platform);
}

}  // namespace salix

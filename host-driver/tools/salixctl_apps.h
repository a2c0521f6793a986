// salixctl_apps.h - the SSD-app commands of salixctl: app|domain|broker
// (salixctl_apps.cc) and the built-in apps txn|kv|append
// (salixctl_builtin.cc), with the helpers both files share.
//
// Exit status of every verb: 0 success, 1 a refusal or an I/O error (the
// message names the device's status and its reason), 2 bad usage.
#ifndef SALIX_HOST_TOOLS_SALIXCTL_APPS_H
#define SALIX_HOST_TOOLS_SALIXCTL_APPS_H

#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "salix/host/apps.h"
#include "salix/host/device.h"

namespace salixctl {

extern const std::string_view kAppsUsage;
int cmd_app(const std::vector<std::string_view>& args);
int cmd_domain(const std::vector<std::string_view>& args);
int cmd_broker(const std::vector<std::string_view>& args);

extern const std::string_view kBuiltinUsage;
int cmd_txn(const std::vector<std::string_view>& args);
int cmd_kv(const std::vector<std::string_view>& args);
int cmd_append(const std::vector<std::string_view>& args);

// ---- shared helpers ----------------------------------------------------------

// A decimal or 0x-prefixed hexadecimal number, all of 's'.
template <typename T>
bool ParseNum(std::string_view s, T* v) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v, base);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// The whole file ("-": standard input); false if it cannot be read.
bool ReadFile(const std::string& path, std::vector<uint8_t>* out);

// Prints the refusal's message; returns exit status 1.
int Fail(const salix::host::AppStatus& s);

// The token of --token HEX, or else of the environment variable
// SALIX_TOKEN (which keeps it out of other users' ps); a zero token ("no
// domain") when neither is given. False, with a message, for a malformed
// one.
bool ResolveToken(std::optional<std::string_view> flag, salix::host::AppToken* out);

// An open Salix namespace and, when one was asked for, an app's slot on
// it. The Device stays at one address, so AppClients over it may be kept.
struct AppSession {
  std::unique_ptr<salix::host::Device> dev;
  uint32_t slot = 0;
  salix::host::AppClient apps() const { return salix::host::AppClient(*dev); }
};

enum class AppLookup {
  kNone,     // only open the device
  kAny,      // 'app' is a name or a slot number (AppClient::ResolveSlot)
  kBuiltin,  // 'app' names a built-in app (FindBuiltinApp: says how to
             // turn apps.builtin on when it is off)
};

// Opens DEV (/dev/ngXnY or /dev/nvmeXnY) and looks 'app' up; on failure
// prints why and returns nullopt (exit status 1).
std::optional<AppSession> OpenApp(std::string_view dev, AppLookup lookup = AppLookup::kNone,
                                  std::string_view app = {});

}  // namespace salixctl

#endif  // SALIX_HOST_TOOLS_SALIXCTL_APPS_H

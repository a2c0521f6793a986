// salixctl app|domain|broker: SSD apps on a Salix namespace
// (<salix/app_commands.h>, salix/host/apps.h, salix/host/broker.h).
// Every refusal prints the device's status with a readable reason; exit
// status 1 for those, 2 for bad usage. Also the helpers salixctl_apps.h
// declares for the built-in app verbs (salixctl_builtin.cc).
#include "salixctl_apps.h"

#include <fmt/format.h>
#include <salix/app_commands.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "salix/host/apps.h"
#include "salix/host/broker.h"
#include "salix/host/builtin_apps.h"
#include "salix/host/linux_device.h"

namespace salixctl {

using salix::host::AppClient;
using salix::host::AppToken;

const std::string_view kAppsUsage =
    "  app load DEV SLOT FILE [--name NAME] [--raw] [--scratch KIB] [--host-only]\n"
    "                          load an eBPF program (clang -target bpf object, or\n"
    "                          raw instructions with --raw) into SLOT (0..15) and\n"
    "                          activate it as NAME (--no-activate: load only)\n"
    "  app list DEV            apps on the device: slot, state, name, functions\n"
    "  app call DEV APP [--function N] [--token HEX] [--u64 V]... [--u32 V]...\n"
    "               [--input FILE] [--output-len N] [--budget K] [--out FILE]\n"
    "                          invoke function N (default 0) of APP (name or slot)\n"
    "                          with the input built from --u64/--u32 (little endian,\n"
    "                          in order) or FILE; prints the value and the output\n"
    "                          (hex, or raw into --out FILE)\n"
    "  app unload DEV APP      deactivate and unload a loaded program\n"
    "  app stats DEV [APP]     per-app calls, errors, instructions, LBAs, device time\n"
    "  domain create DEV --range FIRST:COUNT:r|w|rw [--range ...]\n"
    "                          a protection domain; prints its id and token\n"
    "  domain destroy DEV ID   destroy a domain (its token is revoked)\n"
    "  broker grant PATH [--rights r|w|rw]\n"
    "                          (as root, e.g. through sudo) a domain over the LBAs\n"
    "                          PATH stands for (a namespace or partition node, or a\n"
    "                          'salix-extent DEV FIRST COUNT' file) if the calling\n"
    "                          user's permissions on PATH allow those rights\n"
    "  --token HEX defaults to $SALIX_TOKEN (out of other users' ps); without a\n"
    "  token an app runs with no flash access.\n";

namespace {

int Usage(std::string_view what) {
  fmt::print(stderr, "salixctl: {}\nusage:\n{}", what, kAppsUsage);
  return 2;
}

std::optional<uint8_t> ParseRights(std::string_view s) {
  if (s == "r") return SALIX_DOMAIN_READ;
  if (s == "w") return SALIX_DOMAIN_WRITE;
  if (s == "rw" || s == "wr") return SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE;
  return std::nullopt;
}

const char* StateName(uint8_t s) {
  switch (s) {
    case SALIX_APP_STATE_LOADING: return "loading";
    case SALIX_APP_STATE_LOADED: return "loaded";
    case SALIX_APP_STATE_ACTIVE: return "active";
    case SALIX_APP_STATE_BUILTIN: return "built-in";
    default: return "?";
  }
}

int AppLoad(const std::vector<std::string_view>& a) {
  if (a.size() < 3) return Usage("app load: DEV SLOT FILE");
  uint32_t slot;
  if (!ParseNum(a[1], &slot)) return Usage("app load: SLOT must be a number");
  std::string name;
  uint32_t scratch = 0;
  bool raw = false, host_only = false, activate = true;
  for (size_t i = 3; i < a.size(); i++) {
    if (a[i] == "--name" && i + 1 < a.size()) {
      name = a[++i];
    } else if (a[i] == "--scratch" && i + 1 < a.size()) {
      if (!ParseNum(a[++i], &scratch)) return Usage("--scratch KIB");
    } else if (a[i] == "--raw") {
      raw = true;
    } else if (a[i] == "--host-only") {
      host_only = true;
    } else if (a[i] == "--no-activate") {
      activate = false;
    } else {
      return Usage(fmt::format("app load: unknown option '{}'", a[i]));
    }
  }
  std::vector<uint8_t> prog;
  if (!ReadFile(std::string(a[2]), &prog)) {
    fmt::print(stderr, "salixctl: cannot read {}\n", a[2]);
    return 1;
  }
  if (name.empty()) {
    std::string f(a[2]);
    f = f.substr(f.rfind('/') + 1);
    name = f.substr(0, f.find('.'));
    if (name.size() > SALIX_APP_NAME_LEN) name.resize(SALIX_APP_NAME_LEN);
  }
  auto session = OpenApp(a[0]);
  if (!session) return 1;
  AppClient c = session->apps();
  uint32_t insns = 0;
  auto s = c.Load(slot, prog, raw ? SALIX_PROGRAM_EBPF_RAW : SALIX_PROGRAM_EBPF_ELF, &insns);
  if (!s.ok()) return Fail(s);
  fmt::print("slot {}: loaded {} bytes, {} instructions verified\n", slot, prog.size(), insns);
  if (!activate) return 0;
  s = c.Activate(slot, name, scratch, host_only);
  if (!s.ok()) return Fail(s);
  fmt::print("slot {}: active as '{}'\n", slot, name);
  return 0;
}

int AppList(const std::vector<std::string_view>& a, bool stats) {
  if (a.empty()) return Usage("app list: DEV");
  auto session = OpenApp(a[0]);
  if (!session) return 1;
  auto apps = session->apps().List();
  if (!apps.ok()) {
    fmt::print(stderr, "salixctl: {}\n", apps.error().message);
    return 1;
  }
  std::string only = a.size() > 1 ? std::string(a[1]) : "";
  if (!stats) {
    fmt::print("{:<6} {:<9} {:<16} {:>6} {:>8}  functions\n", "slot", "state", "name", "insns",
               "scratch");
  } else {
    fmt::print("{:<6} {:<16} {:>8} {:>7} {:>14} {:>10} {:>10} {:>12}\n", "slot", "name",
               "calls", "errors", "instructions", "lbas-read", "lbas-wrote", "device-us");
  }
  for (const auto& i : apps.value()) {
    if (!only.empty() && i.name != only && std::to_string(i.entry.slot) != only) continue;
    const auto& e = i.entry;
    if (stats) {
      fmt::print("{:<6} {:<16} {:>8} {:>7} {:>14} {:>10} {:>10} {:>12.1f}\n", e.slot, i.name,
                 e.calls, e.errors, e.instructions, e.lbas_read, e.lbas_written,
                 e.device_ns / 1000.0);
      continue;
    }
    std::string fns;
    for (const auto& f : i.functions) {
      fns += fmt::format("{}{}={}{}", fns.empty() ? "" : " ", f.id,
                         std::string(f.name, strnlen(f.name, sizeof(f.name))),
                         (f.flags & SALIX_FUNCTION_EXPORTED) ? "" : "(host-only)");
    }
    fmt::print("{:<6} {:<9} {:<16} {:>6} {:>8}  {}\n", e.slot, StateName(e.state), i.name,
               e.program_insns, e.scratch_bytes, fns);
  }
  return 0;
}

int AppCall(const std::vector<std::string_view>& a) {
  if (a.size() < 2) return Usage("app call: DEV APP");
  uint32_t function = 0, out_len = 4096, budget = 0;
  std::optional<std::string_view> token_hex;
  std::vector<uint8_t> input;
  std::string out_file;
  for (size_t i = 2; i < a.size(); i++) {
    auto next = [&](std::string_view opt) -> std::optional<std::string_view> {
      if (i + 1 >= a.size()) return std::nullopt;
      (void)opt;
      return a[++i];
    };
    if (a[i] == "--function") {
      auto v = next("--function");
      if (!v || !ParseNum(*v, &function)) return Usage("--function N");
    } else if (a[i] == "--token") {
      auto v = next("--token");
      if (!v) return Usage("--token HEX");
      token_hex = v;
    } else if (a[i] == "--u64" || a[i] == "--u32") {
      const bool wide = a[i] == "--u64";
      auto v = next("--u");
      uint64_t x;
      if (!v || !ParseNum(*v, &x)) return Usage("--u64/--u32 NUMBER");
      for (int b = 0; b < (wide ? 8 : 4); b++) input.push_back(static_cast<uint8_t>(x >> (8 * b)));
    } else if (a[i] == "--input") {
      auto v = next("--input");
      std::vector<uint8_t> f;
      if (!v || !ReadFile(std::string(*v), &f)) return Usage("--input FILE (readable)");
      input.insert(input.end(), f.begin(), f.end());
    } else if (a[i] == "--output-len") {
      auto v = next("--output-len");
      if (!v || !ParseNum(*v, &out_len)) return Usage("--output-len N");
    } else if (a[i] == "--budget") {
      auto v = next("--budget");
      if (!v || !ParseNum(*v, &budget)) return Usage("--budget K (units of 1024 instructions)");
    } else if (a[i] == "--out") {
      auto v = next("--out");
      if (!v) return Usage("--out FILE");
      out_file = *v;
    } else {
      return Usage(fmt::format("app call: unknown option '{}'", a[i]));
    }
  }
  AppToken token;
  if (!ResolveToken(token_hex, &token)) return 2;
  auto session = OpenApp(a[0], AppLookup::kAny, a[1]);
  if (!session) return 1;
  auto o = session->apps().Invoke(session->slot, function, token, input, out_len, budget);
  if (!o.status.ok()) {
    Fail(o.status);
    if (o.status.status != 0) {
      fmt::print(stderr, "value {} (0x{:08x})\n", static_cast<int32_t>(o.value), o.value);
    }
    return 1;
  }
  fmt::print("value {} (0x{:08x})\noutput {} bytes\n", o.value, o.value, o.output.size());
  if (!out_file.empty()) {
    std::ofstream f(out_file, std::ios::binary);
    f.write(reinterpret_cast<const char*>(o.output.data()),
            static_cast<std::streamsize>(o.output.size()));
    if (!f) {
      fmt::print(stderr, "salixctl: cannot write {}\n", out_file);
      return 1;
    }
  } else {
    for (size_t i = 0; i < o.output.size(); i += 16) {
      std::string line = fmt::format("{:08x} ", i);
      for (size_t k = i; k < std::min(i + 16, o.output.size()); k++) {
        line += fmt::format(" {:02x}", o.output[k]);
      }
      fmt::print("{}\n", line);
    }
  }
  return 0;
}

int AppUnload(const std::vector<std::string_view>& a) {
  if (a.size() < 2) return Usage("app unload: DEV APP");
  auto session = OpenApp(a[0], AppLookup::kAny, a[1]);
  if (!session) return 1;
  AppClient c = session->apps();
  auto s = c.Deactivate(session->slot);
  if (!s.ok() && s.status != (0x700 | SALIX_SC_APP_NOT_ACTIVE)) return Fail(s);
  s = c.Unload(session->slot);
  if (!s.ok()) return Fail(s);
  fmt::print("slot {}: unloaded\n", session->slot);
  return 0;
}

int PrintGrant(const salix::host::DomainGrant& g) {
  fmt::print("domain {} token {}\n", g.id, g.token.ToHex());
  return 0;
}

// Splits [first, first + count) into ranges of at most 2^32 - 1 LBAs.
void AddRange(std::vector<salix_domain_range>* out, uint64_t first, uint64_t count,
              uint8_t rights) {
  while (count > 0) {
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(count, 0xFFFFFFFFu));
    out->push_back(salix_domain_range{first, n, rights, {}});
    first += n;
    count -= n;
  }
}

}  // namespace

bool ReadFile(const std::string& path, std::vector<uint8_t>* out) {
  if (path == "-") {
    out->assign(std::istreambuf_iterator<char>(std::cin), {});
    return !std::cin.bad();
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), {});
  return !f.bad();
}

int Fail(const salix::host::AppStatus& s) {
  fmt::print(stderr, "salixctl: {}\n", s.message);
  return 1;
}

bool ResolveToken(std::optional<std::string_view> flag, AppToken* out) {
  std::string_view hex;
  const char* from = "--token";
  if (flag) {
    hex = *flag;
  } else if (const char* env = std::getenv("SALIX_TOKEN"); env && *env) {
    hex = env;
    from = "SALIX_TOKEN";
  } else {
    *out = AppToken{};
    return true;
  }
  auto t = AppToken::FromHex(hex);
  if (!t) {
    fmt::print(stderr, "salixctl: {} '{}': 32 hex digits, as 'salixctl domain create' or "
                       "'salixctl broker grant' prints\n", from, hex);
    return false;
  }
  *out = *t;
  return true;
}

std::optional<AppSession> OpenApp(std::string_view dev, AppLookup lookup, std::string_view app) {
  salix::host::LinuxDeviceOptions o;
  o.exclusive = false;
  o.queue_depth = 8;
  auto d = salix::host::OpenLinuxDevice(std::string(dev), o);
  if (!d.ok()) {
    fmt::print(stderr, "salixctl: {}\n", d.error().message);
    return std::nullopt;
  }
  AppSession s;
  s.dev = std::move(d.value());
  if (lookup == AppLookup::kAny) {
    auto slot = s.apps().ResolveSlot(app);
    if (!slot.ok()) {
      fmt::print(stderr, "salixctl: {}\n", slot.error().message);
      return std::nullopt;
    }
    s.slot = slot.value();
  } else if (lookup == AppLookup::kBuiltin) {
    auto slot = salix::host::FindBuiltinApp(*s.dev, app);
    if (!slot.ok()) {
      Fail(slot.status());
      return std::nullopt;
    }
    s.slot = slot.value();
  }
  return s;
}

int cmd_app(const std::vector<std::string_view>& all) {
  if (all.empty()) return Usage("app: which? load, list, call, unload, stats");
  std::vector<std::string_view> a(all.begin() + 1, all.end());
  if (all[0] == "load") return AppLoad(a);
  if (all[0] == "list") return AppList(a, false);
  if (all[0] == "stats") return AppList(a, true);
  if (all[0] == "call") return AppCall(a);
  if (all[0] == "unload") return AppUnload(a);
  return Usage(fmt::format("app: unknown subcommand '{}'", all[0]));
}

int cmd_domain(const std::vector<std::string_view>& all) {
  if (all.size() < 2) return Usage("domain: create DEV --range ... | destroy DEV ID");
  if (all[0] == "destroy") {
    uint32_t id;
    if (all.size() < 3 || !ParseNum(all[2], &id)) return Usage("domain destroy DEV ID");
    auto session = OpenApp(all[1]);
    if (!session) return 1;
    auto s = session->apps().DestroyDomain(id);
    if (!s.ok()) return Fail(s);
    fmt::print("domain {} destroyed\n", id);
    return 0;
  }
  if (all[0] != "create") return Usage(fmt::format("domain: unknown subcommand '{}'", all[0]));
  std::vector<salix_domain_range> ranges;
  for (size_t i = 2; i < all.size(); i++) {
    if (all[i] != "--range" || i + 1 >= all.size()) {
      return Usage(fmt::format("domain create: unknown option '{}'", all[i]));
    }
    std::string_view r = all[++i];
    const size_t c1 = r.find(':'), c2 = r.rfind(':');
    uint64_t first, count;
    auto rights = c1 != c2 ? ParseRights(r.substr(c2 + 1)) : std::nullopt;
    if (c1 == std::string_view::npos || c1 == c2 || !ParseNum(r.substr(0, c1), &first) ||
        !ParseNum(r.substr(c1 + 1, c2 - c1 - 1), &count) || !rights) {
      return Usage(fmt::format("--range '{}': FIRST:COUNT:r|w|rw", r));
    }
    AddRange(&ranges, first, count, *rights);
  }
  if (ranges.empty()) return Usage("domain create: at least one --range");
  auto session = OpenApp(all[1]);
  if (!session) return 1;
  salix::host::DomainGrant g;
  auto s = session->apps().CreateDomain(ranges, &g);
  if (!s.ok()) return Fail(s);
  return PrintGrant(g);
}

int cmd_broker(const std::vector<std::string_view>& all) {
  if (all.size() < 2 || all[0] != "grant") return Usage("broker grant PATH [--rights r|w|rw]");
  salix::host::ExtentRequest req;
  req.path = all[1];
  req.rights = SALIX_DOMAIN_READ;
  for (size_t i = 2; i < all.size(); i++) {
    if (all[i] == "--rights" && i + 1 < all.size()) {
      auto r = ParseRights(all[++i]);
      if (!r) return Usage("--rights r|w|rw");
      req.rights = *r;
    } else {
      return Usage(fmt::format("broker grant: unknown option '{}'", all[i]));
    }
  }
  const auto who = salix::host::Credentials::OfCaller();
  auto devpath = salix::host::ExtentDevice(req.path);
  if (!devpath.ok()) {
    fmt::print(stderr, "salixctl broker: {}\n", devpath.error().message);
    return 1;
  }
  auto session = OpenApp(devpath.value());
  if (!session) return 1;
  const auto& info = session->dev->info();
  auto g = salix::host::CheckExtent(req, who, info.lba_size, info.lba_count);
  if (!g.ok()) {
    fmt::print(stderr, "salixctl broker: refused: {}\n", g.error().message);
    return 1;
  }
  std::vector<salix_domain_range> ranges;
  AddRange(&ranges, g.value().first, g.value().count, g.value().rights);
  salix::host::DomainGrant grant;
  auto s = session->apps().CreateDomain(ranges, &grant);
  if (!s.ok()) return Fail(s);
  fmt::print(stderr, "salixctl broker: {} -> LBAs [{}, +{}) of {}\n", g.value().why,
             g.value().first, g.value().count, g.value().device);
  return PrintGrant(grant);
}

}  // namespace salixctl

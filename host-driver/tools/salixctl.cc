// salixctl - command-line tool for Salix devices in a guest.
//
//   salixctl list [--all] [--json]   Salix controllers: serial, capacity,
//                                    personality, firmware version
//   salixctl stats <ctrl> [--json]   the Salix statistics log page (C0h):
//                                    host vs NAND writes, WAF, GC, wear,
//                                    blocks, completion lateness
//
// Exit status: 0 on success, 1 on an operational error, 2 on bad usage.
#include <fmt/format.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "salix/host/discovery.h"
#include "salix/host/stats.h"
#include "salix/host/stats_report.h"

namespace {

using salix::host::ControllerInfo;

constexpr std::string_view kUsage =
    "usage: salixctl <command> [options]\n"
    "\n"
    "commands:\n"
    "  list [--all] [--json]   list Salix NVMe controllers (--all: every NVMe\n"
    "                          controller, Salix or not)\n"
    "  stats <ctrl> [--json]   statistics of one Salix controller (/dev/nvme0):\n"
    "                          writes, WAF, GC, wear, lateness histogram\n"
    "  help                    this text\n";

std::string human_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(kUnits)) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.2f} {}", v, kUnits[u]);
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void print_table(const std::vector<const ControllerInfo*>& ctrls) {
  fmt::print("{:<8} {:<20} {:>12} {:<10} {:<10} {}\n", "DEVICE", "SERIAL", "CAPACITY",
             "PERSONA", "FIRMWARE", "NAMESPACES");
  for (const auto* c : ctrls) {
    std::string namespaces;
    for (const auto& ns : c->namespaces) {
      if (!namespaces.empty()) namespaces += ",";
      namespaces += ns.block_path;
    }
    fmt::print("{:<8} {:<20} {:>12} {:<10} {:<10} {}\n", c->name, c->serial,
               human_bytes(c->capacity_bytes()),
               c->salix ? c->salix->personality : "-",
               c->salix ? c->salix->firmware_version : c->firmware_revision, namespaces);
  }
}

void print_json(const std::vector<const ControllerInfo*>& ctrls) {
  fmt::print("[");
  for (size_t i = 0; i < ctrls.size(); ++i) {
    const auto& c = *ctrls[i];
    fmt::print("{}\n  {{\"device\": {}, \"serial\": {}, \"model\": {}, \"capacity_bytes\": {}, "
               "\"salix\": {}, \"personality\": {}, \"firmware_version\": {}, \"namespaces\": [",
               i ? "," : "", json_string(c.device_path), json_string(c.serial),
               json_string(c.model), c.capacity_bytes(), c.salix ? "true" : "false",
               json_string(c.salix ? c.salix->personality : ""),
               json_string(c.salix ? c.salix->firmware_version : c.firmware_revision));
    for (size_t j = 0; j < c.namespaces.size(); ++j) {
      const auto& ns = c.namespaces[j];
      fmt::print("{}{{\"nsid\": {}, \"block\": {}, \"generic\": {}, \"lba_size\": {}, "
                 "\"lba_count\": {}}}",
                 j ? ", " : "", ns.nsid, json_string(ns.block_path),
                 json_string(ns.generic_path), ns.lba_size, ns.lba_count);
    }
    fmt::print("]}}");
  }
  fmt::print("\n]\n");
}

int cmd_list(const std::vector<std::string_view>& args) {
  bool all = false, json = false;
  for (auto a : args) {
    if (a == "--all") {
      all = true;
    } else if (a == "--json") {
      json = true;
    } else {
      fmt::print(stderr, "salixctl list: unknown option '{}'\n{}", a, kUsage);
      return 2;
    }
  }
  auto found = salix::host::discover_controllers();
  if (!found) {
    fmt::print(stderr, "salixctl list: {}\n", found.error().message);
    return 1;
  }
  std::vector<const ControllerInfo*> shown;
  for (const auto& c : found.value()) {
    if (all || c.salix) shown.push_back(&c);
  }
  if (json) {
    print_json(shown);
  } else if (shown.empty()) {
    fmt::print(stderr, "salixctl list: no {}NVMe controllers found\n", all ? "" : "Salix ");
  } else {
    print_table(shown);
  }
  return 0;
}

int cmd_stats(const std::vector<std::string_view>& args) {
  bool json = false;
  std::string device;
  for (auto a : args) {
    if (a == "--json") {
      json = true;
    } else if (!a.empty() && a[0] == '-') {
      fmt::print(stderr, "salixctl stats: unknown option '{}'\n{}", a, kUsage);
      return 2;
    } else if (device.empty()) {
      device = std::string(a);
    } else {
      fmt::print(stderr, "salixctl stats: one controller at a time ('{}' and '{}')\n",
                 device, a);
      return 2;
    }
  }
  if (device.empty()) {
    fmt::print(stderr, "salixctl stats: which controller? e.g. salixctl stats /dev/nvme0\n");
    return 2;
  }
  auto stats = salix::host::read_salix_stats(device);
  if (!stats) {
    fmt::print(stderr, "salixctl stats: {}\n", stats.error().message);
    return 1;
  }
  fmt::print("{}", json ? salix::host::format_stats_json(stats.value(), device)
                        : salix::host::format_stats_text(stats.value(), device));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    fmt::print(args.empty() ? stderr : stdout, "{}", kUsage);
    return args.empty() ? 2 : 0;
  }
  std::string_view cmd = args[0];
  args.erase(args.begin());
  if (cmd == "list") return cmd_list(args);
  if (cmd == "stats") return cmd_stats(args);
  fmt::print(stderr, "salixctl: unknown command '{}'\n{}", cmd, kUsage);
  return 2;
}

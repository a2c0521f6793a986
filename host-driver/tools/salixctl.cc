// salixctl - command-line tool for Salix devices in a guest.
//
//   salixctl list [--all] [--json]   Salix controllers: serial, capacity,
//                                    personality, firmware version
//   salixctl stats <ctrl> [--json]   the Salix statistics log page (C0h):
//                                    host vs NAND writes, WAF, GC, wear,
//                                    blocks, completion lateness
//   salixctl array create|status|fail|rebuild|destroy ...
//                                    the array engine over Salix devices
//                                    (see kUsage); no daemon: each command
//                                    opens the array from its members,
//                                    acts, and syncs it on the way out
//   salixctl app|domain|broker ...   SSD apps: load, call, domains, tokens
//                                    (salixctl_apps.cc)
//   salixctl txn|kv|append ...       the built-in apps: transactions, the
//                                    key-value store, append
//                                    (salixctl_builtin.cc)
//
// Exit status: 0 on success, 1 on an operational error, 2 on bad usage.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "salix/array_commands.h"
#include "salix/opcodes.h"
#include "salix/host/array.h"
#include "salix/host/discovery.h"
#include "salix/host/linux_device.h"
#include "salix/host/stats.h"
#include "salix/host/stats_report.h"
#include "salixctl_apps.h"

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
    "  array create --name NAME [--raid 5|6] [--data K] [--chunk SIZE] [--host-parity]\n"
    "               [--rotation STRIPES] [--spare DEV]... [--force] DEV...\n"
    "                          a new array over the DEVs in member order (/dev/ngXnY\n"
    "                          or /dev/nvmeXnY); --data defaults to all but the\n"
    "                          parity members; --rotation: stripes per parity\n"
    "                          position (default 16, md's chunk in stripes);\n"
    "                          --force overwrites another array's members\n"
    "  array status [--json] [DEV...]\n"
    "                          the array's state, stripes and members\n"
    "  array fail N|DEV [DEV...]\n"
    "                          make member N (or the device DEV) fail like a dead\n"
    "                          drive (Salix Fault Injection); works while another\n"
    "                          process (fio, nbdkit) drives the array when given DEV\n"
    "  array rebuild --spare DEV [DEV...]\n"
    "                          rebuild the failed member onto the spare DEV\n"
    "  array destroy [DEV...]  deallocate every member (superblocks and data)\n"
    "                          Without DEVs the array commands use every Salix\n"
    "                          namespace that is not given as a --spare.\n"
    "  help                    this text\n"
    "\n"
    "SSD apps (DEV: /dev/ngXnY or /dev/nvmeXnY; docs/APPS.md):\n";

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


// ---- salixctl array ----------------------------------------------------------

using salix::host::ArrayStatus;
using salix::host::LinuxArray;
using salix::host::MemberStatus;

struct ArrayArgs {
  std::vector<std::string> devices;
  std::vector<std::string> spares;
  std::string name;
  unsigned raid = 5;
  int data = -1;
  uint32_t chunk = 4096;
  uint32_t rotation = salix::host::ArrayOptions{}.parity_rotation;
  bool host_parity = false, force = false, json = false;
  std::vector<std::string> positional;  // non-device words (fail N)
};

bool parse_size(std::string_view s, uint32_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::string str(s);
  unsigned long long v = std::strtoull(str.c_str(), &end, 10);
  uint64_t mult = 1;
  std::string unit(end);
  if (unit == "k" || unit == "K" || unit == "KiB") mult = 1024;
  else if (unit == "m" || unit == "M" || unit == "MiB") mult = 1024 * 1024;
  else if (!unit.empty()) return false;
  if (v == 0 || v * mult > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(v * mult);
  return true;
}

// Parses the options every array subcommand shares; returns 0 or the exit
// status for bad usage.
int parse_array_args(std::string_view sub, const std::vector<std::string_view>& args,
                     ArrayArgs* a) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view o = args[i];
    auto value = [&](std::string_view* v) {
      if (i + 1 >= args.size()) {
        fmt::print(stderr, "salixctl array {}: {} needs a value\n", sub, o);
        return false;
      }
      *v = args[++i];
      return true;
    };
    std::string_view v;
    if (o == "--json") {
      a->json = true;
    } else if (o == "--force") {
      a->force = true;
    } else if (o == "--host-parity") {
      a->host_parity = true;
    } else if (o == "--name") {
      if (!value(&v)) return 2;
      a->name = std::string(v);
    } else if (o == "--spare") {
      if (!value(&v)) return 2;
      a->spares.push_back(std::string(v));
    } else if (o == "--raid") {
      if (!value(&v)) return 2;
      if (v != "5" && v != "6") {
        fmt::print(stderr, "salixctl array {}: --raid 5 or --raid 6, not '{}'\n", sub, v);
        return 2;
      }
      a->raid = v == "5" ? 5 : 6;
    } else if (o == "--data") {
      if (!value(&v)) return 2;
      a->data = std::atoi(std::string(v).c_str());
      if (a->data < 1) {
        fmt::print(stderr, "salixctl array {}: --data wants a count of 1 or more\n", sub);
        return 2;
      }
    } else if (o == "--chunk") {
      if (!value(&v)) return 2;
      if (!parse_size(v, &a->chunk)) {
        fmt::print(stderr, "salixctl array {}: --chunk '{}': want e.g. 4k, 16k, 64k\n", sub, v);
        return 2;
      }
    } else if (o == "--rotation") {
      if (!value(&v)) return 2;
      char* end = nullptr;
      std::string str(v);
      unsigned long r = std::strtoul(str.c_str(), &end, 10);
      if (str.empty() || *end != '\0' || r < 1 || r > 65536) {
        fmt::print(stderr, "salixctl array {}: --rotation '{}': want a stripe count 1..65536\n",
                   sub, v);
        return 2;
      }
      a->rotation = static_cast<uint32_t>(r);
    } else if (!o.empty() && o[0] == '-') {
      fmt::print(stderr, "salixctl array {}: unknown option '{}'\n{}", sub, o, kUsage);
      return 2;
    } else if (o.find('/') != std::string_view::npos || o.rfind("ng", 0) == 0 ||
               o.rfind("nvme", 0) == 0) {
      a->devices.push_back(std::string(o));
    } else {
      a->positional.push_back(std::string(o));
    }
  }
  return 0;
}

// The members to open: the DEVs given, or every Salix namespace that is not
// a spare.
salix::host::Result<std::vector<std::string>> member_paths(const ArrayArgs& a) {
  if (!a.devices.empty()) return a.devices;
  auto all = salix::host::ScanSalixNamespaces();
  if (!all) return all.error();
  std::vector<std::string> out;
  for (const auto& p : all.value()) {
    bool spare = false;
    for (const auto& s : a.spares) {
      auto rs = salix::host::ResolveLinuxDevice(s);
      if (rs && rs.value().generic == p) spare = true;
    }
    if (!spare) out.push_back(p);
  }
  return out;
}

salix::host::Result<std::unique_ptr<LinuxArray>> open_array(const ArrayArgs& a,
                                                            std::string_view sub) {
  auto paths = member_paths(a);
  if (!paths) return paths.error();
  auto arr = LinuxArray::Open(paths.value(), a.spares);
  if (!arr) return arr;
  for (const auto& n : arr.value()->notes()) fmt::print(stderr, "salixctl array {}: {}\n", sub, n);
  if (!a.name.empty() && arr.value()->array().Status().name != a.name) {
    return salix::host::Error{fmt::format("the array on these devices is '{}', not '{}'",
                                          arr.value()->array().Status().name, a.name)};
  }
  return arr;
}

const char* state_name(MemberStatus::State s) {
  switch (s) {
    case MemberStatus::State::kActive: return "active";
    case MemberStatus::State::kFailed: return "failed";
    case MemberStatus::State::kRebuilding: return "rebuilding";
    case MemberStatus::State::kSpare: return "spare";
  }
  return "?";
}

std::string array_state(const ArrayStatus& s) {
  if (s.rebuild_progress >= 0) return fmt::format("rebuilding {:.0f}%", 100 * s.rebuild_progress);
  return s.degraded ? "degraded" : "healthy";
}

void print_status_text(const ArrayStatus& s) {
  fmt::print("array {}  uuid {:016x}  RAID-{} {}+{}  chunk {}  capacity {}\n", s.name, s.uuid,
             s.m == 2 ? 6 : 5, s.k, s.m, human_bytes(s.chunk_bytes), human_bytes(s.capacity_bytes));
  fmt::print("state: {}\n", array_state(s));
  fmt::print("stripes: {} ({} free, {} open, {} replicated); conversions {}, gc stripes {}, "
             "degraded reads {}\n",
             s.stripes, s.stripes_free, s.stripes_open, s.stripes_replicated, s.conversions,
             s.gc_stripes, s.degraded_reads);
  fmt::print("{:>3} {:<10} {:<20} {:<11} {:>10} {:>7} {:>8}\n", "#", "DEVICE", "SERIAL", "STATE",
             "COMMANDS", "ERRORS", "GC-BUSY");
  for (size_t i = 0; i < s.members.size(); ++i) {
    const auto& m = s.members[i];
    fmt::print("{:>3} {:<10} {:<20} {:<11} {:>10} {:>7} {:>8}\n",
               m.state == MemberStatus::State::kSpare ? std::string("-") : std::to_string(i),
               m.name.empty() ? "-" : m.name, m.serial, state_name(m.state), m.commands, m.errors,
               m.gc_busy_seen);
  }
}

void print_status_json(const ArrayStatus& s) {
  fmt::print("{{\"name\": {}, \"uuid\": \"{:016x}\", \"k\": {}, \"m\": {}, \"chunk_bytes\": {}, "
             "\"capacity_bytes\": {}, \"state\": {}, \"degraded\": {}, \"rebuild_progress\": {}, "
             "\"stripes\": {}, \"stripes_free\": {}, \"stripes_open\": {}, "
             "\"stripes_replicated\": {}, \"conversions\": {}, \"gc_stripes\": {}, "
             "\"degraded_reads\": {}, \"members\": [",
             json_string(s.name), s.uuid, s.k, s.m, s.chunk_bytes, s.capacity_bytes,
             json_string(array_state(s)), s.degraded ? "true" : "false", s.rebuild_progress,
             s.stripes, s.stripes_free, s.stripes_open, s.stripes_replicated, s.conversions,
             s.gc_stripes, s.degraded_reads);
  for (size_t i = 0; i < s.members.size(); ++i) {
    const auto& m = s.members[i];
    fmt::print("{}\n  {{\"device\": {}, \"serial\": {}, \"state\": \"{}\", \"commands\": {}, "
               "\"errors\": {}, \"gc_busy_seen\": {}}}",
               i ? "," : "", json_string(m.name), json_string(m.serial), state_name(m.state),
               m.commands, m.errors, m.gc_busy_seen);
  }
  fmt::print("\n]}}\n");
}

int finish_array(LinuxArray& arr, std::string_view sub) {
  auto r = arr.Close();
  if (!r) {
    fmt::print(stderr, "salixctl array {}: syncing the array: {}\n", sub, r.error().message);
    return 1;
  }
  return 0;
}

int array_create(const ArrayArgs& a) {
  if (a.name.empty()) {
    fmt::print(stderr, "salixctl array create: --name NAME is required\n");
    return 2;
  }
  if (a.devices.empty()) {
    fmt::print(stderr, "salixctl array create: name the member devices, e.g. "
                       "salixctl array create --name a0 /dev/ng0n1 /dev/ng1n1 ...\n");
    return 2;
  }
  salix::host::ArrayOptions o;
  o.name = a.name;
  o.parity_members = a.raid == 6 ? 2 : 1;
  unsigned n = static_cast<unsigned>(a.devices.size());
  o.data_members = a.data > 0 ? static_cast<unsigned>(a.data) : (n > o.parity_members ? n - o.parity_members : 0);
  if (o.data_members + o.parity_members != n) {
    fmt::print(stderr, "salixctl array create: RAID-{} with {} data members needs {} devices, "
                       "{} given\n", a.raid, o.data_members, o.data_members + o.parity_members, n);
    return 2;
  }
  o.chunk_bytes = a.chunk;
  o.parity_rotation = a.rotation;
  o.parity = a.host_parity ? salix::host::ParityMode::kHost : salix::host::ParityMode::kDevice;
  o.force = a.force;
  auto arr = LinuxArray::Create(a.devices, a.spares, o);
  if (!arr) {
    fmt::print(stderr, "salixctl array create: {}\n", arr.error().message);
    return 1;
  }
  print_status_text(arr.value()->array().Status());
  return finish_array(*arr.value(), "create");
}

int array_status(const ArrayArgs& a) {
  auto arr = open_array(a, "status");
  if (!arr) {
    fmt::print(stderr, "salixctl array status: {}\n", arr.error().message);
    return 1;
  }
  ArrayStatus s = arr.value()->array().Status();
  if (a.json) print_status_json(s); else print_status_text(s);
  return finish_array(*arr.value(), "status");
}

// Sends Fault Injection (I/O error mode) to the controller of 'path'.
int inject_fault(const std::string& path) {
  auto dev = salix::host::OpenLinuxDevice(path, {.queue_depth = 1, .exclusive = false});
  if (!dev) {
    fmt::print(stderr, "salixctl array fail: {}\n", dev.error().message);
    return 1;
  }
  salix::host::DeviceCommand fi;
  fi.opcode = SALIX_ADMIN_FAULT_INJECTION;
  fi.cdw10 = SALIX_FAULT_IO_ERROR;
  auto c = dev.value()->Admin(fi);
  if (!c.ok()) {
    fmt::print(stderr, "salixctl array fail: Fault Injection on {}: {}\n", path,
               c.errno_ ? std::string(strerror(-c.errno_))
                        : fmt::format("NVMe status {:#x}{}", c.status,
                                      c.status == 1 ? " (firmware without Fault Injection)" : ""));
    return 1;
  }
  fmt::print("{} ({}) now fails every I/O command, like a dead drive\n", path,
             dev.value()->info().serial);
  return 0;
}

int array_fail(const ArrayArgs& a) {
  // fail DEV: no need to open the array (another process may hold it).
  if (a.positional.empty()) {
    if (a.devices.size() != 1) {
      fmt::print(stderr, "salixctl array fail: give a member number or one device\n");
      return 2;
    }
    return inject_fault(a.devices[0]);
  }
  if (a.positional.size() != 1) {
    fmt::print(stderr, "salixctl array fail: one member at a time\n");
    return 2;
  }
  char* end = nullptr;
  unsigned long n = std::strtoul(a.positional[0].c_str(), &end, 10);
  if (*end != '\0') {
    fmt::print(stderr, "salixctl array fail: '{}' is not a member number\n", a.positional[0]);
    return 2;
  }
  auto arr = open_array(a, "fail");
  if (!arr) {
    fmt::print(stderr, "salixctl array fail: {} (while another process drives the array, "
                       "name the member's device instead: salixctl array fail /dev/ngXnY)\n",
               arr.error().message);
    return 1;
  }
  const auto& members = arr.value()->members();
  if (n >= members.size()) {
    fmt::print(stderr, "salixctl array fail: the array has members 0..{}, not {}\n",
               members.size() - 1, n);
    return 2;
  }
  if (members[n] == nullptr) {
    fmt::print(stderr, "salixctl array fail: member {} has already failed\n", n);
    return 1;
  }
  std::string path = "/dev/" + members[n]->info().name;
  salix::host::DeviceCommand fi;
  fi.opcode = SALIX_ADMIN_FAULT_INJECTION;
  fi.cdw10 = SALIX_FAULT_IO_ERROR;
  auto c = members[n]->Admin(fi);
  if (!c.ok()) {
    fmt::print(stderr, "salixctl array fail: Fault Injection on {}: status {:#x} errno {}\n", path,
               c.status, c.errno_);
    return 1;
  }
  auto r = arr.value()->array().FailMember(static_cast<unsigned>(n));
  if (!r) {
    fmt::print(stderr, "salixctl array fail: {}\n", r.error().message);
    return 1;
  }
  fmt::print("member {} ({}) failed; the array serves reads degraded\n", n, path);
  return finish_array(*arr.value(), "fail");
}

int array_rebuild(const ArrayArgs& a) {
  if (a.spares.size() != 1) {
    fmt::print(stderr, "salixctl array rebuild: name the spare: --spare /dev/ngXnY\n");
    return 2;
  }
  auto arr = open_array(a, "rebuild");
  if (!arr) {
    fmt::print(stderr, "salixctl array rebuild: {}\n", arr.error().message);
    return 1;
  }
  salix::host::Array& array = arr.value()->array();
  bool tty = isatty(STDOUT_FILENO);
  int last_tenth = -1;
  auto progress = [&](uint64_t done, uint64_t total) {
    int tenth = total ? static_cast<int>(done * 10 / total) : 10;
    if (tty) {
      fmt::print("\rrebuild: {:5.1f}% ({}/{} stripes)", total ? 100.0 * done / total : 100.0,
                 done, total);
      std::fflush(stdout);
    } else if (tenth != last_tenth) {
      fmt::print("rebuild: {}% ({}/{} stripes)\n", tenth * 10, done, total);
      std::fflush(stdout);
    }
    last_tenth = tenth;
  };
  auto r = array.StartRebuild(arr.value()->spares()[0], progress);
  if (!r) {
    fmt::print(stderr, "salixctl array rebuild: {}\n", r.error().message);
    return 1;
  }
  while (array.Status().rebuild_progress >= 0 || array.in_flight() > 0) array.Poll(1000);
  if (tty) fmt::print("\n");
  ArrayStatus s = array.Status();
  int status = finish_array(*arr.value(), "rebuild");
  fmt::print("rebuild onto {} finished: array {}\n", a.spares[0], array_state(s));
  return status != 0 ? status : (s.degraded ? 1 : 0);
}

int array_destroy(const ArrayArgs& a) {
  auto paths = member_paths(a);
  if (!paths) {
    fmt::print(stderr, "salixctl array destroy: {}\n", paths.error().message);
    return 1;
  }
  std::string name = "(unreadable)";
  {
    auto arr = LinuxArray::Open(paths.value());
    if (arr) {
      name = arr.value()->array().Status().name;
      if (!a.name.empty() && name != a.name) {
        fmt::print(stderr, "salixctl array destroy: the array on these devices is '{}', not "
                           "'{}'\n", name, a.name);
        return 1;
      }
    } else if (!a.force) {
      fmt::print(stderr, "salixctl array destroy: {}\n(--force deallocates the devices anyway)\n",
                 arr.error().message);
      return 1;
    }
  }
  int status = 0;
  for (const auto& p : paths.value()) {
    auto dev = salix::host::OpenLinuxDevice(p);
    if (!dev) {
      fmt::print(stderr, "salixctl array destroy: {}\n", dev.error().message);
      status = 1;
      continue;
    }
    const auto& info = dev.value()->info();
    struct Range {
      uint32_t attributes, nlb;
      uint64_t slba;
    };
    std::vector<Range> ranges;
    for (uint64_t lba = 0; lba < info.lba_count;) {
      uint32_t nlb = static_cast<uint32_t>(std::min<uint64_t>(info.lba_count - lba, 1u << 30));
      ranges.push_back({0, nlb, lba});
      lba += nlb;
    }
    salix::host::DeviceCommand dsm;
    dsm.opcode = 0x09;  // Dataset Management
    dsm.cdw10 = static_cast<uint32_t>(ranges.size() - 1);
    dsm.cdw11 = 1u << 2;  // deallocate
    dsm.data = ranges.data();
    dsm.data_len = static_cast<uint32_t>(ranges.size() * sizeof(Range));
    auto c = dev.value()->Execute(dsm);
    if (!c.ok()) {
      fmt::print(stderr, "salixctl array destroy: deallocating {}: status {:#x} errno {} (a "
                         "failed member keeps its old superblock)\n",
                 p, c.status, c.errno_);
      status = 1;
      continue;
    }
    fmt::print("{}: deallocated\n", p);
  }
  if (status == 0) fmt::print("array {} destroyed\n", name);
  return status;
}

int cmd_array(const std::vector<std::string_view>& all) {
  if (all.empty()) {
    fmt::print(stderr, "salixctl array: which? create, status, fail, rebuild, destroy\n{}",
               kUsage);
    return 2;
  }
  std::string_view sub = all[0];
  std::vector<std::string_view> args(all.begin() + 1, all.end());
  ArrayArgs a;
  if (int rc = parse_array_args(sub, args, &a)) return rc;
  if (sub == "create") return array_create(a);
  if (sub == "status") return array_status(a);
  if (sub == "fail") return array_fail(a);
  if (sub == "rebuild") return array_rebuild(a);
  if (sub == "destroy") return array_destroy(a);
  fmt::print(stderr, "salixctl array: unknown subcommand '{}'\n{}", sub, kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    fmt::print(args.empty() ? stderr : stdout, "{}{}{}", kUsage, salixctl::kAppsUsage,
               salixctl::kBuiltinUsage);
    return args.empty() ? 2 : 0;
  }
  std::string_view cmd = args[0];
  args.erase(args.begin());
  if (cmd == "list") return cmd_list(args);
  if (cmd == "stats") return cmd_stats(args);
  if (cmd == "array") return cmd_array(args);
  if (cmd == "app") return salixctl::cmd_app(args);
  if (cmd == "domain") return salixctl::cmd_domain(args);
  if (cmd == "broker") return salixctl::cmd_broker(args);
  if (cmd == "txn") return salixctl::cmd_txn(args);
  if (cmd == "kv") return salixctl::cmd_kv(args);
  if (cmd == "append") return salixctl::cmd_append(args);
  fmt::print(stderr, "salixctl: unknown command '{}'\n{}", cmd, kUsage);
  return 2;
}

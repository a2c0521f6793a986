// salixctl txn|kv|append: the built-in SSD apps (<salix/builtin_apps.h>)
// through their typed clients (salix/host/builtin_apps.h).
//
// One verb per app function, all shaped alike:
//   salixctl APP FUNCTION DEV [ARGS...] [--token HEX] [options]
// Options may come anywhere after FUNCTION; "--" ends them. Data goes in
// from --in FILE or standard input and comes out to --out FILE or standard
// output (a hex dump when that is a terminal). Transactions live in the
// device, so one spans several runs by its id.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "salix/host/builtin_apps.h"
#include "salixctl_apps.h"

namespace salixctl {

using salix::host::AppendClient;
using salix::host::AppToken;
using salix::host::KvClient;
using salix::host::TxnClient;

// The usage text in parts: a refused verb prints its app's part only.
#define SALIXCTL_BUILTIN_NOTES \
  "  Built-in apps (the device needs apps.builtin=on; docs/APPS.md). DATA comes\n" \
  "  from --in FILE ('-' or no --in: standard input) and goes to --out FILE or\n" \
  "  standard output (hex when it is a terminal). --pad zero-fills DATA to whole\n" \
  "  LBAs. RANGE is FIRST:COUNT in LBAs, inside the token's domain. Every verb\n" \
  "  takes --token HEX (default: $SALIX_TOKEN), the domain that grants the LBAs;\n" \
  "  'txn begin' and 'txn info' need none.\n"
#define SALIXCTL_TXN_USAGE \
  "  txn begin DEV            open a transaction; prints its id\n" \
  "  txn write DEV ID LBA [--in FILE] [--pad]\n" \
  "                          log DATA for the home LBAs from LBA on (home is\n" \
  "                          untouched until commit; rewriting an LBA edits the log)\n" \
  "  txn read DEV ID LBA COUNT [--out FILE]\n" \
  "                          the transaction's view: logged data over home data\n" \
  "  txn commit DEV ID        every logged write reaches home, atomically, durably\n" \
  "  txn abort DEV ID         drop the transaction; home stays as it was\n" \
  "  txn info DEV             open transactions, log space, commits, aborts, replays\n"
#define SALIXCTL_KV_USAGE \
  "  kv format DEV --range RANGE [--segment LBAS]\n" \
  "                          make RANGE an empty key-value store\n" \
  "  kv put DEV --range RANGE KEY [VALUE | --in FILE]\n" \
  "  kv get DEV --range RANGE KEY [--out FILE]   (exit status 3: no such key)\n" \
  "  kv del DEV --range RANGE KEY\n" \
  "  kv scan DEV --range RANGE [--from KEY] [--limit N] [--keys-only]\n" \
  "                          entries in key order, one per line: KEY<tab>VALUE\n" \
  "                          (bytes outside printable ASCII as \\xNN)\n" \
  "  kv info DEV --range RANGE\n"
#define SALIXCTL_APPEND_USAGE \
  "  append format DEV --range RANGE   an empty append log (2 LBAs of state)\n" \
  "  append write DEV --range RANGE [--in FILE] [--pad]\n" \
  "                          the device puts DATA at the log's tail; prints the LBA\n" \
  "  append read DEV --range RANGE LBA COUNT [--out FILE]\n" \
  "  append info DEV --range RANGE\n"

const std::string_view kBuiltinUsage =
    SALIXCTL_BUILTIN_NOTES SALIXCTL_TXN_USAGE SALIXCTL_KV_USAGE SALIXCTL_APPEND_USAGE;

namespace {

// The usage of the app the words 'what' start with.
std::string_view AppUsage(std::string_view what) {
  if (what.starts_with("txn")) return SALIXCTL_TXN_USAGE;
  if (what.starts_with("kv")) return SALIXCTL_KV_USAGE;
  if (what.starts_with("append")) return SALIXCTL_APPEND_USAGE;
  return kBuiltinUsage;
}

int Usage(std::string_view what) {
  fmt::print(stderr, "salixctl: {}\nusage ('salixctl help' has all of it):\n{}", what,
             AppUsage(what));
  return 2;
}

// A verb's words: positionals in order, options by name.
struct Words {
  std::vector<std::string_view> pos;
  std::map<std::string_view, std::string_view> opt;
  std::set<std::string_view> flag;
  std::optional<std::string_view> get(std::string_view name) const {
    auto it = opt.find(name);
    if (it == opt.end()) return std::nullopt;
    return it->second;
  }
  bool has(std::string_view name) const { return flag.count(name) > 0; }
};

// Splits 'args' by the verb's options; prints a usage error for others.
std::optional<Words> Split(std::string_view verb, const std::vector<std::string_view>& args,
                           std::set<std::string_view> valued, std::set<std::string_view> flags,
                           size_t min_pos, size_t max_pos) {
  valued.insert("--token");
  Words w;
  bool options = true;
  for (size_t i = 0; i < args.size(); i++) {
    std::string_view a = args[i];
    if (options && a == "--") {
      options = false;
    } else if (options && a.size() > 1 && a[0] == '-') {
      if (valued.count(a)) {
        if (i + 1 >= args.size()) {
          Usage(fmt::format("{}: {} needs a value", verb, a));
          return std::nullopt;
        }
        w.opt[a] = args[++i];
      } else if (flags.count(a)) {
        w.flag.insert(a);
      } else {
        Usage(fmt::format("{}: unknown option '{}'", verb, a));
        return std::nullopt;
      }
    } else {
      w.pos.push_back(a);
    }
  }
  if (w.pos.size() < min_pos || w.pos.size() > max_pos) {
    Usage(fmt::format("{}: {} argument{} given", verb, w.pos.size(),
                      w.pos.size() == 1 ? "" : "s"));
    return std::nullopt;
  }
  return w;
}

// FIRST:COUNT
template <typename R>
bool ParseRange(std::optional<std::string_view> s, R* r) {
  if (!s) return false;
  const size_t c = s->find(':');
  return c != std::string_view::npos && ParseNum(s->substr(0, c), &r->first) &&
         ParseNum(s->substr(c + 1), &r->count) && r->count > 0;
}

// DATA: --in FILE, '-' or nothing for standard input (refused when that is
// a terminal, which would wait for typing). With pad, zero-filled to whole
// LBAs.
bool ReadData(const Words& w, uint32_t lba_size, std::vector<uint8_t>* out,
              bool lba_multiple) {
  std::string path(w.get("--in").value_or("-"));
  if (path == "-" && isatty(STDIN_FILENO)) {
    fmt::print(stderr, "salixctl: give the data with --in FILE or on standard input\n");
    return false;
  }
  if (!ReadFile(path, out)) {
    fmt::print(stderr, "salixctl: cannot read {}\n", path == "-" ? "standard input" : path);
    return false;
  }
  if (!lba_multiple) return true;
  const size_t rest = out->size() % lba_size;
  if (out->empty() || rest != 0) {
    if (!w.has("--pad")) {
      fmt::print(stderr, "salixctl: {} bytes of data are not whole {}-byte LBAs (--pad "
                         "zero-fills the last one)\n", out->size(), lba_size);
      return false;
    }
    out->resize(out->size() + (out->empty() ? lba_size : lba_size - rest), 0);
  }
  return true;
}

// --out FILE, or standard output: raw into a pipe or file, a hex dump on a
// terminal.
int WriteData(const Words& w, const std::vector<uint8_t>& data) {
  if (auto path = w.get("--out"); path && *path != "-") {
    std::ofstream f{std::string(*path), std::ios::binary};
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f) {
      fmt::print(stderr, "salixctl: cannot write {}\n", *path);
      return 1;
    }
    return 0;
  }
  if (isatty(STDOUT_FILENO)) {
    for (size_t i = 0; i < data.size(); i += 16) {
      std::string line = fmt::format("{:08x} ", i);
      for (size_t k = i; k < std::min(i + 16, data.size()); k++) {
        line += fmt::format(" {:02x}", data[k]);
      }
      fmt::print("{}\n", line);
    }
    return 0;
  }
  if (!data.empty() && std::fwrite(data.data(), 1, data.size(), stdout) != data.size()) {
    fmt::print(stderr, "salixctl: writing standard output failed\n");
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

// Bytes as text: printable ASCII as is, the rest (and '\') as \xNN.
std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", u);
    }
  }
  return out;
}

// The device, the token and the built-in app's slot, for one verb.
struct Target {
  AppSession session;
  AppToken token;
  uint32_t lba_size() const { return session.dev->info().lba_size; }
};

// Opens DEV and finds the app; on failure *rc is the exit status (2 for a
// malformed token, 1 when the device or the app is not there).
std::optional<Target> OpenTarget(const Words& w, const char* app, int* rc) {
  Target t;
  *rc = 2;
  if (!ResolveToken(w.get("--token"), &t.token)) return std::nullopt;
  *rc = 1;
  auto s = OpenApp(w.pos[0], AppLookup::kBuiltin, app);
  if (!s) return std::nullopt;
  t.session = std::move(*s);
  *rc = 0;
  return t;
}

// ---- txn -------------------------------------------------------------------

int Txn(std::string_view fn, const std::vector<std::string_view>& args) {
  const std::string verb = fmt::format("txn {}", fn);
  size_t npos = fn == "begin" || fn == "info" ? 1 : fn == "write" ? 3 : fn == "read" ? 4 : 2;
  if (fn != "begin" && fn != "info" && fn != "write" && fn != "read" && fn != "commit" &&
      fn != "abort") {
    return Usage(fmt::format("txn: unknown function '{}' (begin, write, read, commit, abort, "
                             "info)", fn));
  }
  std::set<std::string_view> valued, flags;
  if (fn == "write") {
    valued.insert("--in");
    flags.insert("--pad");
  }
  if (fn == "read") valued.insert("--out");
  auto w = Split(verb, args, valued, flags, npos, npos);
  if (!w) return 2;
  uint64_t id = 0, lba = 0;
  uint32_t count = 0;
  if (npos >= 2 && !ParseNum(w->pos[1], &id)) return Usage(verb + ": ID is a number");
  if (npos >= 3 && !ParseNum(w->pos[2], &lba)) return Usage(verb + ": LBA is a number");
  if (npos >= 4 && (!ParseNum(w->pos[3], &count) || count == 0)) {
    return Usage(verb + ": COUNT is a number >= 1");
  }
  int rc = 0;
  auto t = OpenTarget(*w, SALIX_APP_TXN, &rc);
  if (!t) return rc;
  TxnClient c(*t->session.dev, t->session.slot, t->token);
  if (fn == "begin") {
    auto r = c.Begin();
    if (!r.ok()) return Fail(r.status());
    fmt::print("{}\n", r.value());
    return 0;
  }
  if (fn == "write") {
    std::vector<uint8_t> data;
    if (!ReadData(*w, t->lba_size(), &data, true)) return 1;
    auto s = c.Write(id, lba, data);
    if (!s.ok()) return Fail(s);
    fmt::print("txn {}: logged LBAs [{}, +{})\n", id, lba, data.size() / t->lba_size());
    return 0;
  }
  if (fn == "read") {
    auto r = c.Read(id, lba, count);
    if (!r.ok()) return Fail(r.status());
    return WriteData(*w, r.value());
  }
  if (fn == "commit") {
    auto r = c.Commit(id);
    if (!r.ok()) return Fail(r.status());
    fmt::print("txn {}: committed, sequence {}\n", id, r.value());
    return 0;
  }
  if (fn == "abort") {
    auto s = c.Abort(id);
    if (!s.ok()) return Fail(s);
    fmt::print("txn {}: aborted\n", id);
    return 0;
  }
  auto r = c.Info();
  if (!r.ok()) return Fail(r.status());
  const salix_txn_info& i = r.value();
  fmt::print("open {} of {}\nlog LBAs {} ({} free)\ncommits {}\naborts {}\n"
             "replayed at recovery {}\ndiscarded at recovery {}\n",
             i.open, i.max_open, i.log_lbas, i.log_free_lbas, i.commits, i.aborts, i.replayed,
             i.discarded);
  return 0;
}

// ---- kv --------------------------------------------------------------------

int Kv(std::string_view fn, const std::vector<std::string_view>& args) {
  const std::string verb = fmt::format("kv {}", fn);
  std::set<std::string_view> valued{"--range"}, flags;
  size_t min_pos = 1, max_pos = 1;
  if (fn == "format") {
    valued.insert("--segment");
  } else if (fn == "put") {
    valued.insert("--in");
    min_pos = 2, max_pos = 3;
  } else if (fn == "get") {
    valued.insert("--out");
    min_pos = max_pos = 2;
  } else if (fn == "del") {
    min_pos = max_pos = 2;
  } else if (fn == "scan") {
    valued.insert({"--from", "--limit"});
    flags.insert("--keys-only");
  } else if (fn != "info") {
    return Usage(fmt::format("kv: unknown function '{}' (format, put, get, del, scan, info)",
                             fn));
  }
  auto w = Split(verb, args, valued, flags, min_pos, max_pos);
  if (!w) return 2;
  salix_kv_range range{};
  if (!ParseRange(w->get("--range"), &range)) {
    return Usage(verb + ": --range FIRST:COUNT (the store's LBAs) is required");
  }
  uint32_t segment = 0;
  if (auto s = w->get("--segment"); s && !ParseNum(*s, &segment)) {
    return Usage(verb + ": --segment LBAS");
  }
  uint64_t limit = UINT64_MAX;
  if (auto s = w->get("--limit"); s && (!ParseNum(*s, &limit) || limit == 0)) {
    return Usage(verb + ": --limit N (>= 1)");
  }
  if (fn == "put" && w->pos.size() == 3 && w->get("--in")) {
    return Usage(verb + ": the value comes from VALUE or --in, not both");
  }
  int rc = 0;
  auto t = OpenTarget(*w, SALIX_APP_KV, &rc);
  if (!t) return rc;
  KvClient c(*t->session.dev, t->session.slot, t->token, range);
  const std::string_view key = w->pos.size() > 1 ? w->pos[1] : std::string_view();
  if (fn == "format") {
    auto s = c.Format(segment);
    if (!s.ok()) return Fail(s);
    fmt::print("kv store formatted over LBAs [{}, +{})\n", range.first, range.count);
    return 0;
  }
  if (fn == "put") {
    std::vector<uint8_t> value;
    if (w->pos.size() == 3) {
      value.assign(w->pos[2].begin(), w->pos[2].end());
    } else if (!ReadData(*w, t->lba_size(), &value, false)) {
      return 1;
    }
    auto s = c.Put(key, value);
    return s.ok() ? 0 : Fail(s);
  }
  if (fn == "get") {
    auto r = c.Get(key);
    if (!r.ok()) return Fail(r.status());
    if (!r.value()) {
      fmt::print(stderr, "salixctl: kv get: no key '{}'\n", Escape(key));
      return 3;
    }
    return WriteData(*w, *r.value());
  }
  if (fn == "del") {
    auto r = c.Delete(key);
    if (!r.ok()) return Fail(r.status());
    fmt::print("{} {}\n", r.value() ? "deleted" : "absent (nothing deleted):", Escape(key));
    return 0;
  }
  if (fn == "scan") {
    salix::host::KvScanOptions o;
    o.keys_only = w->has("--keys-only");
    if (limit < o.max_entries) o.max_entries = static_cast<uint32_t>(limit);
    uint64_t shown = 0;
    auto s = c.Scan(w->get("--from").value_or(""), [&](const salix::host::KvEntry& e) {
      if (o.keys_only) {
        fmt::print("{}\t({} bytes)\n", Escape(e.key), e.value_len);
      } else {
        fmt::print("{}\t{}\n", Escape(e.key),
                   Escape({reinterpret_cast<const char*>(e.value.data()), e.value.size()}));
      }
      return ++shown < limit;
    }, o);
    return s.ok() ? 0 : Fail(s);
  }
  auto r = c.Info();
  if (!r.ok()) return Fail(r.status());
  const salix_kv_info& i = r.value();
  fmt::print("keys {}\nsegments {} of {} LBAs ({} free)\nlive LBAs {}\n"
             "segments cleaned {}\n",
             i.keys, i.segments, i.segment_lbas, i.free_segments, i.live_lbas, i.cleaned);
  return 0;
}

// ---- append ----------------------------------------------------------------

int Append(std::string_view fn, const std::vector<std::string_view>& args) {
  const std::string verb = fmt::format("append {}", fn);
  std::set<std::string_view> valued{"--range"}, flags;
  size_t npos = 1;
  if (fn == "write") {
    valued.insert("--in");
    flags.insert("--pad");
  } else if (fn == "read") {
    valued.insert("--out");
    npos = 3;
  } else if (fn != "format" && fn != "info") {
    return Usage(fmt::format("append: unknown function '{}' (format, write, read, info)", fn));
  }
  auto w = Split(verb, args, valued, flags, npos, npos);
  if (!w) return 2;
  salix_append_range range{};
  if (!ParseRange(w->get("--range"), &range)) {
    return Usage(verb + ": --range FIRST:COUNT (the log's LBAs) is required");
  }
  uint64_t lba = 0;
  uint32_t count = 0;
  if (npos == 3 && (!ParseNum(w->pos[1], &lba) || !ParseNum(w->pos[2], &count) || count == 0)) {
    return Usage(verb + ": LBA COUNT, numbers (COUNT >= 1)");
  }
  int rc = 0;
  auto t = OpenTarget(*w, SALIX_APP_APPEND, &rc);
  if (!t) return rc;
  AppendClient c(*t->session.dev, t->session.slot, t->token, range);
  if (fn == "format") {
    auto s = c.Format();
    if (!s.ok()) return Fail(s);
    fmt::print("append log formatted over LBAs [{}, +{}): data from LBA {}\n", range.first,
               range.count, range.first + SALIX_APPEND_META_LBAS);
    return 0;
  }
  if (fn == "write") {
    std::vector<uint8_t> data;
    if (!ReadData(*w, t->lba_size(), &data, true)) return 1;
    auto r = c.Append(data);
    if (!r.ok()) return Fail(r.status());
    fmt::print("{}\n", r.value().lba);
    fmt::print(stderr, "salixctl: appended {} LBAs at LBA {} (append {} of this log)\n",
               data.size() / t->lba_size(), r.value().lba, r.value().sequence);
    return 0;
  }
  if (fn == "read") {
    auto r = c.Read(lba, count);
    if (!r.ok()) return Fail(r.status());
    return WriteData(*w, r.value());
  }
  auto r = c.Info();
  if (!r.ok()) return Fail(r.status());
  const salix_append_info& i = r.value();
  fmt::print("data LBAs from {}, capacity {}\ntail {} ({} used)\nappends {}\n", i.data_first,
             i.capacity, i.tail, i.tail - i.data_first, i.appends);
  return 0;
}

int Dispatch(std::string_view app, const std::vector<std::string_view>& all,
             int (*run)(std::string_view, const std::vector<std::string_view>&)) {
  if (all.empty() || all[0] == "--help" || all[0] == "-h" || all[0] == "help") {
    if (all.empty()) return Usage(fmt::format("{}: which function?", app));
    fmt::print("usage:\n{}{}", AppUsage(app), SALIXCTL_BUILTIN_NOTES);
    return 0;
  }
  return run(all[0], std::vector<std::string_view>(all.begin() + 1, all.end()));
}

}  // namespace

int cmd_txn(const std::vector<std::string_view>& args) { return Dispatch("txn", args, Txn); }
int cmd_kv(const std::vector<std::string_view>& args) { return Dispatch("kv", args, Kv); }
int cmd_append(const std::vector<std::string_view>& args) {
  return Dispatch("append", args, Append);
}

}  // namespace salixctl

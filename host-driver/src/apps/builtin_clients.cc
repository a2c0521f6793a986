// The typed clients of the built-in apps (salix/host/builtin_apps.h): the
// wire structures of <salix/builtin_apps.h> in, results out, one Invoke
// per call (several for large txn writes and reads).
#include "salix/host/builtin_apps.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <type_traits>

namespace salix::host {
namespace {

constexpr uint16_t kInvalidField = 0x002;
constexpr uint16_t kSequenceError = 0x00C;
constexpr uint16_t kCapacityExceeded = 0x081;
constexpr uint16_t kSlotEmpty = 0x700 | SALIX_SC_SLOT_EMPTY;
constexpr uint16_t kAccessDenied = 0x700 | SALIX_SC_ACCESS_DENIED;

// The structure, then 'tail' parts, as one input buffer.
template <typename T>
std::vector<uint8_t> Input(const T& t, std::span<const uint8_t> a = {},
                           std::span<const uint8_t> b = {}) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<uint8_t> v(sizeof(T) + a.size() + b.size());
  std::memcpy(v.data(), &t, sizeof(T));
  if (!a.empty()) std::memcpy(v.data() + sizeof(T), a.data(), a.size());
  if (!b.empty()) std::memcpy(v.data() + sizeof(T) + a.size(), b.data(), b.size());
  return v;
}

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A structure from a call's output; Internal Error (0x006) if the device
// returned less than it (a device that breaks the contract).
template <typename T>
AppResult<T> Decode(std::string_view what, const InvokeOutcome& o) {
  if (o.output.size() < sizeof(T)) {
    return AppStatus{0x006, 0,
                     fmt::format("{}: the device returned {} bytes, {} expected", what,
                                 o.output.size(), sizeof(T))};
  }
  T t;
  std::memcpy(&t, o.output.data(), sizeof(T));
  return t;
}

// A refusal made on the host, before any command is sent.
AppStatus HostRefusal(std::string message) {
  return AppStatus{kInvalidField, 0, std::move(message)};
}

const char* TxnHint(uint16_t s) {
  switch (s) {
    case kSequenceError:
      return "the transaction is not open (never begun, already committed or aborted, or "
             "dropped when the device restarted)";
    case kCapacityExceeded:
      return "16 transactions are open, the log has no room, or the transaction would span "
             "more than 64 extents; nothing was logged";
    case kAccessDenied:
      return "the token's domain does not grant that right on the home LBAs";
    default: return "";
  }
}

const char* KvHint(uint16_t s) {
  switch (s) {
    case kSequenceError:
      return "the range is not a formatted key-value store (format it first), or it was "
             "formatted over a different LBA count";
    case kCapacityExceeded:
      return "the store is full even after cleaning (deletes still work)";
    case kAccessDenied:
      return "the store range needs read and write rights in the token's domain";
    default: return "";
  }
}

const char* AppendHint(uint16_t s) {
  switch (s) {
    case kSequenceError: return "the range is not a formatted append log (format it first)";
    case kCapacityExceeded: return "not enough room left in the log; nothing was written";
    case kAccessDenied:
      return "the log range needs read and write rights in the token's domain";
    default: return "";
  }
}

std::string RangeText(uint64_t first, uint64_t count) {
  return fmt::format("[{}, +{})", first, count);
}

}  // namespace

AppResult<uint32_t> FindBuiltinApp(Device& device, std::string_view name) {
  auto apps = AppClient(device).List();
  if (!apps.ok()) return AppStatus{0, -EIO, apps.error().message};
  bool any_builtin = false;
  for (const AppInfo& a : apps.value()) {
    if (a.entry.state != SALIX_APP_STATE_BUILTIN) continue;
    any_builtin = true;
    if (a.name == name) return static_cast<uint32_t>(a.entry.slot);
  }
  if (!any_builtin) {
    return AppStatus{kSlotEmpty, 0,
                     fmt::format("{}: no built-in app '{}': the device runs without its "
                                 "built-in apps (property apps.builtin, off by default); "
                                 "start it with apps.builtin=on (QEMU: -device "
                                 "salix-nvme,...,apps.builtin=on)",
                                 device.info().name, name)};
  }
  return AppStatus{kSlotEmpty, 0,
                   fmt::format("{}: the built-in app '{}' is not registered (the firmware "
                               "log says why)",
                               device.info().name, name)};
}

InvokeOutcome BuiltinClient::Call(std::string_view what, uint32_t function,
                                  std::span<const uint8_t> input, uint32_t output_cap,
                                  const char* (*hint)(uint16_t)) const {
  InvokeOutcome o = AppClient(*dev_).Invoke(slot_, function, token_, input, output_cap);
  if (o.status.ok()) return o;
  if (o.status.errno_) {
    o.status.message = fmt::format("{}: {}", what, o.status.message);
    return o;
  }
  const uint16_t s = o.status.status;
  std::string m = fmt::format("{}: {}", what, AppStatusReason(s));
  const char* h = hint ? hint(s) : "";
  if (*h) m += fmt::format("; {}", h);
  if ((s == kInvalidField || s == kAccessDenied) && token_.zero()) {
    m += "; the call carries no domain token (get one from 'salixctl domain create' or "
         "'salixctl broker grant')";
  }
  o.status.message = std::move(m);
  return o;
}

uint32_t BuiltinClient::LbasPerCall(size_t header) const {
  const uint32_t lbs = lba_size();
  uint64_t bytes = SALIX_BUILTIN_MAX_DATA;
  const uint32_t mdts = dev_->info().max_transfer_bytes;
  if (mdts > header) bytes = std::min<uint64_t>(bytes, mdts - header);
  return std::max<uint32_t>(1, static_cast<uint32_t>(bytes / lbs));
}

// ---- txn -------------------------------------------------------------------

AppResult<TxnClient> TxnClient::Open(Device& device, const AppToken& token) {
  auto slot = FindBuiltinApp(device, SALIX_APP_TXN);
  if (!slot.ok()) return slot.status();
  return TxnClient(device, slot.value(), token);
}

AppResult<uint64_t> TxnClient::Begin() {
  InvokeOutcome o = Call("txn begin", SALIX_TXN_BEGIN, {}, 0, TxnHint);
  if (!o.status.ok()) return o.status;
  return uint64_t{o.value};
}

AppStatus TxnClient::Write(uint64_t txid, uint64_t lba, std::span<const uint8_t> data) {
  const uint32_t lbs = lba_size();
  if (data.empty() || data.size() % lbs != 0) {
    return HostRefusal(fmt::format("txn {} write at LBA {}: {} bytes of data, not a whole "
                                   "number (>= 1) of {}-byte LBAs",
                                   txid, lba, data.size(), lbs));
  }
  const uint64_t count = data.size() / lbs;
  const uint32_t per = LbasPerCall(sizeof(salix_txn_write));
  for (uint64_t done = 0; done < count;) {
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(per, count - done));
    const salix_txn_write w{txid, lba + done, n, 0};
    InvokeOutcome o =
        Call(fmt::format("txn {} write of LBAs {}", txid, RangeText(lba + done, n)),
             SALIX_TXN_WRITE, Input(w, data.subspan(done * lbs, uint64_t{n} * lbs)), 0,
             TxnHint);
    if (!o.status.ok()) {
      if (done > 0) {
        o.status.message += fmt::format(" (LBAs {} before it are logged: abort the transaction "
                                        "to drop them)",
                                        RangeText(lba, done));
      }
      return o.status;
    }
    done += n;
  }
  return AppStatus{};
}

AppResult<std::vector<uint8_t>> TxnClient::Read(uint64_t txid, uint64_t lba, uint32_t count) {
  if (count == 0) return HostRefusal(fmt::format("txn {} read at LBA {}: 0 LBAs", txid, lba));
  const uint32_t lbs = lba_size();
  const uint32_t per = LbasPerCall(0);
  std::vector<uint8_t> out;
  out.reserve(uint64_t{count} * lbs);
  for (uint64_t done = 0; done < count;) {
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(per, count - done));
    const salix_txn_read r{txid, lba + done, n, 0};
    InvokeOutcome o = Call(fmt::format("txn {} read of LBAs {}", txid, RangeText(lba + done, n)),
                           SALIX_TXN_READ, Input(r), n * lbs, TxnHint);
    if (!o.status.ok()) return o.status;
    if (o.output.size() != uint64_t{n} * lbs) {
      return AppStatus{0x006, 0,
                       fmt::format("txn {} read: the device returned {} bytes for {} LBAs",
                                   txid, o.output.size(), n)};
    }
    out.insert(out.end(), o.output.begin(), o.output.end());
    done += n;
  }
  return out;
}

AppResult<uint64_t> TxnClient::Commit(uint64_t txid) {
  const salix_txn_id id{txid};
  InvokeOutcome o =
      Call(fmt::format("txn {} commit", txid), SALIX_TXN_COMMIT, Input(id), 0, TxnHint);
  if (!o.status.ok()) return o.status;
  return uint64_t{o.value};
}

AppStatus TxnClient::Abort(uint64_t txid) {
  const salix_txn_id id{txid};
  return Call(fmt::format("txn {} abort", txid), SALIX_TXN_ABORT, Input(id), 0, TxnHint)
      .status;
}

AppResult<salix_txn_info> TxnClient::Info() {
  InvokeOutcome o = Call("txn info", SALIX_TXN_INFO, {}, sizeof(salix_txn_info), TxnHint);
  if (!o.status.ok()) return o.status;
  return Decode<salix_txn_info>("txn info", o);
}

// ---- kv --------------------------------------------------------------------

std::optional<std::string> KvKeySuccessor(std::string_view key) {
  if (key.size() < SALIX_KV_MAX_KEY) return std::string(key) + '\0';
  // A key of the longest length has no extension: the next key is the
  // prefix without trailing 0xff bytes, its last byte incremented.
  std::string k(key.substr(0, SALIX_KV_MAX_KEY));
  while (!k.empty() && static_cast<uint8_t>(k.back()) == 0xff) k.pop_back();
  if (k.empty()) return std::nullopt;
  k.back() = static_cast<char>(static_cast<uint8_t>(k.back()) + 1);
  return k;
}

AppResult<KvClient> KvClient::Open(Device& device, const AppToken& token,
                                   salix_kv_range range) {
  auto slot = FindBuiltinApp(device, SALIX_APP_KV);
  if (!slot.ok()) return slot.status();
  return KvClient(device, slot.value(), token, range);
}

std::optional<AppStatus> KvClient::CheckKey(std::string_view what, std::string_view key) const {
  if (key.empty() || key.size() > SALIX_KV_MAX_KEY) {
    return HostRefusal(fmt::format("kv {}: a key of {} bytes; keys are 1 to {} bytes", what,
                                   key.size(), SALIX_KV_MAX_KEY));
  }
  return std::nullopt;
}

AppStatus KvClient::Format(uint32_t segment_lbas) {
  const salix_kv_format f{range_, segment_lbas, 0};
  return Call(fmt::format("kv format of LBAs {}", RangeText(range_.first, range_.count)),
              SALIX_KV_FORMAT, Input(f), 0, KvHint)
      .status;
}

AppStatus KvClient::Put(std::string_view key, std::span<const uint8_t> value) {
  if (auto bad = CheckKey("put", key)) return *bad;
  if (value.size() > SALIX_KV_MAX_VALUE) {
    return HostRefusal(fmt::format("kv put: a value of {} bytes; values are at most {}",
                                   value.size(), SALIX_KV_MAX_VALUE));
  }
  const salix_kv_key_op op{range_, static_cast<uint32_t>(key.size()),
                           static_cast<uint32_t>(value.size())};
  return Call("kv put", SALIX_KV_PUT, Input(op, AsBytes(key), value), 0, KvHint).status;
}

AppResult<std::optional<std::vector<uint8_t>>> KvClient::Get(std::string_view key) {
  if (auto bad = CheckKey("get", key)) return *bad;
  const salix_kv_key_op op{range_, static_cast<uint32_t>(key.size()), 0};
  // Room for the largest value: one call, whatever the value's size.
  uint32_t cap = SALIX_KV_MAX_VALUE;
  if (const uint32_t mdts = dev_->info().max_transfer_bytes) cap = std::min(cap, mdts);
  InvokeOutcome o = Call("kv get", SALIX_KV_GET, Input(op, AsBytes(key)), cap, KvHint);
  if (!o.status.ok()) return o.status;
  if (o.value == static_cast<uint32_t>(SALIX_KV_ABSENT)) {
    return std::optional<std::vector<uint8_t>>();
  }
  return std::optional<std::vector<uint8_t>>(std::move(o.output));
}

AppResult<bool> KvClient::Delete(std::string_view key) {
  if (auto bad = CheckKey("delete", key)) return *bad;
  const salix_kv_key_op op{range_, static_cast<uint32_t>(key.size()), 0};
  InvokeOutcome o = Call("kv delete", SALIX_KV_DELETE, Input(op, AsBytes(key)), 0, KvHint);
  if (!o.status.ok()) return o.status;
  return o.value == 1;
}

AppResult<KvScanPage> KvClient::ScanPage(std::string_view start, const KvScanOptions& options) {
  if (start.size() > SALIX_KV_MAX_KEY) {
    return HostRefusal(fmt::format("kv scan: a start key of {} bytes; keys are at most {}",
                                   start.size(), SALIX_KV_MAX_KEY));
  }
  if (options.max_entries == 0) return HostRefusal("kv scan: max_entries must be at least 1");
  const salix_kv_scan sc{range_, static_cast<uint32_t>(start.size()), options.max_entries,
                         options.keys_only ? SALIX_KV_SCAN_KEYS_ONLY : 0u, 0};
  // Room for the largest entry, so a page always makes progress.
  uint32_t cap = SALIX_BUILTIN_MAX_DATA;
  if (const uint32_t mdts = dev_->info().max_transfer_bytes) cap = std::min(cap, mdts);
  InvokeOutcome o = Call("kv scan", SALIX_KV_SCAN, Input(sc, AsBytes(start)), cap, KvHint);
  if (!o.status.ok()) return o.status;
  auto hdr = Decode<salix_kv_scan_header>("kv scan", o);
  if (!hdr.ok()) return hdr.status();
  KvScanPage page;
  size_t pos = sizeof(salix_kv_scan_header);
  for (uint32_t i = 0; i < hdr.value().count; i++) {
    salix_kv_scan_entry e;
    if (o.output.size() - pos < sizeof(e)) break;
    std::memcpy(&e, o.output.data() + pos, sizeof(e));
    pos += sizeof(e);
    const size_t vbytes = options.keys_only ? 0 : e.value_len;
    if (e.key_len == 0 || o.output.size() - pos < uint64_t{e.key_len} + vbytes) {
      return AppStatus{0x006, 0,
                       fmt::format("kv scan: entry {} of {} runs past the {} bytes returned",
                                   i, hdr.value().count, o.output.size())};
    }
    KvEntry ent;
    ent.key.assign(reinterpret_cast<const char*>(o.output.data() + pos), e.key_len);
    pos += e.key_len;
    ent.value.assign(o.output.begin() + pos, o.output.begin() + pos + vbytes);
    pos += vbytes;
    ent.value_len = e.value_len;
    page.entries.push_back(std::move(ent));
  }
  if (page.entries.size() != hdr.value().count) {
    return AppStatus{0x006, 0, "kv scan: the device returned fewer entries than it counted"};
  }
  if (hdr.value().more) {
    if (page.entries.empty()) {
      return AppStatus{0x006, 0,
                       fmt::format("kv scan: the next entry does not fit {} bytes of output",
                                   cap)};
    }
    page.next = KvKeySuccessor(page.entries.back().key);
  }
  return page;
}

AppStatus KvClient::Scan(std::string_view start, const std::function<bool(const KvEntry&)>& fn,
                         const KvScanOptions& options) {
  std::optional<std::string> from(start);
  while (from) {
    auto page = ScanPage(*from, options);
    if (!page.ok()) return page.status();
    for (const KvEntry& e : page.value().entries) {
      if (!fn(e)) return AppStatus{};
    }
    from = std::move(page.value().next);
  }
  return AppStatus{};
}

AppResult<salix_kv_info> KvClient::Info() {
  InvokeOutcome o = Call("kv info", SALIX_KV_INFO, Input(range_), sizeof(salix_kv_info), KvHint);
  if (!o.status.ok()) return o.status;
  return Decode<salix_kv_info>("kv info", o);
}

// ---- append ----------------------------------------------------------------

AppResult<AppendClient> AppendClient::Open(Device& device, const AppToken& token,
                                           salix_append_range range) {
  auto slot = FindBuiltinApp(device, SALIX_APP_APPEND);
  if (!slot.ok()) return slot.status();
  return AppendClient(device, slot.value(), token, range);
}

uint32_t AppendClient::MaxAppendLbas() const { return LbasPerCall(sizeof(salix_append_op)); }

AppStatus AppendClient::Format() {
  return Call(fmt::format("append format of LBAs {}", RangeText(range_.first, range_.count)),
              SALIX_APPEND_FORMAT, Input(range_), 0, AppendHint)
      .status;
}

AppResult<salix_append_result> AppendClient::Append(std::span<const uint8_t> data) {
  const uint32_t lbs = lba_size();
  if (data.empty() || data.size() % lbs != 0) {
    return HostRefusal(fmt::format("append: {} bytes of data, not a whole number (>= 1) of "
                                   "{}-byte LBAs",
                                   data.size(), lbs));
  }
  const uint64_t nlb = data.size() / lbs;
  if (nlb > MaxAppendLbas()) {
    return HostRefusal(fmt::format("append: {} LBAs in one append; this device takes at most "
                                   "{} per call",
                                   nlb, MaxAppendLbas()));
  }
  const salix_append_op op{range_, static_cast<uint32_t>(nlb), 0};
  InvokeOutcome o = Call(fmt::format("append of {} LBAs", nlb), SALIX_APPEND_APPEND,
                         Input(op, data), sizeof(salix_append_result), AppendHint);
  if (!o.status.ok()) return o.status;
  return Decode<salix_append_result>("append", o);
}

AppResult<std::vector<uint8_t>> AppendClient::Read(uint64_t lba, uint32_t nlb) {
  if (nlb == 0) return HostRefusal(fmt::format("append read at LBA {}: 0 LBAs", lba));
  const uint32_t lbs = lba_size();
  const uint32_t per = LbasPerCall(0);
  std::vector<uint8_t> out;
  for (uint64_t done = 0; done < nlb;) {
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(per, nlb - done));
    const salix_append_read r{range_, lba + done, n, 0};
    InvokeOutcome o = Call(fmt::format("append read of LBAs {}", RangeText(lba + done, n)),
                           SALIX_APPEND_READ, Input(r), n * lbs, AppendHint);
    if (!o.status.ok()) return o.status;
    if (o.output.size() != uint64_t{n} * lbs) {
      return AppStatus{0x006, 0,
                       fmt::format("append read: the device returned {} bytes for {} LBAs",
                                   o.output.size(), n)};
    }
    out.insert(out.end(), o.output.begin(), o.output.end());
    done += n;
  }
  return out;
}

AppResult<salix_append_info> AppendClient::Info() {
  InvokeOutcome o =
      Call("append info", SALIX_APPEND_INFO, Input(range_), sizeof(salix_append_info), AppendHint);
  if (!o.status.ok()) return o.status;
  return Decode<salix_append_info>("append info", o);
}

}  // namespace salix::host

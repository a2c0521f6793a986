// builtin_apps.h - typed host clients of the built-in SSD apps
// (<salix/builtin_apps.h>): transactions ("txn"), the key-value store
// ("kv") and append ("append"), over AppClient::Invoke on any Device
// (Linux passthrough, embedded firmware).
//
// The device must run with the built-in apps on (device property
// apps.builtin=on); Open() says so when they are missing. Each client holds
// the app's slot and the caller's domain token; the token decides which
// LBAs the app may touch for this caller (a zero token: none).
//
// Errors: every failure is an AppStatus with the NVMe status and a message
// naming the call, the device's status with AppStatusReason()'s text, and
// what the status means for this app ("transaction 0x1234 is not open ...").
// Checks the host can make before sending (a key longer than
// SALIX_KV_MAX_KEY, data that is not whole LBAs) come back as Invalid Field
// (0x002) without a command sent. A device refusal leaves the device as it
// was for that call.
//
// Large transfers: one Invoke carries at most SALIX_BUILTIN_MAX_DATA bytes
// and at most the device's MDTS. TxnClient::Write and Read split larger
// ranges into several calls of the same transaction (still atomic at
// commit; if a later part is refused, the earlier parts stay logged and the
// caller should abort). Append is one call and refuses more than fits.
//
// Thread-safety: as the AppClient and its Device (one thread at a time).
#ifndef SALIX_HOST_BUILTIN_APPS_H
#define SALIX_HOST_BUILTIN_APPS_H

#include <salix/builtin_apps.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "salix/host/apps.h"

namespace salix::host {

// A value, or the AppStatus of the failure.
template <typename T>
class AppResult {
 public:
  AppResult(T value) : v_(std::move(value)) {}
  // REQUIRES: !status.ok()
  AppResult(AppStatus status) : v_(std::move(status)) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  // REQUIRES: ok()
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  // REQUIRES: !ok()
  const AppStatus& status() const { return std::get<AppStatus>(v_); }

 private:
  std::variant<T, AppStatus> v_;
};

// The slot of the built-in app 'name' (SALIX_APP_TXN, ...). Fails with
// Slot Empty (0x703) and a message saying how to turn the apps on when the
// device does not have it, or with the error of reading the app log.
AppResult<uint32_t> FindBuiltinApp(Device& device, std::string_view name);

// What the three clients share: the device, the app's slot, the caller's
// token. Ownership: the Device must outlive the client.
class BuiltinClient {
 public:
  uint32_t slot() const { return slot_; }
  const AppToken& token() const { return token_; }

 protected:
  BuiltinClient(Device& device, uint32_t slot, const AppToken& token)
      : dev_(&device), slot_(slot), token_(token) {}
  // Invokes 'function'; a failure's message starts with 'what' and ends
  // with what the status means for this app (hint(status), may be empty).
  InvokeOutcome Call(std::string_view what, uint32_t function,
                     std::span<const uint8_t> input, uint32_t output_cap,
                     const char* (*hint)(uint16_t)) const;
  // Data bytes one call may carry besides a header of 'header' bytes, in
  // whole LBAs (at least one LBA).
  uint32_t LbasPerCall(size_t header) const;
  uint32_t lba_size() const { return dev_->info().lba_size; }

  Device* dev_;
  uint32_t slot_;
  AppToken token_;
};

// ---- txn -------------------------------------------------------------------
// MARS-style transactions. Ids are 32-bit numbers the device hands out; a
// transaction stays open in the device across processes until it is
// committed or aborted (or the device restarts: then it is gone, and
// nothing of it reached home).
class TxnClient : public BuiltinClient {
 public:
  TxnClient(Device& device, uint32_t slot, const AppToken& token)
      : BuiltinClient(device, slot, token) {}
  static AppResult<TxnClient> Open(Device& device, const AppToken& token);

  // A new transaction's id. Capacity Exceeded when SALIX_TXN_MAX_OPEN are
  // open.
  AppResult<uint64_t> Begin();
  // Logs 'data' (whole LBAs) for the home LBAs from 'lba' on; LBAs this
  // transaction already logged are replaced. Home is untouched until
  // Commit.
  AppStatus Write(uint64_t txid, uint64_t lba, std::span<const uint8_t> data);
  // The transaction's view of [lba, lba + count): what it logged, over the
  // home data.
  AppResult<std::vector<uint8_t>> Read(uint64_t txid, uint64_t lba, uint32_t count);
  // Makes every logged write reach home, durably; returns the commit
  // sequence number. The id is closed afterwards.
  AppResult<uint64_t> Commit(uint64_t txid);
  // Drops the transaction; home stays as it was.
  AppStatus Abort(uint64_t txid);
  AppResult<salix_txn_info> Info();
};

// ---- kv --------------------------------------------------------------------
// A key-value store over an LBA range of the caller's domain (read and
// write rights on all of it). Keys are 1..SALIX_KV_MAX_KEY bytes, ordered
// bytewise; values 0..SALIX_KV_MAX_VALUE bytes.
struct KvEntry {
  std::string key;
  std::vector<uint8_t> value;  // empty with keys_only
  uint32_t value_len = 0;      // the value's length, also with keys_only
};

struct KvScanOptions {
  uint32_t max_entries = 256;  // per device call (>= 1)
  bool keys_only = false;
};

// One device call's worth of a scan.
struct KvScanPage {
  std::vector<KvEntry> entries;
  // Where the next page starts (the smallest key after the last one
  // returned), when the device stopped early; nullopt: the scan is done.
  std::optional<std::string> next;
};

// The smallest key greater than 'key' among keys of at most
// SALIX_KV_MAX_KEY bytes (bytewise order); nullopt when there is none.
std::optional<std::string> KvKeySuccessor(std::string_view key);

class KvClient : public BuiltinClient {
 public:
  KvClient(Device& device, uint32_t slot, const AppToken& token, salix_kv_range range)
      : BuiltinClient(device, slot, token), range_(range) {}
  static AppResult<KvClient> Open(Device& device, const AppToken& token,
                                  salix_kv_range range);

  // Makes the range an empty store (segment_lbas 0: the device default).
  AppStatus Format(uint32_t segment_lbas = 0);
  AppStatus Put(std::string_view key, std::span<const uint8_t> value);
  // The value, or nullopt for a key that is absent.
  AppResult<std::optional<std::vector<uint8_t>>> Get(std::string_view key);
  // True if the key was there.
  AppResult<bool> Delete(std::string_view key);
  // Entries with keys >= start (empty: from the first), in key order, as
  // many as one call returns.
  AppResult<KvScanPage> ScanPage(std::string_view start, const KvScanOptions& options = {});
  // Every entry with a key >= start, page after page, until 'fn' returns
  // false or the store has no more.
  AppStatus Scan(std::string_view start, const std::function<bool(const KvEntry&)>& fn,
                 const KvScanOptions& options = {});
  AppResult<salix_kv_info> Info();

  const salix_kv_range& range() const { return range_; }

 private:
  // Invalid Field without a command sent when the key's length is out of
  // bounds.
  std::optional<AppStatus> CheckKey(std::string_view what, std::string_view key) const;

  salix_kv_range range_;
};

// ---- append ----------------------------------------------------------------
// An append log over an LBA range of the caller's domain; the device picks
// the LBAs. The first SALIX_APPEND_META_LBAS LBAs of the range hold the
// log's state.
class AppendClient : public BuiltinClient {
 public:
  AppendClient(Device& device, uint32_t slot, const AppToken& token,
               salix_append_range range)
      : BuiltinClient(device, slot, token), range_(range) {}
  static AppResult<AppendClient> Open(Device& device, const AppToken& token,
                                      salix_append_range range);

  AppStatus Format();
  // Writes 'data' (whole LBAs, at most MaxAppendLbas()) at the tail; where
  // it went. Capacity Exceeded when the log has no room for all of it.
  AppResult<salix_append_result> Append(std::span<const uint8_t> data);
  // Appended LBAs, read through the app (plain reads work too).
  AppResult<std::vector<uint8_t>> Read(uint64_t lba, uint32_t nlb);
  AppResult<salix_append_info> Info();
  // The most LBAs one Append carries on this device.
  uint32_t MaxAppendLbas() const;

  const salix_append_range& range() const { return range_; }

 private:
  salix_append_range range_;
};

}  // namespace salix::host

#endif  // SALIX_HOST_BUILTIN_APPS_H

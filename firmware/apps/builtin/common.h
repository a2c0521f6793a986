// common.h - what the built-in apps share: decoding their little-endian
// input structures, failing with a reason, CRC32C for on-flash records, and
// a Flash wrapper that counts LBAs for the call statistics.
//
// Thread-safety: plain functions and per-call objects.
#ifndef SALIX_APPS_BUILTIN_COMMON_H
#define SALIX_APPS_BUILTIN_COMMON_H

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "apps/app.h"
#include "apps/flash.h"
#include "core/status.h"

namespace salix::apps::builtin {

// The wire structures of salix/builtin_apps.h and the on-flash records are
// little-endian; the firmware copies them as they are.
static_assert(std::endian::native == std::endian::little,
              "built-in app layouts are little-endian");

// The fixed part of an input, or nullopt when the input is shorter.
template <typename T>
std::optional<T> Decode(std::span<const uint8_t> in) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (in.size() < sizeof(T)) return std::nullopt;
  T t;
  std::memcpy(&t, in.data(), sizeof(T));
  return t;
}

template <typename T>
void Encode(const T& t, std::span<uint8_t> out) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::memcpy(out.data(), &t, sizeof(T));
}

inline Outcome Fail(Status status, std::string reason, uint64_t value = 0) {
  Outcome o;
  o.status = status;
  o.reason = std::move(reason);
  o.value = value;
  return o;
}

// An Outcome carrying the first failure of an internal step.
inline Outcome FailFlash(Status status, const char* what) {
  return Fail(status, std::string(what) + ": " + status.ToString());
}

// CRC32C (Castagnoli), the checksum of every on-flash record.
uint32_t Crc32c(std::span<const uint8_t> data, uint32_t crc = 0);

// splitmix64: spreads counters into identifiers (epochs, ids).
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Forwards to another Flash and counts the LBAs read and written, for
// Outcome::stats.
class CountingFlash final : public Flash {
 public:
  explicit CountingFlash(Flash& inner) : inner_(inner) {}

  uint32_t lba_size() const override { return inner_.lba_size(); }
  uint64_t lba_count() const override { return inner_.lba_count(); }
  Status Read(uint64_t lba, uint32_t count, std::span<uint8_t> dst) override {
    Status s = inner_.Read(lba, count, dst);
    if (s.ok()) read_ += count;
    return s;
  }
  Status Write(uint64_t lba, uint32_t count,
               std::span<const uint8_t> src) override {
    Status s = inner_.Write(lba, count, src);
    if (s.ok()) written_ += count;
    return s;
  }
  Status WriteFua(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    Status s = inner_.WriteFua(lba, count, src);
    if (s.ok()) written_ += count;
    return s;
  }
  Status WriteFuaTogether(std::span<const FuaWrite> writes) override {
    Status s = inner_.WriteFuaTogether(writes);
    for (const FuaWrite& w : writes) written_ += s.ok() ? w.count : 0;
    return s;
  }
  Status Deallocate(uint64_t lba, uint32_t count) override {
    return inner_.Deallocate(lba, count);
  }
  Status Flush() override { return inner_.Flush(); }
  uint64_t now_ns() const override { return inner_.now_ns(); }

  uint64_t lbas_read() const { return read_; }
  uint64_t lbas_written() const { return written_; }
  void AddTo(CallStats& s) const {
    s.lbas_read += read_;
    s.lbas_written += written_;
  }

 private:
  Flash& inner_;
  uint64_t read_ = 0;
  uint64_t written_ = 0;
};

// True if [first, first + count) is non-empty, does not wrap and lies
// within [0, limit).
inline bool RangeWithin(uint64_t first, uint64_t count, uint64_t limit) {
  return count > 0 && first < limit && count <= limit - first;
}

// Checks that the caller's domain grants 'rights' (kRightRead, kRightWrite
// or both) on the range; nullopt when it does, else the refusal. Call::flash
// refuses too, but the apps' in-memory state (an index, a tail pointer) must
// not answer for a range the caller may not touch.
std::optional<Outcome> CheckDomain(const struct Call& call, uint64_t first,
                                   uint64_t count, uint8_t rights,
                                   const char* what);

}  // namespace salix::apps::builtin

#endif  // SALIX_APPS_BUILTIN_COMMON_H

// builtin_flash.h - in-memory Flash for the built-in app tests, with power
// loss: writes sit in a volatile cache until Flush() (a WriteFua goes to the
// media, durable when it returns OK); a power cut keeps a
// random subset of the cached LBAs (a cache drains in any order), and can be
// armed to strike at the N-th operation, tearing that write (a prefix of
// its bytes reaches the media) or dropping that flush. After the cut every
// operation fails until PowerCut() settles the media.
#ifndef SALIX_TESTS_UNIT_APPS_BUILTIN_FLASH_H
#define SALIX_TESTS_UNIT_APPS_BUILTIN_FLASH_H

#include <catch2/catch.hpp>

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "apps/app.h"
#include "apps/domain.h"
#include "apps/flash.h"

namespace salix::apps::builtin::test {

class PowerCutFlash final : public Flash {
 public:
  PowerCutFlash(uint32_t lba_size, uint64_t lba_count, uint64_t seed = 1)
      : lba_size_(lba_size), lba_count_(lba_count),
        media_(lba_size * lba_count, 0), rng_(seed) {}

  uint32_t lba_size() const override { return lba_size_; }
  uint64_t lba_count() const override { return lba_count_; }

  Status Read(uint64_t lba, uint32_t count, std::span<uint8_t> dst) override {
    REQUIRE(dst.size() == uint64_t{count} * lba_size_);
    if (dead_) return Status::InternalError();
    if (count == 0 || lba + count > lba_count_) return Status::LbaOutOfRange();
    reads++;
    for (uint32_t i = 0; i < count; i++) {
      auto c = cache_.find(lba + i);
      const uint8_t* src = c != cache_.end() ? c->second.data() : Media(lba + i);
      std::memcpy(dst.data() + uint64_t{i} * lba_size_, src, lba_size_);
    }
    return Status();
  }

  Status Write(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    return Put(lba, count, src, false);
  }
  Status WriteFua(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    return Put(lba, count, src, true);
  }
  // In a random order: a cut may leave any of them, in any combination.
  Status WriteFuaTogether(std::span<const FuaWrite> writes) override {
    std::vector<FuaWrite> order(writes.begin(), writes.end());
    std::shuffle(order.begin(), order.end(), rng_);
    for (const FuaWrite& w : order) {
      if (Status s = Put(w.lba, w.count, w.src, true); !s.ok()) return s;
    }
    return Status();
  }

  Status Deallocate(uint64_t lba, uint32_t count) override {
    std::vector<uint8_t> zero(uint64_t{count} * lba_size_, 0);
    return Write(lba, count, zero);
  }

  Status Flush() override {
    if (dead_) return Status::InternalError();
    if (Strike()) return Status::InternalError();
    flushes++;
    for (auto& [lba, data] : cache_) std::memcpy(Media(lba), data.data(), lba_size_);
    cache_.clear();
    return Status();
  }

  uint64_t now_ns() const override { return 0; }

  // The power fails at the n-th write or flush from now (1: the next one).
  void ArmCut(uint64_t n) { cut_in_ = n; }
  bool dead() const { return dead_; }
  // The power is back: a random subset of the cached LBAs made it (or all
  // of them, or none).
  void PowerCut() {
    const int mode = static_cast<int>(rng_() % 4);  // 0 none, 1 all, else random
    for (auto& [lba, data] : cache_) {
      if (mode == 1 || (mode >= 2 && rng_() % 2)) {
        std::memcpy(Media(lba), data.data(), lba_size_);
      }
    }
    cache_.clear();
    dead_ = false;
    cut_in_ = 0;
  }
  // What a reboot with a clean shutdown sees (nothing lost).
  void CleanRestart() {
    REQUIRE(Flush().ok());
  }

  uint64_t reads = 0, writes = 0, fua_writes = 0, flushes = 0;

 private:
  // A write; 'fua': to the media, past the cache (an older cached copy of
  // these LBAs can no longer land over it).
  Status Put(uint64_t lba, uint32_t count, std::span<const uint8_t> src, bool fua) {
    REQUIRE(src.size() == uint64_t{count} * lba_size_);
    if (dead_) return Status::InternalError();
    if (count == 0 || lba + count > lba_count_) return Status::LbaOutOfRange();
    if (Strike()) {
      // Torn: the first 'bytes' of the write reach the media, the rest never.
      const uint64_t bytes = rng_() % src.size();
      // Older cached data of these LBAs drained before, or never did.
      for (uint32_t i = 0; i < count; i++) {
        auto c = cache_.find(lba + i);
        if (c == cache_.end()) continue;
        if (rng_() % 2) std::memcpy(Media(lba + i), c->second.data(), lba_size_);
        cache_.erase(c);
      }
      for (uint64_t b = 0; b < bytes; b += lba_size_) {
        const uint64_t n = std::min<uint64_t>(lba_size_, bytes - b);
        std::memcpy(Media(lba + b / lba_size_), src.data() + b, n);
      }
      return Status::InternalError();
    }
    (fua ? fua_writes : writes)++;
    for (uint32_t i = 0; i < count; i++) {
      const auto* d = src.data() + uint64_t{i} * lba_size_;
      if (fua) {
        cache_.erase(lba + i);
        std::memcpy(Media(lba + i), d, lba_size_);
      } else {
        cache_[lba + i].assign(d, d + lba_size_);
      }
    }
    return Status();
  }
  bool Strike() {
    if (cut_in_ == 0) return false;
    if (--cut_in_ > 0) return false;
    dead_ = true;
    return true;
  }
  uint8_t* Media(uint64_t lba) { return media_.data() + lba * lba_size_; }

  uint32_t lba_size_;
  uint64_t lba_count_;
  std::vector<uint8_t> media_;
  std::map<uint64_t, std::vector<uint8_t>> cache_;
  std::mt19937_64 rng_;
  uint64_t cut_in_ = 0;
  bool dead_ = false;
};

// [first, first + count) of another Flash, as the runtime gives an app its
// private region.
class SubFlash final : public Flash {
 public:
  SubFlash(Flash& base, uint64_t first, uint64_t count)
      : base_(base), first_(first), count_(count) {}
  uint32_t lba_size() const override { return base_.lba_size(); }
  uint64_t lba_count() const override { return count_; }
  Status Read(uint64_t lba, uint32_t count, std::span<uint8_t> dst) override {
    if (count == 0 || lba >= count_ || count > count_ - lba) return Status::LbaOutOfRange();
    return base_.Read(first_ + lba, count, dst);
  }
  Status Write(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (count == 0 || lba >= count_ || count > count_ - lba) return Status::LbaOutOfRange();
    return base_.Write(first_ + lba, count, src);
  }
  Status WriteFua(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (count == 0 || lba >= count_ || count > count_ - lba) return Status::LbaOutOfRange();
    return base_.WriteFua(first_ + lba, count, src);
  }
  Status WriteFuaTogether(std::span<const FuaWrite> writes) override {
    std::vector<FuaWrite> moved(writes.begin(), writes.end());
    for (FuaWrite& w : moved) {
      if (w.count == 0 || w.lba >= count_ || w.count > count_ - w.lba) {
        return Status::LbaOutOfRange();
      }
      w.lba += first_;
    }
    return base_.WriteFuaTogether(moved);
  }
  Status Deallocate(uint64_t lba, uint32_t count) override {
    if (count == 0 || lba >= count_ || count > count_ - lba) return Status::LbaOutOfRange();
    return base_.Deallocate(first_ + lba, count);
  }
  Status Flush() override { return base_.Flush(); }
  uint64_t now_ns() const override { return base_.now_ns(); }

 private:
  Flash& base_;
  uint64_t first_, count_;
};

// Refuses what the domain does not grant, as the registry's CheckedFlash.
class DomainFlash final : public Flash {
 public:
  DomainFlash(Flash& base, const Domain& d) : base_(base), d_(d) {}
  uint32_t lba_size() const override { return base_.lba_size(); }
  uint64_t lba_count() const override { return base_.lba_count(); }
  Status Read(uint64_t lba, uint32_t count, std::span<uint8_t> dst) override {
    if (!d_.Allows(lba, count, kRightRead)) return Status::AppAccessDenied();
    return base_.Read(lba, count, dst);
  }
  Status Write(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (!d_.Allows(lba, count, kRightWrite)) return Status::AppAccessDenied();
    return base_.Write(lba, count, src);
  }
  Status WriteFua(uint64_t lba, uint32_t count, std::span<const uint8_t> src) override {
    if (!d_.Allows(lba, count, kRightWrite)) return Status::AppAccessDenied();
    return base_.WriteFua(lba, count, src);
  }
  Status Deallocate(uint64_t lba, uint32_t count) override {
    if (!d_.Allows(lba, count, kRightWrite)) return Status::AppAccessDenied();
    return base_.Deallocate(lba, count);
  }
  Status Flush() override { return base_.Flush(); }
  uint64_t now_ns() const override { return base_.now_ns(); }

 private:
  Flash& base_;
  const Domain& d_;
};

inline Domain MakeDomain(std::initializer_list<LbaRange> ranges) {
  Domain d;
  for (const LbaRange& r : ranges) {
    auto e = d.Add(r);
    if (e) FAIL("Domain::Add: " << *e);
  }
  return d;
}

// Input bytes: a structure followed by optional data.
template <typename T>
std::vector<uint8_t> Input(const T& t, std::span<const uint8_t> data = {}) {
  std::vector<uint8_t> in(sizeof(T) + data.size());
  std::memcpy(in.data(), &t, sizeof(T));
  if (!data.empty()) std::memcpy(in.data() + sizeof(T), data.data(), data.size());
  return in;
}

// The bytes of an LBA's content in the tests: identifies (lba, version).
inline std::vector<uint8_t> Pattern(uint64_t lba, uint64_t version, uint32_t size) {
  std::vector<uint8_t> p(size);
  uint64_t x = lba * 0x9e3779b97f4a7c15ull + version * 0xbf58476d1ce4e5b9ull + 7;
  for (uint32_t i = 0; i < size; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    p[i] = static_cast<uint8_t>(x);
  }
  return p;
}

// Calls app.Call after checking the input size against its FunctionInfo,
// as the registry does.
inline Outcome Invoke(App& app, uint32_t function, std::span<const uint8_t> input,
                      std::span<uint8_t> output, Flash* flash, Flash* priv,
                      const Domain* domain) {
  const FunctionInfo* info = nullptr;
  for (const FunctionInfo& f : app.functions()) {
    if (f.id == function) info = &f;
  }
  REQUIRE(info != nullptr);
  REQUIRE(input.size() >= info->min_input);
  REQUIRE(input.size() <= info->max_input);
  struct Call c;
  c.function = function;
  c.input = input;
  c.output = output;
  c.domain = domain;
  c.flash = flash;
  c.private_flash = priv;
  return app.Call(c);
}

}  // namespace salix::apps::builtin::test

#endif  // SALIX_TESTS_UNIT_APPS_BUILTIN_FLASH_H

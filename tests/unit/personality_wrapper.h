// personality_wrapper.h - a nossd namespace behind knobs a test can turn:
// a fixed completion latency, media statistics to report, and a scripted
// Background(). Like LevelDB's EnvWrapper: forward everything, override the
// one behaviour under test.
//
// The knobs live in a Knobs object the test keeps (shared_ptr), because the
// Controller owns the personality itself.
#ifndef SALIX_TESTS_UNIT_PERSONALITY_WRAPPER_H
#define SALIX_TESTS_UNIT_PERSONALITY_WRAPPER_H

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/backing_memory.h"
#include "core/personality.h"
#include "nossd/nossd.h"

namespace salix::test {

struct PersonalityKnobs {
  uint64_t delay_ns = 0;                 // added to every I/O due time
  std::optional<MediaStats> media;       // GetMediaStats answer (none: false)
  // Background(now) -> next wanted time; empty: never wants to run.
  std::function<uint64_t(uint64_t)> background;
  std::vector<uint64_t> background_calls;  // now_ns of every call
  // Non-empty: Flush fails with Write Fault and TakeFault() explains it.
  std::string fault;
};

class WrappedNossd final : public Personality {
 public:
  explicit WrappedNossd(std::shared_ptr<PersonalityKnobs> knobs,
                        uint64_t bytes = 1 << 20)
      : knobs_(std::move(knobs)),
        inner_(BackingMemory::CreateRam(bytes).value(), 1) {}

  std::string_view name() const override { return "wrapped"; }
  uint64_t capacity_blocks() const override { return inner_.capacity_blocks(); }
  uint32_t lba_size() const override { return inner_.lba_size(); }
  std::span<const LbaFormat> lba_formats() const override {
    return inner_.lba_formats();
  }
  unsigned current_lba_format() const override {
    return inner_.current_lba_format();
  }
  bool has_volatile_write_cache() const override { return false; }
  void set_write_cache_enabled(bool) override {}
  bool write_cache_enabled() const override { return false; }
  IoResult Read(const IoRequest& r, DataTransfer& x) override {
    return Later(inner_.Read(r, x));
  }
  IoResult Write(const IoRequest& r, DataTransfer& x) override {
    return Later(inner_.Write(r, x));
  }
  IoResult Compare(const IoRequest& r, DataTransfer& x) override {
    return Later(inner_.Compare(r, x));
  }
  IoResult WriteZeroes(const IoRequest& r) override {
    return Later(inner_.WriteZeroes(r));
  }
  IoResult Deallocate(const IoRequest& r) override {
    return Later(inner_.Deallocate(r));
  }
  IoResult Flush(uint64_t now) override {
    if (!knobs_->fault.empty()) return {Status::WriteFault(), now};
    return Later(inner_.Flush(now));
  }
  std::string TakeFault() override { return std::exchange(knobs_->fault, {}); }
  Status Format(unsigned i, bool e) override { return inner_.Format(i, e); }
  void Shutdown() override {}

  bool GetMediaStats(MediaStats* out) const override {
    if (!knobs_->media) return false;
    *out = *knobs_->media;
    return true;
  }
  uint64_t Background(uint64_t now_ns) override {
    knobs_->background_calls.push_back(now_ns);
    return knobs_->background ? knobs_->background(now_ns) : UINT64_MAX;
  }

 private:
  IoResult Later(IoResult r) const {
    r.due_ns += knobs_->delay_ns;
    return r;
  }
  std::shared_ptr<PersonalityKnobs> knobs_;
  NossdPersonality inner_;
};

}  // namespace salix::test

#endif  // SALIX_TESTS_UNIT_PERSONALITY_WRAPPER_H

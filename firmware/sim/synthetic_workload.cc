#include "sim/synthetic_workload.h"

#include "sim/rng.h"
#include "sim/zipfian.h"

namespace salix::sim {
namespace {

// 2^61 - 1 is prime and above any unit count, hence coprime with it: rank ->
// (rank * kScatter + offset) mod n is a bijection.
constexpr uint64_t kScatter = (uint64_t{1} << 61) - 1;
constexpr uint64_t kMixStream = 0x5a17c0de5eedull;

// The read/write choice, shared by every pattern.
class Mix {
 public:
  Mix(double read_ratio, uint64_t seed)
      : read_ratio_(read_ratio), rng_(seed ^ kMixStream) {}
  bool NextIsWrite() {
    if (read_ratio_ <= 0) return true;
    if (read_ratio_ >= 1) return false;
    return rng_.Unit() >= read_ratio_;
  }

 private:
  double read_ratio_;
  Rng rng_;
};

class SyntheticWorkload : public Workload {
 public:
  explicit SyntheticWorkload(const SyntheticSpec& spec)
      : spec_(spec),
        units_(spec.space.units()),
        per_unit_(spec.space.blocks_per_unit()),
        rng_(spec.seed),
        mix_(spec.read_ratio, spec.seed),
        next_sequential_(spec.sequential_start_unit % units_),
        zipf_(spec.pattern == Pattern::kZipfian ? units_ : 1,
              spec.pattern == Pattern::kZipfian ? spec.zipf_theta : 0),
        scatter_(kScatter % units_),
        offset_(rng_.Below(units_)) {}

  bool Next(IoOp* op) override {
    uint64_t unit = 0;
    switch (spec_.pattern) {
      case Pattern::kUniform:
        unit = rng_.Below(units_);
        break;
      case Pattern::kZipfian: {
        uint64_t rank = zipf_.Draw(rng_);
        unit = static_cast<uint64_t>(
            (static_cast<unsigned __int128>(rank) * scatter_ + offset_) %
            units_);
        break;
      }
      case Pattern::kSequential:
        unit = next_sequential_;
        if (++next_sequential_ == units_) next_sequential_ = 0;
        break;
    }
    op->write = mix_.NextIsWrite();
    op->slba = unit * per_unit_;
    op->nlb = per_unit_;
    op->issue_ns = 0;
    return true;
  }

 private:
  SyntheticSpec spec_;
  uint64_t units_;
  uint32_t per_unit_;
  Rng rng_;
  Mix mix_;
  uint64_t next_sequential_;
  Zipfian zipf_;
  uint64_t scatter_;
  uint64_t offset_;
};

}  // namespace

std::unique_ptr<Workload> MakeSyntheticWorkload(const SyntheticSpec& spec) {
  return std::make_unique<SyntheticWorkload>(spec);
}

}  // namespace salix::sim

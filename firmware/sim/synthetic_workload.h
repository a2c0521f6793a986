// synthetic_workload.h - generated workloads: uniform random, Zipfian and
// sequential addresses, each with a read/write mix.
//
// Every op is one unit of the IoSpace (one --bs). Addresses and the
// read/write choice come from two separate streams derived from the seed, so
// changing the read ratio does not change where the I/Os go. Zipfian ranks
// are scattered over the space by a fixed bijection (multiplication by a
// prime modulo the unit count), so the hot set is not one contiguous range
// at LBA 0. Sequential wraps from the last unit to the first. These
// generators never end.
#ifndef SALIX_SIM_SYNTHETIC_WORKLOAD_H
#define SALIX_SIM_SYNTHETIC_WORKLOAD_H

#include <cstdint>
#include <memory>

#include "sim/workload.h"

namespace salix::sim {

enum class Pattern { kUniform, kZipfian, kSequential };

struct SyntheticSpec {
  Pattern pattern = Pattern::kUniform;
  IoSpace space;
  double read_ratio = 0;  // probability that an op is a read, 0..1
  double zipf_theta = 0.99;
  uint64_t seed = 1;
  uint64_t sequential_start_unit = 0;
};

// REQUIRES: spec.space.units() >= 1, 0 <= read_ratio <= 1, and for Zipfian
// 0 <= zipf_theta < 1 (the caller validates user input).
std::unique_ptr<Workload> MakeSyntheticWorkload(const SyntheticSpec& spec);

}  // namespace salix::sim

#endif  // SALIX_SIM_SYNTHETIC_WORKLOAD_H

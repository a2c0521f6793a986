// gc_policy.h - which block garbage collection reclaims next.
//
//   greedy        fewest valid pages (least copying now)
//   cost-benefit  max (1 - u) / 2u * age (Rosenblum & Ousterhout, LFS,
//                 SOSP'91): prefers old, cold blocks over young ones with
//                 the same utilisation u; age = writes since it was closed
//   fifo          the block closed longest ago (a log-structured sweep)
//
// Thread-safety: plain values.
#ifndef SALIX_FTL_GC_POLICY_H
#define SALIX_FTL_GC_POLICY_H

#include <optional>
#include <string_view>

namespace salix::ftl {

enum class GcPolicy { kGreedy, kCostBenefit, kFifo };

std::string_view GcPolicyName(GcPolicy p);
std::optional<GcPolicy> ParseGcPolicy(std::string_view s);

}  // namespace salix::ftl

#endif  // SALIX_FTL_GC_POLICY_H

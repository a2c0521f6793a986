#include "ftl/gc_policy.h"

namespace salix::ftl {

std::string_view GcPolicyName(GcPolicy p) {
  switch (p) {
    case GcPolicy::kGreedy: return "greedy";
    case GcPolicy::kCostBenefit: return "cost-benefit";
    case GcPolicy::kFifo: return "fifo";
  }
  return "?";
}

std::optional<GcPolicy> ParseGcPolicy(std::string_view s) {
  for (GcPolicy p : {GcPolicy::kGreedy, GcPolicy::kCostBenefit, GcPolicy::kFifo}) {
    if (s == GcPolicyName(p)) return p;
  }
  return std::nullopt;
}

}  // namespace salix::ftl

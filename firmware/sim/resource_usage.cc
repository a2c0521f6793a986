#include "sim/resource_usage.h"

#include <sys/resource.h>

namespace salix::sim {

uint64_t PeakRssBytes() {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  return static_cast<uint64_t>(u.ru_maxrss) * 1024;  // Linux: KiB
}

}  // namespace salix::sim

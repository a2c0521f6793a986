// resource_usage.h - what the simulator process itself costs.
//
// Thread-safety: thread-safe (reads kernel accounting).
#ifndef SALIX_SIM_RESOURCE_USAGE_H
#define SALIX_SIM_RESOURCE_USAGE_H

#include <cstdint>

namespace salix::sim {

// Peak resident set size of this process so far, in bytes (getrusage
// ru_maxrss); 0 if the kernel does not say.
uint64_t PeakRssBytes();
// CPU time (user + system) this process has used, in seconds. On a shared
// machine it tells how much of the wall time the simulator actually ran.
double CpuSeconds();

}  // namespace salix::sim

#endif  // SALIX_SIM_RESOURCE_USAGE_H

// helpers.h - the helper functions an eBPF app may call, and the AppEnv
// interface through which they reach flash.
//
// Calling convention (as Linux eBPF): arguments in r1..r5, result in r0;
// r1..r5 are clobbered by the call (the verifier treats them as
// uninitialised afterwards), r6..r9 and r10 are preserved. Ids and error
// numbers are in include/salix_app.h, which apps include.
//
// Every flash access goes through CallHelper(), which checks it against the
// caller's Domain before the AppEnv sees it, and checks every buffer
// argument against the run's RegionTable. A refused call returns a
// negative error to the program and has no effect; it never faults the run.
//
// AppEnv is what the runtime implements: the NVMe namespace in the device,
// an in-memory LBA space in tests.
#ifndef SALIX_APPS_EBPF_HELPERS_H
#define SALIX_APPS_EBPF_HELPERS_H

#include <cstdint>
#include <span>

#include "apps/domain.h"
#include "apps/ebpf/memory_map.h"
#include "core/status.h"

namespace salix::apps::ebpf {

// The flash an app reaches. Implementations need not check domains: the
// helper layer has done so before calling them.
//
// Thread-safety: one run calls its AppEnv from one thread.
class AppEnv {
 public:
  virtual ~AppEnv() = default;

  virtual uint32_t lba_size() const = 0;
  virtual uint64_t lba_count() const = 0;

  // REQUIRES: count >= 1, [lba, lba + count) within lba_count(),
  // dst.size() == count * lba_size().
  virtual Status ReadLbas(uint64_t lba, uint32_t count, std::span<uint8_t> dst) = 0;
  // REQUIRES: as ReadLbas, src.size() == count * lba_size().
  virtual Status WriteLbas(uint64_t lba, uint32_t count, std::span<const uint8_t> src) = 0;
};

// What a run did, for the caller and for benchmarks.
struct RunStats {
  uint64_t insns = 0;          // instructions executed
  uint64_t helper_calls = 0;
  uint64_t lbas_read = 0;      // flash blocks (LBAs) read through helpers
  uint64_t lbas_written = 0;
  uint64_t refused_calls = 0;  // helper calls that returned an error
};

// How the verifier checks a helper's arguments.
enum class ArgKind : uint8_t {
  kNone,         // not used: may be uninitialised
  kScalar,       // a number, not a pointer
  kReadableMem,  // a pointer into any region; bytes read by the helper
  kWritableMem,  // a pointer into stack, scratch or output
};

struct HelperSignature {
  int32_t id;
  const char* name;
  ArgKind args[5];
  // For each kReadableMem/kWritableMem argument, the argument index (0..4)
  // that holds its length in bytes; -1 otherwise.
  int8_t length_arg[5];
};

// nullptr if 'id' names no helper.
const HelperSignature* FindHelper(int32_t id);

// State one run's helpers work on. The interpreter owns it.
struct HelperContext {
  const RegionTable* regions = nullptr;
  const Domain* domain = nullptr;
  AppEnv* env = nullptr;
  uint32_t output_cap = 0;
  uint32_t output_len = 0;
  RunStats* stats = nullptr;
};

// Runs helper 'id' on args r1..r5 and returns r0. REQUIRES: FindHelper(id).
uint64_t CallHelper(int32_t id, const uint64_t args[5], HelperContext& hc);

}  // namespace salix::apps::ebpf

#endif  // SALIX_APPS_EBPF_HELPERS_H

// workload.h - what the simulator feeds the device: a stream of I/Os.
//
// A Workload yields IoOps one at a time. Synthetic generators never end (the
// runner decides how many operations a phase has); a trace ends with its
// file. Generators are deterministic: the same seed and space give the same
// sequence on every platform.
//
// Thread-safety: not synchronized; one runner drives one workload.
#ifndef SALIX_SIM_WORKLOAD_H
#define SALIX_SIM_WORKLOAD_H

#include <cstdint>
#include <string>

namespace salix::sim {

struct IoOp {
  bool write = false;
  uint64_t slba = 0;  // first logical block
  uint32_t nlb = 0;   // number of logical blocks (>= 1)
  // Earliest issue time, ns after the phase started (trace replay with its
  // original timing); 0: issue as soon as a queue slot is free.
  uint64_t issue_ns = 0;
};

// The address space a generator draws from: the namespace cut into units of
// block_bytes (the --bs), each unit one I/O. A trailing partial unit is
// never touched.
struct IoSpace {
  uint64_t capacity_blocks = 0;  // namespace size in logical blocks
  uint32_t lba_size = 4096;      // bytes per logical block
  uint32_t block_bytes = 4096;   // bytes per I/O; multiple of lba_size

  uint32_t blocks_per_unit() const { return block_bytes / lba_size; }
  uint64_t units() const { return capacity_blocks / blocks_per_unit(); }
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Fills *op and returns true, or returns false at the end of the stream
  // (then error() tells whether the end was an input error).
  virtual bool Next(IoOp* op) = 0;
  // Empty unless the stream stopped because its input was bad; otherwise a
  // message naming the file and line.
  virtual const std::string& error() const { return no_error_; }

 private:
  std::string no_error_;
};

}  // namespace salix::sim

#endif  // SALIX_SIM_WORKLOAD_H

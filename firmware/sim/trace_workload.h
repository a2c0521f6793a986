// trace_workload.h - replays a block trace (trace_reader.h) as I/Os.
//
// Each request is widened to 4 KiB boundaries, its offset wrapped modulo the
// namespace capacity (traces come from disks of other sizes), and split into
// I/Os of at most max_io_bytes that never cross the end of the namespace.
// With TraceTiming::kOriginal every I/O carries its request's time since
// the first request, so the runner issues it no earlier (open loop, bounded
// by the queue depth); kAsap replays back to back at the queue depth.
// A bad line ends the stream with the reader's "file:line: reason".
#ifndef SALIX_SIM_TRACE_WORKLOAD_H
#define SALIX_SIM_TRACE_WORKLOAD_H

#include <cstdint>
#include <memory>

#include "sim/trace_reader.h"
#include "sim/workload.h"

namespace salix::sim {

enum class TraceTiming { kAsap, kOriginal };

struct TraceSpec {
  uint64_t capacity_blocks = 0;
  uint32_t lba_size = 4096;          // 512 or 4096
  uint32_t max_io_bytes = 128 << 10;  // multiple of 4096
  TraceTiming timing = TraceTiming::kAsap;
};

class TraceWorkload : public Workload {
 public:
  // REQUIRES: the namespace holds at least one 4 KiB unit.
  TraceWorkload(std::unique_ptr<TraceReader> reader, const TraceSpec& spec);

  bool Next(IoOp* op) override;
  const std::string& error() const override { return reader_->error(); }

  uint64_t requests() const { return requests_; }

 private:
  static constexpr uint64_t kUnit = 4096;

  std::unique_ptr<TraceReader> reader_;
  TraceSpec spec_;
  uint64_t capacity_bytes_;  // whole 4 KiB units only
  // The request being split: next byte position (already wrapped) and the
  // bytes still to issue.
  uint64_t pos_ = 0;
  uint64_t left_ = 0;
  bool write_ = false;
  uint64_t issue_ns_ = 0;
  bool have_first_ = false;
  uint64_t first_timestamp_ = 0;
  uint64_t requests_ = 0;
};

}  // namespace salix::sim

#endif  // SALIX_SIM_TRACE_WORKLOAD_H

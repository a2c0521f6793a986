#include "sim/trace_workload.h"

#include <algorithm>

namespace salix::sim {

TraceWorkload::TraceWorkload(std::unique_ptr<TraceReader> reader,
                             const TraceSpec& spec)
    : reader_(std::move(reader)),
      spec_(spec),
      capacity_bytes_(spec.capacity_blocks * spec.lba_size / kUnit * kUnit) {}

bool TraceWorkload::Next(IoOp* op) {
  while (left_ == 0) {
    TraceRecord r;
    if (!reader_->Next(&r)) return false;
    requests_++;
    if (!have_first_) {
      have_first_ = true;
      first_timestamp_ = r.timestamp;
    }
    // Ticks are 100 ns; a clock that steps back replays "at once".
    issue_ns_ = spec_.timing == TraceTiming::kOriginal &&
                        r.timestamp > first_timestamp_
                    ? (r.timestamp - first_timestamp_) * 100
                    : 0;
    uint64_t start = r.offset / kUnit * kUnit;
    uint64_t end = (r.offset + r.size + kUnit - 1) / kUnit * kUnit;
    pos_ = start % capacity_bytes_;
    left_ = end - start;
    write_ = r.write;
  }
  uint64_t len = std::min<uint64_t>({left_, spec_.max_io_bytes,
                                     capacity_bytes_ - pos_});
  op->write = write_;
  op->slba = pos_ / spec_.lba_size;
  op->nlb = static_cast<uint32_t>(len / spec_.lba_size);
  op->issue_ns = issue_ns_;
  left_ -= len;
  pos_ += len;
  if (pos_ == capacity_bytes_) pos_ = 0;
  return true;
}

}  // namespace salix::sim

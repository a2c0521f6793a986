#include "sim/runner.h"

#include <fmt/format.h>
#include <salix/opcodes.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>

#include "core/config.h"
#include "embedded/embedded_host.h"
#include "sim/synthetic_workload.h"
#include "sim/trace_reader.h"
#include "sim/trace_workload.h"

namespace salix::sim {
namespace {

using embedded::EmbeddedHost;
using Clock = std::chrono::steady_clock;

constexpr uint16_t kQid = 1;
constexpr uint64_t kPage = 4096;
// Preconditioning writes in chunks this large (or the largest power of two
// that divides the capacity and fits the transfer limit).
constexpr uint64_t kPreconditionChunk = 128 << 10;
// A trace request is split into I/Os of at most this much.
constexpr uint64_t kTraceMaxIo = 128 << 10;
constexpr uint64_t kDefaultSamples = 200;
constexpr double kProgressSeconds = 3.0;
constexpr uint64_t kProgressCheckOps = 1 << 14;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// When a phase stops generating: after this many writes, or (read-only
// phases) this many ops, or at the end of the workload.
struct Limit {
  uint64_t writes = UINT64_MAX;
  uint64_t ops = UINT64_MAX;
};

class Runner {
 public:
  Runner(const SimOptions& o, const ProgressFn& progress)
      : o_(o), progress_(progress) {}

  Result<std::unique_ptr<RunResult>, std::string> Run();

 private:
  struct Slot {
    nvme::Sqe sqe{};        // PRP1 and the PRP list pointer for this buffer
    uint64_t page2 = 0;     // the buffer's second page (PRP2 of 2-page I/O)
    uint64_t submit_ns = 0;
    bool write = false;
  };

  std::optional<std::string> Setup();
  // Runs one phase; fills *fig. Samples and latencies only when measured.
  std::optional<std::string> RunPhase(Workload& w, const Limit& limit,
                                      const char* name, bool measured,
                                      const salix_stats_log& start,
                                      PhaseFigures* fig);
  // Every few wall seconds: reads the statistics page and calls progress_.
  std::optional<std::string> MaybeReportProgress(const char* name,
                                                 double fraction,
                                                 const salix_stats_log& start,
                                                 uint64_t phase_start_ns,
                                                 uint64_t ops);
  std::unique_ptr<Workload> MakeMeasuredWorkload(std::string* error);

  const SimOptions& o_;
  const ProgressFn& progress_;
  std::unique_ptr<EmbeddedHost> host_;
  std::vector<std::unique_ptr<embedded::DmaBuffer>> buffers_;
  std::vector<Slot> slots_;
  std::vector<uint16_t> free_;  // stack of free CIDs
  std::vector<nvme::Cqe> cqes_;
  uint32_t lba_size_ = 0;
  uint64_t capacity_blocks_ = 0;
  uint64_t max_io_bytes_ = 0;
  std::unique_ptr<RunResult> result_ = std::make_unique<RunResult>();
  std::unique_ptr<TimeSeries> series_;
  TraceWorkload* trace_ = nullptr;
  Clock::time_point phase_wall_start_;
  Clock::time_point last_report_wall_;
  uint64_t last_report_ops_ = 0;
};

std::optional<std::string> Runner::Setup() {
  uint64_t mdts = 7;
  if (auto r = ParseUint(EffectiveProperty(o_, "mdts")); r.ok()) {
    mdts = r.value();
  }
  uint64_t max_transfer = kPage << mdts;
  max_io_bytes_ = std::min<uint64_t>(
      max_transfer, std::max<uint64_t>({o_.bs, kPreconditionChunk, kTraceMaxIo}));
  max_io_bytes_ = (max_io_bytes_ + kPage - 1) / kPage * kPage;
  if (o_.bs > max_transfer) {
    return fmt::format("--bs {} is above the device's transfer limit {} (mdts={})",
                       o_.bs, max_transfer, mdts);
  }

  embedded::EmbeddedHostOptions ho;
  ho.config = FirmwareConfig(o_);
  ho.virtual_clock = true;
  ho.io_queue_pairs = 0;
  // DmaBuffer uses every other page (so PRPs are really walked), plus one
  // PRP list page per buffer; queues and admin buffers fit in the rest.
  ho.guest_memory_bytes = uint64_t{o_.qd} * (2 * max_io_bytes_ + 2 * kPage) +
                          (32ull << 20);
  auto host = EmbeddedHost::Create(ho);
  if (!host.ok()) return fmt::format("firmware: {}", host.error());
  host_ = std::move(host).value();
  Status s = host_->CreateDirectIoQueuePair(kQid, o_.qd + 1);
  if (!s.ok()) {
    return fmt::format("creating the I/O queue pair ({} entries): {}",
                       o_.qd + 1, s.ToString());
  }
  lba_size_ = host_->lba_size();
  capacity_blocks_ = host_->capacity_blocks();
  if (lba_size_ == 0 || capacity_blocks_ == 0) {
    return std::string("namespace 1 has no capacity");
  }
  if (o_.bs % lba_size_ != 0) {
    return fmt::format("--bs {} is not a multiple of the {}-byte logical block",
                       o_.bs, lba_size_);
  }
  if (capacity_blocks_ * lba_size_ < o_.bs) {
    return fmt::format("--bs {} is larger than the namespace", o_.bs);
  }

  slots_.resize(o_.qd);
  cqes_.resize(o_.qd + 1);
  for (uint32_t i = 0; i < o_.qd; i++) {
    auto buf = host_->AllocBuffer(max_io_bytes_);
    if (!buf) return std::string("guest memory exhausted allocating buffers");
    Slot& slot = slots_[i];
    buf->ApplyTo(&slot.sqe);
    const auto& segs = buf->data_segments();
    slot.page2 = segs.size() >= 2 ? segs[1].first : 0;
    slot.sqe.cid = static_cast<uint16_t>(i);
    slot.sqe.nsid = 1;
    buffers_.push_back(std::move(buf));
  }
  free_.clear();
  for (uint32_t i = o_.qd; i > 0; i--) free_.push_back(static_cast<uint16_t>(i - 1));

  result_->capacity_bytes = capacity_blocks_ * lba_size_;
  result_->lba_size = lba_size_;
  result_->seed = o_.seed;
  return std::nullopt;
}

std::optional<std::string> Runner::MaybeReportProgress(
    const char* name, double fraction, const salix_stats_log& start,
    uint64_t phase_start_ns, uint64_t ops) {
  Clock::time_point now = Clock::now();
  double since = Seconds(now - last_report_wall_);
  if (since < kProgressSeconds) return std::nullopt;
  auto page = ReadStatsPage(*host_);
  if (!page.ok()) return page.error();
  Progress p;
  p.phase = name;
  p.fraction = fraction;
  p.waf = Diff(start, page.value()).waf();
  p.ops_per_wall_second = double(ops - last_report_ops_) / since;
  p.sim_seconds = double(host_->now_ns() - phase_start_ns) / 1e9;
  last_report_wall_ = now;
  last_report_ops_ = ops;
  if (progress_) progress_(p);
  return std::nullopt;
}

std::optional<std::string> Runner::RunPhase(Workload& w, const Limit& limit,
                                            const char* name, bool measured,
                                            const salix_stats_log& start,
                                            PhaseFigures* fig) {
  const uint64_t phase_start_ns = host_->now_ns();
  phase_wall_start_ = last_report_wall_ = Clock::now();
  last_report_ops_ = 0;
  salix_ctrl* ctrl = host_->ctrl();
  uint64_t issued_writes = 0, issued_ops = 0, inflight = 0;
  uint64_t done_ops = 0, done_reads = 0, done_writes = 0;
  uint64_t next_check = kProgressCheckOps;
  IoOp op;
  bool have = false;
  bool generating = true;
  const double target = limit.writes != UINT64_MAX ? double(limit.writes)
                        : limit.ops != UINT64_MAX  ? double(limit.ops)
                                                   : -1.0;

  while (true) {
    uint64_t now = host_->now_ns();
    bool pushed = false;
    while (generating && !free_.empty()) {
      if (!have) {
        if (issued_writes >= limit.writes || issued_ops >= limit.ops) {
          generating = false;
          break;
        }
        if (!w.Next(&op)) {
          if (!w.error().empty()) return w.error();
          generating = false;
          break;
        }
        have = true;
      }
      if (op.issue_ns != 0 && phase_start_ns + op.issue_ns > now) break;
      uint16_t cid = free_.back();
      free_.pop_back();
      Slot& slot = slots_[cid];
      nvme::Sqe sqe = slot.sqe;
      sqe.opcode = op.write ? SALIX_IO_WRITE : SALIX_IO_READ;
      sqe.cdw10 = static_cast<uint32_t>(op.slba);
      sqe.cdw11 = static_cast<uint32_t>(op.slba >> 32);
      sqe.cdw12 = (op.nlb - 1) & 0xFFFF;
      uint64_t pages = (uint64_t{op.nlb} * lba_size_ + kPage - 1) / kPage;
      // PRP2: unused for one page, the second page for two, else the list
      // (whose leading entries are exactly the pages this command uses).
      if (pages == 1) sqe.dptr[1] = 0;
      else if (pages == 2) sqe.dptr[1] = slot.page2;
      if (!host_->PushSqe(kQid, sqe)) {
        return fmt::format("submission queue full with {} of {} commands out",
                           inflight, o_.qd);
      }
      slot.submit_ns = now;
      slot.write = op.write;
      inflight++;
      issued_ops++;
      if (op.write) issued_writes++;
      have = false;
      pushed = true;
    }
    if (pushed) host_->RingSqDoorbell(kQid);
    host_->RunOnce();
    size_t n = host_->ReapDirect(kQid, cqes_);
    now = host_->now_ns();
    for (size_t i = 0; i < n; i++) {
      const nvme::Cqe& c = cqes_[i];
      if (c.cid >= slots_.size()) {
        return fmt::format("completion with CID {} that was never submitted",
                           c.cid);
      }
      Slot& slot = slots_[c.cid];
      Status st = Status::FromCqeField(c.status);
      if (!st.ok()) {
        return fmt::format("{} ({}) failed: {}", slot.write ? "write" : "read",
                           name, st.ToString());
      }
      if (measured) {
        uint64_t lat = now - slot.submit_ns;
        if (slot.write) result_->write_latency.Record(lat);
        else result_->read_latency.Record(lat);
      }
      if (slot.write) done_writes++;
      else done_reads++;
      free_.push_back(c.cid);
    }
    inflight -= n;
    done_ops += n;
    if (!generating && !have && inflight == 0) break;

    if (n > 0) {
      if (measured && series_->Due(done_ops)) {
        auto page = ReadStatsPage(*host_);
        if (!page.ok()) return page.error();
        series_->Add(Diff(start, page.value()), done_ops,
                     double(now - phase_start_ns) / 1e9,
                     Seconds(Clock::now() - phase_wall_start_));
      }
      if (done_ops >= next_check) {
        next_check = done_ops + kProgressCheckOps;
        double done = target > 0 ? double(limit.writes != UINT64_MAX
                                              ? done_writes
                                              : done_ops) / target
                                 : -1.0;
        if (auto e = MaybeReportProgress(name, done, start, phase_start_ns,
                                          done_ops)) {
          return e;
        }
      }
      continue;
    }
    uint64_t due = host_->next_due();
    if (due <= now || salix_ctrl_has_work(ctrl)) continue;
    uint64_t t = due;
    if (have && op.issue_ns != 0) {
      t = std::min(t, phase_start_ns + op.issue_ns);
    }
    if (t == SALIX_RUN_IDLE) {
      return fmt::format(
          "the firmware went idle with {} commands outstanding in the {} "
          "phase (a command was lost)",
          inflight, name);
    }
    host_->AdvanceClockTo(t);
  }
  fig->ops = done_ops;
  fig->reads = done_reads;
  fig->writes = done_writes;
  fig->sim_ns = host_->now_ns() - phase_start_ns;
  fig->wall_seconds = Seconds(Clock::now() - phase_wall_start_);
  return std::nullopt;
}

std::unique_ptr<Workload> Runner::MakeMeasuredWorkload(std::string* error) {
  if (o_.workload == WorkloadKind::kTrace) {
    auto reader = TraceReader::Open(o_.trace_path);
    if (!reader.ok()) {
      *error = reader.error();
      return nullptr;
    }
    TraceSpec ts;
    ts.capacity_blocks = capacity_blocks_;
    ts.lba_size = lba_size_;
    ts.max_io_bytes = static_cast<uint32_t>(std::min(kTraceMaxIo, max_io_bytes_));
    ts.timing = o_.trace_timing;
    auto w = std::make_unique<TraceWorkload>(std::move(reader).value(), ts);
    trace_ = w.get();
    return w;
  }
  SyntheticSpec spec;
  switch (o_.workload) {
    case WorkloadKind::kZipfian: spec.pattern = Pattern::kZipfian; break;
    case WorkloadKind::kSequential: spec.pattern = Pattern::kSequential; break;
    default: spec.pattern = Pattern::kUniform; break;
  }
  spec.space = IoSpace{capacity_blocks_, lba_size_, o_.bs};
  spec.read_ratio = EffectiveReadRatio(o_);
  spec.zipf_theta = o_.zipf_theta;
  spec.seed = o_.seed;
  return MakeSyntheticWorkload(spec);
}

Result<std::unique_ptr<RunResult>, std::string> Runner::Run() {
  if (auto e = Setup()) return Err(*e);
  RunResult& r = *result_;

  auto first = ReadStatsPage(*host_);
  if (!first.ok()) return Err(first.error());
  r.personality.assign(first.value().personality,
                       strnlen(first.value().personality,
                               sizeof(first.value().personality)));

  if (o_.precondition) {
    uint64_t bytes = capacity_blocks_ * lba_size_;
    uint64_t chunk = std::min(kPreconditionChunk, max_io_bytes_);
    while (chunk > lba_size_ && bytes % chunk != 0) chunk /= 2;
    SyntheticSpec spec;
    spec.pattern = Pattern::kSequential;
    spec.space = IoSpace{capacity_blocks_, lba_size_, static_cast<uint32_t>(chunk)};
    auto fill = MakeSyntheticWorkload(spec);
    Limit limit;
    limit.writes = spec.space.units();
    if (auto e = RunPhase(*fill, limit, "precondition", false, first.value(),
                          &r.precondition)) {
      return Err(*e);
    }
  }

  auto before = ReadStatsPage(*host_);
  if (!before.ok()) return Err(before.error());

  std::string error;
  auto workload = MakeMeasuredWorkload(&error);
  if (!workload) return Err(error);
  Limit limit;
  double read_ratio = EffectiveReadRatio(o_);
  if (o_.workload != WorkloadKind::kTrace) {
    uint64_t ops = static_cast<uint64_t>(
        std::llround(o_.writes * double(capacity_blocks_ * lba_size_) /
                     double(o_.bs)));
    ops = std::max<uint64_t>(ops, 1);
    if (read_ratio >= 1) limit.ops = ops;
    else limit.writes = r.target_writes = ops;
  }
  uint64_t every = o_.sample_every;
  if (every == 0) {
    uint64_t expect = limit.writes != UINT64_MAX
                          ? static_cast<uint64_t>(double(limit.writes) /
                                                  std::max(1e-9, 1 - read_ratio))
                      : limit.ops != UINT64_MAX ? limit.ops
                                                : 200'000;
    every = std::max<uint64_t>(1, expect / kDefaultSamples);
  }
  series_ = std::make_unique<TimeSeries>(every);
  if (auto e = RunPhase(*workload, limit, "measure", true, before.value(),
                        &r.measured)) {
    return Err(*e);
  }
  auto after = ReadStatsPage(*host_);
  if (!after.ok()) return Err(after.error());
  r.delta = Diff(before.value(), after.value());
  r.final_page = after.value();
  if (trace_ != nullptr) r.trace_requests = trace_->requests();

  // A closing sample so the series ends at the phase's end, unless the
  // tail since the last sample is too short for its rates to mean much.
  const auto& s = series_->samples();
  uint64_t tail = s.empty() ? r.measured.ops : r.measured.ops - s.back().host_ops;
  if (s.empty() || tail * 2 >= series_->every()) {
    series_->Add(r.delta, r.measured.ops, double(r.measured.sim_ns) / 1e9,
                 r.measured.wall_seconds);
  }
  r.timeseries = series_->samples();
  // Steady state: from the sample nearest half the ops to the end.
  const auto& ts = r.timeseries;
  for (const Sample& m : ts) {
    if (m.host_ops * 2 >= r.measured.ops) {
      double dw = r.measured.wall_seconds - m.wall_seconds;
      if (m.host_ops < r.measured.ops && dw > 0) {
        r.steady_ops_per_wall_second = double(r.measured.ops - m.host_ops) / dw;
      }
      uint64_t host = r.delta.host_pages_written - m.host_pages_written;
      if (r.delta.media && host > 0) {
        r.steady_waf = double(r.delta.nand_pages_written - m.nand_pages_written) /
                       double(host);
      }
      break;
    }
  }
  return std::move(result_);
}

}  // namespace

Result<std::unique_ptr<RunResult>, std::string> RunSimulation(
    const SimOptions& options, const ProgressFn& progress) {
  Runner runner(options, progress);
  return runner.Run();
}

}  // namespace salix::sim

// Controller state machine (enable, disable, shutdown) and the queue engine:
// doorbell intake, round-robin fetch, the due-time completion queue, CQ
// back-pressure and interrupts. Command semantics live in admin*.cc / io.cc.
#include "hil/controller.h"

#include <salix/array_commands.h>

#include <algorithm>
#include <bit>

namespace salix {
namespace {

// Commands one Run() executes before returning, so a busy guest cannot keep
// the worker from its other duties (the caller is told to come back "now").
constexpr size_t kRunBudget = 1024;
constexpr uint8_t kTimeout500ms = 20;  // CAP.TO: 10 s to become ready
// Background() calls one Run makes while the personality keeps asking for
// more at once, and how long it then waits before the next call.
constexpr unsigned kBackgroundSteps = 16;
constexpr uint64_t kBackgroundRetryNs = 10'000;

bool Later(const auto& a, const auto& b) {
  return a.due_ns != b.due_ns ? a.due_ns > b.due_ns : a.seq > b.seq;
}

}  // namespace

Controller::Controller(const ControllerOptions& options,
                       std::unique_ptr<Personality> personality,
                       Platform& platform)
    : options_(options),
      personality_(std::move(personality)),
      platform_(platform),
      regs_(CapFields{static_cast<uint16_t>(options.max_queue_entries - 1),
                      kTimeout500ms}),
      doorbells_(options.max_io_queues),
      queues_(options.max_io_queues),
      features_(FeatureLimits{options.max_io_queues,
                              static_cast<uint16_t>(options.max_io_queues + 1),
                              343}),
      buffer_(platform),
      apps_(options.apps) {
  identity_.serial = options.serial;
  identity_.model = "Salix NVMe SSD";
  identity_.firmware_version = options.firmware_version;
  identity_.subnqn = "nqn.2026-11.io.salix:" + options.serial;
  identity_.mdts = options.mdts;
  identity_.max_io_queues = options.max_io_queues;
  identity_.aerl = AsyncEvents::kLimit - 1;
  identity_.elpe = ErrorLog::kEntries - 1;
  health_.power_on_ns_origin = platform_.NowNs();
  features_.Reset(*personality_);
  RegisterBuiltinApps(platform_.NowNs());
}

Controller::~Controller() = default;

uint64_t Controller::bar0_size() const {
  uint64_t need = nvme::reg::kDoorbellBase + doorbells_.count() * 4;
  return std::bit_ceil(std::max<uint64_t>(need, 0x4000));
}

// ---- bus side ---------------------------------------------------------------

uint64_t Controller::MmioRead(uint64_t offset, unsigned size) {
  if ((size != 4 && size != 8) || (offset & (size - 1)) ||
      offset >= bar0_size()) {
    log_.GuestError("BAR0 read of {} bytes at 0x{:x} is not supported", size,
                    offset);
    return 0;
  }
  if (offset >= nvme::reg::kDoorbellBase) return 0;  // doorbells: write-only
  return regs_.Read(offset, size);
}

void Controller::MmioWrite(uint64_t offset, uint64_t value, unsigned size) {
  if ((size != 4 && size != 8) || (offset & (size - 1)) ||
      offset >= bar0_size()) {
    log_.GuestError("BAR0 write of {} bytes at 0x{:x} is not supported", size,
                    offset);
    return;
  }
  if (offset >= nvme::reg::kDoorbellBase) {
    size_t slot = (offset - nvme::reg::kDoorbellBase) / 4;
    for (unsigned i = 0; i < size / 4; i++, slot++) {
      uint32_t v = static_cast<uint32_t>(value >> (32 * i));
      if (!doorbells_.Write(slot, v)) {
        NoteStrayDoorbell(nvme::reg::kDoorbellBase + 4 * slot, v);
        continue;
      }
      work_.store(true, std::memory_order_release);
      platform_.Kick();
    }
    return;
  }
  switch (regs_.Write(offset, value, size)) {
    case Registers::WriteEffect::kControl:
      work_.store(true, std::memory_order_release);
      platform_.Kick();
      break;
    case Registers::WriteEffect::kIgnored:
      log_.GuestError("write of 0x{:x} to read-only or reserved register 0x{:x}",
                      value, offset);
      break;
    case Registers::WriteEffect::kNone:
      break;
  }
}

void Controller::NoteStrayDoorbell(uint64_t offset, uint64_t value) {
  size_t slot = (offset - nvme::reg::kDoorbellBase) / 4;
  log_.GuestError("{} doorbell write of {} for queue {}, which does not exist",
                  slot % 2 ? "CQ head" : "SQ tail", value, slot / 2);
  stray_doorbell_.store(true, std::memory_order_release);
  work_.store(true, std::memory_order_release);
  platform_.Kick();
}

// ---- worker side: state machine ---------------------------------------------

uint64_t Controller::Run(uint64_t now_ns) {
  // Clear first: a doorbell written while we run sets it again.
  work_.store(false, std::memory_order_release);
  ApplyControl(now_ns);
  // Host work first: background work must not delay completions.
  uint64_t next = RunQueues(now_ns);
  return std::min(next, RunBackground(now_ns));
}

uint64_t Controller::RunBackground(uint64_t now_ns) {
  // After a clean shutdown the personality has made its state durable
  // (a checkpoint); moving data now would make that state stale.
  if (shut_down_) return kIdle;
  uint64_t want = kIdle;
  for (unsigned step = 0; step < kBackgroundSteps; step++) {
    want = personality_->Background(now_ns);
    if (want > now_ns) return want;
  }
  // Still behind after a bounded amount of work: come back shortly rather
  // than "now", so a personality that always answers with a past time
  // cannot keep the worker (or a virtual-clock host) spinning.
  return now_ns + kBackgroundRetryNs;
}

uint64_t Controller::RunQueues(uint64_t now_ns) {
  if (!ready_ || fatal_) {
    stray_doorbell_.store(false, std::memory_order_relaxed);
    return kIdle;
  }
  if (stray_doorbell_.exchange(false, std::memory_order_acq_rel)) {
    PostAsyncEvent(nvme::aer::kTypeError,
                   nvme::aer::kInfoInvalidDoorbellRegister,
                   nvme::lid::kErrorInfo);
  }

  size_t budget = kRunBudget;
  bool more = false;
  while (!fatal_) {
    ConsumeDoorbells();
    DeliverDue(now_ns);
    DeliverAsyncEvents(now_ns);
    PostReady();
    if (fatal_ || budget == 0) break;
    size_t done = FetchRound(now_ns, budget, &more);
    budget -= done;
    if (done == 0) break;
  }
  if (!fatal_) PostReady();
  RaiseIrqs();
  if (fatal_) return kIdle;
  if (more) return now_ns;
  if (!due_.empty()) return due_.front().due_ns;
  return kIdle;
}

void Controller::ApplyControl(uint64_t now_ns) {
  (void)now_ns;
  uint32_t cc = regs_.cc();
  bool disable = regs_.TakeDisableRequest();
  if (disable || (!(cc & nvme::cc::kEn) && (ready_ || fatal_))) {
    ResetQueues();
    ready_ = false;
    fatal_ = false;
    // A shutdown requested in the same write as EN=0 still completes below;
    // otherwise the reset ends the shut-down state.
    if (nvme::cc::Shn(cc) == 0) shut_down_ = false;
  }
  if (nvme::cc::Shn(cc) != 0 && !shut_down_) {
    personality_->Shutdown();
    shut_down_ = true;
    log_.Info("shutdown ({}) complete", nvme::cc::Shn(cc) == 1 ? "normal"
                                                              : "abrupt");
  }
  if ((cc & nvme::cc::kEn) && !ready_ && !fatal_) Enable(cc);
  applied_cc_ = cc;
  regs_.set_csts((ready_ ? nvme::csts::kRdy : 0) |
                 (fatal_ ? nvme::csts::kCfs : 0) |
                 (shut_down_ ? nvme::csts::kShstComplete : 0));
}

void Controller::Enable(uint32_t cc) {
  uint32_t aqa = regs_.aqa();
  uint32_t asqs = (aqa & 0xFFF) + 1;
  uint32_t acqs = ((aqa >> 16) & 0xFFF) + 1;
  uint64_t asq = regs_.asq();
  uint64_t acq = regs_.acq();
  if (nvme::cc::Mps(cc) != 0) {
    return Fatal(fmt::format("CC.MPS={} unsupported (CAP.MPSMAX=0, 4 KiB)",
                             nvme::cc::Mps(cc)));
  }
  if (nvme::cc::Css(cc) != 0) {
    return Fatal(fmt::format("CC.CSS={} unsupported (NVM command set only)",
                             nvme::cc::Css(cc)));
  }
  if (asqs < 2 || acqs < 2) {
    return Fatal(fmt::format("admin queue sizes {}/{} (AQA 0x{:x}) below 2",
                             asqs, acqs, aqa));
  }
  if ((asq | acq) & (nvme::kPageSize - 1)) {
    return Fatal(fmt::format("ASQ 0x{:x} / ACQ 0x{:x} not page aligned", asq,
                             acq));
  }
  queues_.CreateCq(0, acqs, acq, true, 0);
  queues_.CreateSq(0, 0, asqs, asq, 0);
  doorbells_.SetLive(Doorbells::CqSlot(0), true);
  doorbells_.SetLive(Doorbells::SqSlot(0), true);
  ready_ = true;
}

void Controller::ResetQueues() {
  for (size_t i = 0; i < doorbells_.count(); i++) doorbells_.SetLive(i, false);
  queues_.Clear();
  due_.clear();
  // Held AERs end with the reset; they get no CQE because the admin CQ they
  // would go to no longer exists (NVMe 1.4, 7.3.1).
  events_.Reset();
  features_.Reset(*personality_);
}

void Controller::BusReset() {
  ResetQueues();
  regs_.PowerOn();
  ready_ = fatal_ = shut_down_ = false;
  applied_cc_ = 0;
  stray_doorbell_.store(false);
  work_.store(false);
}

void Controller::Fatal(const std::string& why) {
  log_.GuestError("controller fatal status: {}", why);
  fatal_ = true;
  regs_.set_csts(regs_.csts() | nvme::csts::kCfs);
}

// ---- worker side: queues ------------------------------------------------------

void Controller::ConsumeDoorbells() {
  for (SubmissionQueue& sq : queues_.sqs()) {
    if (!sq.exists) continue;
    uint32_t v = doorbells_.Load(Doorbells::SqSlot(sq.id));
    if (v == sq.tail) continue;
    if (v >= sq.size) {
      if (v != sq.last_bad_tail) {
        sq.last_bad_tail = v;
        log_.GuestError("SQ {} tail doorbell {} exceeds queue size {}", sq.id,
                        v, sq.size);
        PostAsyncEvent(nvme::aer::kTypeError,
                       nvme::aer::kInfoInvalidDoorbellValue,
                       nvme::lid::kErrorInfo);
      }
      continue;
    }
    sq.tail = v;
  }
  for (CompletionQueue& cq : queues_.cqs()) {
    if (!cq.exists) continue;
    uint32_t v = doorbells_.Load(Doorbells::CqSlot(cq.id));
    if (v == cq.head) continue;
    uint32_t advance = (v + cq.size - cq.head) % cq.size;
    if (v >= cq.size || advance > cq.used()) {
      if (v != cq.last_bad_head) {
        cq.last_bad_head = v;
        log_.GuestError(
            "CQ {} head doorbell {} invalid (size {}, head {}, tail {})", cq.id,
            v, cq.size, cq.head, cq.tail);
        PostAsyncEvent(nvme::aer::kTypeError,
                       nvme::aer::kInfoInvalidDoorbellValue,
                       nvme::lid::kErrorInfo);
      }
      continue;
    }
    cq.head = v;
  }
}

size_t Controller::FetchRound(uint64_t now_ns, size_t budget, bool* more) {
  auto& sqs = queues_.sqs();
  size_t n = sqs.size();
  size_t done = 0;
  unsigned burst_limit = features_.arbitration_burst();
  for (size_t k = 0; k < n && !fatal_; k++) {
    SubmissionQueue& sq = sqs[(rr_start_ + k) % n];
    if (!sq.exists) continue;
    CompletionQueue* cq = queues_.cq(sq.cqid);
    if (cq == nullptr) continue;
    for (unsigned burst = 0; burst < burst_limit; burst++) {
      if (!sq.exists || sq.head == sq.tail) break;
      if (done >= budget) {
        *more = true;
        break;
      }
      // Back-pressure: never schedule more completions than the CQ can hold;
      // the rest wait in the SQ until the host consumes completions.
      if (cq->backlog + 1 >= cq->size) break;
      nvme::Sqe sqe;
      uint64_t addr = sq.base + uint64_t{sq.head} * sizeof(nvme::Sqe);
      if (!platform_.DmaRead(addr, &sqe, sizeof(sqe))) {
        Fatal(fmt::format("cannot fetch SQ {} entry {} at 0x{:x}", sq.id,
                          sq.head, addr));
        break;
      }
      sq.head = (sq.head + 1) % sq.size;
      done++;
      Execute(sq, sqe, now_ns);
    }
  }
  rr_start_ = (rr_start_ + 1) % n;
  return done;
}

void Controller::Execute(SubmissionQueue& sq, const nvme::Sqe& sqe,
                         uint64_t now_ns) {
  uint16_t sqid = sq.id;
  uint16_t cqid = sq.cqid;
  CommandResult r =
      sqid == 0 ? ExecuteAdmin(sqe, now_ns) : ExecuteIo(sqe, now_ns);
  if (r.deferred) return;
  if (!r.status.ok()) {
    error_log_.Record(sqid, sqe.cid, r.status, r.error_lba, sqe.nsid,
                      r.param_location);
    if (r.status.type() == StatusType::kMediaError &&
        !(r.status == Status::CompareFailure())) {
      health_.media_errors++;
    }
    // Not the guest's doing: say why, for whoever reads the host's log.
    if (std::string why = personality_->TakeFault(); !why.empty()) {
      log_.Info("{} fault (sq {} cid {}, {}): {}", personality_->name(), sqid,
                sqe.cid, r.status.ToString(), why);
    }
  }
  nvme::Cqe cqe{};
  cqe.dw0 = r.dw0;
  cqe.dw1 = r.dw1;
  // I/O completions carry the GC hint (<salix/array_commands.h>), except
  // Invoke, whose DW0 is the app's return value.
  if (sqid != 0 && !r.result_in_dw0) {
    const GcHint gc = personality_->gc_hint();
    if (gc.busy) cqe.dw0 |= SALIX_CQE_GC_BUSY;
    if (gc.foreground) cqe.dw0 |= SALIX_CQE_GC_FOREGROUND;
  }
  cqe.sqhd = static_cast<uint16_t>(sq.head);
  cqe.sqid = sqid;
  cqe.cid = sqe.cid;
  cqe.status = r.status.cqe_field();
  Schedule(cqid, cqe, std::max(r.due_ns, now_ns), now_ns);
}

void Controller::Schedule(uint16_t cqid, const nvme::Cqe& cqe, uint64_t due_ns,
                          uint64_t now_ns) {
  CompletionQueue* cq = queues_.cq(cqid);
  if (cq == nullptr) return;
  cq->backlog++;
  if (due_ns <= now_ns) {
    cq->ready.push(ReadyCqe{cqe, due_ns});
    return;
  }
  due_.push_back(Pending{due_ns, seq_++, cqid, cqe});
  std::push_heap(due_.begin(), due_.end(),
                 [](const Pending& a, const Pending& b) { return Later(a, b); });
}

void Controller::DeliverDue(uint64_t now_ns) {
  auto later = [](const Pending& a, const Pending& b) { return Later(a, b); };
  while (!due_.empty() && due_.front().due_ns <= now_ns) {
    std::pop_heap(due_.begin(), due_.end(), later);
    Pending p = due_.back();
    due_.pop_back();
    if (CompletionQueue* cq = queues_.cq(p.cqid)) {
      cq->ready.push(ReadyCqe{p.cqe, p.due_ns});
    }
  }
}

void Controller::PostAsyncEvent(uint8_t type, uint8_t info, uint8_t log_page) {
  events_.Post(type, info, log_page);
}

void Controller::DeliverAsyncEvents(uint64_t now_ns) {
  while (auto d = events_.TakeReady()) {
    nvme::Cqe cqe{};
    cqe.dw0 = d->dw0;
    cqe.sqid = 0;
    cqe.cid = d->cid;
    Schedule(0, cqe, now_ns, now_ns);
  }
}

void Controller::PostReady() {
  for (CompletionQueue& cq : queues_.cqs()) {
    if (!cq.exists) continue;
    while (!cq.ready.empty() && !cq.full()) {
      nvme::Cqe cqe = cq.ready.front().cqe;
      uint64_t due_ns = cq.ready.front().due_ns;
      if (SubmissionQueue* sq = queues_.sq(cqe.sqid)) {
        cqe.sqhd = static_cast<uint16_t>(sq->head);
      }
      cqe.status = static_cast<uint16_t>((cqe.status & ~1u) | (cq.phase ? 1 : 0));
      uint64_t addr = cq.base + uint64_t{cq.tail} * sizeof(nvme::Cqe);
      if (!platform_.DmaWrite(addr, &cqe, sizeof(cqe))) {
        Fatal(fmt::format("cannot post to CQ {} entry {} at 0x{:x}", cq.id,
                          cq.tail, addr));
        return;
      }
      // I/O only: admin completions are due when the command ran, so their
      // "lateness" would be the admin command's own run time (a Format).
      if (cqe.sqid != 0) lateness_.Record(platform_.NowNs(), due_ns);
      cq.ready.pop();
      cq.backlog--;
      cq.tail = (cq.tail + 1) % cq.size;
      if (cq.tail == 0) cq.phase = !cq.phase;
      cq.irq_pending = true;
    }
  }
}

void Controller::RaiseIrqs() {
  for (CompletionQueue& cq : queues_.cqs()) {
    if (!cq.exists || !cq.irq_pending) continue;
    cq.irq_pending = false;
    if (cq.irq_enabled) platform_.RaiseIrq(cq.vector);
  }
}

}  // namespace salix

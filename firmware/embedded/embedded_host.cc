#include "embedded/embedded_host.h"

#include <fmt/format.h>
#include <salix/opcodes.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace salix::embedded {
namespace {

constexpr uint64_t kPage = GuestMemory::kPageSize;
constexpr size_t kMaxQid = 64;
// How many no-progress rounds PollUntil tolerates on a steady clock before
// deciding nothing will happen.
constexpr int kIdleRounds = 3;
constexpr uint32_t kCcIoQueueSizes = (6u << 16) | (4u << 20);

uint64_t PagesFor(uint64_t bytes) { return (bytes + kPage - 1) / kPage; }

nvme::Sqe AdminSqe(uint8_t opcode) {
  nvme::Sqe s{};
  s.opcode = opcode;
  return s;
}

}  // namespace

// ---- creation -----------------------------------------------------------------

EmbeddedHost::EmbeddedHost(const EmbeddedHostOptions& options)
    : options_(options),
      memory_(std::make_unique<GuestMemory>(
          PagesFor(options.guest_memory_bytes) * kPage)),
      sqs_(kMaxQid + 1),
      cqs_(kMaxQid + 1) {}

Result<std::unique_ptr<EmbeddedHost>, std::string> EmbeddedHost::Create(
    const EmbeddedHostOptions& options) {
  std::unique_ptr<EmbeddedHost> host(new EmbeddedHost(options));
  salix_config* cfg = salix_config_new();
  if (cfg == nullptr) return Err(std::string("out of memory"));
  for (const auto& [key, value] : options.config) {
    char* err = nullptr;
    if (!salix_config_set(cfg, key.c_str(), value.c_str(), &err)) {
      std::string msg = err ? err : key;
      salix_free_string(err);
      salix_config_free(cfg);
      return Err(msg);
    }
  }
  salix_platform p{};
  p.opaque = host.get();
  p.dma_read = &EmbeddedHost::DmaRead;
  p.dma_write = &EmbeddedHost::DmaWrite;
  p.irq = &EmbeddedHost::Irq;
  p.now_ns = &EmbeddedHost::NowNs;
  p.kick = &EmbeddedHost::Kick;
  char* err = nullptr;
  host->ctrl_ = salix_ctrl_new(cfg, &p, &err);
  salix_config_free(cfg);
  if (host->ctrl_ == nullptr) {
    std::string msg = err ? err : "salix_ctrl_new failed";
    salix_free_string(err);
    return Err(msg);
  }
  salix_ctrl_set_log(host->ctrl_, &EmbeddedHost::Log, host.get());
  host->irqs_.assign(salix_ctrl_msix_vectors(host->ctrl_), 0);
  if (options.start) {
    std::string why;
    if (!host->Enable(&why)) return Err("controller did not start: " + why);
    for (uint16_t q = 1; q <= options.io_queue_pairs; q++) {
      Status s = host->CreateIoQueuePair(q, options.io_queue_entries);
      if (!s.ok()) {
        return Err(fmt::format("creating I/O queue pair {}: {}", q,
                               s.ToString()));
      }
    }
  }
  return host;
}

EmbeddedHost::~EmbeddedHost() {
  if (ctrl_ != nullptr) salix_ctrl_free(ctrl_);
}

// ---- platform callbacks ---------------------------------------------------------

int EmbeddedHost::DmaRead(void* opaque, uint64_t addr, void* buf, size_t len) {
  auto* h = static_cast<EmbeddedHost*>(opaque);
  return h->memory_->Read(addr, buf, len) ? 0 : -1;
}

int EmbeddedHost::DmaWrite(void* opaque, uint64_t addr, const void* buf,
                           size_t len) {
  auto* h = static_cast<EmbeddedHost*>(opaque);
  return h->memory_->Write(addr, buf, len) ? 0 : -1;
}

void EmbeddedHost::Irq(void* opaque, uint16_t vector) {
  auto* h = static_cast<EmbeddedHost*>(opaque);
  if (vector < h->irqs_.size()) h->irqs_[vector]++;
}

uint64_t EmbeddedHost::NowNs(void* opaque) {
  return static_cast<EmbeddedHost*>(opaque)->now_ns();
}

void EmbeddedHost::Kick(void* opaque) {
  static_cast<EmbeddedHost*>(opaque)->kicks_++;
}

void EmbeddedHost::Log(void* opaque, int level, const char* message) {
  auto* h = static_cast<EmbeddedHost*>(opaque);
  h->logs_.push_back({level, message});
  if (h->options_.log_sink) h->options_.log_sink(level, message);
}

uint64_t EmbeddedHost::now_ns() const {
  if (options_.virtual_clock) return virtual_now_;
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

uint64_t EmbeddedHost::irq_count(uint16_t vector) const {
  return vector < irqs_.size() ? irqs_[vector] : 0;
}

// ---- registers ------------------------------------------------------------------

uint64_t EmbeddedHost::ReadReg(uint64_t offset, unsigned size) {
  return salix_ctrl_mmio_read(ctrl_, offset, size);
}

void EmbeddedHost::WriteReg(uint64_t offset, uint64_t value, unsigned size) {
  salix_ctrl_mmio_write(ctrl_, offset, value, size);
}

void EmbeddedHost::WriteDoorbell(uint32_t slot, uint32_t value) {
  WriteReg(nvme::reg::kDoorbellBase + 4ull * slot, value, 4);
}

uint64_t EmbeddedHost::RunOnce() {
  next_due_ = salix_ctrl_run(ctrl_, now_ns());
  return next_due_;
}

// ---- bring-up ---------------------------------------------------------------------

bool EmbeddedHost::Enable(std::string* why) {
  DropQueues();
  uint32_t entries = options_.admin_queue_entries;
  HostSq& sq = sqs_[0];
  HostCq& cq = cqs_[0];
  sq.pages = PagesFor(entries * sizeof(nvme::Sqe));
  cq.pages = PagesFor(entries * sizeof(nvme::Cqe));
  sq.addr = memory_->AllocPages(sq.pages);
  cq.addr = memory_->AllocPages(cq.pages);
  if (sq.addr == 0 || cq.addr == 0) {
    if (why) *why = "guest memory exhausted";
    return false;
  }
  sq.exists = cq.exists = true;
  sq.entries = cq.entries = entries;
  WriteReg(nvme::reg::kAqa, ((entries - 1) << 16) | (entries - 1));
  WriteReg(nvme::reg::kAsq, sq.addr, 8);
  WriteReg(nvme::reg::kAcq, cq.addr, 8);
  WriteReg(nvme::reg::kCc, kCcIoQueueSizes | nvme::cc::kEn);
  RunOnce();
  uint32_t csts = static_cast<uint32_t>(ReadReg(nvme::reg::kCsts));
  if (!(csts & nvme::csts::kRdy) || (csts & nvme::csts::kCfs)) {
    if (why) {
      *why = fmt::format("CSTS=0x{:x} after enable{}", csts,
                         logs_.empty() ? "" : ": " + logs_.back().message);
    }
    return false;
  }
  RefreshNamespace();
  return true;
}

void EmbeddedHost::Disable() {
  uint32_t cc = static_cast<uint32_t>(ReadReg(nvme::reg::kCc));
  WriteReg(nvme::reg::kCc, cc & ~nvme::cc::kEn);
  RunOnce();
  DropQueues();
}

bool EmbeddedHost::Shutdown(bool abrupt) {
  uint32_t cc = static_cast<uint32_t>(ReadReg(nvme::reg::kCc));
  cc = (cc & ~(3u << 14)) | ((abrupt ? 2u : 1u) << 14);
  WriteReg(nvme::reg::kCc, cc);
  Poll();
  uint32_t csts = static_cast<uint32_t>(ReadReg(nvme::reg::kCsts));
  return (csts & nvme::csts::kShstMask) == nvme::csts::kShstComplete;
}

bool EmbeddedHost::Restart() {
  Disable();
  if (!Enable()) return false;
  for (uint16_t q = 1; q <= options_.io_queue_pairs; q++) {
    if (!CreateIoQueuePair(q, options_.io_queue_entries).ok()) return false;
  }
  return true;
}

void EmbeddedHost::DropQueues() {
  for (size_t q = 0; q <= kMaxQid; q++) {
    if (sqs_[q].pages) memory_->FreePages(sqs_[q].addr, sqs_[q].pages);
    if (cqs_[q].pages) memory_->FreePages(cqs_[q].addr, cqs_[q].pages);
    sqs_[q] = HostSq{};
    cqs_[q] = HostCq{};
  }
  // The controller dropped these commands; tell their owners.
  std::map<uint32_t, Callback> pending;
  pending.swap(pending_);
  for (auto& [key, cb] : pending) {
    nvme::Cqe cqe{};
    cqe.sqid = static_cast<uint16_t>(key >> 16);
    cqe.cid = static_cast<uint16_t>(key & 0xFFFF);
    cqe.status = Status::AbortRequested().cqe_field();
    if (cb) cb(cqe);
  }
}

void EmbeddedHost::RefreshNamespace() {
  nvme::IdentifyNamespace ns;
  if (IdentifyNamespace(1, &ns).ok()) {
    lba_size_ = 1u << ns.lbaf[ns.flbas & 0xF].lbads;
    nsze_ = ns.nsze;
  }
}

Status EmbeddedHost::CreateIoCq(uint16_t qid, uint32_t entries,
                                uint16_t vector, bool interrupts) {
  if (qid == 0 || qid > kMaxQid || cqs_[qid].exists) {
    return Status::InvalidQueueIdentifier();
  }
  uint64_t pages = PagesFor(uint64_t{entries} * sizeof(nvme::Cqe));
  uint64_t addr = memory_->AllocPages(pages);
  if (addr == 0) return Status::InternalError();
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_CREATE_IO_CQ);
  s.dptr[0] = addr;
  s.cdw10 = ((entries - 1) << 16) | qid;
  s.cdw11 = (uint32_t{vector} << 16) | (interrupts ? 2u : 0u) | 1u;
  Status st = StatusOf(Execute(0, s));
  if (!st.ok()) {
    memory_->FreePages(addr, pages);
    return st;
  }
  cqs_[qid] = HostCq{true, entries, addr, pages, 0, true};
  return st;
}

Status EmbeddedHost::CreateIoSq(uint16_t qid, uint16_t cqid, uint32_t entries) {
  if (qid == 0 || qid > kMaxQid || sqs_[qid].exists) {
    return Status::InvalidQueueIdentifier();
  }
  uint64_t pages = PagesFor(uint64_t{entries} * sizeof(nvme::Sqe));
  uint64_t addr = memory_->AllocPages(pages);
  if (addr == 0) return Status::InternalError();
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_CREATE_IO_SQ);
  s.dptr[0] = addr;
  s.cdw10 = ((entries - 1) << 16) | qid;
  s.cdw11 = (uint32_t{cqid} << 16) | 1u;
  Status st = StatusOf(Execute(0, s));
  if (!st.ok()) {
    memory_->FreePages(addr, pages);
    return st;
  }
  HostSq sq;
  sq.exists = true;
  sq.cqid = cqid;
  sq.entries = entries;
  sq.addr = addr;
  sq.pages = pages;
  sqs_[qid] = sq;
  return st;
}

Status EmbeddedHost::CreateIoQueuePair(uint16_t qid, uint32_t entries,
                                       bool interrupts) {
  Status s = CreateIoCq(qid, entries, qid, interrupts);
  if (!s.ok()) return s;
  return CreateIoSq(qid, qid, entries);
}

Status EmbeddedHost::DeleteIoSq(uint16_t qid) {
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_DELETE_IO_SQ);
  s.cdw10 = qid;
  Status st = StatusOf(Execute(0, s));
  if (st.ok() && qid <= kMaxQid && sqs_[qid].exists) {
    memory_->FreePages(sqs_[qid].addr, sqs_[qid].pages);
    sqs_[qid] = HostSq{};
  }
  return st;
}

Status EmbeddedHost::DeleteIoCq(uint16_t qid) {
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_DELETE_IO_CQ);
  s.cdw10 = qid;
  Status st = StatusOf(Execute(0, s));
  if (st.ok() && qid <= kMaxQid && cqs_[qid].exists) {
    memory_->FreePages(cqs_[qid].addr, cqs_[qid].pages);
    cqs_[qid] = HostCq{};
  }
  return st;
}

// ---- asynchronous contract --------------------------------------------------------

bool EmbeddedHost::Place(uint16_t qid, const nvme::Sqe& sqe,
                         Callback callback) {
  if (qid > kMaxQid || !sqs_[qid].exists) return false;
  HostSq& sq = sqs_[qid];
  if (sq.ring != nullptr) return false;  // direct queues have no callbacks
  if ((sq.tail + 1) % sq.entries == sq.head) return false;
  memory_->Write(sq.addr + uint64_t{sq.tail} * sizeof(nvme::Sqe), &sqe,
                 sizeof(sqe));
  sq.tail = (sq.tail + 1) % sq.entries;
  pending_[PendingKey(qid, sqe.cid)] = std::move(callback);
  return true;
}

std::optional<uint16_t> EmbeddedHost::Submit(uint16_t qid, nvme::Sqe sqe,
                                             Callback callback) {
  if (qid > kMaxQid || !sqs_[qid].exists) return std::nullopt;
  HostSq& sq = sqs_[qid];
  // A free CID: skip ones still outstanding and 0xFFFF (reserved in 2.0).
  for (int tries = 0; tries < 0x10000; tries++) {
    uint16_t cid = sq.next_cid++;
    if (cid == 0xFFFF) continue;
    if (pending_.count(PendingKey(qid, cid)) == 0) {
      sqe.cid = cid;
      break;
    }
  }
  if (!Place(qid, sqe, std::move(callback))) return std::nullopt;
  RingSqDoorbell(qid);
  return sqe.cid;
}

bool EmbeddedHost::Enqueue(uint16_t qid, const nvme::Sqe& sqe,
                           Callback callback) {
  return Place(qid, sqe, std::move(callback));
}

void EmbeddedHost::RingSqDoorbell(uint16_t qid) {
  if (qid > kMaxQid) return;
  WriteDoorbell(2u * qid, sqs_[qid].tail);
}

size_t EmbeddedHost::Reap() {
  std::vector<std::pair<Callback, nvme::Cqe>> ready;
  for (uint16_t q = 0; q <= kMaxQid; q++) {
    HostCq& cq = cqs_[q];
    if (!cq.exists || cq.ring != nullptr) continue;  // direct: owner reaps
    bool moved = false;
    while (true) {
      nvme::Cqe cqe;
      memory_->Read(cq.addr + uint64_t{cq.head} * sizeof(cqe), &cqe,
                    sizeof(cqe));
      if (cqe.phase() != cq.phase) break;
      cq.head = (cq.head + 1) % cq.entries;
      if (cq.head == 0) cq.phase = !cq.phase;
      moved = true;
      if (cqe.sqid <= kMaxQid && sqs_[cqe.sqid].exists) {
        sqs_[cqe.sqid].head = cqe.sqhd;
      }
      auto it = pending_.find(PendingKey(cqe.sqid, cqe.cid));
      if (it == pending_.end()) {
        unexpected_.push_back(cqe);
        continue;
      }
      ready.emplace_back(std::move(it->second), cqe);
      pending_.erase(it);
    }
    if (moved) WriteDoorbell(2u * q + 1, cq.head);
  }
  // Callbacks run after the doorbells so they may submit and poll freely.
  for (auto& [cb, cqe] : ready) {
    if (cb) cb(cqe);
  }
  return ready.size();
}

size_t EmbeddedHost::Poll() {
  size_t total = 0;
  while (true) {
    uint64_t now = now_ns();
    next_due_ = salix_ctrl_run(ctrl_, now);
    size_t n = Reap();
    total += n;
    bool again = n > 0 || next_due_ <= now || salix_ctrl_has_work(ctrl_);
    if (!again) break;
  }
  return total;
}

bool EmbeddedHost::PollUntil(const std::function<bool()>& done) {
  int idle = 0;
  while (!done()) {
    if (Poll() > 0) {
      idle = 0;
      continue;
    }
    if (done()) break;
    if (next_due_ == SALIX_RUN_IDLE) {
      if (++idle >= kIdleRounds) return false;
      continue;
    }
    if (options_.virtual_clock) {
      if (next_due_ > virtual_now_) virtual_now_ = next_due_;
    } else {
      uint64_t now = now_ns();
      if (next_due_ > now) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(next_due_ - now));
      }
    }
  }
  return true;
}

// ---- direct queues ------------------------------------------------------------------

Status EmbeddedHost::CreateDirectIoQueuePair(uint16_t qid, uint32_t entries) {
  Status s = CreateIoCq(qid, entries, qid, /*interrupts=*/false);
  if (!s.ok()) return s;
  s = CreateIoSq(qid, qid, entries);
  if (!s.ok()) {
    (void)DeleteIoCq(qid);
    return s;
  }
  HostSq& sq = sqs_[qid];
  HostCq& cq = cqs_[qid];
  sq.ring = reinterpret_cast<nvme::Sqe*>(
      memory_->Translate(sq.addr, sq.pages * kPage));
  cq.ring = reinterpret_cast<const nvme::Cqe*>(
      memory_->Translate(cq.addr, cq.pages * kPage));
  return s;
}

bool EmbeddedHost::PushSqe(uint16_t qid, const nvme::Sqe& sqe) {
  if (qid > kMaxQid) return false;
  HostSq& sq = sqs_[qid];
  if (sq.ring == nullptr) return false;
  uint32_t next = sq.tail + 1 == sq.entries ? 0 : sq.tail + 1;
  if (next == sq.head) return false;
  std::memcpy(&sq.ring[sq.tail], &sqe, sizeof(sqe));
  sq.tail = next;
  return true;
}

size_t EmbeddedHost::ReapDirect(uint16_t qid, std::span<nvme::Cqe> out) {
  if (qid > kMaxQid) return 0;
  HostCq& cq = cqs_[qid];
  if (cq.ring == nullptr) return 0;
  HostSq& sq = sqs_[qid];
  size_t n = 0;
  while (n < out.size()) {
    const nvme::Cqe& slot = cq.ring[cq.head];
    if (slot.phase() != cq.phase) break;
    std::memcpy(&out[n], &slot, sizeof(slot));
    if (++cq.head == cq.entries) {
      cq.head = 0;
      cq.phase = !cq.phase;
    }
    n++;
  }
  if (n > 0) {
    // One SQ per CQ: the newest SQHD tells how far the controller fetched.
    if (sq.exists) sq.head = out[n - 1].sqhd;
    WriteDoorbell(2u * qid + 1, cq.head);
  }
  return n;
}

// ---- synchronous helpers ------------------------------------------------------------

Status EmbeddedHost::StatusOf(const std::optional<nvme::Cqe>& cqe) {
  if (!cqe) return Status::InternalError();
  return Status::FromCqeField(cqe->status);
}

std::optional<nvme::Cqe> EmbeddedHost::Execute(uint16_t qid, nvme::Sqe sqe) {
  std::optional<nvme::Cqe> result;
  if (!Submit(qid, sqe, [&result](const nvme::Cqe& c) { result = c; })) {
    return std::nullopt;
  }
  PollUntil([&result] { return result.has_value(); });
  return result;
}

std::optional<nvme::Cqe> EmbeddedHost::ExecuteWithData(
    uint16_t qid, nvme::Sqe sqe, std::span<uint8_t> data,
    const BufferLayout& layout) {
  auto buf = AllocBuffer(data.size(), layout);
  if (!buf) return std::nullopt;
  buf->CopyIn(data);
  buf->ApplyTo(&sqe);
  auto cqe = Execute(qid, sqe);
  buf->CopyOut(data);
  return cqe;
}

std::unique_ptr<DmaBuffer> EmbeddedHost::AllocBuffer(
    size_t bytes, const BufferLayout& layout) {
  return DmaBuffer::Create(*memory_, bytes, layout);
}

Status EmbeddedHost::Identify(uint8_t cns, uint32_t nsid,
                              std::span<uint8_t> page, uint32_t cdw11) {
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_IDENTIFY);
  s.nsid = nsid;
  s.cdw10 = cns;
  s.cdw11 = cdw11;
  return StatusOf(ExecuteWithData(0, s, page));
}

Status EmbeddedHost::IdentifyController(nvme::IdentifyController* out) {
  return Identify(nvme::cns::kController, 0,
                  {reinterpret_cast<uint8_t*>(out), sizeof(*out)});
}

Status EmbeddedHost::IdentifyNamespace(uint32_t nsid,
                                       nvme::IdentifyNamespace* out) {
  return Identify(nvme::cns::kNamespace, nsid,
                  {reinterpret_cast<uint8_t*>(out), sizeof(*out)});
}

Status EmbeddedHost::GetLogPage(uint8_t lid, std::span<uint8_t> out,
                                uint64_t offset, uint32_t nsid, bool rae) {
  uint32_t numd = static_cast<uint32_t>(out.size() / 4) - 1;
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_GET_LOG_PAGE);
  s.nsid = nsid;
  s.cdw10 = lid | (rae ? 1u << 15 : 0u) | ((numd & 0xFFFF) << 16);
  s.cdw11 = numd >> 16;
  s.cdw12 = static_cast<uint32_t>(offset);
  s.cdw13 = static_cast<uint32_t>(offset >> 32);
  return StatusOf(ExecuteWithData(0, s, out));
}

Result<uint32_t> EmbeddedHost::GetFeatures(uint8_t fid, uint32_t cdw11,
                                           uint8_t sel) {
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_GET_FEATURES);
  s.cdw10 = fid | (uint32_t{sel & 7u} << 8);
  s.cdw11 = cdw11;
  auto cqe = Execute(0, s);
  Status st = StatusOf(cqe);
  if (!st.ok()) return Err(st);
  return cqe->dw0;
}

Result<uint32_t> EmbeddedHost::SetFeatures(uint8_t fid, uint32_t cdw11,
                                           bool save) {
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_SET_FEATURES);
  s.cdw10 = fid | (save ? 1u << 31 : 0u);
  s.cdw11 = cdw11;
  auto cqe = Execute(0, s);
  Status st = StatusOf(cqe);
  if (!st.ok()) return Err(st);
  return cqe->dw0;
}

Status EmbeddedHost::Format(uint8_t lbaf, uint8_t ses, uint32_t nsid) {
  nvme::Sqe s = AdminSqe(SALIX_ADMIN_FORMAT_NVM);
  s.nsid = nsid;
  s.cdw10 = (lbaf & 0xFu) | (uint32_t{ses & 7u} << 9);
  Status st = StatusOf(Execute(0, s));
  if (st.ok()) RefreshNamespace();
  return st;
}

Status EmbeddedHost::Io(uint8_t opcode, uint16_t qid, uint64_t slba,
                        std::span<uint8_t> data, const BufferLayout& layout,
                        uint32_t nsid) {
  if (lba_size_ == 0 || data.empty() || data.size() % lba_size_ != 0) {
    return Status::InvalidField();
  }
  uint64_t nlb = data.size() / lba_size_;
  nvme::Sqe s{};
  s.opcode = opcode;
  s.nsid = nsid;
  s.cdw10 = static_cast<uint32_t>(slba);
  s.cdw11 = static_cast<uint32_t>(slba >> 32);
  s.cdw12 = static_cast<uint32_t>((nlb - 1) & 0xFFFF);
  return StatusOf(ExecuteWithData(qid, s, data, layout));
}

Status EmbeddedHost::Read(uint16_t qid, uint64_t slba, std::span<uint8_t> data,
                          const BufferLayout& layout, uint32_t nsid) {
  return Io(SALIX_IO_READ, qid, slba, data, layout, nsid);
}

Status EmbeddedHost::Write(uint16_t qid, uint64_t slba,
                           std::span<const uint8_t> data,
                           const BufferLayout& layout, uint32_t nsid) {
  // The buffer is only read from; Io's copy-out writes the same bytes back
  // into a scratch copy, never into the caller's const data.
  std::vector<uint8_t> copy(data.begin(), data.end());
  return Io(SALIX_IO_WRITE, qid, slba, copy, layout, nsid);
}

Status EmbeddedHost::Compare(uint16_t qid, uint64_t slba,
                             std::span<const uint8_t> data,
                             const BufferLayout& layout, uint32_t nsid) {
  std::vector<uint8_t> copy(data.begin(), data.end());
  return Io(SALIX_IO_COMPARE, qid, slba, copy, layout, nsid);
}

Status EmbeddedHost::WriteZeroes(uint16_t qid, uint64_t slba, uint32_t nlb,
                                 uint32_t nsid) {
  nvme::Sqe s{};
  s.opcode = SALIX_IO_WRITE_ZEROES;
  s.nsid = nsid;
  s.cdw10 = static_cast<uint32_t>(slba);
  s.cdw11 = static_cast<uint32_t>(slba >> 32);
  s.cdw12 = (nlb - 1) & 0xFFFF;
  return StatusOf(Execute(qid, s));
}

Status EmbeddedHost::Deallocate(uint16_t qid,
                                std::span<const nvme::DsmRange> ranges,
                                uint32_t nsid) {
  if (ranges.empty() || ranges.size() > 256) return Status::InvalidField();
  std::vector<uint8_t> bytes(ranges.size() * sizeof(nvme::DsmRange));
  std::memcpy(bytes.data(), ranges.data(), bytes.size());
  nvme::Sqe s{};
  s.opcode = SALIX_IO_DATASET_MANAGEMENT;
  s.nsid = nsid;
  s.cdw10 = static_cast<uint32_t>(ranges.size() - 1);
  s.cdw11 = 1u << 2;  // AD: deallocate
  return StatusOf(ExecuteWithData(qid, s, bytes));
}

Status EmbeddedHost::Flush(uint16_t qid, uint32_t nsid) {
  nvme::Sqe s{};
  s.opcode = SALIX_IO_FLUSH;
  s.nsid = nsid;
  return StatusOf(Execute(qid, s));
}

}  // namespace salix::embedded

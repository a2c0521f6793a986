// embedded_host.h - an in-process host for a Salix controller.
//
// EmbeddedHost is a second real host of the firmware, beside QEMU: it owns
// an in-memory guest RAM, implements salix_platform over it (DMA, MSI-X
// counting, a virtual or steady clock) and speaks the NVMe queue protocol to
// the controller purely through the C ABI — register writes, doorbells,
// salix_ctrl_run — exactly as a driver would over PCIe. The host driver's
// embedded backend, the simulator and the unit tests all use it.
//
// One asynchronous contract: Submit(qid, sqe, callback) queues a command and
// rings the doorbell; Poll() runs the firmware and delivers completions to
// callbacks. Every synchronous helper (Identify, Read, Write, GetLogPage...)
// is a thin wrapper: submit, then poll until the callback fired.
//
// Typical use:
//   EmbeddedHostOptions o;
//   o.config = {{"size", "64M"}};
//   auto host = EmbeddedHost::Create(o);          // enabled, 1 I/O queue pair
//   std::vector<uint8_t> buf(4096, 0xab);
//   Status s = (*host)->Write(1, /*slba=*/0, buf);
//
// Thread-safety: not thread-safe; use one EmbeddedHost from one thread at a
// time (the firmware worker runs inside Poll on that thread).
// Ownership: owns the controller, its guest memory and all queue memory.
#ifndef SALIX_EMBEDDED_EMBEDDED_HOST_H
#define SALIX_EMBEDDED_EMBEDDED_HOST_H

#include <salix/salix.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "embedded/dma_buffer.h"
#include "embedded/guest_memory.h"
#include "hil/nvme_defs.h"

namespace salix::embedded {

struct EmbeddedHostOptions {
  // Controller properties, applied in order with salix_config_set.
  std::vector<std::pair<std::string, std::string>> config;
  uint64_t guest_memory_bytes = 256ull << 20;
  uint32_t admin_queue_entries = 32;
  // I/O queue pairs created by Create() (qid 1..n, CQ vector = qid).
  uint16_t io_queue_pairs = 1;
  uint32_t io_queue_entries = 256;
  // Enable the controller and create the I/O queues in Create().
  bool start = true;
  // Virtual clock: time only moves when AdvanceClock is called or when a
  // wait jumps to the firmware's next due time. Otherwise steady_clock.
  bool virtual_clock = true;
  // Also receives the firmware's log lines (they are always kept in logs()).
  std::function<void(int level, const std::string& message)> log_sink;
};

struct LogLine {
  int level;  // SALIX_LOG_*
  std::string message;
};

class EmbeddedHost {
 public:
  using Callback = std::function<void(const nvme::Cqe&)>;

  // Errors: configuration problems (naming the key) or a controller that
  // would not come up.
  static Result<std::unique_ptr<EmbeddedHost>, std::string> Create(
      const EmbeddedHostOptions& options);
  ~EmbeddedHost();
  EmbeddedHost(const EmbeddedHost&) = delete;
  EmbeddedHost& operator=(const EmbeddedHost&) = delete;

  // ---- controller bring-up -------------------------------------------------
  // Programs AQA/ASQ/ACQ, sets CC.EN and runs the firmware until CSTS.RDY.
  // False (with *why) if the controller reports CSTS.CFS instead.
  bool Enable(std::string* why = nullptr);
  // CC.EN = 0 and wait for RDY = 0. Host queue state is dropped; callbacks
  // of commands still outstanding are invoked with a host-synthesized
  // Command Abort Requested completion, so owners can release resources.
  void Disable();
  // CC.SHN = normal (or abrupt) and wait for CSTS.SHST = complete.
  bool Shutdown(bool abrupt = false);
  // Disable + Enable + recreate the I/O queue pairs of the options.
  bool Restart();
  // Create Completion Queue qid then Submission Queue qid bound to it.
  Status CreateIoQueuePair(uint16_t qid, uint32_t entries,
                           bool interrupts = true);
  Status CreateIoCq(uint16_t qid, uint32_t entries, uint16_t vector,
                    bool interrupts = true);
  Status CreateIoSq(uint16_t qid, uint16_t cqid, uint32_t entries);
  Status DeleteIoSq(uint16_t qid);
  Status DeleteIoCq(uint16_t qid);

  // ---- asynchronous contract -------------------------------------------------
  // Gives sqe a free command identifier, writes it at the SQ tail and rings
  // the tail doorbell. Returns the CID (for Abort), or nullopt when the SQ
  // does not exist or is full.
  std::optional<uint16_t> Submit(uint16_t qid, nvme::Sqe sqe,
                                 Callback callback);
  // As Submit, but keeps sqe.cid as given (duplicate CIDs are the caller's
  // experiment) and does not ring the doorbell; see RingSqDoorbell.
  bool Enqueue(uint16_t qid, const nvme::Sqe& sqe, Callback callback);
  void RingSqDoorbell(uint16_t qid);
  // Runs the firmware on everything due now and reaps every CQ, repeating
  // while that makes progress. Returns the number of completions delivered.
  size_t Poll();
  // Polls until done() is true. When the firmware is idle but has work due
  // later, a virtual clock jumps there (a steady clock sleeps). False when
  // nothing more can happen and done() is still false.
  bool PollUntil(const std::function<bool()>& done);

  // ---- direct queues: the simulator's lean path ------------------------------
  // A direct I/O queue pair is driven by its owner instead of through
  // Submit/Poll callbacks: no heap allocation and no callback per command.
  // The caller picks CIDs (unique among its own outstanding commands),
  // writes SQEs with PushSqe, rings the doorbell once per batch
  // (RingSqDoorbell), runs the firmware (RunOnce) and collects CQEs with
  // ReapDirect. It is still the real protocol: SQEs and CQEs live in guest
  // memory, doorbells go through BAR0, CQEs carry the phase tag. Poll()
  // never reaps a direct CQ, so the synchronous admin helpers keep working
  // while direct commands are in flight; Disable drops direct commands
  // without telling anyone (the owner knows what it had outstanding).
  // The CQ is created with interrupts disabled.
  Status CreateDirectIoQueuePair(uint16_t qid, uint32_t entries);
  // Writes sqe at the tail of direct SQ qid; false when it is full or qid is
  // not a direct queue. Does not ring the doorbell.
  bool PushSqe(uint16_t qid, const nvme::Sqe& sqe);
  // Takes up to out.size() new completions of direct CQ qid, in order, and
  // writes the CQ head doorbell when it took any. Returns how many.
  size_t ReapDirect(uint16_t qid, std::span<nvme::Cqe> out);
  // What the last firmware run returned: the time it wants to run again
  // (SALIX_RUN_IDLE: only when kicked).
  uint64_t next_due() const { return next_due_; }
  // Virtual clock: moves time forward to t (never back). No-op on a steady
  // clock.
  void AdvanceClockTo(uint64_t t) {
    if (t > virtual_now_) virtual_now_ = t;
  }

  // ---- synchronous helpers -----------------------------------------------------
  // Submits and waits; nullopt if the command never completes (e.g. an AER).
  std::optional<nvme::Cqe> Execute(uint16_t qid, nvme::Sqe sqe);
  // Execute with a data buffer of 'bytes' laid out as requested; data is
  // copied in before and out after.
  std::optional<nvme::Cqe> ExecuteWithData(uint16_t qid, nvme::Sqe sqe,
                                           std::span<uint8_t> data,
                                           const BufferLayout& layout = {});
  static Status StatusOf(const std::optional<nvme::Cqe>& cqe);

  Status IdentifyController(nvme::IdentifyController* out);
  Status IdentifyNamespace(uint32_t nsid, nvme::IdentifyNamespace* out);
  // Any CNS into a 4096-byte page.
  Status Identify(uint8_t cns, uint32_t nsid, std::span<uint8_t> page,
                  uint32_t cdw11 = 0);
  Status GetLogPage(uint8_t lid, std::span<uint8_t> out, uint64_t offset = 0,
                    uint32_t nsid = 0xFFFFFFFF, bool rae = false);
  Result<uint32_t> GetFeatures(uint8_t fid, uint32_t cdw11 = 0,
                               uint8_t sel = 0);
  Result<uint32_t> SetFeatures(uint8_t fid, uint32_t cdw11, bool save = false);
  Status Format(uint8_t lbaf, uint8_t ses = 0, uint32_t nsid = 1);

  // I/O on namespace nsid through I/O queue qid. Lengths are whole blocks
  // of lba_size(); nlb = data.size() / lba_size().
  Status Read(uint16_t qid, uint64_t slba, std::span<uint8_t> data,
              const BufferLayout& layout = {}, uint32_t nsid = 1);
  Status Write(uint16_t qid, uint64_t slba, std::span<const uint8_t> data,
               const BufferLayout& layout = {}, uint32_t nsid = 1);
  Status Compare(uint16_t qid, uint64_t slba, std::span<const uint8_t> data,
                 const BufferLayout& layout = {}, uint32_t nsid = 1);
  Status WriteZeroes(uint16_t qid, uint64_t slba, uint32_t nlb,
                     uint32_t nsid = 1);
  Status Deallocate(uint16_t qid, std::span<const nvme::DsmRange> ranges,
                    uint32_t nsid = 1);
  Status Flush(uint16_t qid, uint32_t nsid = 1);

  // Namespace 1's block size and block count, from Identify Namespace
  // (refreshed by Enable and Format).
  uint32_t lba_size() const { return lba_size_; }
  uint64_t capacity_blocks() const { return nsze_; }

  // ---- low level -------------------------------------------------------------------
  std::unique_ptr<DmaBuffer> AllocBuffer(size_t bytes,
                                         const BufferLayout& layout = {});
  uint64_t ReadReg(uint64_t offset, unsigned size = 4);
  void WriteReg(uint64_t offset, uint64_t value, unsigned size = 4);
  // Raw doorbell write: slot 2*qid = SQ tail, 2*qid+1 = CQ head.
  void WriteDoorbell(uint32_t slot, uint32_t value);
  // One salix_ctrl_run at the current time, without reaping.
  uint64_t RunOnce();

  GuestMemory& memory() { return *memory_; }
  salix_ctrl* ctrl() { return ctrl_; }
  uint64_t irq_count(uint16_t vector) const;
  uint64_t kicks() const { return kicks_; }
  uint64_t now_ns() const;
  void AdvanceClock(uint64_t ns) { virtual_now_ += ns; }
  const std::vector<LogLine>& logs() const { return logs_; }
  // Completions that matched no outstanding command (a firmware bug, or a
  // caller that reused a CID).
  const std::vector<nvme::Cqe>& unexpected_completions() const {
    return unexpected_;
  }
  // Commands submitted and not yet completed.
  size_t outstanding() const { return pending_.size(); }

 private:
  struct HostSq {
    bool exists = false;
    uint16_t cqid = 0;
    uint32_t entries = 0;
    uint64_t addr = 0;
    uint64_t pages = 0;
    uint32_t tail = 0;
    uint32_t head = 0;  // last SQHD seen in a completion
    uint16_t next_cid = 0;
    nvme::Sqe* ring = nullptr;  // direct queues: host view of the SQ memory
  };
  struct HostCq {
    bool exists = false;
    uint32_t entries = 0;
    uint64_t addr = 0;
    uint64_t pages = 0;
    uint32_t head = 0;
    bool phase = true;
    const nvme::Cqe* ring = nullptr;  // set for direct queues only
  };

  explicit EmbeddedHost(const EmbeddedHostOptions& options);
  bool Place(uint16_t qid, const nvme::Sqe& sqe, Callback callback);
  size_t Reap();
  void DropQueues();
  void RefreshNamespace();
  Status Io(uint8_t opcode, uint16_t qid, uint64_t slba,
            std::span<uint8_t> data, const BufferLayout& layout,
            uint32_t nsid);
  static uint32_t PendingKey(uint16_t sqid, uint16_t cid) {
    return (uint32_t{sqid} << 16) | cid;
  }

  // salix_platform callbacks.
  static int DmaRead(void* opaque, uint64_t addr, void* buf, size_t len);
  static int DmaWrite(void* opaque, uint64_t addr, const void* buf,
                      size_t len);
  static void Irq(void* opaque, uint16_t vector);
  static uint64_t NowNs(void* opaque);
  static void Kick(void* opaque);
  static void Log(void* opaque, int level, const char* message);

  EmbeddedHostOptions options_;
  std::unique_ptr<GuestMemory> memory_;
  salix_ctrl* ctrl_ = nullptr;
  std::vector<HostSq> sqs_;
  std::vector<HostCq> cqs_;
  std::map<uint32_t, Callback> pending_;
  std::vector<uint64_t> irqs_;
  std::vector<nvme::Cqe> unexpected_;
  std::vector<LogLine> logs_;
  uint64_t kicks_ = 0;
  uint64_t virtual_now_ = 1'000'000'000;  // start at 1 s, not at 0
  uint64_t next_due_ = SALIX_RUN_IDLE;
  uint32_t lba_size_ = 0;
  uint64_t nsze_ = 0;
};

}  // namespace salix::embedded

#endif  // SALIX_EMBEDDED_EMBEDDED_HOST_H

// controller.h - one NVMe controller: registers, queues, command processing.
//
// The Controller is the host interface layer's root object. Bus threads call
// MmioRead/MmioWrite; one worker thread calls Run, which applies control
// register changes, fetches commands round-robin from the submission queues,
// executes them (admin here, I/O against the Personality) and posts their
// completions when due and when the completion queue has room.
//
// Completions always pass through a due-time queue, so a personality that
// models latency only has to return a later due time.
//
// Thread-safety: MmioRead, MmioWrite and HasWork may run on any thread,
// concurrently with Run. Run, BusReset and the destructor must be serialized
// by the caller (one worker owns the I/O path).
// Ownership: owns the Personality; the Platform must outlive the controller.
#ifndef SALIX_HIL_CONTROLLER_H
#define SALIX_HIL_CONTROLLER_H

#include <salix/array_commands.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "apps/registry.h"
#include "hil/app_flash.h"
#include "core/log.h"
#include "core/personality.h"
#include "core/platform.h"
#include "hil/async_events.h"
#include "hil/command.h"
#include "hil/doorbells.h"
#include "hil/error_log.h"
#include "hil/features.h"
#include "hil/host_buffer.h"
#include "hil/identify.h"
#include "hil/lateness.h"
#include "hil/logs.h"
#include "hil/queues.h"
#include "hil/registers.h"

namespace salix {

struct ControllerOptions {
  std::string serial = "SALIX0001";
  std::string firmware_version = "0.0.0";
  uint16_t max_io_queues = 8;      // I/O queue pairs, 1..64
  uint8_t mdts = 7;                // max transfer = 2^mdts pages
  uint32_t max_queue_entries = 4096;  // CAP.MQES + 1
  // In-device parity engine bandwidth (Parity Compute), MB/s of source
  // data; 0: free. Only personalities that model time see it.
  uint64_t parity_engine_mbps = 4000;
  // SSD apps: instruction budgets, verifier limits (apps/registry.h).
  apps::RegistryOptions apps;
  // Register the built-in apps (transactions, ...) at power-on; see
  // hil/app_builtins.cc for why this is off by default.
  bool builtin_apps = false;
};

class Controller {
 public:
  static constexpr uint64_t kIdle = UINT64_MAX;

  Controller(const ControllerOptions& options,
             std::unique_ptr<Personality> personality, Platform& platform);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  uint64_t bar0_size() const;
  uint16_t msix_vectors() const { return options_.max_io_queues + 1; }

  // ---- bus side (any thread) ----
  uint64_t MmioRead(uint64_t offset, unsigned size);
  void MmioWrite(uint64_t offset, uint64_t value, unsigned size);
  bool HasWork() const { return work_.load(std::memory_order_acquire); }

  // ---- worker side ----
  // Returns the next time work becomes due without a kick, or kIdle. Each
  // call also gives the personality its Background(now_ns) turn (unless the
  // controller is shut down): up to a bounded number of calls while it asks
  // for more at once, then a short pause; a later wish is folded into the
  // returned time.
  uint64_t Run(uint64_t now_ns);
  void BusReset();

  Logger& logger() { return log_; }
  // Completion lateness of I/O commands (see hil/lateness.h).
  const Lateness& lateness() const { return lateness_; }
  Personality& personality() { return *personality_; }

 private:
  struct Pending {
    uint64_t due_ns;
    uint64_t seq;  // keeps equal due times in submission order
    uint16_t cqid;
    nvme::Cqe cqe;
  };

  // controller.cc: state machine and queue processing.
  uint64_t RunQueues(uint64_t now_ns);
  uint64_t RunBackground(uint64_t now_ns);
  void ApplyControl(uint64_t now_ns);
  void Enable(uint32_t cc);
  void ResetQueues();
  void Fatal(const std::string& why);
  void ConsumeDoorbells();
  size_t FetchRound(uint64_t now_ns, size_t budget, bool* more);
  void Execute(SubmissionQueue& sq, const nvme::Sqe& sqe, uint64_t now_ns);
  void Schedule(uint16_t cqid, const nvme::Cqe& cqe, uint64_t due_ns,
                uint64_t now_ns);
  void DeliverDue(uint64_t now_ns);
  void DeliverAsyncEvents(uint64_t now_ns);
  void PostReady();
  void RaiseIrqs();
  void PostAsyncEvent(uint8_t type, uint8_t info, uint8_t log_page);
  void NoteStrayDoorbell(uint64_t offset, uint64_t value);

  // admin.cc: admin command set.
  CommandResult ExecuteAdmin(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult CreateIoCq(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult CreateIoSq(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult DeleteIoSq(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult DeleteIoCq(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult Abort(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult AsyncEventRequest(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult FormatNvm(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult GetFeatures(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult SetFeatures(const nvme::Sqe& sqe, uint64_t now_ns);
  // admin_identify.cc, admin_log.cc.
  CommandResult Identify(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult GetLogPage(const nvme::Sqe& sqe, uint64_t now_ns);
  // Copies 'bytes' of a built page to the command's PRPs.
  Status SendToHost(const nvme::Sqe& sqe, const void* data, size_t bytes);

  // io.cc: NVM command set.
  CommandResult ExecuteIo(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult ReadWriteCompare(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult WriteZeroes(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult DatasetManagement(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult Flush(const nvme::Sqe& sqe, uint64_t now_ns);
  // io_tags.cc, io_parity.cc, io_copy.cc, io_write_tagged.cc: array
  // commands.
  CommandResult ReadTags(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult WriteTagged(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult ParityCompute(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult Copy(const nvme::Sqe& sqe, uint64_t now_ns);
  // The LBAs the host may address: the namespace minus the private regions
  // of built-in apps at its top (apps.builtin=on). Identify reports this
  // size and every host command is range-checked against it, so host I/O
  // can never reach an app's log.
  uint64_t HostBlocks() const {
    return personality_->capacity_blocks() - apps_.reserved_lbas();
  }
  // Reads [slba, slba + nlb) into 'out' inside the device; returns the
  // status and when the data is in the controller.
  IoResult ReadInternal(uint64_t slba, uint32_t nlb, std::span<uint8_t> out,
                        uint64_t now_ns);
  // Time the parity engine finishes 'bytes' of sources that are ready at
  // 'ready_ns' (one engine, booked in order).
  uint64_t BookParityEngine(uint64_t ready_ns, uint64_t bytes);
  // One stripe of a Parity Compute: reads src shifted by 'shift' LBAs,
  // writes the parity at 'dest' tagged 'tag', folds its times into *due.
  // The failed command's result, or nullopt.
  std::optional<CommandResult> ParityStripe(
      std::span<const salix_parity_source> src, uint32_t kind, uint32_t nlb,
      uint64_t shift, uint64_t dest, const HostTag& tag, uint64_t now_ns,
      uint64_t* due);
  // admin_fault.cc: Fault Injection and its effect on I/O commands.
  CommandResult FaultInjection(const nvme::Sqe& sqe, uint64_t now_ns);
  // The injected outcome of an I/O command, or nullopt to run it.
  std::optional<CommandResult> InjectIoFault(const nvme::Sqe& sqe,
                                             uint64_t now_ns);
  // admin_program.cc, admin_domain.cc, io_invoke.cc, app_builtins.cc: SSD
  // apps (<salix/app_commands.h>, apps/registry.h).
  CommandResult LoadProgram(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult ProgramActivation(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult DomainManagement(const nvme::Sqe& sqe, uint64_t now_ns);
  CommandResult Invoke(const nvme::Sqe& sqe, uint64_t now_ns);
  // Logs the refusal's reason and fails the command with its status.
  CommandResult AppRefused(const char* command, const apps::AppError& e,
                           uint64_t now_ns, uint16_t param);
  void RegisterBuiltinApps(uint64_t now_ns);
  // Before a host command that writes LBAs (Write, Write Tagged, Write
  // Zeroes, Dataset Management, Copy, Parity Compute): the transaction app
  // settles its pending commits on those LBAs (hil/app_flash.h,
  // TxnSettler). Moves *now_ns past the time that takes; a result when the
  // command must fail.
  std::optional<CommandResult> SettleTxnHomes(const nvme::Sqe& sqe, uint64_t* now_ns);
  bool NamespaceValid(uint32_t nsid) const { return nsid == 1; }
  uint64_t MaxTransferBytes() const {
    return uint64_t{nvme::kPageSize} << options_.mdts;
  }

  const ControllerOptions options_;
  std::unique_ptr<Personality> personality_;
  Platform& platform_;
  Logger log_;
  ControllerIdentity identity_;

  Registers regs_;
  Doorbells doorbells_;
  std::atomic<bool> work_{false};
  // A doorbell for a queue that does not exist was written (bus side);
  // the worker turns it into an asynchronous event.
  std::atomic<bool> stray_doorbell_{false};

  // Worker-owned state below.
  bool ready_ = false;     // CSTS.RDY as the worker knows it
  bool fatal_ = false;     // CSTS.CFS
  bool shut_down_ = false; // CSTS.SHST = complete
  uint32_t applied_cc_ = 0;
  QueueTable queues_;
  Features features_;
  AsyncEvents events_;
  ErrorLog error_log_;
  HealthCounters health_;
  Lateness lateness_;
  HostBuffer buffer_;
  std::vector<Pending> due_;  // min-heap on (due_ns, seq)
  uint64_t seq_ = 0;
  size_t rr_start_ = 0;
  std::array<uint8_t, nvme::kPageSize> page_{};  // admin payload scratch
  std::vector<uint8_t> bounce_;                  // DSM ranges, log pages
  // Array commands: source data and parity (Parity Compute, Copy), tags.
  std::vector<uint8_t> internal_;
  std::vector<BlockTag> tags_;
  std::vector<HostTag> write_tags_;  // Write Tagged's tag list
  std::vector<uint64_t> write_lbas_;  // its pieces' LBAs (scattered)
  uint64_t parity_engine_free_ns_ = 0;
  // SALIX_FAULT_*: survives controller resets (CC.EN), not the controller.
  uint32_t fault_mode_ = 0;
  uint64_t fault_swallowed_ = 0;  // I/O commands taken while unresponsive
  // SSD apps: slots, built-in apps, domains; Invoke's input and output.
  apps::Registry apps_;
  TxnSettler txn_settler_;
  std::vector<uint8_t> app_input_;
  std::vector<uint8_t> app_output_;
};

}  // namespace salix

#endif  // SALIX_HIL_CONTROLLER_H

// uring_ring.h (internal) - one io_uring for NVMe passthrough commands,
// shared by the UringDevices of one engine (see linux_device.h, LinuxRing).
//
// The ring is set up with IORING_SETUP_SQE128 (the 80-byte struct
// nvme_uring_cmd lives in the SQE) and IORING_SETUP_CQE32 (the NVMe result,
// CQE DW0/DW1, comes back in big_cqe[0]); IORING_OP_URING_CMD with
// NVME_URING_CMD_IO goes to whichever namespace fd the command names, so
// the members of an array share one ring and one system call:
//
//   Poll(0)   one io_uring_enter that submits everything queued since the
//             last Poll (all devices) and, in polled mode, polls the NVMe
//             poll queues once; then completions are reaped from the shared
//             completion queue. With nothing queued and interrupts, no
//             system call at all.
//   Poll(w)   the same, and when nothing completed yet, waits up to w us
//             for the first completion in the same io_uring_enter
//             (submit-and-wait).
//
// Polled mode (IORING_SETUP_IOPOLL): commands go to the NVMe poll queues
// (Linux 6.1 and later, nvme.poll_queues=N on the guest kernel command
// line) and complete without an interrupt; waiting spins in the kernel
// until a completion arrives or the scheduler wants the CPU back. Commands
// without data (Flush, Parity Compute) cannot be polled by the kernel and
// complete through an interrupt queue even then. The Salix guest kernel
// (Debian 6.1.0-57) oopses in bio_poll on polled passthrough, so nothing
// polls by default (LinuxPolling in linux_device.h).
//
// Completion functions run from Poll after the completion queue has been
// advanced, so they may Submit.
//
// Thread-safety: one thread at a time across every device on the ring.
#ifndef SALIX_HOST_LINUX_URING_RING_H
#define SALIX_HOST_LINUX_URING_RING_H

#include <liburing.h>

#include <sys/uio.h>

#include <cstdint>
#include <vector>

#include "salix/host/device.h"
#include "salix/host/linux_device.h"

namespace salix::host {

class LinuxRing {
 public:
  // Sets up the ring; 0 or a negative errno. 'entries' bounds the commands
  // in flight over every device on the ring.
  LinuxRing(unsigned entries, bool iopoll, bool sqpoll = false);
  int Init();
  ~LinuxRing();
  LinuxRing(const LinuxRing&) = delete;
  LinuxRing& operator=(const LinuxRing&) = delete;

  bool polled() const { return iopoll_; }
  bool submit_thread() const { return sqpoll_; }
  unsigned entries() const { return entries_; }

  // Queues one passthrough command on namespace fd; fn(ctx, c) runs from a
  // later Poll. *owner_in_flight is incremented now and decremented when the
  // command completes (the submitting device's count). False when the ring
  // is full.
  bool Submit(int fd, uint32_t nsid, const DeviceCommand& cmd, CompletionFn fn, void* ctx,
              size_t* owner_in_flight);
  // See the file comment; returns the completions whose functions ran.
  size_t Poll(unsigned wait_us);
  // Waits until *owner_in_flight is 0, dropping the completion functions of
  // that owner's commands (a device being closed) and running the others'.
  void Drain(size_t* owner_in_flight);

  // A region to register, as registered buffers of 'piece' bytes each (a
  // command goes out fixed only when its data lies inside one piece).
  struct Region {
    void* base = nullptr;
    size_t len = 0;
    size_t piece = 0;  // 0: kFixedPiece
  };
  // Registers the regions (IORING_REGISTER_BUFFERS, with a 4 KiB probe
  // buffer of the ring's own after them): commands whose data lies inside
  // one piece go out as fixed-buffer commands, which spares the kernel
  // pinning and mapping the user pages per command. Replaces an earlier
  // registration; no regions (or only empty ones) only unregisters. 0 or a
  // negative errno. REQUIRES: no command in flight.
  int RegisterBuffers(const std::vector<Region>& regions);
  void UnregisterBuffers();
  bool fixed() const { return !fixed_.empty(); }
  // 4 KiB, page aligned, registered: for a one-block probe read that tells
  // whether the kernel takes fixed-buffer passthrough commands.
  void* probe_buffer() const;

  // System calls made (io_uring_enter), for the bench's per-I/O accounting.
  uint64_t enters() const { return enters_; }

 private:
  struct Slot {
    CompletionFn fn = nullptr;
    void* ctx = nullptr;
    size_t* owner = nullptr;
  };

  // One io_uring_enter: submits what is queued; with want_events, also
  // reaps (polled: polls once; wait_us > 0: waits up to it for one).
  void Enter(bool want_events, unsigned wait_us);
  size_t Reap();

  unsigned entries_;
  bool iopoll_;
  bool sqpoll_;
  io_uring ring_{};
  bool ready_ = false;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  size_t in_flight_ = 0;
  unsigned unsubmitted_ = 0;
  bool idle_polled_ = false;  // polled: the last poll found nothing
  uint64_t enters_ = 0;
  // Registered: each region's pieces in order (buf_index = first +
  // offset / piece), then the probe buffer.
  struct Registered {
    uintptr_t base, end;
    size_t piece;
    uint32_t first;
  };
  std::vector<Registered> regions_;
  static constexpr size_t kFixedPiece = 64 * 1024;
  // How long the submission thread spins after the last command before it
  // sleeps (the next submit then wakes it, one system call).
  static constexpr unsigned kSqThreadIdleMs = 20;
  std::vector<iovec> fixed_;  // every piece, then the probe buffer
  std::vector<uint8_t> scratch_;
};

}  // namespace salix::host

#endif  // SALIX_HOST_LINUX_URING_RING_H

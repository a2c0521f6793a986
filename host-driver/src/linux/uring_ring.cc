// uring_ring.cc - the shared passthrough ring (see uring_ring.h).
#include "uring_ring.h"

#include <linux/nvme_ioctl.h>

#include <algorithm>
#include <cstring>
#include <iterator>

namespace salix::host {
namespace {

// NVMe status as the kernel returns it (CQE status >> 1: SC, SCT, CRD, M,
// DNR) -> the Device contract's (SCT << 8) | SC.
uint16_t status_code(int kernel_status) {
  return static_cast<uint16_t>(kernel_status & 0x7ff);
}

}  // namespace

LinuxRing::LinuxRing(unsigned entries, bool iopoll, bool sqpoll)
    : entries_(std::max(1u, entries)), iopoll_(iopoll), sqpoll_(sqpoll), slots_(entries_) {
  free_slots_.reserve(entries_);
  for (uint32_t i = entries_; i > 0; --i) free_slots_.push_back(i - 1);
}

int LinuxRing::Init() {
  io_uring_params params{};
  params.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
  if (iopoll_) params.flags |= IORING_SETUP_IOPOLL;
  if (sqpoll_) {
    // liburing's submit then only makes the entries visible (and wakes the
    // thread when it sleeps); completions are the thread's task work too.
    params.flags |= IORING_SETUP_SQPOLL;
    params.sq_thread_idle = kSqThreadIdleMs;
  }
  // Not IORING_SETUP_COOP_TASKRUN: completions are task work, and running
  // it only at the next io_uring_enter instead of on the way back from the
  // NVMe interrupt measured 1.6x slower (4 KiB randwrite, 615 against 972
  // IOPS in one boot; docs/BENCHMARKS.md, array-vs-md).
  // The completion queue (twice the entries by default) never overflows:
  // at most entries_ commands are in flight.
  int rc = io_uring_queue_init_params(entries_, &ring_, &params);
  ready_ = rc == 0;
  return rc;
}

LinuxRing::~LinuxRing() {
  // Devices drain their own commands before they let go of the ring; this
  // catches nothing in a correct program but keeps the kernel from writing
  // completions into freed memory if one did not.
  while (ready_ && in_flight_ > 0) {
    size_t before = in_flight_;
    for (Slot& s : slots_) s = Slot{};  // their devices are gone
    Poll(1000);
    if (in_flight_ == before && !iopoll_) {
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(&ring_, &cqe) < 0) break;
    }
  }
  if (ready_) io_uring_queue_exit(&ring_);
}

bool LinuxRing::Submit(int fd, uint32_t nsid, const DeviceCommand& cmd, CompletionFn fn,
                       void* ctx, size_t* owner_in_flight) {
  if (free_slots_.empty() || !ready_) return false;
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    Enter(false, 0);
    sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) return false;
  }
  uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  slots_[slot] = Slot{fn, ctx, owner_in_flight};

  std::memset(sqe, 0, 2 * sizeof(*sqe));  // SQE128: the command area follows
  sqe->opcode = IORING_OP_URING_CMD;
  sqe->fd = fd;
  sqe->cmd_op = cmd.segments != nullptr ? NVME_URING_CMD_IO_VEC : NVME_URING_CMD_IO;
  sqe->user_data = slot;
  if (cmd.segments == nullptr && cmd.data != nullptr && !fixed_.empty()) {
    // Inside one registered piece: the kernel neither pins nor maps its
    // pages per command (IORING_URING_CMD_FIXED, Linux 6.1).
    auto p = reinterpret_cast<uintptr_t>(cmd.data);
    size_t index = fixed_.size();
    for (const Registered& r : regions_) {
      if (p < r.base || p >= r.end) continue;
      const size_t piece = (p - r.base) / r.piece;
      if (p + cmd.data_len <= r.base + (piece + 1) * r.piece) index = r.first + piece;
      break;
    }
    if (index == fixed_.size() && p == reinterpret_cast<uintptr_t>(fixed_.back().iov_base) &&
        cmd.data_len <= fixed_.back().iov_len) {
      index = fixed_.size() - 1;  // the probe buffer
    }
    if (index < fixed_.size()) {
      sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
      sqe->buf_index = static_cast<uint16_t>(index);
    }
  }
  auto* nc = reinterpret_cast<nvme_uring_cmd*>(sqe->cmd);
  nc->opcode = cmd.opcode;
  nc->nsid = cmd.nsid ? cmd.nsid : nsid;
  nc->cdw2 = cmd.cdw2;
  nc->cdw3 = cmd.cdw3;
  if (cmd.segments != nullptr) {
    nc->addr = reinterpret_cast<uintptr_t>(cmd.segments);
    nc->data_len = cmd.segment_count;  // vectored: the number of iovecs
  } else {
    nc->addr = reinterpret_cast<uintptr_t>(cmd.data);
    nc->data_len = cmd.data ? cmd.data_len : 0;
  }
  nc->cdw10 = cmd.cdw10;
  nc->cdw11 = cmd.cdw11;
  nc->cdw12 = cmd.cdw12;
  nc->cdw13 = cmd.cdw13;
  nc->cdw14 = cmd.cdw14;
  nc->cdw15 = cmd.cdw15;
  ++in_flight_;
  ++*owner_in_flight;
  ++unsubmitted_;
  idle_polled_ = false;
  return true;
}

void LinuxRing::Enter(bool want_events, unsigned wait_us) {
  int rc;
  ++enters_;
  if (wait_us > 0) {
    // Submit and wait in one system call (IORING_ENTER_EXT_ARG timeout;
    // a polled ring spins instead and ignores the timeout).
    __kernel_timespec ts{};
    ts.tv_sec = wait_us / 1000000;
    ts.tv_nsec = static_cast<long long>(wait_us % 1000000) * 1000;
    io_uring_cqe* cqe = nullptr;
    rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    // What the kernel did not consume (an error before submission: -EBUSY,
    // -EINTR) stays queued for the next Poll; a timeout (-ETIME) is normal.
    (void)rc;
    unsubmitted_ = io_uring_sq_ready(&ring_);
    return;
  }
  if (unsubmitted_ > 0) {
    // Polled, this also polls once.
    rc = io_uring_submit(&ring_);
    if (rc >= 0) unsubmitted_ -= std::min<unsigned>(unsubmitted_, static_cast<unsigned>(rc));
    // rc < 0 (-EAGAIN, -EBUSY, -EINTR): the entries stay in the ring; retried
    // at the next Poll.
  } else if (want_events) {
    (void)io_uring_get_events(&ring_);
  }
}

size_t LinuxRing::Reap() {
  struct Done {
    uint32_t slot;
    DeviceCompletion c;
  };
  Done done[64];
  size_t total = 0;
  for (;;) {
    size_t n = 0;
    unsigned head;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      Done& d = done[n];
      d.slot = static_cast<uint32_t>(cqe->user_data);
      d.c = DeviceCompletion{};
      if (cqe->res < 0) {
        d.c.errno_ = cqe->res;
      } else {
        d.c.status = status_code(cqe->res);
        d.c.dw0 = static_cast<uint32_t>(cqe->big_cqe[0]);
        d.c.dw1 = static_cast<uint32_t>(cqe->big_cqe[0] >> 32);
      }
      if (++n == std::size(done)) break;
    }
    if (n == 0) return total;
    io_uring_cq_advance(&ring_, static_cast<unsigned>(n));
    for (size_t i = 0; i < n; ++i) {
      Slot s = slots_[done[i].slot];
      slots_[done[i].slot] = Slot{};
      free_slots_.push_back(done[i].slot);
      --in_flight_;
      if (s.owner) --*s.owner;
      if (s.fn) s.fn(s.ctx, done[i].c);
    }
    total += n;
  }
}

size_t LinuxRing::Poll(unsigned wait_us) {
  if (!ready_) return 0;
  // Completions already in the queue need no system call.
  size_t n = Reap();
  if (n > 0 || wait_us == 0 || in_flight_ == 0) {
    // With interrupts the kernel is entered only to submit. Polled, the
    // queues are polled once per Poll, unless the last poll found nothing
    // and nothing was submitted since (then only a waiting Poll polls
    // again): the engine polls once per member in a round, and five
    // back-to-back polls of an idle ring would be four wasted system calls.
    if (unsubmitted_ > 0 || (iopoll_ && !idle_polled_ && in_flight_ > 0)) {
      bool submitted = unsubmitted_ > 0;
      Enter(true, 0);
      size_t more = Reap();
      if (iopoll_ && !submitted) idle_polled_ = more == 0;
      n += more;
    }
    return n;
  }
  // Nothing yet: submit what is queued and wait, one system call.
  Enter(true, wait_us);
  n = Reap();
  if (iopoll_) idle_polled_ = false;
  return n;
}

int LinuxRing::RegisterBuffers(const std::vector<Region>& regions) {
  if (!ready_) return -ENODEV;
  UnregisterBuffers();
  // Whole pages, in pieces: Linux 6.1 refuses (EINVAL) a fixed-buffer
  // passthrough command when the registered buffer holds more pages from
  // the command's start to its own end than the queue takes segments
  // (blk_rq_map_user_bvec counts the rest of the buffer, not the command),
  // so one big registration fails every command near its start.
  std::vector<iovec> v;
  std::vector<Registered> placed;
  for (const Region& r : regions) {
    if (r.base == nullptr || r.len == 0) continue;
    const size_t piece = r.piece ? r.piece : kFixedPiece;
    uintptr_t first = reinterpret_cast<uintptr_t>(r.base) & ~uintptr_t{4095};
    uintptr_t last = (reinterpret_cast<uintptr_t>(r.base) + r.len + 4095) & ~uintptr_t{4095};
    placed.push_back({first, last, piece, static_cast<uint32_t>(v.size())});
    for (uintptr_t p = first; p < last; p += piece) {
      v.push_back({reinterpret_cast<void*>(p), std::min<size_t>(piece, last - p)});
    }
  }
  if (v.empty()) return 0;
  scratch_.assign(4096 * 2, 0);
  // Page-aligned 4 KiB inside scratch_ for the probe, registered last.
  auto addr = reinterpret_cast<uintptr_t>(scratch_.data());
  v.push_back({reinterpret_cast<void*>((addr + 4095) & ~uintptr_t{4095}), 4096});
  int rc = io_uring_register_buffers(&ring_, v.data(), static_cast<unsigned>(v.size()));
  if (rc < 0) return rc;
  regions_ = std::move(placed);
  fixed_ = std::move(v);
  return 0;
}

void LinuxRing::UnregisterBuffers() {
  if (fixed_.empty()) return;
  io_uring_unregister_buffers(&ring_);
  fixed_.clear();
  regions_.clear();
}

void* LinuxRing::probe_buffer() const {
  return fixed_.empty() ? nullptr : fixed_.back().iov_base;
}

void LinuxRing::Drain(size_t* owner_in_flight) {
  for (Slot& s : slots_) {
    if (s.owner == owner_in_flight) s.fn = nullptr;
  }
  while (ready_ && *owner_in_flight > 0) {
    size_t before = *owner_in_flight;
    Poll(1000);
    if (*owner_in_flight == before && in_flight_ == 0) break;  // cannot happen
  }
}

}  // namespace salix::host

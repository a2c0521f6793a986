// queues.h - submission and completion queue state and the table of queues.
//
// Queue memory lives in the host; these records hold where it is and the
// controller's view of head/tail. Wrap-around is modulo size. A CQ never
// overwrites an unconsumed entry: completions that find it full wait in
// 'ready' (in order) until the host moves the head.
//
// Thread-safety: worker thread only (doorbell values arrive via Doorbells).
#ifndef SALIX_HIL_QUEUES_H
#define SALIX_HIL_QUEUES_H

#include <cstdint>
#include <vector>

#include "hil/nvme_defs.h"
#include "hil/ring.h"

namespace salix {

// A completion that is due and waits for a free CQ slot. due_ns stays with
// it so the lateness of the actual posting can be measured.
struct ReadyCqe {
  nvme::Cqe cqe;
  uint64_t due_ns;
};

struct SubmissionQueue {
  bool exists = false;
  uint16_t id = 0;
  uint16_t cqid = 0;
  uint32_t size = 0;  // entries (1-based)
  uint64_t base = 0;
  uint32_t head = 0;  // next entry the controller fetches
  uint32_t tail = 0;  // last valid doorbell value
  uint8_t priority = 0;
  uint32_t last_bad_tail = UINT32_MAX;  // report each bad value once
};

struct CompletionQueue {
  bool exists = false;
  uint16_t id = 0;
  uint32_t size = 0;
  uint64_t base = 0;
  uint32_t head = 0;  // from the host's doorbell
  uint32_t tail = 0;  // next slot the controller writes
  bool phase = true;
  bool irq_enabled = false;
  uint16_t vector = 0;
  uint16_t sq_count = 0;
  // Completions scheduled for this CQ and not yet written to host memory;
  // bounds how far the controller runs ahead of a slow host.
  uint32_t backlog = 0;
  Ring<ReadyCqe> ready;  // due, waiting for a free slot
  bool irq_pending = false;
  uint32_t last_bad_head = UINT32_MAX;

  bool full() const { return (tail + 1) % size == head; }
  uint32_t used() const { return (tail + size - head) % size; }
};

class QueueTable {
 public:
  explicit QueueTable(uint16_t max_qid)
      : sqs_(size_t{max_qid} + 1), cqs_(size_t{max_qid} + 1) {}

  uint16_t max_qid() const { return static_cast<uint16_t>(sqs_.size() - 1); }

  // nullptr unless qid is in range and the queue exists.
  SubmissionQueue* sq(uint32_t qid) {
    return qid < sqs_.size() && sqs_[qid].exists ? &sqs_[qid] : nullptr;
  }
  CompletionQueue* cq(uint32_t qid) {
    return qid < cqs_.size() && cqs_[qid].exists ? &cqs_[qid] : nullptr;
  }

  // REQUIRES: qid <= max_qid() and the queue does not exist (and for an SQ,
  // its CQ exists).
  SubmissionQueue& CreateSq(uint16_t qid, uint16_t cqid, uint32_t size,
                            uint64_t base, uint8_t priority);
  CompletionQueue& CreateCq(uint16_t qid, uint32_t size, uint64_t base,
                            bool irq_enabled, uint16_t vector);
  void DeleteSq(uint16_t qid);
  void DeleteCq(uint16_t qid);
  void Clear();

  std::vector<SubmissionQueue>& sqs() { return sqs_; }
  std::vector<CompletionQueue>& cqs() { return cqs_; }
  bool AnyIoQueue() const;

 private:
  std::vector<SubmissionQueue> sqs_;
  std::vector<CompletionQueue> cqs_;
};

}  // namespace salix

#endif  // SALIX_HIL_QUEUES_H

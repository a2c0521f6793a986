#include "hil/queues.h"

namespace salix {

SubmissionQueue& QueueTable::CreateSq(uint16_t qid, uint16_t cqid,
                                      uint32_t size, uint64_t base,
                                      uint8_t priority) {
  SubmissionQueue& sq = sqs_[qid];
  sq = SubmissionQueue{};
  sq.exists = true;
  sq.id = qid;
  sq.cqid = cqid;
  sq.size = size;
  sq.base = base;
  sq.priority = priority;
  cqs_[cqid].sq_count++;
  return sq;
}

CompletionQueue& QueueTable::CreateCq(uint16_t qid, uint32_t size,
                                      uint64_t base, bool irq_enabled,
                                      uint16_t vector) {
  CompletionQueue& cq = cqs_[qid];
  cq.exists = true;
  cq.id = qid;
  cq.size = size;
  cq.base = base;
  cq.head = 0;
  cq.tail = 0;
  cq.phase = true;
  cq.irq_enabled = irq_enabled;
  cq.vector = vector;
  cq.sq_count = 0;
  cq.backlog = 0;
  cq.ready.clear();  // keeps its storage for the next queue
  cq.irq_pending = false;
  cq.last_bad_head = UINT32_MAX;
  return cq;
}

void QueueTable::DeleteSq(uint16_t qid) {
  SubmissionQueue& sq = sqs_[qid];
  if (!sq.exists) return;
  if (cqs_[sq.cqid].exists && cqs_[sq.cqid].sq_count > 0) {
    cqs_[sq.cqid].sq_count--;
  }
  sq.exists = false;
}

void QueueTable::DeleteCq(uint16_t qid) {
  CompletionQueue& cq = cqs_[qid];
  cq.exists = false;
  cq.ready.clear();
  cq.backlog = 0;
}

void QueueTable::Clear() {
  for (auto& sq : sqs_) sq.exists = false;
  for (auto& cq : cqs_) {
    cq.exists = false;
    cq.ready.clear();
    cq.backlog = 0;
  }
}

bool QueueTable::AnyIoQueue() const {
  for (size_t i = 1; i < sqs_.size(); i++) {
    if (sqs_[i].exists || cqs_[i].exists) return true;
  }
  return false;
}

}  // namespace salix

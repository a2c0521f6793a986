// features.h - Get Features / Set Features (NVMe 1.4, 5.21) and the feature
// values other parts of the controller obey (queue allocation, arbitration
// burst).
//
// Supported: Arbitration (01h), Power Management (02h), Temperature Threshold
// (04h), Volatile Write Cache (06h, only when the personality has one),
// Number of Queues (07h), Interrupt Coalescing (08h, recorded, not applied),
// Interrupt Vector Configuration (09h) and Asynchronous Event Configuration
// (0Bh). No feature is saveable; Select (SEL) is supported.
//
// Thread-safety: worker thread only.
#ifndef SALIX_HIL_FEATURES_H
#define SALIX_HIL_FEATURES_H

#include <cstdint>
#include <vector>

#include "core/personality.h"
#include "core/status.h"
#include "hil/nvme_defs.h"

namespace salix {

struct FeatureLimits {
  uint16_t max_io_queues;
  uint16_t msix_vectors;
  uint16_t warning_temp_kelvin;
};

class Features {
 public:
  explicit Features(FeatureLimits limits);

  // Controller reset: every feature back to its default.
  void Reset(Personality& p);

  struct Outcome {
    Status status;
    uint32_t dw0 = 0;
  };
  Outcome Get(const nvme::Sqe& sqe, Personality& p) const;
  // io_queues_exist: Number of Queues may only change before the first I/O
  // queue is created.
  Outcome Set(const nvme::Sqe& sqe, Personality& p, bool io_queues_exist);

  // Queue pairs the host may create (Number of Queues result).
  uint16_t allocated_sqs() const { return nsqa_; }
  uint16_t allocated_cqs() const { return ncqa_; }
  // Commands fetched from one SQ per arbitration round (2^AB).
  unsigned arbitration_burst() const;
  // Composite temperature thresholds (Kelvin) for the SMART warning bit.
  uint16_t over_temp_threshold() const { return temp_over_; }
  uint16_t under_temp_threshold() const { return temp_under_; }

 private:
  Outcome Current(uint8_t fid, uint32_t cdw11, Personality& p) const;

  FeatureLimits limits_;
  uint32_t arbitration_;
  uint32_t power_state_;
  uint16_t temp_over_;
  uint16_t temp_under_;
  uint16_t nsqa_;
  uint16_t ncqa_;
  uint32_t coalescing_;
  uint32_t async_config_;
  std::vector<bool> vector_cd_;  // Interrupt Vector Configuration CD bits
};

}  // namespace salix

#endif  // SALIX_HIL_FEATURES_H

#!/usr/bin/env bash
# The Linux device backend of the array engine (host-driver/src/linux/
# uring_device.cc): io_uring NVMe passthrough on /dev/ngXnY against two
# salix-nvme SSDs (nossd and ftl). Verified writes and reads at QD32, status
# mapping, exclusivity, vendor commands (guest side: guest/array-device.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"
vm_check_test array-device "$GUEST_DIR/array-device.sh" --ssds 2 \
  --ssd 0:size=256M,personality=nossd \
  --ssd 1:size=256M,personality=ftl,flash.channels=2,flash.dies-per-channel=2

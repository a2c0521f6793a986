#!/usr/bin/env bash
# Malformed guest commands get the right NVMe status; the VM goes on working.
set -euo pipefail
. "$(dirname "$0")/common.sh"
vm_check_test malformed "$GUEST_DIR/malformed.sh" --ssds 1 --ssd-opts size=256M

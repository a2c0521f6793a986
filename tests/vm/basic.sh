#!/usr/bin/env bash
# Five Salix SSDs: nvme-cli identify/log commands and fio verify on each.
set -euo pipefail
. "$(dirname "$0")/common.sh"
vm_check_test basic "$GUEST_DIR/basic.sh" --ssds 5 --ssd-opts size=1G

#!/usr/bin/env bash
# Five Salix SSDs: nvme-cli identify/log commands and fio verify on each.
set -euo pipefail
. "$(dirname "$0")/common.sh"
log=$(mktemp /tmp/salix-vm-basic.XXXXXX.log)
status=0
run_vm_job "$log" "$GUEST_DIR/basic.sh" --ssds 5 --ssd-opts size=1G >/dev/null || status=$?
report_checks "$log"
[[ $status -eq 0 ]] || echo "guest job failed ($status), console log: $log"
exit $status

#!/usr/bin/env bash
# Malformed guest commands get the right NVMe status; the VM goes on working.
set -euo pipefail
. "$(dirname "$0")/common.sh"
log=$(mktemp /tmp/salix-vm-malformed.XXXXXX.log)
status=0
run_vm_job "$log" "$GUEST_DIR/malformed.sh" --ssds 1 --ssd-opts size=256M >/dev/null || status=$?
report_checks "$log"
[[ $status -eq 0 ]] || echo "guest job failed ($status), console log: $log"
exit $status

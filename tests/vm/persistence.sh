#!/usr/bin/env bash
# File-backed Salix SSDs: data written before a VM restart reads back after it.
set -euo pipefail
. "$(dirname "$0")/common.sh"
dir=$(mktemp -d /tmp/salix-vm-persist.XXXXXX)
trap 'rm -rf "$dir"' EXIT
status=0
for phase in write verify; do
  log=$dir/$phase.log
  echo "$phase" >"$dir/phase"
  run_vm_job "$log" "$GUEST_DIR/persistence.sh" --ssds 2 --ssd-opts size=512M \
    --backing-dir "$dir" --job-file "$dir/phase:/salix/phase" >/dev/null || status=$?
  report_checks "$log"
  if [[ $status -ne 0 ]]; then
    cp "$log" /tmp/salix-vm-persist-$phase.log
    echo "guest job failed in phase $phase ($status), console log: /tmp/salix-vm-persist-$phase.log"
    exit $status
  fi
done

# Host-side helpers for VM tests. Sourced; needs SALIX_ROOT, SALIX_QEMU,
# SALIX_GUEST and SALIX_FIRMWARE (./salix test exports them).
: "${SALIX_ROOT:?run through ./salix test}" "${SALIX_QEMU:?}" "${SALIX_GUEST:?}" "${SALIX_FIRMWARE:?}"
GUEST_DIR=$SALIX_ROOT/tests/vm/guest

# run_vm_job LOG JOB [salix-vm options...]: boots a VM, runs the guest job with
# the shared check library, logs the console to LOG. Returns the job's status.
run_vm_job() {
  local log=$1 job=$2
  shift 2
  "$SALIX_ROOT/images/salix-vm" --qemu "$SALIX_QEMU" --guest "$SALIX_GUEST" \
    --firmware "$SALIX_FIRMWARE" --job "$job" \
    --job-file "$GUEST_DIR/lib.sh:/salix/lib.sh" --log "$log" "$@"
}

# Prints the guest's CHECK lines from a console log (for the runner's count).
report_checks() {
  grep -aE '^(CHECK (ok|FAIL)|    \| )' "$1" || true
}

# vm_check_test NAME GUEST-JOB [salix-vm options...]: one boot running a guest
# check job; prints its CHECK lines and exits with the job's status.
vm_check_test() {
  local name=$1 job=$2 status=0 log
  shift 2
  log=$(mktemp "/tmp/salix-vm-$name.XXXXXX.log")
  run_vm_job "$log" "$job" "$@" >/dev/null || status=$?
  report_checks "$log"
  [[ $status -eq 0 ]] || echo "guest job failed ($status), console log: $log"
  return $status
}

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

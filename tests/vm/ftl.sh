#!/usr/bin/env bash
# personality=ftl SSDs on backing files, three boots (guest side: guest/ftl.sh):
#   1 checkpoint  write pattern A, clean poweroff: a checkpoint file appears
#   2 crash       A reads back; 3x-capacity random writes (GC) verified; WAF > 1
#                 and GC runs > 0; flush, then kill -9 of QEMU at the guest's marker
#   3 recover     every block's last write of boot 2 reads back (OOB scan)
# Device 0: tlc-datacenter timing (realtime), greedy GC, 1 MiB write buffer.
# Device 1: timing off, cost-benefit GC, no write buffer, larger blocks.
set -euo pipefail
. "$(dirname "$0")/common.sh"
dir=$(mktemp -d /tmp/salix-vm-ftl.XXXXXX)
trap 'rm -rf "$dir"' EXIT
failed=0
ok() { echo "CHECK ok: $*"; }
bad() { echo "CHECK FAIL: $*"; failed=$((failed + 1)); }

# Small flash so 3x the capacity goes by quickly under TCG: 4 ch x 2 dies.
opts=size=128M,personality=ftl,flash.channels=4,flash.dies-per-channel=2,flash.pages-per-block=96
dev1=1:flash.pages-per-block=192,timing.mode=off,ftl.gc-policy=cost-benefit,ftl.write-buffer=0
marker=SALIX-FTL-FLUSHED   # printed by guest/ftl.sh once its writes are flushed

# boot PHASE [salix-vm options...]: one VM on the same backing files; prints
# the guest's checks; returns the launcher's status.
boot() {
  local phase=$1 status=0
  shift
  echo "$phase" >"$dir/phase"
  echo "[ftl] boot: phase $phase"
  run_vm_job "$dir/$phase.log" "$GUEST_DIR/ftl.sh" --ssds 2 --ssd-opts "$opts" --ssd "$dev1" \
    --backing-dir "$dir" --job-file "$dir/phase:/salix/phase" "$@" >/dev/null || status=$?
  report_checks "$dir/$phase.log"
  if [[ $status -ne 0 ]]; then
    cp "$dir/$phase.log" "/tmp/salix-vm-ftl-$phase.log"
    echo "guest job failed in phase $phase ($status), console log: /tmp/salix-vm-ftl-$phase.log"
  fi
  return $status
}

# checkpoints_present YES|NO WHAT: checks the checkpoint files of both devices.
checkpoints() {
  local want=$1 what=$2 i cp
  for i in 0 1; do
    cp=$dir/salix$i.img.ftl-checkpoint
    if [[ $want == yes && -s $cp ]]; then
      ok "salix$i: $what: $(basename "$cp") exists ($(stat -c %s "$cp") bytes)"
    elif [[ $want == no && ! -e $cp ]]; then
      ok "salix$i: $what: no checkpoint file"
    else
      bad "salix$i: $what: checkpoint file expected: $want, found: $(ls -l "$cp" 2>&1)"
    fi
  done
}

boot checkpoint || exit 1
checkpoints yes "after a clean poweroff"

status=0
boot crash --kill-at "$marker" || status=$?
if [[ $status -eq 0 ]] && grep -aq "^$marker" "$dir/crash.log"; then
  ok "QEMU killed with SIGKILL after the guest flushed and printed $marker"
else
  bad "the crash phase did not reach the power cut (salix-vm status $status)"
  exit 1
fi
grep -aq 'SALIX-GUEST-EXIT' "$dir/crash.log" &&
  bad "the guest job finished before the kill (it must wait after $marker)"
# The checkpoint of boot 1 was consumed when boot 2 started; a crash writes none.
checkpoints no "after kill -9"

boot recover || exit 1
checkpoints yes "after the recovered VM powered off cleanly"
exit $((failed > 0))

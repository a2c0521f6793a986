#!/usr/bin/env bash
# The built-in SSD apps through salixctl in a guest (guest side:
# guest/apps-builtin.sh), two boots on the same backing file:
#   run     apps.builtin=on: a transaction logged, read back before commit
#           (homes unchanged, checked with dd and nvme read), committed
#           (homes hold the data); another aborted (homes unchanged); an
#           out-of-domain write refused with its reason; kv put/get/del/scan
#           in order; append returns LBAs that plain reads see; a device
#           without apps.builtin says how to turn it on. Then a kv put, a
#           committed and an open transaction, and a power cut (SIGKILL of
#           QEMU at the guest's marker).
#   verify  after the cut: the kv store, the committed transaction and the
#           append log are there; the open transaction reached no home.
# Data files come from this script (deterministic), so both boots know them.
set -euo pipefail
. "$(dirname "$0")/common.sh"

dir=$(mktemp -d /tmp/salix-vm-apps-builtin.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/data"
python3 - "$dir/data" <<'PY'
import os, random, sys
d = sys.argv[1]
rng = random.Random(5150)
LBA = 4096
def put(name, lbas, fill=None):
    data = bytes([fill]) * (lbas * LBA) if fill is not None else rng.randbytes(lbas * LBA)
    open(os.path.join(d, name), "wb").write(data)
# Transaction homes: 3 LBAs at 100, 1 LBA at 200 (old, committed, aborted).
put("old1", 3); put("old2", 1); put("new1", 3); put("new2", 1); put("alt1", 3); put("alt2", 1)
# Across the power cut: committed at 300, open at 310 over old4.
put("p1", 2); put("p2", 2); put("old4", 2)
# Appends: 1 LBA, then 3.
put("a1", 1); put("a3", 3); put("a5", 1)
put("zero", 1, 0)
open(os.path.join(d, "big.value"), "wb").write(rng.randbytes(5000))
PY

marker=SALIX-BUILTIN-CUT   # printed by guest/apps-builtin.sh once its writes are durable
# Device 0 (serial SALIX0000) runs the built-in apps; device 1 does not.
opts=size=64M
dev0=0:apps.builtin=on
failed=0

boot() {  # boot PHASE [salix-vm options...]
  local phase=$1 status=0
  shift
  echo "$phase" >"$dir/phase"
  echo "[apps-builtin] boot: phase $phase"
  run_vm_job "$dir/$phase.log" "$GUEST_DIR/apps-builtin.sh" --ssds 2 --ssd-opts "$opts" \
    --ssd "$dev0" --backing-dir "$dir" --job-file "$dir/phase:/salix/phase" \
    --job-file "$dir/data:/salix/data" "$@" >/dev/null || status=$?
  report_checks "$dir/$phase.log"
  if [[ $status -ne 0 ]]; then
    cp "$dir/$phase.log" "/tmp/salix-vm-apps-builtin-$phase.log"
    echo "guest job failed in phase $phase ($status), console log: /tmp/salix-vm-apps-builtin-$phase.log"
  fi
  return $status
}

status=0
boot run --kill-at "$marker" || status=$?
if [[ $status -eq 0 ]] && grep -aq "^$marker" "$dir/run.log"; then
  echo "CHECK ok: QEMU killed with SIGKILL once the guest printed $marker"
else
  echo "CHECK FAIL: the run phase did not reach the power cut (salix-vm status $status)"
  exit 1
fi
if grep -aq 'SALIX-GUEST-EXIT' "$dir/run.log"; then
  echo "CHECK FAIL: the guest job finished before the kill (it must wait after $marker)"
  failed=1
fi
boot verify || exit 1
exit $failed

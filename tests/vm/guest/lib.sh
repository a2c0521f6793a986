# Guest-side helpers for VM tests (busybox sh). Sourced by job scripts.
# Each check prints one line the host side counts:
#   CHECK ok: <what>      or      CHECK FAIL: <what> (+ the command's output)
CHECKS_FAILED=0

# check "what it shows" command [args...]: passes when the command exits 0.
check() {
  local what=$1
  shift
  local out
  if out=$("$@" 2>&1); then
    echo "CHECK ok: $what"
  else
    echo "CHECK FAIL: $what"
    echo "$out" | tail -n 20 | sed 's/^/    | /'
    CHECKS_FAILED=$((CHECKS_FAILED + 1))
  fi
}

# check_output "what" "regex" command [args...]: passes when the command's
# combined output matches the extended regex (exit status ignored: used for
# commands that must fail with a specific NVMe status).
check_output() {
  local what=$1 regex=$2
  shift 2
  local out
  out=$("$@" 2>&1) || true
  if echo "$out" | grep -Eq -- "$regex"; then
    echo "CHECK ok: $what"
  else
    echo "CHECK FAIL: $what (expected /$regex/)"
    echo "$out" | tail -n 20 | sed 's/^/    | /'
    CHECKS_FAILED=$((CHECKS_FAILED + 1))
  fi
}

# The Salix controllers' character devices (/dev/nvmeN), in order.
salix_ctrls() {
  local c
  for c in /sys/class/nvme/nvme*; do
    grep -q '^Salix' "$c/model" 2>/dev/null && echo "/dev/${c##*/}"
  done
}

# The Salix namespaces' block devices (/dev/nvmeXnY) as nvme list shows them.
salix_namespaces() {
  nvme list | awk '/Salix/ {print $1}'
}

# await_power_cut MARKER: when every check so far passed, prints MARKER (the
# host side kills QEMU when it sees it: a power cut) and waits; a VM still
# alive after 600 s is a failed check. With failed checks there is no cut.
await_power_cut() {
  if [ "$CHECKS_FAILED" -ne 0 ]; then
    echo "no power cut: $CHECKS_FAILED checks failed"
    return
  fi
  echo "$1"
  sleep 600
  echo "CHECK FAIL: the host did not kill the VM within 600 s of '$1'"
  CHECKS_FAILED=$((CHECKS_FAILED + 1))
}

finish() {
  echo "checks failed: $CHECKS_FAILED"
  [ "$CHECKS_FAILED" -eq 0 ]
}

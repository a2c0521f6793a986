#!/usr/bin/env bash
# QEMU start-up with a bad salix-nvme property fails, and the message names
# the property. No guest boots: realize fails before the machine starts.
set -euo pipefail
. "$(dirname "$0")/common.sh"
failed=0

# expect_refused PROPERTY DEVICE-OPTIONS: QEMU must exit non-zero, mentioning PROPERTY.
expect_refused() {
  local prop=$1 opts=$2 out status=0
  out=$(timeout 30 "$SALIX_QEMU" -M q35 -accel tcg -nodefaults -display none \
    -device "salix-nvme,$opts" 2>&1) || status=$?
  if [[ $status -ne 0 && $status -ne 124 ]] && grep -q -- "$prop" <<<"$out"; then
    echo "CHECK ok: -device salix-nvme,$opts is refused naming '$prop'"
  else
    echo "CHECK FAIL: -device salix-nvme,$opts (exit $status) did not fail naming '$prop'"
    sed 's/^/    | /' <<<"$out" | head -n 5
    failed=$((failed + 1))
  fi
}

fw="firmware=$SALIX_FIRMWARE"
expect_refused size "$fw,size=abc"
expect_refused size "$fw,size=0"
expect_refused size "$fw,size=1000,lba-size=4096"
expect_refused queues "$fw,queues=0"
expect_refused queues "$fw,queues=100000"
expect_refused personality "$fw,personality=bogus"
expect_refused lba-size "$fw,lba-size=1000"
expect_refused mdts "$fw,mdts=99"
expect_refused backing-file "$fw,backing-file=/nonexistent-dir/ssd.img"
expect_refused firmware "firmware=/nonexistent/libsalix-fw.so"
expect_refused bogus "$fw,bogus=1"
exit $((failed > 0))

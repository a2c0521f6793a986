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

# personality=ftl: geometry, over-provisioning, GC policy, keys of another personality.
ftl="$fw,personality=ftl,size=256M"
expect_refused flash.channels "$ftl,flash.channels=0"
expect_refused flash.channels "$ftl,flash.channels=65"
expect_refused flash.pages-per-block "$ftl,flash.pages-per-block=0"
expect_refused flash.page-size "$ftl,flash.page-size=3000"
expect_refused flash.cell-type "$ftl,flash.cell-type=plc"
expect_refused flash.profile "$ftl,flash.profile=no-such-drive"
# 4 blocks of 768 pages per die cannot hold 256M plus 7% spare.
expect_refused flash.blocks-per-plane "$ftl,flash.channels=4,flash.dies-per-channel=2,flash.blocks-per-plane=4"
# 2 x 2 dies of 768 KiB blocks: 0% leaves 2 spare blocks, GC needs 4.
expect_refused ftl.op-percent "$ftl,flash.channels=2,flash.dies-per-channel=2,flash.pages-per-block=192,ftl.op-percent=0"
expect_refused ftl.op-percent "$fw,personality=ftl,size=252M,flash.pages-per-block=96,flash.blocks-per-plane=21,ftl.op-percent=0"
expect_refused ftl.gc-policy "$ftl,ftl.gc-policy=lru"
expect_refused ftl.gc-bg-blocks "$ftl,ftl.gc-fg-blocks=8,ftl.gc-bg-blocks=4"
expect_refused ftl.write-buffer "$ftl,ftl.write-buffer=1000"
expect_refused timing.mode "$ftl,timing.mode=virtual"
expect_refused ftl.op-percent "$fw,personality=nossd,size=256M,ftl.op-percent=10"
expect_refused flash.channels "$fw,personality=nossd,size=256M,flash.channels=4"
expect_refused timing.mode "$fw,personality=nossd,size=256M,timing.mode=off"
expect_refused prealloc "$fw,prealloc=yes"
expect_refused prealloc "$ftl,prealloc=on"
exit $((failed > 0))

#!/usr/bin/env bash
# The anchor's failure case (FEMU: "No free lines left" when mdadm resyncs a
# RAID-5 over drives without over-provisioning): 7 personality=ftl SSDs at the
# smallest over-provisioning the firmware accepts, an mdadm RAID-5 over them,
# its initial resync, then the whole array written with fio verify. Every
# device must keep serving (guest side: guest/ftl-raid.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"

# Small blocks and few dies, so over-provisioning can be tight: 2 ch x 2 dies,
# 96-page (384 KiB) blocks, 64 MiB per device.
geo=personality=ftl,size=64M,flash.channels=2,flash.dies-per-channel=2,flash.pages-per-block=96

# Ask the firmware for its smallest over-provisioning: ftl.op-percent=0 is
# refused with "use ftl.op-percent=N or more".
out=$(timeout 30 "$SALIX_QEMU" -M q35 -accel tcg -nodefaults -display none \
  -device "salix-nvme,firmware=$SALIX_FIRMWARE,$geo,ftl.op-percent=0" 2>&1) || true
op=$(grep -oE 'use ftl\.op-percent=[0-9]+' <<<"$out" | grep -oE '[0-9]+$' || true)
if [[ -z $op ]]; then
  echo "CHECK FAIL: firmware names the smallest ftl.op-percent for $geo"
  sed 's/^/    | /' <<<"$out" | head -n 5
  exit 1
fi
echo "CHECK ok: firmware names the smallest ftl.op-percent for this geometry: $op"
vm_check_test ftl-raid "$GUEST_DIR/ftl-raid.sh" --ssds 7 --ssd-opts "$geo,ftl.op-percent=$op"

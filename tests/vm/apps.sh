#!/usr/bin/env bash
# SSD apps end to end in a guest (guest side: guest/apps.sh): an eBPF
# example loaded and invoked by hand with nvme-cli admin-passthru /
# io-passthru (Load Program 85h, Program Activation 88h, Domain Management
# C3h, Invoke 83h) and checked against a CRC32C computed here; then the
# same through salixctl app/domain/broker, and refusals with their reasons.
#
# The example objects come from the build directory beside SALIX_FIRMWARE
# (firmware/apps/examples/*.bpf.o) and are packed into the guest's /salix/apps
# with the data and expected values this script makes.
set -euo pipefail
. "$(dirname "$0")/common.sh"

examples=$(dirname "$SALIX_FIRMWARE")/apps/examples
for o in checksum scan_filter; do
  [[ -f $examples/$o.bpf.o ]] || {
    echo "missing $examples/$o.bpf.o: build the firmware (ninja) in that build directory first"
    exit 1
  }
done

work=$(mktemp -d /tmp/salix-vm-apps.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apps"
cp "$examples/checksum.bpf.o" "$examples/scan_filter.bpf.o" "$work/apps/"
python3 - "$work/apps" <<'PY'
import struct, sys, os
d = sys.argv[1]
# 16 KiB of known data (LBAs 0..31 at 512 bytes), written by the guest with dd.
data = bytes((i * 7 + (i >> 9)) & 0xff for i in range(16384))
open(os.path.join(d, "data.bin"), "wb").write(data)
def crc32c(b):
    crc = 0xffffffff
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff
# checksum_params {u64 first_lba; u32 lba_count; u32 reserved}: LBAs 0..31.
open(os.path.join(d, "params.bin"), "wb").write(struct.pack("<QII", 0, 32, 0))
open(os.path.join(d, "expected"), "w").write("%08x\n" % crc32c(data))
# Domain Management create: 32-byte header, one range {slba 0, nlb 64, read}.
open(os.path.join(d, "domain.bin"), "wb").write(bytes(32) + struct.pack("<QIB3x", 0, 64, 1))
# A raw program that never ends: mov r0, 0; ja -1; exit.
open(os.path.join(d, "spin.bin"), "wb").write(
    struct.pack("<BBhi", 0xb7, 0, 0, 0) + struct.pack("<BBhi", 0x05, 0, -1, 0) +
    struct.pack("<BBhi", 0x95, 0, 0, 0))
PY
echo "apps: expected CRC32C $(cat "$work/apps/expected")"
vm_check_test apps "$GUEST_DIR/apps.sh" --ssds 1 \
  --ssd 0:size=256M,lba-size=512,personality=ftl,flash.channels=2,flash.dies-per-channel=2 \
  --job-file "$work/apps:/salix/apps"

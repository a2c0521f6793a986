#!/usr/bin/env bash
# The array end to end (guest side: guest/array.sh): a 4+1 Salix array over
# five salix-nvme SSDs plus a sixth as spare, created with salixctl, written
# and verified with fio through the Salix ioengine, one member failed while
# fio writes (the job must see no error), verified degraded, rebuilt onto
# the spare with progress, verified again, then ext4 on it through nbdkit +
# the kernel's nbd client (files read back after nbdkit reopened the array,
# fsck clean). About 2-3 minutes under TCG.
#
# SALIX_ARRAY_PARITY=device|host picks the engine's parity mode (default
# device: Parity Compute inside the SSDs); tests/vm/array-host.sh runs the
# host mode.
set -euo pipefail
. "$(dirname "$0")/common.sh"
mode=${SALIX_ARRAY_PARITY:-device}
case $mode in
  device | host) ;;
  *) echo "tests/vm/array.sh: SALIX_ARRAY_PARITY is '$mode'; use device or host" >&2; exit 2 ;;
esac
echo "array test: $mode parity"
parity=$(mktemp /tmp/salix-array-parity.XXXXXX)
trap 'rm -f "$parity"' EXIT
echo "$mode" >"$parity"
vm_check_test "array-$mode" "$GUEST_DIR/array.sh" --ssds 6 \
  --ssd-opts size=128M,personality=nossd \
  --job-file "$parity:/salix/parity" --timeout 900

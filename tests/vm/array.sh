#!/usr/bin/env bash
# The array end to end (guest side: guest/array.sh): a 4+1 Salix array over
# five salix-nvme SSDs plus a sixth as spare, created with salixctl, written
# and verified with fio through the Salix ioengine, one member failed while
# fio runs, verified degraded, rebuilt onto the spare, verified again, then
# ext4 on it through nbdkit + the kernel's nbd client.
#
# SALIX_ARRAY_PARITY=device|host picks the engine's parity mode (default
# device: Parity Compute inside the SSDs).
set -euo pipefail
. "$(dirname "$0")/common.sh"
parity=$(mktemp /tmp/salix-array-parity.XXXXXX)
trap 'rm -f "$parity"' EXIT
echo "${SALIX_ARRAY_PARITY:-device}" >"$parity"
vm_check_test array "$GUEST_DIR/array.sh" --ssds 6 --ssd-opts size=128M,personality=nossd \
  --job-file "$parity:/salix/parity" --timeout 900

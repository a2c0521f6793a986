#!/usr/bin/env bash
# The array end to end (tests/vm/array.sh) with the engine in host-parity
# mode: classic read-modify-write, parity computed in the guest. Same checks:
# create 4+1, fio verify, a member failed under fio, rebuild, ext4 over nbd.
set -euo pipefail
SALIX_ARRAY_PARITY=host exec "$(dirname "$0")/array.sh"

# 7 minimally over-provisioned ftl SSDs: RAID-5 initial resync, then the
# whole array written twice and random small writes over it, all verified;
# every device still answers and has garbage-collected.
. /salix/lib.sh
set -- $(salix_namespaces)
check "7 Salix SSDs present" test $# -eq 7
check "mdadm creates a RAID-5 over the 7 SSDs" \
  mdadm --create /dev/md0 --run --level=5 --raid-devices=7 --chunk=64 "$@"
# Wait for the initial resync (it rewrites parity over every device).
resync_done() {
  i=0
  while grep -Eq 'resync|recovery' /proc/mdstat; do
    i=$((i + 1))
    [ $i -lt 600 ] || return 1
    sleep 1
  done
  grep -q 'md0 : active raid5' /proc/mdstat
}
check "initial resync completes" resync_done
# Full stripes (6 x 64 KiB): every device written full, then again.
check "fio writes the whole array twice in full stripes and verifies it" \
  fio --name=raid-fill --filename=/dev/md0 --ioengine=io_uring --direct=1 \
    --rw=write --bs=384k --iodepth=8 --size=100% --loops=2 \
    --verify=crc32c --verify_fatal=1 --minimal
# Small random writes: read-modify-write on md, fragmentation on the SSDs.
check "fio random 4 KiB writes over the full array verify" \
  fio --name=raid-rand --filename=/dev/md0 --ioengine=io_uring --direct=1 \
    --rw=randwrite --bs=4k --iodepth=16 --size=100% --io_size=48m \
    --verify=crc32c --verify_fatal=1 --minimal
check "mdadm sees no failed member" sh -c "! grep -q '(F)' /proc/mdstat"
collected() { salixctl stats "$1" --json | grep -Eq '"gc_runs": *[1-9]'; }
for c in $(salix_ctrls); do
  check "$c answers and has garbage-collected after the fills" collected "$c"
done
mdadm --stop /dev/md0 >/dev/null 2>&1
finish

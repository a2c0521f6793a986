# Guest side of tests/vm/array.sh. Members are the first five Salix
# namespaces in order, the sixth is the spare.
. /salix/lib.sh
parity=$(cat /salix/parity 2>/dev/null || echo device)
# Generic devices in controller order (nvme list's order is not stable).
ngs=""
for c in $(salix_ctrls); do
  for n in /dev/ng${c#/dev/nvme}n*; do [ -c "$n" ] && ngs="$ngs $n"; done
done
set -- $ngs
check "6 Salix SSDs present" test $# -eq 6
M0=$1 M1=$2 M2=$3 M3=$4 M4=$5 SPARE=$6
members="$M0 $M1 $M2 $M3 $M4"
colon() { echo "$*" | tr ' ' ':'; }
# Phase timings, printed with the checks (the host side shows "    | " lines).
t_start=$(date +%s)
t_phase=$t_start
took() {
  t=$(date +%s)
  echo "    | time: $1 $((t - t_phase)) s (total $((t - t_start)) s)"
  t_phase=$t
}
# member_state N MEMBERS...: the state of member N in the status JSON.
member_state() {
  n=$1
  shift
  salixctl array status --json "$@" 2>/dev/null | grep '"device"' | sed -n "$((n + 1))p" |
    sed -E 's/.*"state": "([a-z]+)".*/\1/'
}
popt=""
[ "$parity" = host ] && popt=--host-parity
E=external:/usr/lib/libsalix-fio.so

check "salixctl creates a 4+1 array ($parity parity) over $members" \
  salixctl array create --name a0 $popt $members
salixctl array status $members
check_output "creating over members of another array without --force names the device" \
  "ng.n1: already member 0 of array 'a0'" salixctl array create --name a1 $members
active() { [ "$(salixctl array status --json "$@" | grep -c '"state": "active"')" = 5 ]; }
check "status: all 5 members active" active $members

# One job writes and verifies; the same job with --verify_only re-reads the
# same offsets (randrepeat) and checks the same headers.
size=${ARRAY_FIO_SIZE:-48M}
job="--name=arr --ioengine=$E --rw=randwrite --bs=4k --iodepth=32 --size=$size --verify=crc32c
  --verify_fatal=1 --randseed=42"
first_pass() {
  fio $job --members=$(colon $members) >/tmp/fio-first.log 2>&1
  local rc=$?
  cat /tmp/fio-first.log
  return $rc
}
check "fio (Salix ioengine) 4 KiB random writes at QD32 over $size, crc32c verify" first_pass
# The guest kernel (6.1) takes fixed-buffer passthrough: the engine's
# staging memory is registered at open (LinuxArray::staging_note).
check "the engine's staging memory is registered (io_uring fixed buffers)" \
  grep -q "staging registered" /tmp/fio-first.log
took "first verified write pass"

# Fail member 2 while fio writes: the engine marks it failed and carries on.
# The fault comes once fio's progress line shows the job at least 10% done
# and still writing ([w(1)]; the percentage counts the write and the verify
# phases), whatever the machine's speed. The writes are held to 1500 per
# second (reads unlimited) so that the write phase lasts at least 8 s even
# on a fast machine: unthrottled it can finish in about a second, before
# fio prints its first progress line (CI, session 8: 8171 IOPS, 1.3 s).
: >/tmp/fio-fail.log
fio $job --members=$(colon $members) --rate_iops=,1500 --eta=always --eta-interval=250ms \
  >>/tmp/fio-fail.log 2>&1 &
fio_pid=$!
write_percent() {
  tr '\r' '\n' </tmp/fio-fail.log | sed -nE 's/.*\[w\(1\)\]\[([0-9]+)\.[0-9]%\].*/\1/p' |
    tail -n 1
}
i=0
while kill -0 $fio_pid 2>/dev/null && [ $i -lt 900 ]; do
  p=$(write_percent)
  [ -n "$p" ] && [ "$p" -ge 10 ] && break
  sleep 0.2; i=$((i + 1))
done
kill -0 $fio_pid 2>/dev/null && running_at_fail=yes || running_at_fail=no
echo "    | fio at $(write_percent)% when $M2 fails"
check "salixctl array fail $M2 (Fault Injection) while fio runs" salixctl array fail $M2
check "the fio job was still running when $M2 failed" test $running_at_fail = yes
wait $fio_pid
fio_status=$?
fio_ok() { [ $fio_status -eq 0 ] && grep -q 'err= 0' /tmp/fio-fail.log || {
  grep -v 'Jobs:' /tmp/fio-fail.log | head -n 30; false; }; }
check "fio keeps writing and verifying through the failure: exit 0, err=0" fio_ok
check_output "the fio job's own engine saw member 2 fail (not a fresh open)" \
  "closing array 'a0': degraded, failed: member 2 " cat /tmp/fio-fail.log
took "write pass with a member failure"
check_output "status: the array is degraded" '"state": "degraded"' \
  salixctl array status --json $members
states() {
  for n in 0 1 2 3 4; do printf '%s ' "$(member_state $n "$@")"; done
}
check_output "status: member 2 failed, the others active" \
  '^active active failed active active $' states $members
check "degraded: fio --verify_only reads back everything written" \
  fio $job --members=$(colon $members) --verify_only

took "degraded verify"
rebuild() {
  salixctl array rebuild --spare $SPARE $members >/tmp/rebuild.log 2>&1
  rc=$?
  cat /tmp/rebuild.log
  return $rc
}
check "rebuild onto the spare $SPARE" rebuild
check_output "rebuild reports its progress up to 100%" \
  'rebuild: [1-9]0% .*rebuild: 100% .*finished: array healthy' \
  sh -c "tr '\n' ' ' </tmp/rebuild.log"
took "rebuild"
rebuilt="$M0 $M1 $SPARE $M3 $M4"
salixctl array status $rebuilt
check "status after rebuild: 5 active members, healthy" active $rebuilt
check "after rebuild: fio --verify_only reads back everything written" \
  fio $job --members=$(colon $rebuilt) --verify_only
check "after rebuild: a new verified write pass" \
  fio $job --members=$(colon $rebuilt) --randseed=7
took "verify and write after rebuild"

# A real block device: nbdkit serves the array, the kernel's nbd client
# mounts it. The files are read back after a second nbdkit has opened the
# array afresh, so they come from the members, not from a cache.
serve() {
  rm -f /tmp/salix.sock /tmp/nbdkit.pid
  nbdkit --unix /tmp/salix.sock --pidfile /tmp/nbdkit.pid \
    /usr/lib/nbdkit-salix-plugin.so members=$(colon $rebuilt) array=a0 || return 1
  i=0
  while ! [ -S /tmp/salix.sock -a -s /tmp/nbdkit.pid ]; do
    sleep 0.2; i=$((i + 1)); [ $i -lt 100 ] || return 1
  done
  sleep 1   # the array opens after nbdkit forks: still alive?
  kill -0 "$(cat /tmp/nbdkit.pid)"
}
stop_nbdkit() {
  nbd-client -d /dev/nbd0 >/dev/null 2>&1
  pid=$(cat /tmp/nbdkit.pid) || return 1
  kill "$pid"
  i=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2; i=$((i + 1)); [ $i -lt 150 ] || return 1
  done
}
check "nbdkit serves the array on a unix socket" serve
check "nbd-client attaches /dev/nbd0" nbd-client -unix /tmp/salix.sock /dev/nbd0 -b 4096
check "mkfs.ext4 on /dev/nbd0" mkfs.ext4 -q -F -E nodiscard /dev/nbd0
mkdir -p /mnt/a
check "mount /dev/nbd0" mount /dev/nbd0 /mnt/a
write_files() {
  grep -q ' /mnt/a ' /proc/mounts || return 1
  for f in 1 2 3 4; do
    dd if=/dev/urandom of=/mnt/a/file$f bs=64k count=$((f * 8)) 2>/dev/null || return 1
  done
  mkdir -p /mnt/a/dir && cp /mnt/a/file1 /mnt/a/dir/copy &&
    (cd /mnt/a && md5sum file1 file2 file3 file4 dir/copy) >/tmp/sums
}
check "files written on ext4 and checksummed" write_files
check "umount" umount /mnt/a
check "fsck -fn is clean" e2fsck -fn /dev/nbd0
check "nbd-client detaches; nbdkit exits on SIGTERM (syncing the array)" stop_nbdkit
check "the array opens healthy after nbdkit" active $rebuilt
check "a new nbdkit serves the array again" serve
check "nbd-client attaches /dev/nbd0 again" nbd-client -unix /tmp/salix.sock /dev/nbd0 -b 4096
check "mount again" mount /dev/nbd0 /mnt/a
check "the files read back with the same checksums" sh -c "cd /mnt/a && md5sum -c /tmp/sums"
check "umount" umount /mnt/a
check "fsck -fn is still clean" e2fsck -fn /dev/nbd0
check "nbdkit exits again" stop_nbdkit
took "ext4 over nbd"
check "the array opens healthy after nbdkit" active $rebuilt

check "salixctl array destroy deallocates every member" salixctl array destroy $rebuilt
check_output "after destroy the members carry no superblock" "no Salix array superblock" \
  salixctl array status $rebuilt
finish

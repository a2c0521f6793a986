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
job="--name=arr --ioengine=$E --rw=randwrite --bs=4k --iodepth=32 --size=48M --verify=crc32c
  --verify_fatal=1 --randseed=42"
check "fio (Salix ioengine) 4 KiB random writes at QD32 over 48 MiB, crc32c verify" \
  fio $job --members=$(colon $members)

# Fail member 2 while fio writes: the engine marks it failed and carries on.
# The engine says when the job has opened the array (second open: the
# first is fio's setup probing the size); the fault comes 3 s into the I/O.
: >/tmp/fio-fail.log
fio $job --members=$(colon $members) >>/tmp/fio-fail.log 2>&1 &
fio_pid=$!
i=0
while [ "$(grep -c 'opened array' /tmp/fio-fail.log)" -lt 2 ] && [ $i -lt 600 ]; do
  sleep 0.2; i=$((i + 1))
done
sleep 3
check "salixctl array fail $M2 (Fault Injection) while fio runs" salixctl array fail $M2
wait $fio_pid
fio_status=$?
fio_ok() { [ $fio_status -eq 0 ] && grep -q 'err= 0' /tmp/fio-fail.log || {
  grep -v 'Jobs:' /tmp/fio-fail.log | head -n 30; false; }; }
check "fio keeps writing and verifying through the failure: exit 0, err=0" fio_ok
check_output "status: the array is degraded, member 2 failed" '"state": "degraded"' \
  salixctl array status --json $members
check "degraded: fio --verify_only reads back everything written" \
  fio $job --members=$(colon $members) --verify_only

check "rebuild onto the spare $SPARE" salixctl array rebuild --spare $SPARE $members
rebuilt="$M0 $M1 $SPARE $M3 $M4"
salixctl array status $rebuilt
check "status after rebuild: 5 active members, healthy" active $rebuilt
check "after rebuild: fio --verify_only reads back everything written" \
  fio $job --members=$(colon $rebuilt) --verify_only
check "after rebuild: a new verified write pass" \
  fio $job --members=$(colon $rebuilt) --randseed=7

# A real block device: nbdkit serves the array, the kernel's nbd client
# mounts it.
serve() {
  nbdkit --unix /tmp/salix.sock --pidfile /tmp/nbdkit.pid \
    /usr/lib/nbdkit-salix-plugin.so members=$(colon $rebuilt) array=a0 || return 1
  i=0
  while ! [ -S /tmp/salix.sock -a -s /tmp/nbdkit.pid ]; do
    sleep 0.2; i=$((i + 1)); [ $i -lt 100 ] || return 1
  done
  sleep 1   # the array opens after nbdkit forks: still alive?
  kill -0 "$(cat /tmp/nbdkit.pid)"
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
check "mount again" mount /dev/nbd0 /mnt/a
check "the files read back with the same checksums" sh -c "cd /mnt/a && md5sum -c /tmp/sums"
check "umount" umount /mnt/a
check "fsck -fn is clean" e2fsck -fn /dev/nbd0
nbd-client -d /dev/nbd0 >/dev/null 2>&1
stop_nbdkit() {
  pid=$(cat /tmp/nbdkit.pid) || return 1
  kill "$pid"
  i=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2; i=$((i + 1)); [ $i -lt 100 ] || return 1
  done
}
check "nbdkit exits on SIGTERM (syncing the array)" stop_nbdkit
check "the array opens healthy after nbdkit" active $rebuilt

check "salixctl array destroy deallocates every member" salixctl array destroy $rebuilt
check_output "after destroy the members carry no superblock" "no Salix array superblock" \
  salixctl array status $rebuilt
finish

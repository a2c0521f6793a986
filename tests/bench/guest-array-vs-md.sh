# Guest side of ./salix bench array-vs-md: the same fio jobs on a Salix 4+1
# array (device parity, then host parity; fio through the Salix ioengine)
# and on Linux md RAID-5 over the same five SSDs (io_uring, direct).
# Prints each result as JSON between markers, with the guest's /proc/stat
# CPU line before and after the job (md does its parity work in kernel
# threads, which fio's own usr/sys times do not see).
runtime=$(cat /salix/runtime)
ngs=""
blks=""
for c in /sys/class/nvme/nvme*; do
  grep -q '^Salix' "$c/model" 2>/dev/null || continue
  n=${c##*/}
  ngs="$ngs /dev/ng${n#nvme}n1"
  blks="$blks /dev/${n}n1"
done
set -- $ngs
[ $# -eq 5 ] || { echo "want 5 Salix SSDs, found: $ngs"; exit 1; }
members=$(echo $ngs | tr ' ' ':')
E=external:/usr/lib/libsalix-fio.so
jobs="randwrite:4k:32 write:64k:32"

run_jobs() { # config target-options...
  config=$1
  shift
  for j in $jobs; do
    rw=${j%%:*}
    rest=${j#*:}
    bs=${rest%%:*}
    qd=${rest#*:}
    echo "BENCH-JSON-BEGIN $config $rw-$bs-qd$qd"
    echo "STAT-BEFORE $(head -n 1 /proc/stat)"
    # A stuck engine must not eat the whole VM timeout: the job gets six
    # runtimes plus a minute (opening, recovering and syncing the array).
    timeout $((runtime * 6 + 60)) fio --name="$config-$rw-$bs" "$@" --rw="$rw" --bs="$bs" --iodepth="$qd" --size=256M \
      --time_based --runtime="$runtime" --norandommap --randrepeat=0 \
      --output-format=json || echo "BENCH-FAILED fio exit $?"
    echo "STAT-AFTER $(head -n 1 /proc/stat)"
    echo "BENCH-JSON-END"
  done
}

for mode in device host; do
  opt=""
  [ $mode = host ] && opt=--host-parity
  if salixctl array create --name bench --force $opt $ngs; then
    run_jobs "salix-$mode" --ioengine=$E --members="$members"
    salixctl array destroy $ngs >/dev/null
  else
    echo "BENCH-SKIP salix-$mode: salixctl array create failed"
  fi
done

# md: --assume-clean skips the initial resync (the members were just
# deallocated, and a resync would only add background writes to the run).
# 64 KiB chunks: a 64 KiB write is one chunk, a full stripe is 256 KiB.
mdadm --create /dev/md0 --run --level=5 --raid-devices=5 --chunk=64 --assume-clean \
  $blks >/dev/null 2>&1 || { echo "BENCH-SKIP md: mdadm --create failed"; exit 0; }
run_jobs md --filename=/dev/md0 --ioengine=io_uring --direct=1
mdadm --stop /dev/md0 >/dev/null 2>&1

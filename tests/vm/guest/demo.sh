# The showcase job run by ./salix demo: personality=ftl SSDs (page-mapping FTL,
# garbage collection, tlc-datacenter NAND timing); the last one (SALIX0005) is
# small, so a few seconds of random writes make its GC work. The first five
# then carry a Salix 4+1 array (parity inside the devices), compared with
# Linux md RAID-5 over the same five.
. /salix/lib.sh
echo "== nvme list"
nvme list
echo
echo "== salixctl list"
salixctl list
echo
echo "== fio: 4 KiB random read/write, QD16, all Salix SSDs at once (io_uring, direct)"
files=$(salix_namespaces | tr '\n' ':' | sed 's/:$//')
fio --name=demo --filename="$files" --ioengine=io_uring --direct=1 --rw=randrw \
  --bs=4k --iodepth=16 --size=64M --time_based --runtime=5 --group_reporting \
  --verify=crc32c --verify_fatal=1 --do_verify=0 | grep -E 'IOPS|lat \(usec\): min|READ:|WRITE:|err='
echo
small=$(nvme list | awk '/Salix/ && $3 == "SALIX0005" {print $1}')
ctrl=$(salix_ctrls | while read -r c; do
  [ "$(tr -d ' ' <"/sys/class/nvme/${c#/dev/}/serial")" = SALIX0005 ] && echo "$c"; done)
if [ -n "$small" ] && [ -n "$ctrl" ]; then
  echo "== fio: 4 KiB random writes of twice the capacity of $small (64 MiB): GC must run"
  fio --name=gc --filename="$small" --ioengine=io_uring --direct=1 --rw=randwrite \
    --bs=4k --iodepth=16 --io_size=128M --norandommap --randrepeat=0 | grep -E 'IOPS|err='
  echo
  echo "== salixctl stats $ctrl"
  salixctl stats "$ctrl"
fi

# ---- the array -----------------------------------------------------------
ngs=""
blks=""
for c in $(salix_ctrls); do
  [ "$(tr -d ' ' <"/sys/class/nvme/${c#/dev/}/serial")" = SALIX0005 ] && continue
  ngs="$ngs /dev/ng${c#/dev/nvme}n1"
  blks="$blks ${c}n1"
done
set -- $ngs
if [ $# -eq 5 ]; then
  echo
  echo "== salixctl array create: a 4+1 Salix array over$ngs"
  salixctl array create --name demo --force $ngs
  members=$(echo $ngs | tr ' ' ':')
  # The two jobs of the comparison (docs/BENCHMARKS.md): write IOPS from
  # fio's terse output (field 49).
  job4k="--rw=randwrite --bs=4k --iodepth=32 --size=256M --time_based --runtime=5
    --norandommap --randrepeat=0 --minimal"
  job64k="--rw=write --bs=64k --iodepth=32 --size=256M --time_based --runtime=5 --minimal"
  iops() { awk -F';' '{print int($49)}'; }
  salix_fio() {
    fio --name=salix --ioengine=external:/usr/lib/libsalix-fio.so --members="$members" \
      "$@" 2>/tmp/salix-fio.err | iops
    # The engine's summary of the job's array (fio opens it once before
    # the job too).
    grep -E 'engine: (closing|coalescing)' /tmp/salix-fio.err | tail -n 2 | sed 's/^/    /' >&2
  }
  echo
  echo "== fio through the Salix ioengine: 4 KiB random writes QD32, then 64 KiB sequential QD32, 5 s each"
  salix4k=$(salix_fio $job4k)
  salix64k=$(salix_fio $job64k)
  salixctl array destroy $ngs >/dev/null
  echo
  echo "== the same fio jobs on Linux md RAID-5 over the same five SSDs (--assume-clean)"
  md4k=""
  md64k=""
  if mdadm --create /dev/md0 --run --level=5 --raid-devices=5 --chunk=64 --assume-clean \
    $blks >/dev/null 2>&1; then
    md4k=$(fio --name=md --filename=/dev/md0 --ioengine=io_uring --direct=1 $job4k | iops)
    md64k=$(fio --name=md --filename=/dev/md0 --ioengine=io_uring --direct=1 $job64k | iops)
    mdadm --stop /dev/md0 >/dev/null 2>&1
  fi
  ratio() {
    [ -n "$1" ] && [ -n "$2" ] && [ "$2" -gt 0 ] &&
      awk -v s="$1" -v m="$2" 'BEGIN {printf "(%.2fx md)", s / m}'
  }
  echo
  echo "4 KiB random writes, QD32: Salix array ${salix4k:-?} IOPS, md RAID-5 ${md4k:-?} IOPS" \
    "$(ratio "$salix4k" "$md4k")"
  echo "64 KiB sequential writes, QD32: Salix array ${salix64k:-?} IOPS, md RAID-5 ${md64k:-?} IOPS" \
    "$(ratio "$salix64k" "$md64k")"
  echo "(one boot under TCG: the ratios move between boots; ./salix bench array-vs-md has the full table)"
fi

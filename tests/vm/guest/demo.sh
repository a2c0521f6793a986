# The showcase job run by ./salix demo: personality=ftl SSDs (page-mapping FTL,
# garbage collection, tlc-datacenter NAND timing); the last one is small, so a
# few seconds of random writes make its GC work.
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
small=$(nvme list | awk '/Salix/ && $3 == "SALIX0004" {print $1}')
ctrl=$(salix_ctrls | while read -r c; do
  [ "$(tr -d ' ' <"/sys/class/nvme/${c#/dev/}/serial")" = SALIX0004 ] && echo "$c"; done)
if [ -n "$small" ] && [ -n "$ctrl" ]; then
  echo "== fio: 4 KiB random writes of twice the capacity of $small (64 MiB): GC must run"
  fio --name=gc --filename="$small" --ioengine=io_uring --direct=1 --rw=randwrite \
    --bs=4k --iodepth=16 --io_size=128M --norandommap --randrepeat=0 | grep -E 'IOPS|err='
  echo
  echo "== salixctl stats $ctrl"
  salixctl stats "$ctrl"
fi

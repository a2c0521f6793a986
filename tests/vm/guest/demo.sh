# The showcase job run by ./salix demo.
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

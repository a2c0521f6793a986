# Guest side of tests/vm/array-device.sh: salix-uring-check drives each Salix
# namespace through io_uring passthrough (/dev/ngXnY).
. /salix/lib.sh
set -- $(salix_namespaces)
check "2 Salix SSDs present" test $# -eq 2
for blk in "$@"; do
  ng=/dev/ng${blk#/dev/nvme}
  check "$ng exists (generic char device for passthrough)" test -c "$ng"
  check "$ng: identify through libnvme (Salix, LBA size, capacity, MDTS)" \
    salix-uring-check info "$ng"
  salix-uring-check info "$ng"
  check "$ng: 32 MiB of random-sized writes at QD32, flush, reads at QD32, all bytes match" \
    salix-uring-check verify "$ng" --qd 32 --mib 32
  salix-uring-check verify "$ng" --qd 32 --mib 8 | tail -n 1
  check "$blk (block device name) maps to $ng and verifies at QD128" \
    salix-uring-check verify "$blk" --qd 128 --mib 8
  check "$ng: a read past the end completes with LBA Out of Range, not an errno" \
    salix-uring-check status "$ng"
  check "$ng: a second engine cannot open it; the error names the device and the holder" \
    salix-uring-check exclusive "$ng"
  salix-uring-check exclusive "$ng" | tail -n 1
  check "$ng: vendor I/O (Read Tags) and vendor admin (Fault Injection) reach the device" \
    salix-uring-check vendor "$ng"
  salix-uring-check vendor "$ng"
done
# The data written through passthrough is what the block layer reads.
blk=$1
ng=/dev/ng${blk#/dev/nvme}
check "a passthrough write is visible through the block device" sh -c "
  salix-uring-check verify $ng --qd 32 --mib 1 --seed 7 >/dev/null &&
  dd if=$blk bs=4096 count=256 iflag=direct 2>/dev/null | md5sum > /tmp/a &&
  dd if=$blk bs=4096 count=256 iflag=direct 2>/dev/null | md5sum > /tmp/b &&
  cmp /tmp/a /tmp/b && ! grep -q '^b6d81b360a5672d80c27430f39153e2c' /tmp/a"
check "salix-uring-check names a missing device" sh -c \
  "salix-uring-check info /dev/ng9n9 | grep -q 'ng9n9'"
finish

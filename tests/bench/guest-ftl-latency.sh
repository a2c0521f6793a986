# Guest side of the ftl-latency benchmark (one VM, two personality=ftl SSDs that
# differ only in timing.mode: SALIX0000 realtime, SALIX0001 off). Prints fio
# results and salixctl stats snapshots as JSON between marker lines for the host.
runtime=$(cat /salix/runtime)
dev_of() { nvme list | awk -v sn="$1" '$3 == sn {print $1; exit}'; }
ctrl_of() {  # the controller (/dev/nvmeN) with serial $1
  for c in /sys/class/nvme/nvme*; do
    [ "$(tr -d ' ' <"$c/serial")" = "$1" ] && { echo "/dev/${c##*/}"; return; }
  done
}
rt=$(dev_of SALIX0000)
off=$(dev_of SALIX0001)
[ -n "$rt" ] && [ -n "$off" ] || { nvme list; echo "devices missing"; exit 1; }
echo "realtime: $rt   off: $off"
# The measured range is 256 MiB; the fill writes 16 MiB more, so the write
# buffer (1 MiB) holds none of the measured blocks and every read goes to NAND.
for dev in "$rt" "$off"; do
  fio --name=fill --filename="$dev" --ioengine=io_uring --direct=1 --rw=write \
    --bs=128k --iodepth=8 --size=272M --end_fsync=1 >/dev/null || exit 1
  nvme flush "$dev" --namespace-id=1 >/dev/null || exit 1
done
sleep 1   # let the programs of the fill drain off the dies

common="--ioengine=io_uring --direct=1 --bs=4k --size=256M --norandommap --randrepeat=0"
common="$common --rw=randread --time_based --runtime=$runtime --output-format=json"
stats() {  # stats LABEL SERIAL: a snapshot of a device's statistics page
  echo "BENCH-STATS-BEGIN $1"
  salixctl stats "$(ctrl_of "$2")" --json || exit 1
  echo "BENCH-STATS-END"
}
for job in rt:1 off:1 rt:32; do
  name=${job%:*}
  qd=${job#*:}
  dev=$([ "$name" = rt ] && echo "$rt" || echo "$off")
  serial=$([ "$name" = rt ] && echo SALIX0000 || echo SALIX0001)
  stats "$name-qd$qd-before" "$serial"
  echo "BENCH-JSON-BEGIN $name $qd"
  fio --name="$name-randread-qd$qd" --filename="$dev" $common --iodepth="$qd" || exit 1
  echo "BENCH-JSON-END"
  stats "$name-qd$qd-after" "$serial"
done

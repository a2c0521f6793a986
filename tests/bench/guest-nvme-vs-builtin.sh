# Guest side of the salix-nvme vs built-in nvme benchmark (one VM, same jobs).
# Prints each fio result as JSON between marker lines for the host to parse.
runtime=$(cat /salix/runtime)
salix=$(nvme list | awk '/Salix/ {print $1; exit}')
builtin=$(nvme list | awk '/QEMU NVMe/ {print $1; exit}')
[ -n "$salix" ] && [ -n "$builtin" ] || { nvme list; echo "devices missing"; exit 1; }
echo "salix-nvme: $salix   built-in nvme: $builtin"
common="--ioengine=io_uring --direct=1 --bs=4k --size=256M --norandommap --randrepeat=0"
for dev in "$salix" "$builtin"; do
  # Fill the measured range once so reads hit written blocks on both devices.
  fio --name=fill --filename="$dev" --ioengine=io_uring --direct=1 --rw=write \
    --bs=128k --iodepth=8 --size=256M >/dev/null || exit 1
done
for job in randread:32 randwrite:32 randread:1; do
  rw=${job%:*}
  qd=${job#*:}
  for dev in "$salix" "$builtin"; do
    name=$([ "$dev" = "$salix" ] && echo salix || echo builtin)
    echo "BENCH-JSON-BEGIN $name $rw $qd"
    fio --name="$name-$rw-qd$qd" --filename="$dev" $common --rw="$rw" \
      --iodepth="$qd" --time_based --runtime="$runtime" --output-format=json || exit 1
    echo "BENCH-JSON-END"
  done
done

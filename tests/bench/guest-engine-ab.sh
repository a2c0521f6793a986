#!/bin/sh
# Guest side of ./salix bench engine-ab: this tree's engine (libsalix-fio.so)
# and the base commit's (libsalix-fio-base.so) on a fresh 4+1 array each
# run; per round both jobs, the engines' order alternating (odd rounds new
# first). Prints "AB <round> <new|base> <job> <write IOPS>".
runtime=$(cat /salix/runtime)
rounds=$(cat /salix/rounds)
ngs=""
for c in /sys/class/nvme/nvme*; do
  grep -q '^Salix' "$c/model" 2>/dev/null || continue
  n=${c##*/}
  ngs="$ngs /dev/ng${n#nvme}n1"
done
set -- $ngs
[ $# -eq 5 ] || { echo "want 5 Salix SSDs, found: $ngs"; exit 1; }
members=$(echo $ngs | tr ' ' ':')
run() { # round engine rw bs
  lib=libsalix-fio.so
  [ "$2" = base ] && lib=libsalix-fio-base.so
  iops=-
  if salixctl array create --name ab --force $ngs >/dev/null; then
    # Write IOPS: field 49 of fio's terse output.
    iops=$(timeout $((runtime * 6 + 60)) fio --name=ab --ioengine=external:/usr/lib/$lib \
      --members="$members" --rw="$3" --bs="$4" --iodepth=32 --size=256M --time_based \
      --runtime="$runtime" --norandommap --randrepeat=0 --output-format=terse 2>/tmp/ab.err |
      awk -F';' '{print $49}')
    [ -n "$iops" ] || { iops=-; tail -n 5 /tmp/ab.err; }
    salixctl array destroy $ngs >/dev/null
  fi
  echo "AB $1 $2 $3-$4 $iops"
}
r=1
while [ $r -le "$rounds" ]; do
  for job in "randwrite 4k" "write 64k"; do
    if [ $((r % 2)) = 1 ]; then
      run $r new $job
      run $r base $job
    else
      run $r base $job
      run $r new $job
    fi
  done
  r=$((r + 1))
done
echo AB-DONE

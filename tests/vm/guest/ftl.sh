# VM test: personality=ftl SSDs on backing files, across three boots
# (phase in /salix/phase; tests/vm/ftl.sh drives them):
#   checkpoint  write pattern A; the job ends, the guest powers off cleanly
#               (CC.SHN: the firmware writes its checkpoint)
#   crash       A reads back (mapping from the checkpoint); random 4 KiB
#               writes over 3x the capacity (GC must run) with crc32c verify;
#               WAF and GC counters; flush, print the marker and wait: the
#               host kills QEMU with SIGKILL (a power cut)
#   recover     the last write of every block of the crash phase reads back
#               (mapping rebuilt by scanning OOB)
. /salix/lib.sh
phase=$(cat /salix/phase)
MARKER=SALIX-FTL-FLUSHED   # tests/vm/ftl.sh waits for it

# Devices by serial, not probe order (nvme-cli 2.3 columns: Node, Generic, SN, ...).
entries=$(nvme list | awk '/Salix/ {print $1 ":" $3}')
check "2 Salix SSDs, both with personality ftl" \
  sh -c "test \$(salixctl list | grep -c ftl) -eq 2 && test $(echo "$entries" | wc -w) -eq 2"

# fio_pattern NAME NS SIZE IO_SIZE SEED [fio options...]: 4 KiB random writes
# with crc32c headers; the same arguments replay the same offsets and data,
# so --verify_only in a later boot checks the last write of every block.
fio_pattern() {
  local name=$1 ns=$2 size=$3 io_size=$4 seed=$5
  shift 5
  fio --name="$name" --filename="$ns" --ioengine=io_uring --direct=1 \
    --rw=randwrite --bs=4k --iodepth=16 --size="$size" --io_size="$io_size" \
    --norandommap --randseed="$seed" --verify=crc32c --verify_fatal=1 \
    --minimal "$@"
}

# GC workload on one device: 3x its capacity.
gc_workload() {
  local ns=$1 serial=$2 bytes
  shift 2
  bytes=$(($(cat "/sys/block/${ns#/dev/}/size") * 512))
  fio_pattern "gc-$serial" "$ns" "$bytes" $((3 * bytes)) 7000 "$@"
}

# gc_both WHAT [fio options...]: gc_workload on both devices at once (the
# guest's two CPUs keep both busy), then one check per device.
gc_both() {
  local what=$1 entry ns serial pids="" p pid rest status
  shift
  for entry in $entries; do
    ns=${entry%%:*}
    serial=${entry#*:}
    gc_workload "$ns" "$serial" "$@" >"/tmp/gc-$serial.out" 2>&1 &
    pids="$pids $!:$ns:$serial"
  done
  for p in $pids; do
    pid=${p%%:*}
    rest=${p#*:}
    status=0
    wait "$pid" || status=$?
    check "${rest%%:*} (${rest#*:}): $what" sh -c "cat /tmp/gc-${rest#*:}.out; exit $status"
  done
}

# json_field NAME: the first numeric value of "NAME" in salixctl stats --json.
json_field() {
  sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p" /tmp/stats.json | head -n 1
}
# raw_u FORMAT OFFSET: one little-endian field of the raw C0h page.
raw_u() {
  od -An -t"$1" -j"$2" -N"${1#u}" /tmp/c0.bin | tr -d ' '
}

case $phase in
checkpoint)
  for entry in $entries; do
    ns=${entry%%:*}
    serial=${entry#*:}
    check "$ns ($serial): write pattern A (4 KiB random, 32 MiB)" \
      fio_pattern "a-$serial" "$ns" 32M 32M 1111 --do_verify=0
  done
  ;;
crash)
  for entry in $entries; do
    ns=${entry%%:*}
    serial=${entry#*:}
    check "$ns ($serial): pattern A survived the clean shutdown (checkpoint)" \
      fio_pattern "a-$serial" "$ns" 32M 32M 1111 --verify_only
  done
  gc_both "4 KiB random writes of 3x the capacity read back (crc32c)" \
    --do_verify=1 --end_fsync=1
  for ctrl in $(salix_ctrls); do
    salixctl stats "$ctrl"
    salixctl stats "$ctrl" --json >/tmp/stats.json 2>&1
    waf=$(json_field waf)
    gc_runs=$(json_field gc_runs)
    moved=$(json_field gc_pages_moved)
    meta=$(json_field metadata_bytes)
    check "$ctrl: salixctl stats: WAF ${waf:-?} > 1" \
      awk -v w="${waf:-0}" 'BEGIN { exit !(w > 1.0) }'
    check "$ctrl: salixctl stats: GC ran (${gc_runs:-?} runs, ${moved:-?} pages moved)" \
      test "${gc_runs:-0}" -gt 0 -a "${moved:-0}" -gt 0
    check "$ctrl: salixctl stats: FTL metadata ${meta:-?} bytes > 0" test "${meta:-0}" -gt 0
    # The same counters straight from the page (layout: salix/stats_log.h).
    nvme get-log "$ctrl" --log-id=0xc0 --log-len=1024 --raw-binary >/tmp/c0.bin
    waf_milli=$(raw_u u4 68)
    host_pages=$(raw_u u8 72)
    nand_pages=$(raw_u u8 80)
    raw_gc=$(raw_u u8 96)
    check "$ctrl: get-log C0h: waf_milli $waf_milli > 1000, NAND $nand_pages > host $host_pages pages" \
      test "$waf_milli" -gt 1000 -a "$nand_pages" -gt "$host_pages"
    check "$ctrl: get-log C0h: gc_runs $raw_gc > 0" test "$raw_gc" -gt 0
  done
  for ns in $(salix_namespaces); do
    check "$ns: nvme flush" nvme flush "$ns" --namespace-id=1
  done
  sync
  # Everything above was acknowledged and flushed: from here the host may cut
  # the power at any moment. Background GC may still be running; it must not
  # lose data either.
  await_power_cut "$MARKER"
  ;;
recover)
  gc_both "after kill -9, the last write of every block reads back (OOB scan)" --verify_only
  # The verify above can fail: the same replay with another seed must.
  ns=$(salix_namespaces | head -n 1)
  check "$ns: a replay with the wrong seed fails verification" \
    sh -c "! fio --name=wrong --filename=$ns --ioengine=io_uring --direct=1 --rw=randwrite \
      --bs=4k --size=4M --norandommap --randseed=7001 --verify=crc32c --verify_fatal=1 \
      --minimal --verify_only"
  for ctrl in $(salix_ctrls); do
    check_output "$ctrl: salixctl stats after recovery" "personality ftl" salixctl stats "$ctrl"
  done
  ;;
*)
  echo "CHECK FAIL: unknown phase '$phase'"
  CHECKS_FAILED=$((CHECKS_FAILED + 1))
  ;;
esac
finish

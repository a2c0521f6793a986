# VM test: 5 Salix SSDs under the real Linux nvme driver and nvme-cli.
. /salix/lib.sh
expected=${SALIX_EXPECT_SSDS:-5}

check "nvme list shows $expected Salix SSDs" \
  test "$(salix_namespaces | wc -l)" -eq "$expected"
check "salixctl list shows $expected devices" \
  sh -c "test \$(salixctl list | grep -c nossd) -eq $expected"

for ctrl in $(salix_ctrls); do
  check "$ctrl: nvme id-ctrl" nvme id-ctrl "$ctrl"
  check_output "$ctrl: id-ctrl model and vendor area" "mn +: Salix" nvme id-ctrl "$ctrl"
  check "$ctrl: nvme smart-log" nvme smart-log "$ctrl"
  check "$ctrl: nvme error-log" nvme error-log "$ctrl"
  check "$ctrl: nvme get-log (SMART, 512 bytes)" nvme get-log "$ctrl" --log-id=2 --log-len=512
  check "$ctrl: nvme get-log (commands supported and effects)" \
    nvme get-log "$ctrl" --log-id=5 --log-len=4096
  check "$ctrl: nvme fw-log" nvme fw-log "$ctrl"
  check_output "$ctrl: nvme get-log (Salix statistics C0h, raw)" "SALIXST" \
    nvme get-log "$ctrl" --log-id=0xc0 --log-len=1024
  check_output "$ctrl: salixctl stats" "personality nossd" salixctl stats "$ctrl"
done

for ns in $(salix_namespaces); do
  check "$ns: nvme id-ns" nvme id-ns "$ns"
  check "$ns: fio 4 KiB random write + crc32c verify" \
    fio --name=rand4k --filename="$ns" --ioengine=io_uring --direct=1 \
      --rw=randwrite --bs=4k --iodepth=16 --size=16M --verify=crc32c \
      --verify_fatal=1 --randrepeat=0 --minimal
  check "$ns: fio 128 KiB sequential write + crc32c verify" \
    fio --name=seq128k --filename="$ns" --ioengine=io_uring --direct=1 \
      --rw=write --bs=128k --iodepth=8 --size=64M --offset=128M \
      --verify=crc32c --verify_fatal=1 --minimal
done

# The fio runs above went through the HIL: its counters and lateness show it.
for ctrl in $(salix_ctrls); do
  check_output "$ctrl: salixctl stats --json counts the fio writes" \
    '"host_write_commands": [1-9][0-9]*, .*"media": null, .*"lateness": \{"samples": [1-9]' \
    salixctl stats "$ctrl" --json
done

finish

# Guest side of tests/vm/apps.sh. /salix/apps holds the example objects, the
# data, the Checksum input, the domain buffer and the expected CRC32C.
. /salix/lib.sh
A=/salix/apps
ctrl=$(salix_ctrls | head -n 1)
blk=$(salix_namespaces | head -n 1)
ng=/dev/ng${blk#/dev/nvme}
want=$(cat $A/expected)
check "one Salix SSD ($ctrl, $blk, $ng)" test -c "$ng"
check "LBAs are 512 bytes" test "$(cat /sys/block/${blk#/dev/}/queue/logical_block_size)" = 512
nvme get-log $ctrl --log-id=5 --log-len=4096 --raw-binary > /tmp/eff.bin 2>/dev/null
effect() { od -An -tx4 -j $(($1 * 4)) -N4 /tmp/eff.bin | tr -d ' '; }
check "the effects log lists Load Program 85h, Activation 88h, Domain Management C3h" \
  test "$(effect 0x85)$(effect 0x88)$(effect 0xc3)" = 000000010000000100000001
check "... and Invoke 83h with LBCC (apps may write)" test "$(effect $((256 + 0x83)))" = 00000003
check "known data written with dd (32 LBAs)" \
  dd if=$A/data.bin of=$blk bs=4096 count=4 oflag=direct conv=fsync

# ---- by hand: nvme-cli passthrough only -------------------------------------
size=$(wc -c < $A/checksum.bpf.o)
check "nvme admin-passthru: Load Program 85h of checksum.bpf.o ($size bytes) into slot 0" \
  nvme admin-passthru $ctrl --opcode=0x85 --cdw10=0x1 --cdw11=$size --cdw12=$size \
  --cdw13=0 --data-len=$size --input-file=$A/checksum.bpf.o --write
# "checksum" as two little-endian dwords: "chec" = 0x63656863, "ksum" = 0x6d75736b.
check "nvme admin-passthru: Program Activation 88h as 'checksum'" \
  nvme admin-passthru $ctrl --opcode=0x88 --cdw10=0x1 --cdw12=0x63656863 --cdw13=0x6d75736b
# Domain Management and Invoke move data both ways in one buffer. nvme-cli
# 2.3 reads the input of such an opcode from its stdout descriptor and
# writes the returned buffer (--raw-binary) after it, so one file opened
# read-write on stdout holds the input, then the output.
passthru_both() {  # passthru_both FILE nvme ... : input from FILE, output appended to it
  local f=$1
  shift
  "$@" --raw-binary 1<>"$f"
}
cp $A/domain.bin /tmp/domain.io
check "nvme admin-passthru: Domain Management C3h creates a read domain over LBAs 0..63" \
  passthru_both /tmp/domain.io nvme admin-passthru $ctrl --opcode=0xc3 --cdw10=0 --cdw11=1 \
  --data-len=48
set -- $(od -An -tx4 -j 48 -N16 /tmp/domain.io)
t0=0x$1 t1=0x$2 t2=0x$3 t3=0x$4
echo "token dwords: $t0 $t1 $t2 $t3"
check "the token is not zero" test "$t0$t1$t2$t3" != 0x000000000x000000000x000000000x00000000
invoke() {  # invoke CDW2 CDW3 CDW14 CDW15: Checksum of LBAs 0..31, 4 output bytes
  cp $A/params.bin /tmp/inv.io
  passthru_both /tmp/inv.io nvme io-passthru $blk --opcode=0x83 --namespace-id=1 \
    --cdw2=$1 --cdw3=$2 --cdw14=$3 --cdw15=$4 --cdw10=0 --cdw11=16 --cdw12=4 --data-len=16
}
invoke $t0 $t1 $t2 $t3 2>/tmp/inv.err
cat /tmp/inv.err
got=$(od -An -tx4 -j 16 -N4 /tmp/inv.io | tr -d ' ')
echo "output CRC32C $got, expected $want"
check "nvme io-passthru: Invoke 83h returns the CRC32C of the data in its output" \
  test "$got" = "$want"
check_output "nvme io-passthru: ... and in the completion's result (DW0)" "$want" \
  cat /tmp/inv.err
check_output "a forged token: Domain Token Invalid (SCT 7, SC 08h)" "0x708|708|VENDOR|Vendor" \
  invoke $t0 $t1 $t2 0x12345678

# ---- salixctl ------------------------------------------------------------------
check "salixctl app list shows checksum active in slot 0" sh -c \
  "salixctl app list $ng | grep -E '^0 +active +checksum'"
check "salixctl app load: scan_filter into slot 1 with one command" \
  salixctl app load $ng 1 $A/scan_filter.bpf.o --name scan
salixctl domain create $ng --range 0:64:r > /tmp/dom 2>&1
cat /tmp/dom
tok=$(awk '/token/ {print $4}' /tmp/dom)
id=$(awk '/token/ {print $2}' /tmp/dom)
check "salixctl domain create prints a 128-bit token" sh -c "echo $tok | grep -Eq '^[0-9a-f]{32}$'"
check_output "salixctl app call checksum gives the same CRC32C" "value [0-9]+ \\(0x$want\\)" \
  salixctl app call $ng checksum --token $tok --u64 0 --u32 32 --u32 0
check_output "an LBA outside the domain: App Access Denied with the reason" \
  "App Access Denied \\(0x709\\): the app touched LBAs outside" \
  salixctl app call $ng checksum --token $tok --u64 60 --u32 8 --u32 0
check "salixctl domain destroy" salixctl domain destroy $ng $id
check_output "a revoked token: Domain Token Invalid with the reason" \
  "Domain Token Invalid \\(0x708\\): the token is forged, or its domain was destroyed" \
  salixctl app call $ng checksum --token $tok --u64 0 --u32 1 --u32 0
check_output "a load into an occupied slot: Program Slot Occupied" "Program Slot Occupied \\(0x702\\)" \
  salixctl app load $ng 1 $A/checksum.bpf.o --name other
check_output "a function the app does not have: App Function Invalid" "App Function Invalid \\(0x706\\)" \
  salixctl app call $ng scan --function 3
check_output "a program that is not eBPF: Program Invalid" "Program Invalid \\(0x701\\)" \
  salixctl app load $ng 2 $A/data.bin
check "salixctl app load --raw: a loop that never ends (it verifies)" \
  salixctl app load $ng 3 $A/spin.bin --raw --name spin
check_output "... is stopped by the instruction budget" "Budget Exhausted \\(0x70a\\)" \
  salixctl app call $ng spin --budget 64
check "the device still answers I/O after it" \
  dd if=$blk of=/dev/null bs=4096 count=1 iflag=direct
check_output "salixctl app stats counts calls and errors" "spin +1 +1 +6553[0-9]" \
  salixctl app stats $ng spin
salixctl app stats $ng
check "salixctl app unload" salixctl app unload $ng spin
# The broker: root may grant anything; a user is judged by the file's mode.
check_output "salixctl broker grant (root): a token for the whole namespace" "token [0-9a-f]{32}" \
  salixctl broker grant $blk --rights r
echo "salix-extent $ng 0 32" > /tmp/extent
chmod 0640 /tmp/extent
chown 1000:1000 /tmp/extent
check_output "the broker grants uid 1000 read+write of an extent file it owns (0640)" \
  "token [0-9a-f]{32}" env SUDO_UID=1000 SUDO_GID=1000 salixctl broker grant /tmp/extent --rights rw
check_output "... and refuses uid 1001 (other: no bits) with the reason" \
  "refused: uid 1001 may nothing /tmp/extent" \
  env SUDO_UID=1001 SUDO_GID=1001 salixctl broker grant /tmp/extent --rights r
finish

# VM test: malformed commands sent by hand through nvme-cli passthrough get
# their NVMe status, and the device (and the VM) keep working afterwards.
. /salix/lib.sh
ctrl=$(salix_ctrls | head -n 1)
ns=$(salix_namespaces | head -n 1)
[ -n "$ctrl" ] && [ -n "$ns" ] || { echo "CHECK FAIL: no Salix device found"; exit 1; }
blocks=$(cat "/sys/block/${ns#/dev/}/size")        # 512-byte sectors
lbads=$(cat "/sys/block/${ns#/dev/}/queue/logical_block_size")
nlba=$((blocks * 512 / lbads))

check_output "reserved admin opcode 0xbf -> Invalid Command Opcode" \
  "INVALID_OPCODE|Invalid Command Opcode" \
  nvme admin-passthru "$ctrl" --opcode=0xbf
check_output "reserved I/O opcode 0x7e -> Invalid Command Opcode" \
  "INVALID_OPCODE|Invalid Command Opcode" \
  nvme io-passthru "$ns" --opcode=0x7e --namespace-id=1
check_output "Identify with CNS 0x55 -> Invalid Field" \
  "INVALID_FIELD|Invalid Field" \
  nvme admin-passthru "$ctrl" --opcode=0x06 --cdw10=0x55 --data-len=4096 --read
check_output "Get Log Page 0x7f -> Invalid Log Page" \
  "INVALID_LOG_PAGE|Invalid Log Page" \
  nvme get-log "$ctrl" --log-id=0x7f --log-len=512
check_output "Create I/O SQ with QID 0xffff -> Invalid Queue Identifier" \
  "INVALID_QID|Invalid Queue Identifier" \
  nvme admin-passthru "$ctrl" --opcode=0x01 --cdw10=0x003fffff --cdw11=0x00010001
check_output "Delete I/O CQ 0x3fff that does not exist -> Invalid Queue Identifier" \
  "INVALID_QID|Invalid Queue Identifier" \
  nvme admin-passthru "$ctrl" --opcode=0x04 --cdw10=0x3fff
check_output "Get Features FID 0x7d -> Invalid Field" \
  "INVALID_FIELD|Invalid Field" \
  nvme get-feature "$ctrl" --feature-id=0x7d
check_output "Read at the last LBA + 1 -> LBA Out of Range" \
  "LBA_RANGE|LBA Out of Range" \
  nvme io-passthru "$ns" --opcode=0x02 --namespace-id=1 --cdw10=$((nlba & 0xffffffff)) \
    --cdw11=$((nlba >> 32)) --data-len="$lbads" --read
# (Linux refuses I/O passthrough to a foreign NSID itself, so use Identify.)
check_output "Identify Namespace 7 (NN is 1) -> Invalid Namespace or Format" \
  "INVALID_NS|Invalid Namespace" \
  nvme admin-passthru "$ctrl" --opcode=0x06 --namespace-id=7 --cdw10=0 --data-len=4096 --read
check_output "Format NVM with LBA format 9 -> Invalid Format" \
  "INVALID_FORMAT|Invalid Format" \
  nvme admin-passthru "$ctrl" --opcode=0x80 --namespace-id=1 --cdw10=9
# A scattered Write Tagged (85h, CDW13 bit 31): two one-block pieces, tags
# 1 and 2, at the LBAs given (octal escapes), data 'A' then 'B'.
scattered() {
  { printf '\001'; head -c 15 /dev/zero; printf '\002'; head -c 15 /dev/zero
    printf "$1"; head -c 7 /dev/zero; printf "$2"; head -c 7 /dev/zero
    head -c $((4096 - 48)) /dev/zero
    head -c "$lbads" /dev/zero | tr '\0' A; head -c "$lbads" /dev/zero | tr '\0' B
  } >/tmp/wt.bin
  nvme io-passthru "$ns" --opcode=0x85 --namespace-id=1 --cdw10="$3" --cdw12=1 \
    --cdw13=0x80000000 --data-len=$((4096 + 2 * lbads)) --write --input-file=/tmp/wt.bin
}
check_output "scattered Write Tagged with descending LBAs (10, 5) -> Invalid Field" \
  "INVALID_FIELD|Invalid Field" scattered '\012' '\005' 10
# The same at LBAs 10 and 20: block 20 then holds the second piece.
scattered_lands() {
  scattered '\012' '\024' 10 >/dev/null &&
    nvme read "$ns" --start-block=20 --block-count=0 --data-size="$lbads" \
      --data=/tmp/r.bin >/dev/null &&
    [ "$(wc -c </tmp/r.bin)" -eq "$lbads" ] && [ "$(tr -d B </tmp/r.bin | wc -c)" -eq 0 ]
}
check "scattered Write Tagged at LBAs 10 and 20 puts its second piece at 20" scattered_lands
check_output "error log records the failures" "error_count[[:space:]]*:[[:space:]]*[1-9]" \
  nvme error-log "$ctrl" --log-entries=1
check "device still serves I/O: fio 4 KiB random write + verify" \
  fio --name=after --filename="$ns" --ioengine=io_uring --direct=1 \
    --rw=randwrite --bs=4k --iodepth=8 --size=8M --verify=crc32c \
    --verify_fatal=1 --minimal
finish

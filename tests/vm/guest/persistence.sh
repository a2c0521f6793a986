# Phase "write": write a verifiable pattern to every Salix SSD, then power off.
# Phase "verify" (next boot, same backing files): read it back and check it.
. /salix/lib.sh
phase=$(cat /salix/phase)
# The serial, not the probe order, names the data a device must hold.
# (nvme-cli 2.3 columns: Node, Generic, SN, Model, ...)
for entry in $(nvme list | awk '/Salix/ {print $1 ":" $3}'); do
  ns=${entry%%:*}
  serial=${entry#*:}
  common="--name=persist-$serial --filename=$ns --ioengine=io_uring --direct=1
    --rw=randwrite --bs=4k --iodepth=16 --size=32M --randseed=4242
    --verify=crc32c --verify_fatal=1 --minimal"
  if [ "$phase" = write ]; then
    check "$ns ($serial): write pattern" fio $common --do_verify=0
  else
    check "$ns ($serial): pattern survived the VM restart" fio $common --verify_only
  fi
done
check "found 2 Salix SSDs" test "$(salix_namespaces | wc -l)" -eq 2
finish

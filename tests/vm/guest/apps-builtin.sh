# Guest side of tests/vm/apps-builtin.sh: the built-in apps (txn, kv,
# append) through salixctl. /salix/phase is "run" or "verify"; /salix/data
# holds the data files the host made. Device SALIX0000 has apps.builtin=on
# (4096-byte LBAs), SALIX0001 not.
. /salix/lib.sh
D=/salix/data
phase=$(cat /salix/phase)
MARKER=SALIX-BUILTIN-CUT   # tests/vm/apps-builtin.sh cuts the power when it sees it

# Namespaces by serial (nvme-cli 2.3 columns: Node, Generic, SN, ...).
blk=$(nvme list | awk '$3 == "SALIX0000" {print $1}')
plain=$(nvme list | awk '$3 == "SALIX0001" {print $1}')
ng=/dev/ng${blk#/dev/nvme}
check "two Salix SSDs: $blk with the built-in apps, $plain without" \
  test -n "$blk" -a -n "$plain" -a -c "$ng"

# lbas LBA COUNT: COUNT LBAs from LBA with a plain O_DIRECT read (dd).
lbas() { dd if="$blk" bs=4096 skip="$1" count="$2" iflag=direct 2>/dev/null; }
# same FILE CMD...: the command's standard output equals FILE.
same() {
  local f=$1
  shift
  "$@" >/tmp/same.out && cmp /tmp/same.out "$f"
}
# put_home FILE LBA: write FILE's LBAs at LBA with dd.
put_home() { dd if="$1" of="$blk" bs=4096 seek="$2" oflag=direct conv=fsync 2>/dev/null; }
# homes FILE1 FILE2: LBAs 100..102 hold FILE1 and LBA 200 FILE2 (dd reads).
homes() { lbas 100 3 | cmp - "$1" && lbas 200 1 | cmp - "$2"; }
# nvme_read_is LBA FILE: one LBA read with nvme read equals FILE.
nvme_read_is() {
  nvme read "$blk" --start-block="$1" --block-count=0 --data-size=4096 --data=/tmp/nr \
    >/dev/null && cmp /tmp/nr "$2"
}

# The token: a read/write domain over LBAs 0..4095 and read-only 4096..4159.
salixctl domain create "$ng" --range 0:4096:rw --range 4096:64:r >/tmp/dom 2>&1
cat /tmp/dom
tok=$(awk '/token/ {print $4}' /tmp/dom)
check "salixctl domain create: a token for LBAs 0..4095 (rw) and 4096..4159 (r)" \
  sh -c "echo '$tok' | grep -Eq '^[0-9a-f]{32}$'"
T="--token $tok"
KV="--range 1000:512"
AP="--range 2000:64"

case $phase in
run)
  check_output "salixctl app list: txn, kv, append built in at slots 256..258" \
    "256 +built-in +txn .*begin.*257 +built-in +kv .*258 +built-in +append" \
    sh -c "salixctl app list $ng | tr '\n' ' '"
  check_output "a device without apps.builtin: the error says how to turn it on" \
    "no built-in app 'kv'.*apps.builtin=on" \
    salixctl kv get "$plain" --range 0:64 k $T

  # ---- a committed transaction ---------------------------------------------
  put_home $D/old1 100
  put_home $D/old2 200
  id=$(salixctl txn begin "$ng")
  check "txn begin prints the new transaction's id ($id)" sh -c "echo '$id' | grep -Eq '^[0-9]+$'"
  check "txn write: 3 LBAs at 100 from --in FILE" salixctl txn write "$ng" "$id" 100 --in $D/new1 $T
  check "txn write: 1 LBA at 200 from standard input" \
    sh -c "salixctl txn write $ng $id 200 $T < $D/new2"
  check "txn read before commit: the logged data (LBAs 100..102)" \
    same $D/new1 salixctl txn read "$ng" "$id" 100 3 $T
  check "txn read --out FILE: LBA 200" \
    sh -c "salixctl txn read $ng $id 200 1 $T --out /tmp/r200 && cmp /tmp/r200 $D/new2"
  check "before commit the homes are unchanged (dd read of LBAs 100..102)" same $D/old1 lbas 100 3
  check "... and LBA 200 (nvme read)" nvme_read_is 200 $D/old2
  check_output "txn info: one transaction open" "^open 1 of 16" salixctl txn info "$ng"
  check_output "txn commit prints its sequence number" "txn $id: committed, sequence [0-9]+" \
    salixctl txn commit "$ng" "$id" $T
  check "after commit LBAs 100..102 hold the data (dd read)" same $D/new1 lbas 100 3
  check "... and LBA 200 (nvme read)" nvme_read_is 200 $D/new2
  check_output "a committed transaction's id is closed: Command Sequence Error, why" \
    "Command Sequence Error \\(0x00c\\).*not open" salixctl txn commit "$ng" "$id" $T

  # ---- an aborted transaction ------------------------------------------------
  id2=$(SALIX_TOKEN=$tok salixctl txn begin "$ng")
  check "a second transaction ($id2) logs both ranges (token from SALIX_TOKEN)" \
    sh -c "SALIX_TOKEN=$tok salixctl txn write $ng $id2 100 --in $D/alt1 &&
      SALIX_TOKEN=$tok salixctl txn write $ng $id2 200 --in $D/alt2"
  check "... its view shows the new data" same $D/alt1 salixctl txn read "$ng" "$id2" 100 3 $T
  check_output "txn abort" "txn $id2: aborted" salixctl txn abort "$ng" "$id2" $T
  check "after abort the homes still hold the committed data" homes $D/new1 $D/new2
  check_output "... and the id is closed" "Command Sequence Error \\(0x00c\\)" \
    salixctl txn read "$ng" "$id2" 100 1 $T

  # ---- refusals ----------------------------------------------------------------
  id3=$(salixctl txn begin "$ng")
  check_output "a txn write to read-only LBA 4096: App Access Denied with the reason" \
    "App Access Denied \\(0x709\\): the app touched LBAs outside the caller's domain.*home LBAs" \
    salixctl txn write "$ng" "$id3" 4096 --in $D/new2 $T
  check_output "a txn write past the domain (LBA 5000): App Access Denied" \
    "App Access Denied \\(0x709\\)" salixctl txn write "$ng" "$id3" 5000 --in $D/new2 $T
  check "... nothing reached LBA 4096" same $D/zero lbas 4096 1
  check_output "a forged token: Domain Token Invalid" "Domain Token Invalid \\(0x708\\)" \
    salixctl txn write "$ng" "$id3" 100 --in $D/new2 --token 0123456789abcdef0123456789abcdef
  check_output "data that is not whole LBAs is refused before anything is sent" \
    "[0-9]+ bytes of data are not whole 4096-byte LBAs \\(--pad" \
    sh -c "echo hello | salixctl txn write $ng $id3 100 $T"
  check "txn abort of the refused transaction" salixctl txn abort "$ng" "$id3" $T
  check "LBAs 100..102 still hold the committed data" same $D/new1 lbas 100 3

  # ---- key-value store -----------------------------------------------------------
  check "kv format over LBAs 1000..1511" salixctl kv format "$ng" $KV $T
  check "kv put cherry, apple, banana (values as arguments)" sh -c \
    "salixctl kv put $ng $KV cherry red $T && salixctl kv put $ng $KV apple green $T &&
     salixctl kv put $ng $KV banana yellow $T"
  check "kv put of a 5000-byte value from --in FILE" \
    salixctl kv put "$ng" $KV blob --in $D/big.value $T
  check_output "kv get apple" "^green$" salixctl kv get "$ng" $KV apple $T
  check "kv get blob reads back the 5000 bytes" same $D/big.value salixctl kv get "$ng" $KV blob $T
  check_output "kv put over an existing key, then get: the new value" "^GREEN$" \
    sh -c "salixctl kv put $ng $KV apple GREEN $T && salixctl kv get $ng $KV apple $T"
  check_output "kv del banana" "^deleted banana" salixctl kv del "$ng" $KV banana $T
  st=0
  salixctl kv get "$ng" $KV banana $T >/tmp/get.out 2>&1 || st=$?
  check "kv get of the deleted key: exit status 3, 'no key'" \
    sh -c "test $st -eq 3 && grep -q \"no key 'banana'\" /tmp/get.out"
  printf 'apple\tGREEN\ncherry\tred\n' >/tmp/scan.want
  salixctl kv scan "$ng" $KV $T >/tmp/scan.out 2>&1
  check "kv scan: apple, blob, cherry in key order with their values" \
    sh -c "cut -f1 /tmp/scan.out | tr '\n' ' ' | grep -qx 'apple blob cherry ' &&
      grep -v '^blob' /tmp/scan.out | cmp - /tmp/scan.want"
  check_output "kv scan --from b --limit 1 --keys-only: blob and its length only" \
    "^blob.\\(5000 bytes\\)\$" salixctl kv scan "$ng" $KV --from b --limit 1 --keys-only $T
  check_output "kv info: 3 keys" "^keys 3$" salixctl kv info "$ng" $KV $T
  check_output "kv over a range the domain only lets us read: App Access Denied" \
    "App Access Denied \\(0x709\\).*read and write rights" \
    salixctl kv format "$ng" --range 4096:64 $T
  check_output "kv get on a range that is not a store: Command Sequence Error, why" \
    "Command Sequence Error \\(0x00c\\).*not a formatted key-value store" \
    salixctl kv get "$ng" --range 3000:512 apple $T

  # ---- append ------------------------------------------------------------------
  check "append format over LBAs 2000..2063" salixctl append format "$ng" $AP $T
  l1=$(salixctl append write "$ng" $AP --in $D/a1 $T)
  l3=$(salixctl append write "$ng" $AP $T < $D/a3)
  check "append write returns the LBAs the device chose: $l1 then $l3 (2002, 2003)" \
    test "$l1" = 2002 -a "$l3" = 2003
  check "a plain dd read at $l1 returns the first append" same $D/a1 lbas "$l1" 1
  check "a plain dd read at $l3 returns the 3-LBA append" same $D/a3 lbas "$l3" 3
  check "append read through the app returns it too" same $D/a3 salixctl append read "$ng" $AP "$l3" 3 $T
  check_output "append info: tail 2006, 2 appends" "tail 2006 \\(4 used\\).*appends 2" \
    sh -c "salixctl append info $ng $AP $T | tr '\n' ' '"
  { printf 'short record'; head -c 4084 /dev/zero; } >/tmp/pad.want
  lp=$(printf 'short record' | salixctl append write "$ng" $AP --pad $T)
  check "append write --pad: 12 bytes zero-filled to one LBA at $lp (2006)" \
    sh -c "test '$lp' = 2006 && dd if=$blk bs=4096 skip=2006 count=1 iflag=direct 2>/dev/null |
      cmp - /tmp/pad.want"

  # ---- what must survive the power cut ---------------------------------------------
  put_home $D/old4 310
  check "kv put persist-key" salixctl kv put "$ng" $KV persist-key persist-value $T
  idp=$(salixctl txn begin "$ng")
  check "a transaction writing LBAs 300..301 commits" sh -c \
    "salixctl txn write $ng $idp 300 --in $D/p1 $T && salixctl txn commit $ng $idp $T"
  ido=$(salixctl txn begin "$ng")
  check "another one logs LBAs 310..311 and stays open" \
    salixctl txn write "$ng" "$ido" 310 --in $D/p2 $T
  check "... its view has the data" same $D/p2 salixctl txn read "$ng" "$ido" 310 2 $T
  check "... home has not" same $D/old4 lbas 310 2
  sync
  await_power_cut "$MARKER"
  ;;
verify)
  check_output "after the power cut: kv get persist-key" "^persist-value$" \
    salixctl kv get "$ng" $KV persist-key $T
  printf 'apple\nblob\ncherry\npersist-key\n' >/tmp/keys.want
  check "... kv scan: every key of the first boot, in order" \
    sh -c "salixctl kv scan $ng $KV --keys-only $T | cut -f1 | cmp - /tmp/keys.want"
  check "the committed transaction is home (LBAs 300..301)" same $D/p1 lbas 300 2
  check "the open transaction reached no home (LBAs 310..311 as before)" same $D/old4 lbas 310 2
  check "the first boot's commit is still home (LBAs 100..102, 200)" homes $D/new1 $D/new2
  check_output "txn info: nothing open after recovery" "^open 0 of 16" salixctl txn info "$ng"
  check_output "the append log's tail survived: the next append goes to 2007" "^2007$" \
    salixctl append write "$ng" $AP --in $D/a5 $T
  check "... and reads back there" same $D/a5 lbas 2007 1
  ;;
esac
finish

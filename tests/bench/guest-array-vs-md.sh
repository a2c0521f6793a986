# Guest side of ./salix bench array-vs-md: the same fio jobs on a Salix 4+1
# array (device parity, then host parity; fio through the Salix ioengine)
# and on Linux md RAID-5 over the same five SSDs (io_uring, direct).
#
# Each result is printed as JSON between markers, with two CPU windows:
#   STAT-BEFORE/STAT-AFTER  the guest's /proc/stat cpu line around the whole
#                           fio run (array open, recovery, the I/O, sync)
#   SNAP-BEGIN prerun|postrun ... SNAP-END
#                           /proc/stat, /proc/softirqs and the NVMe lines of
#                           /proc/interrupts and /proc/diskstats (md's member
#                           commands; passthrough is not counted there) from
#                           fio's exec_prerun and
#                           exec_postrun, which fio runs after the engine's
#                           init and before its cleanup: the I/O phase alone;
#                           with the guest's wall clock (the host matches its
#                           own CPU counters to it)
# (md does its parity work in kernel threads, which fio's own usr/sys times
# do not see; the /proc windows see every CPU).
#
# /salix/runtime: seconds per job. /salix/configs (optional): the configs to
# run, of salix-device (device parity), salix-device-nocoalesce (the same
# without write coalescing), salix-device-fixed (the same with registered
# buffers), salix-host (host parity) and md (default: all but
# salix-device-fixed).
#
# /salix/rounds (optional, default 1): how many times the whole set of
# configs runs in this boot. The order alternates (odd rounds Salix first,
# even rounds md first), so the two sides meet the host's slow and quiet
# spells alike, and each round's ratio compares two jobs a minute apart.
# Every config starts from deallocated members: salixctl array create trims
# them, and md's members get a blkdiscard before mdadm --create.
runtime=$(cat /salix/runtime)
configs="salix-device salix-device-nocoalesce salix-host md"
[ -f /salix/configs ] && configs=$(cat /salix/configs)
# /salix/fio-args (optional): fio options for every job of every config.
fio_args=""
[ -f /salix/fio-args ] && fio_args=$(cat /salix/fio-args)
rounds=1
[ -f /salix/rounds ] && rounds=$(cat /salix/rounds)
ngs=""
blks=""
for c in /sys/class/nvme/nvme*; do
  grep -q '^Salix' "$c/model" 2>/dev/null || continue
  n=${c##*/}
  ngs="$ngs /dev/ng${n#nvme}n1"
  blks="$blks /dev/${n}n1"
done
set -- $ngs
[ $# -eq 5 ] || { echo "want 5 Salix SSDs, found: $ngs"; exit 1; }
members=$(echo $ngs | tr ' ' ':')
E=external:/usr/lib/libsalix-fio.so
jobs="randwrite:4k:32 write:64k:32"

# What the guest kernel gives the passthrough path (poll queues or not).
uname -r
cat /proc/cmdline
for b in $blks; do
  d=${b#/dev/}
  echo "QUEUE $d io_poll=$(cat /sys/block/$d/queue/io_poll 2>/dev/null)" \
    "nr_hw_queues=$(ls /sys/block/$d/mq 2>/dev/null | wc -l)"
done

cat >/tmp/snap.sh <<'EOF'
#!/bin/sh
# One CPU/interrupt snapshot (fio exec_prerun / exec_postrun).
echo "SNAP-BEGIN $1"
cat /proc/uptime
echo "WALL $(date +%s)"
grep -E '^(cpu|intr|ctxt) ' /proc/stat | cut -c1-200
cat /proc/softirqs
grep -E 'nvme|CPU' /proc/interrupts
grep -E ' nvme[0-9]+n[0-9]+ ' /proc/diskstats
echo "SNAP-END"
EOF
chmod +x /tmp/snap.sh

run_jobs() { # config round target-options...
  config=$1
  round=$2
  shift 2
  for j in $jobs; do
    rw=${j%%:*}
    rest=${j#*:}
    bs=${rest%%:*}
    qd=${rest#*:}
    name="$config-$rw-$bs"
    echo "BENCH-JSON-BEGIN $config $rw-$bs-qd$qd $round"
    echo "STAT-BEFORE $(head -n 1 /proc/stat)"
    # A stuck engine must not eat the whole VM timeout: the job gets six
    # runtimes plus a minute (opening, recovering and syncing the array).
    rm -f /tmp/fio.json "$name".prerun.txt "$name".postrun.txt
    timeout $((runtime * 6 + 60)) fio --name="$name" "$@" --rw="$rw" --bs="$bs" --iodepth="$qd" --size=256M \
      --time_based --runtime="$runtime" --norandommap --randrepeat=0 $fio_args \
      --exec_prerun="/tmp/snap.sh prerun" --exec_postrun="/tmp/snap.sh postrun" \
      --output-format=json --output=/tmp/fio.json >/tmp/fio.out 2>&1 ||
      echo "BENCH-FAILED fio exit $?"
    echo "STAT-AFTER $(head -n 1 /proc/stat)"
    grep -v 'Saving output of' /tmp/fio.out
    cat "$name".prerun.txt "$name".postrun.txt 2>/dev/null
    cat /tmp/fio.json 2>/dev/null
    echo "BENCH-JSON-END"
  done
}

run_salix() { # round
  for mode in device device-nocoalesce device-nostaging device-fixed device-sqpoll host; do
    case " $configs " in *" salix-$mode "*) ;; *) continue ;; esac
    opt=""
    [ $mode = host ] && opt=--host-parity
    # salix-device-fixed: device parity with fio's buffers registered with
    # the ring (fio --fixedbufs=1), for comparison.
    if salixctl array create --name bench --force $opt $ngs; then
      fixed=0
      [ $mode = device-fixed ] && fixed=1
      coalesce=1
      [ $mode = device-nocoalesce ] && coalesce=0
      # salix-device-sqpoll: submitted by a kernel thread (io_uring SQPOLL).
      sqpoll=0
      [ $mode = device-sqpoll ] && sqpoll=1
      # salix-device-nostaging: the engine's staging memory not registered.
      staging=1
      [ $mode = device-nostaging ] && staging=0
      run_jobs "salix-$mode" "$1" --ioengine=$E --members="$members" --fixedbufs=$fixed \
        --coalesce=$coalesce --sqthread_poll=$sqpoll --staging=$staging
      salixctl array destroy $ngs >/dev/null
    else
      echo "BENCH-SKIP salix-$mode: salixctl array create failed"
    fi
  done
}

run_md() { # round
  case " $configs " in *" md "* | *" md-sqpoll "*) ;; *) return 0 ;; esac
  # The same fresh start as the Salix array's (create deallocates).
  for b in $blks; do blkdiscard "$b" || echo "md: blkdiscard $b failed"; done
  # --assume-clean skips the initial resync (the members were just
  # deallocated, and a resync would only add background writes to the run).
  # 64 KiB chunks: a 64 KiB write is one chunk, a full stripe is 256 KiB.
  mdadm --create /dev/md0 --run --level=5 --raid-devices=5 --chunk=64 --assume-clean \
    $blks >/dev/null 2>&1 || { echo "BENCH-SKIP md: mdadm --create failed"; return 0; }
  case " $configs " in *" md "*) run_jobs md "$1" --filename=/dev/md0 --ioengine=io_uring --direct=1 ;; esac
  # md-sqpoll: fio's io_uring engine with its own kernel submission thread,
  # the same help salix-device-sqpoll gets.
  case " $configs " in *" md-sqpoll "*)
    run_jobs md-sqpoll "$1" --filename=/dev/md0 --ioengine=io_uring --direct=1 --sqthread_poll=1 ;;
  esac
  mdadm --stop /dev/md0 >/dev/null 2>&1
  # md's superblocks must not outlive it (the next Salix create trims anyway).
  mdadm --zero-superblock $blks >/dev/null 2>&1 || true
}

r=1
while [ $r -le "$rounds" ]; do
  if [ $((r % 2)) -eq 1 ]; then
    echo "ROUND $r salix-first"
    run_salix $r
    run_md $r
  else
    echo "ROUND $r md-first"
    run_md $r
    run_salix $r
  fi
  r=$((r + 1))
done

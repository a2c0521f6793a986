#!/usr/bin/env bash
# build-guest.sh — build the Salix guest: a Debian kernel plus a busybox initramfs holding
# nvme-cli, fio, mdadm, nbd-client, nbdkit, e2fsprogs, blkzone and the kernel modules Salix needs.
#
# Nothing is installed on the host and /boot is never touched: the kernel package is
# fetched with `apt-get download` and unpacked with `dpkg-deb -x` inside the cache.
#
# Output contract: the last line on stdout is a directory holding
#   vmlinuz            the guest kernel as Debian ships it (bzImage)
#   vmlinux            the same kernel uncompressed (ELF with a PVH entry note), if it
#                      could be extracted; QEMU boots it directly, skipping the guest-side
#                      decompression that costs ~5 s under TCG
#   initramfs.cpio     base initramfs (+ the --extra archive, concatenated). Uncompressed
#                      on purpose: under TCG the guest unpacks ~100 MB of plain cpio in
#                      ~1.4 s, gzip takes ~4 s, zstd ~3.7 s, lz4 ~2 s.
#   kernel-version     the guest's `uname -r`
#   manifest           what went in (inputs and their hashes)
# Everything else (progress, warnings) goes to stderr.
#
# Caching (under ${SALIX_CACHE:-$HOME/.cache/salix}/guest/):
#   kernel/<package>_<version>/   unpacked kernel deb, keyed by the Debian package version
#   base/<hash>/                  base initramfs, keyed by this script, the guest init,
#                                 the kernel version and the content of every host file
#                                 copied in (binaries, libraries, modules)
#   <kver>-<hash>/                the output: base + extras, keyed by the base and the
#                                 content of the --extra/--extra-lib files
# Rebuilding the host driver therefore re-packs only a small extras archive.
set -euo pipefail
shopt -s inherit_errexit

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT_PATH="$SCRIPT_DIR/$(basename "${BASH_SOURCE[0]}")"
GUEST_INIT="$SCRIPT_DIR/guest/init"
CACHE_ROOT="${SALIX_CACHE:-$HOME/.cache/salix}/guest"
KEEP_OUTPUTS=4          # output dirs always kept (most recently used)
KEEP_MINUTES=120        # ... and any used this recently

# Host packages this script takes binaries from, and the tools it runs itself.
APT_PACKAGES="busybox-static nvme-cli fio mdadm nbd-client nbdkit e2fsprogs util-linux cpio kmod xz-utils"

# Guest binaries copied from the host (with their shared libraries).
GUEST_BINARIES=(
    /usr/sbin/nvme
    /usr/bin/fio
    /usr/sbin/mdadm
    /usr/sbin/nbd-client
    /usr/bin/nbdkit
    /usr/sbin/mke2fs
    /usr/sbin/e2fsck
    /usr/sbin/tune2fs
    /usr/sbin/dumpe2fs
    /usr/sbin/blkzone
    /usr/sbin/blkdiscard
    /usr/bin/lsblk
)
# Real tools all go to the guest's /usr/bin, where --extra binaries land too, so an
# --extra of the same name replaces the stock one.
# name -> target, created as symlinks in the guest's /usr/bin
GUEST_LINKS=(mkfs.ext4:mke2fs mkfs.ext2:mke2fs fsck.ext4:e2fsck fsck.ext2:e2fsck)

# Kernel modules loaded by the guest init (dependencies and softdeps are added).
GUEST_MODULES=(nvme nvme-core nbd md-mod raid0 raid1 raid456 ext4 zonefs f2fs loop
               null_blk configfs crc32c_generic crc32c-intel)

log()  { echo "build-guest: $*" >&2; }
die()  { echo "build-guest: error: $*" >&2; exit 1; }

usage() {
    cat <<EOF
Usage: images/build-guest.sh [options]

Builds (or reuses from the cache) the Salix guest kernel and initramfs and prints the
directory holding them as the last stdout line.

Options:
  --extra FILE        copy FILE into the guest's /usr/bin with its shared libraries
                      (repeatable; e.g. host-driver's salixctl)
  --extra-lib FILE    copy FILE into the guest's /usr/lib with its shared libraries
                      (repeatable; e.g. a fio external ioengine)
  --kernel-deb FILE   use this linux-image .deb instead of resolving linux-image-amd64
  --force             rebuild the initramfs even if a cached one matches
  -h, --help          show this help

Environment:
  SALIX_CACHE         cache root (default \$HOME/.cache/salix); output goes to
                      \$SALIX_CACHE/guest/<kernel-version>-<hash>/

Host packages needed: $APT_PACKAGES
EOF
}

EXTRAS=()
EXTRA_LIBS=()
KERNEL_DEB=""
FORCE=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --extra)      [[ $# -ge 2 ]] || die "--extra needs a file"; EXTRAS+=("$2"); shift 2 ;;
        --extra=*)    EXTRAS+=("${1#*=}"); shift ;;
        --extra-lib)  [[ $# -ge 2 ]] || die "--extra-lib needs a file"; EXTRA_LIBS+=("$2"); shift 2 ;;
        --extra-lib=*) EXTRA_LIBS+=("${1#*=}"); shift ;;
        --kernel-deb) [[ $# -ge 2 ]] || die "--kernel-deb needs a file"; KERNEL_DEB="$2"; shift 2 ;;
        --kernel-deb=*) KERNEL_DEB="${1#*=}"; shift ;;
        --force)      FORCE=1; shift ;;
        -h|--help)    usage; exit 0 ;;
        *)            die "unknown option '$1' (see --help)" ;;
    esac
done

# --- host prerequisites ------------------------------------------------------------------

check_host() {
    local missing=() f
    for f in /bin/busybox "${GUEST_BINARIES[@]}"; do
        [[ -x "$f" ]] || missing+=("$f")
    done
    for f in cpio depmod modprobe dpkg-deb apt-get apt-cache xz ldd sha256sum; do
        command -v "$f" >/dev/null 2>&1 || missing+=("$f")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        die "missing on the host: ${missing[*]}
    install with: apt-get install -y $APT_PACKAGES"
    fi
    # busybox (dynamic) would need libs at an odd path; insist on the static one.
    if ! file_is_static /bin/busybox; then
        die "/bin/busybox is not statically linked; install with: apt-get install -y busybox-static"
    fi
    local f2
    for f2 in "${EXTRAS[@]}" "${EXTRA_LIBS[@]}"; do
        [[ -f "$f2" ]] || die "extra file '$f2' does not exist (build the host driver first?)"
        [[ -r "$f2" ]] || die "extra file '$f2' is not readable"
    done
}

file_is_static() {
    # ldd exits non-zero and says "not a dynamic executable" for static binaries.
    ! ldd "$1" >/dev/null 2>&1
}

# --- kernel ------------------------------------------------------------------------------

# Prints "<package> <version>" of the kernel linux-image-amd64 currently depends on.
# apt-cache takes ~1 s here (no pkgcache.bin), so the answer is remembered for as long
# as the package lists stay the same.
resolve_kernel_package() {
    local stamp memo dep
    stamp=$(stat -c '%n %Y %s' /var/lib/apt/lists/*Packages* 2>/dev/null | sha256sum | cut -c1-16)
    memo="$CACHE_ROOT/kernel/resolved-$stamp"
    if [[ -s "$memo" ]]; then
        cat "$memo"; return 0
    fi
    # "Depends: linux-image-6.1.0-56-amd64 (= 6.1.192-2)"
    dep=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
          sed -n 's/^Depends: \(linux-image-[0-9][^ ,]*\) (= \([^)]*\)).*/\1 \2/p' | head -n1)
    [[ -n "$dep" ]] || return 1
    rm -f "$CACHE_ROOT"/kernel/resolved-*
    echo "$dep" > "$memo"
    echo "$dep"
}

# Sets KDIR (unpacked kernel tree) and KVER (uname -r of the guest kernel).
prepare_kernel() {
    local pkg ver deb tmp
    mkdir -p "$CACHE_ROOT/kernel"
    if [[ -n "$KERNEL_DEB" ]]; then
        [[ -f "$KERNEL_DEB" ]] || die "--kernel-deb '$KERNEL_DEB' does not exist"
        pkg=$(dpkg-deb -f "$KERNEL_DEB" Package)
        ver=$(dpkg-deb -f "$KERNEL_DEB" Version)
    elif read -r pkg ver < <(resolve_kernel_package); then
        :
    else
        # No package lists (offline, or apt-get update never ran): reuse the newest cached kernel.
        KDIR=$(ls -1dt "$CACHE_ROOT"/kernel/linux-image-*/ 2>/dev/null | head -n1 || true)
        [[ -n "$KDIR" ]] || die "cannot resolve the kernel behind linux-image-amd64 and none is cached.
    run: apt-get update   (or pass --kernel-deb FILE)"
        KDIR=${KDIR%/}
        log "warning: apt cannot resolve linux-image-amd64; reusing cached $(basename "$KDIR")"
        KVER=$(cat "$KDIR/kernel-version")
        return
    fi
    KDIR="$CACHE_ROOT/kernel/${pkg}_${ver}"
    if [[ -f "$KDIR/kernel-version" ]]; then
        KVER=$(cat "$KDIR/kernel-version")
        log "kernel: $pkg $ver (cached)"
        ensure_vmlinux
        return
    fi
    tmp=$(mktemp -d "$CACHE_ROOT/kernel/.tmp.XXXXXX"); chmod 755 "$tmp"
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    if [[ -n "$KERNEL_DEB" ]]; then
        deb="$KERNEL_DEB"
    else
        log "kernel: downloading $pkg $ver"
        local sandbox=()
        [[ $(id -u) -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root)
        (cd "$tmp" && apt-get download -q "${sandbox[@]}" "$pkg=$ver" >&2) ||
            die "apt-get download $pkg=$ver failed (run apt-get update?)"
        deb=$(ls "$tmp"/*.deb)
    fi
    log "kernel: unpacking $(basename "$deb")"
    dpkg-deb -x "$deb" "$tmp/root"
    rm -f "$tmp"/*.deb
    local vmlinuz
    vmlinuz=$(ls "$tmp"/root/boot/vmlinuz-* 2>/dev/null | head -n1)
    [[ -n "$vmlinuz" ]] || die "no /boot/vmlinuz-* in $pkg"
    KVER=${vmlinuz##*/vmlinuz-}
    [[ -d "$tmp/root/lib/modules/$KVER" ]] || die "no /lib/modules/$KVER in $pkg"
    log "kernel: depmod $KVER"
    depmod -b "$tmp/root" "$KVER"
    echo "$KVER" > "$tmp/kernel-version"
    echo "$pkg $ver" > "$tmp/package"
    if ! mv -T "$tmp" "$KDIR" 2>/dev/null; then
        rm -rf "$tmp"      # somebody else unpacked the same kernel meanwhile
    fi
    trap - EXIT
    KVER=$(cat "$KDIR/kernel-version")
    ensure_vmlinux
}

ensure_vmlinux() {
    [[ -f "$KDIR/vmlinux" || -f "$KDIR/no-vmlinux" ]] && return 0
    log "kernel: extracting the uncompressed vmlinux (PVH boot)"
    if ! extract_vmlinux "$KDIR/root/boot/vmlinuz-$KVER" "$KDIR/vmlinux"; then
        log "warning: could not extract vmlinux; guests boot the slower bzImage"
        touch "$KDIR/no-vmlinux"
    fi
}

# --- file lists --------------------------------------------------------------------------

# Prints the shared libraries (and the loader) a dynamic ELF file needs, one path a line.
shared_libs() {
    local f="$1" out
    if ! out=$(ldd "$f" 2>&1); then
        return 0    # static, or not an ELF file: nothing to add
    fi
    if grep -q 'not found' <<<"$out"; then
        die "$f needs libraries missing on the host:
$(grep 'not found' <<<"$out")"
    fi
    awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$out"
}

# Guest path for a host library: merged-/usr layout, so /lib/x -> usr/lib/x.
lib_dest() {
    local p="$1"
    case "$p" in
        /usr/*) echo "${p#/}" ;;
        /*)     echo "usr${p}" ;;
    esac
}

# Fills FILES as "src<TAB>dest" lines (dest relative to the guest root) for the base image.
collect_base_files() {
    local b l m
    FILES=$(
        {
            printf '%s\tusr/bin/busybox\n' "$(readlink -f /bin/busybox)"
            for b in "${GUEST_BINARIES[@]}"; do
                printf '%s\tusr/bin/%s\n' "$(readlink -f "$b")" "$(basename "$b")"
                shared_libs "$b"
            done | while IFS=$'\t' read -r l rest; do
                if [[ -n "${rest:-}" ]]; then printf '%s\t%s\n' "$l" "$rest"
                else printf '%s\t%s\n' "$(readlink -f "$l")" "$(lib_dest "$l")"; fi
            done
            for m in "${GUEST_MODULES[@]}"; do
                modprobe -d "$KDIR/root" -S "$KVER" --show-depends "$m" 2>/dev/null |
                    awk '$1 == "insmod" {print $2}' ||
                    die "kernel module $m not found for $KVER"
            done | while read -r l; do
                printf '%s\tusr/lib/modules/%s/%s\n' "$l" "$KVER" "${l#"$KDIR/root/lib/modules/$KVER/"}"
            done
        } | sort -u -t$'\t' -k2,2
    )
}

# Fills EXTRA_FILES the same way for --extra / --extra-lib.
collect_extra_files() {
    local f l
    EXTRA_FILES=$(
        {
            for f in "${EXTRAS[@]}"; do
                printf '%s\tusr/bin/%s\n' "$(readlink -f "$f")" "$(basename "$f")"
                shared_libs "$f" | while read -r l; do
                    printf '%s\t%s\n' "$(readlink -f "$l")" "$(lib_dest "$l")"
                done
            done
            for f in "${EXTRA_LIBS[@]}"; do
                printf '%s\tusr/lib/%s\n' "$(readlink -f "$f")" "$(basename "$f")"
                shared_libs "$f" | while read -r l; do
                    printf '%s\t%s\n' "$(readlink -f "$l")" "$(lib_dest "$l")"
                done
            done
        } | sort -u -t$'\t' -k2,2 | { grep -vxF -f <(printf '%s\n' "$FILES") || [[ $? -eq 1 ]]; }
    )   # (libraries the base already has are left out)
}

# Hash of a file list: every source's content and its destination.
hash_files() {
    local list="$1"
    [[ -n "$list" ]] || { echo none; return; }
    paste -d' ' <(cut -f1 <<<"$list" | xargs -d '\n' sha256sum | cut -c1-64) \
                <(cut -f2 <<<"$list") | sha256sum | cut -c1-64
}

copy_files() {
    local root="$1" list="$2" src dest
    [[ -n "$list" ]] || return 0
    while IFS=$'\t' read -r src dest; do
        mkdir -p "$root/$(dirname "$dest")"
        cp -fL --preserve=mode "$src" "$root/$dest"
    done <<<"$list"
}

make_cpio() {   # root out
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$2"
}

# Extracts the uncompressed ELF kernel from a bzImage (Debian compresses it with xz).
extract_vmlinux() {   # bzImage out
    local off
    for off in $(LC_ALL=C grep -obUaP '\xFD\x37\x7A\x58\x5A\x00' "$1" | cut -d: -f1); do
        # tail dies of SIGPIPE once xz has read the one stream it wants: not an error.
        if (set +o pipefail; tail -c +$((off + 1)) "$1" | xz -dc --single-stream > "$2.tmp" 2>/dev/null) &&
           [[ $(head -c 4 "$2.tmp" | od -An -tx1 | tr -d ' ') == 7f454c46 ]]; then
            mv -f "$2.tmp" "$2"
            return 0
        fi
    done
    rm -f "$2.tmp"
    return 1
}

# --- base image --------------------------------------------------------------------------

build_base() {   # dir
    local out="$1" root="$1/root" a
    mkdir -p "$root"
    for d in usr/bin usr/sbin usr/lib usr/lib64 etc dev proc sys tmp run root mnt \
             salix var/log; do
        mkdir -p "$root/$d"
    done
    ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"
    ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"
    ln -s ../run "$root/var/run"
    chmod 1777 "$root/tmp"

    copy_files "$root" "$FILES"
    for a in "${GUEST_LINKS[@]}"; do
        ln -sfn "${a#*:}" "$root/usr/bin/${a%%:*}"
    done
    # busybox applets, except where a real tool of that name exists (in either dir,
    # since PATH has /usr/sbin first).
    while read -r a; do
        a=${a#/}
        case "$a" in bin/busybox|linuxrc|"") continue ;; esac
        a="usr/${a#usr/}"                       # merged /usr
        [[ -e "$root/usr/bin/${a##*/}" || -L "$root/usr/bin/${a##*/}" ]] && continue
        [[ -e "$root/usr/sbin/${a##*/}" || -L "$root/usr/sbin/${a##*/}" ]] && continue
        mkdir -p "$root/$(dirname "$a")"
        ln -s /usr/bin/busybox "$root/$a"
    done < <(/bin/busybox --list-full)
    # ldconfig-free library lookup: ld.so searches these when the cache is missing,
    # but a cache also covers /usr/lib extras.
    printf '/usr/lib/x86_64-linux-gnu\n/usr/lib\n/usr/local/lib\n' > "$root/etc/ld.so.conf"

    cp "$KDIR"/root/lib/modules/"$KVER"/modules.{builtin,builtin.modinfo,order} \
        "$root/usr/lib/modules/$KVER/"
    depmod -b "$root" "$KVER"

    install -m 0755 "$GUEST_INIT" "$root/init"
    cat > "$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
    cat > "$root/etc/group" <<'EOF'
root:x:0:
disk:x:6:
nogroup:x:65534:
EOF
    echo salix > "$root/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 salix\n' > "$root/etc/hosts"
    ln -s /proc/mounts "$root/etc/mtab"
    mkdir -p "$root/etc/mdadm"
    printf 'CREATE owner=root group=disk mode=0660 auto=yes\n' > "$root/etc/mdadm/mdadm.conf"
    if [[ $(id -u) -eq 0 ]]; then
        mknod -m 600 "$root/dev/console" c 5 1
        mknod -m 666 "$root/dev/null" c 1 3
        ldconfig -r "$root" 2>/dev/null || log "warning: ldconfig -r failed; relying on ld.so defaults"
    fi
    log "base: packing initramfs ($(du -sh "$root" | cut -f1) unpacked)"
    make_cpio "$root" "$out/base.cpio"
    rm -rf "$root"
}

# --- main --------------------------------------------------------------------------------

check_host
[[ -f "$GUEST_INIT" ]] || die "guest init '$GUEST_INIT' is missing"
mkdir -p "$CACHE_ROOT"
prepare_kernel

collect_base_files
collect_extra_files

BASE_KEY=$( {
    sha256sum < "$SCRIPT_PATH"
    sha256sum < "$GUEST_INIT"
    cat "$KDIR/package" 2>/dev/null || basename "$KDIR"
    echo "$KVER"
    hash_files "$FILES"
} | sha256sum | cut -c1-16)
BASE_DIR="$CACHE_ROOT/base/$BASE_KEY"
EXTRA_KEY=$(hash_files "$EXTRA_FILES" | cut -c1-16)
OUT_KEY=$(printf '%s %s\n' "$BASE_KEY" "$EXTRA_KEY" | sha256sum | cut -c1-12)
OUT_DIR="$CACHE_ROOT/$KVER-$OUT_KEY"

if [[ $FORCE -eq 1 ]]; then
    rm -rf "$BASE_DIR" "$OUT_DIR"
fi

if [[ -f "$BASE_DIR/base.cpio" ]]; then
    log "base initramfs: cached ($BASE_KEY)"
else
    log "base initramfs: building ($BASE_KEY)"
    mkdir -p "$CACHE_ROOT/base"
    tmp=$(mktemp -d "$CACHE_ROOT/base/.tmp.XXXXXX"); chmod 755 "$tmp"
    trap 'rm -rf "$tmp"' EXIT
    build_base "$tmp"
    mv -T "$tmp" "$BASE_DIR" 2>/dev/null || rm -rf "$tmp"
    trap - EXIT
fi

if [[ -f "$OUT_DIR/initramfs.cpio" ]]; then
    log "guest: cached"
else
    tmp=$(mktemp -d "$CACHE_ROOT/.tmp.XXXXXX"); chmod 755 "$tmp"
    trap 'rm -rf "$tmp"' EXIT
    cp "$BASE_DIR/base.cpio" "$tmp/initramfs.cpio"
    if [[ -n "$EXTRA_FILES" ]]; then
        log "extras: packing ${#EXTRAS[@]} binaries, ${#EXTRA_LIBS[@]} libraries"
        mkdir -p "$tmp/root"
        copy_files "$tmp/root" "$EXTRA_FILES"
        make_cpio "$tmp/root" "$tmp/extras.cpio"
        cat "$tmp/extras.cpio" >> "$tmp/initramfs.cpio"
        rm -rf "$tmp/root" "$tmp/extras.cpio"
    fi
    cp "$KDIR/root/boot/vmlinuz-$KVER" "$tmp/vmlinuz"
    if [[ -f "$KDIR/vmlinux" ]]; then
        ln "$KDIR/vmlinux" "$tmp/vmlinux" 2>/dev/null || cp "$KDIR/vmlinux" "$tmp/vmlinux"
    fi
    echo "$KVER" > "$tmp/kernel-version"
    {
        echo "kernel $(cat "$KDIR/package" 2>/dev/null || basename "$KDIR") $KVER"
        echo "base $BASE_KEY"
        echo "extras $EXTRA_KEY"
        [[ -n "$FILES" ]] && sed 's/^/file /' <<<"$FILES"
        [[ -n "$EXTRA_FILES" ]] && sed 's/^/extra /' <<<"$EXTRA_FILES"
    } > "$tmp/manifest"
    mv -T "$tmp" "$OUT_DIR" 2>/dev/null || rm -rf "$tmp"
    trap - EXIT
    log "guest: built $(du -h "$OUT_DIR/initramfs.cpio" | cut -f1) initramfs"
fi
touch "$OUT_DIR"

# Prune (host-driver rebuilds make many ~100 MB outputs): keep the KEEP_OUTPUTS most
# recently used outputs, and anything used in the last KEEP_MINUTES, which other
# sessions or running VMs may still be reading (salix-vm touches the dir it boots).
mapfile -t old < <(ls -1dt "$CACHE_ROOT"/*-*/ 2>/dev/null | tail -n +$((KEEP_OUTPUTS + 1)))
for d in "${old[@]}"; do
    [[ -f "$d/manifest" && -n $(find "$d" -maxdepth 0 -mmin +"$KEEP_MINUTES") ]] && rm -rf "$d"
done
for b in "$CACHE_ROOT"/base/*/; do
    [[ -d "$b" && -n $(find "$b" -maxdepth 0 -mmin +"$KEEP_MINUTES") ]] || continue
    grep -qsx "base $(basename "$b")" "$CACHE_ROOT"/*-*/manifest || rm -rf "$b"
done

echo "$OUT_DIR"

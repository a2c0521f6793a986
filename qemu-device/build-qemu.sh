#!/usr/bin/env bash
# build-qemu.sh - build Debian's QEMU 7.2 with the salix-nvme device overlaid.
#
# Usage: qemu-device/build-qemu.sh
#
# Progress goes to stderr; the last line on stdout is the absolute path of the
# built qemu-system-x86_64. Every step is skipped when it is already done, so a
# re-run after editing a device file recompiles only that file (seconds).
#
# Cache: ${SALIX_CACHE:-$HOME/.cache/salix}/qemu/<debian-version>-<key>/
#   src/    Debian's qemu source (patches applied) + hw/salix overlay
#   build/  configured build tree
# <key> hashes the configure flags and OVERLAY_VERSION, never the repository
# path, so clones in other directories share one cache. Concurrent runs on one
# cache entry are serialised with flock.
#
# Environment:
#   SALIX_CACHE          cache root (default $HOME/.cache/salix)
#   SALIX_QEMU_VERSION   Debian source version to use (default: newest known
#                        to apt, e.g. 1:7.2+dfsg-7+deb12u18)
#
# The firmware is not linked into QEMU (salix-nvme dlopens libsalix-fw.so at
# run time), so firmware changes never rebuild QEMU.
set -euo pipefail

# Bump when the way the overlay is wired into QEMU changes (file list, the
# edits to QEMU's meson.build/Kconfig): it moves the build to a fresh tree.
OVERLAY_VERSION=1
# Debian's source has no prebuilt ROMs: like Debian's own build, look for them
# where the seabios, qemu-system-data and ipxe-qemu packages put them.
FIRMWARE_PATH=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
CONFIGURE_FLAGS=(
    --target-list=x86_64-softmmu
    --firmwarepath=$FIRMWARE_PATH
    --without-default-features
    --enable-kvm
    --disable-docs
    --disable-werror
)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
abi_header=$repo/firmware/include/salix/salix.h

log() { echo "build-qemu: $*" >&2; }
die() { echo "build-qemu: error: $*" >&2; exit 1; }

# ---- tools and libraries -------------------------------------------------
check_deps() {
    local missing=() cmd pkg pc
    for pair in meson:meson ninja:ninja-build pkg-config:pkg-config \
                flex:flex bison:bison python3:python3 cc:gcc make:make \
                dpkg-source:dpkg-dev xz:xz-utils flock:util-linux \
                sha256sum:coreutils; do
        cmd=${pair%%:*}
        pkg=${pair#*:}
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if command -v pkg-config >/dev/null 2>&1; then
        for pair in glib-2.0:libglib2.0-dev pixman-1:libpixman-1-dev \
                    zlib:zlib1g-dev; do
            pc=${pair%%:*}
            pkg=${pair#*:}
            pkg-config --exists "$pc" || missing+=("$pkg")
        done
    fi
    # Run-time data the binary needs: SeaBIOS, and the option ROMs for
    # -kernel (linuxboot_dma.bin) and TCG (kvmvapic.bin).
    [[ -f /usr/share/seabios/bios-256k.bin ]] || missing+=(seabios)
    [[ -f /usr/share/qemu/linuxboot_dma.bin ]] || missing+=(qemu-system-data)
    if ((${#missing[@]})); then
        die "missing build dependencies; install them with:
    apt-get install -y ${missing[*]}"
    fi
    [[ -f $abi_header ]] || die "firmware ABI header not found at $abi_header"
    [[ -d /usr/lib/ipxe/qemu ]] ||
        log "note: ipxe-qemu is not installed; guest NICs need its ROMs (use -nic none or -nodefaults without it)"
}

# ---- which Debian source version -----------------------------------------
newest_source_version() {
    apt-cache showsrc qemu 2>/dev/null |
        sed -n 's/^Version: //p' | sort -V | tail -n1 || true
}

# Without a deb-src entry apt still knows the binary package; qemu's binaries
# carry the source version (the Source: field says so when they differ).
binary_source_version() {
    apt-cache show qemu-system-x86 2>/dev/null | awk '
        /^Version: / && !v { v = $2 }
        /^Source: .*\(/ && !s { s = $0; sub(/.*\(/, "", s); sub(/\).*/, "", s) }
        /^$/ && v { exit }
        END { print (s ? s : v) }' || true
}

# ---- deb-src -------------------------------------------------------------
ensure_deb_src() {
    if [[ -n $(newest_source_version) ]]; then
        return
    fi
    local list=/etc/apt/sources.list.d/salix-deb-src.sources
    local base=/etc/apt/sources.list.d/debian.sources
    [[ -f $base ]] || die "no $base to mirror; add a deb-src entry for bookworm by hand"
    [[ $(id -u) -eq 0 ]] || die "adding $list needs root (or add a deb-src entry yourself)"
    log "adding deb-src entry $list and running apt-get update"
    sed 's/^Types:.*/Types: deb-src/' "$base" >"$list.tmp"
    mv "$list.tmp" "$list"
    apt-get update -q >&2 || die "apt-get update failed"
}

fetch_source() {
    local dir=$1 version=$2 tmp
    rm -rf "$dir"/fetch.*    # left by an interrupted run (we hold the lock)
    tmp=$(mktemp -d "$dir/fetch.XXXXXX")
    chmod 755 "$tmp"    # apt's sandbox user must be able to write here
    log "fetching qemu source $version into $dir/src"
    if ! (cd "$tmp" && apt-get source -q "qemu=$version" >&2); then
        rm -rf "$tmp"
        die "apt-get source qemu=$version failed (is dpkg-dev installed? is $version still in the archive? set SALIX_QEMU_VERSION)"
    fi
    local top
    top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -n1)
    [[ -n $top && -f $top/configure ]] || die "apt-get source left no qemu tree in $tmp"
    rm -rf "$dir/src"
    mv "$top" "$dir/src"
    rm -rf "$tmp"
}

# ---- overlay ---------------------------------------------------------------
# Copies a file only when its content differs, so unchanged files keep their
# mtime and ninja does not rebuild them.
sync_file() {
    local from=$1 to=$2
    if ! cmp -s "$from" "$to"; then
        log "overlay: ${to#"$src"/}"
        cp "$from" "$to.tmp"
        mv "$to.tmp" "$to"
    fi
}

# Inserts line $3 after the line matching $2 in file $1, once.
insert_after() {
    local file=$1 anchor=$2 line=$3
    if grep -qxF -- "$line" "$file"; then
        return
    fi
    grep -qxF -- "$anchor" "$file" || die "cannot wire salix into $file: anchor '$anchor' not found"
    log "wiring: $line -> ${file#"$src"/}"
    awk -v a="$anchor" -v l="$line" '{ print } $0 == a { print l }' \
        "$file" >"$file.tmp"
    mv "$file.tmp" "$file"
}

overlay() {
    local dst=$src/hw/salix f
    local -A want=()
    mkdir -p "$dst"
    shopt -s nullglob
    for f in "$here"/*.c "$here"/*.h "$here"/trace-events "$here"/Kconfig \
             "$here"/meson.build; do
        want[$(basename "$f")]=1
        sync_file "$f" "$dst/$(basename "$f")"
    done
    want[salix.h]=1
    sync_file "$abi_header" "$dst/salix.h"
    for f in "$dst"/*; do
        if [[ -z ${want[$(basename "$f")]:-} ]]; then
            log "overlay: removing stale ${f#"$src"/}"
            rm -f "$f"
        fi
    done
    shopt -u nullglob

    insert_after "$src/hw/meson.build" "subdir('nvme')" "subdir('salix')"
    insert_after "$src/hw/Kconfig" "source nvme/Kconfig" "source salix/Kconfig"
    insert_after "$src/meson.build" "    'hw/nvme'," "    'hw/salix',"
}

# ---- main ------------------------------------------------------------------
check_deps

cache_root=${SALIX_CACHE:-$HOME/.cache/salix}/qemu
mkdir -p "$cache_root"
# One lock for the whole cache root: the source fetch touches apt, and two
# full builds on a 2-core machine gain nothing from running side by side.
exec 9>"$cache_root/.lock"
if ! flock -n 9; then
    log "waiting for another build-qemu.sh holding $cache_root/.lock"
    flock 9
fi

version=${SALIX_QEMU_VERSION:-}
if [[ -z $version ]]; then
    version=$(newest_source_version)
fi
if [[ -z $version ]]; then
    version=$(binary_source_version)
fi
[[ -n $version ]] || die "apt knows no qemu version; run apt-get update (or set SALIX_QEMU_VERSION)"

key=$(printf '%s\n' "overlay=$OVERLAY_VERSION" "${CONFIGURE_FLAGS[@]}" |
      sha256sum | cut -c1-10)
dir=$cache_root/${version//:/_}-$key
src=$dir/src
build=$dir/build
mkdir -p "$dir"
log "cache: $dir"

if [[ ! -f $dir/.source-ok ]]; then
    ensure_deb_src
    fetch_source "$dir" "$version"
    touch "$dir/.source-ok"
fi

overlay

flags_file=$dir/.configured
if [[ ! -f $build/build.ninja || ! -f $flags_file ||
      $(cat "$flags_file") != "${CONFIGURE_FLAGS[*]}" ]]; then
    log "configuring: ${CONFIGURE_FLAGS[*]}"
    rm -rf "$build" "$flags_file"
    mkdir -p "$build"
    (cd "$build" && ../src/configure "${CONFIGURE_FLAGS[@]}" >&2) ||
        die "configure failed (see output above); missing libraries are usually fixed by apt-get install of the -dev package it names"
    printf '%s' "${CONFIGURE_FLAGS[*]}" >"$flags_file"
fi

log "building qemu-system-x86_64 (ninja -C $build)"
start=$(date +%s)
ninja -C "$build" qemu-system-x86_64 >&2 || die "ninja failed (see output above)"
log "build step took $(($(date +%s) - start)) s"

binary=$build/qemu-system-x86_64
[[ -x $binary ]] || die "ninja succeeded but $binary is missing"

# Run from the build tree, QEMU resolves every data directory inside
# build/qemu-bundle/; point the firmware directories at the system's.
IFS=: read -r -a fw_dirs <<<"$FIRMWARE_PATH"
for d in "${fw_dirs[@]}"; do
    if [[ -d $d && ! -e $build/qemu-bundle$d ]]; then
        mkdir -p "$build/qemu-bundle$(dirname "$d")"
        ln -sfn "$d" "$build/qemu-bundle$d"
    fi
done
echo "$binary"

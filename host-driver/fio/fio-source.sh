#!/usr/bin/env bash
# fio-source.sh - fio's source headers for building the Salix external ioengine.
#
# Debian's fio (3.33) ships no development headers, and an external ioengine
# must be compiled against the exact fio it is loaded into (fio refuses an
# engine whose FIO_IOOPS_VERSION differs, and the engine reads fio's own
# structures). So this fetches the source of the installed fio package with
# `apt-get source` and runs its ./configure (which writes config-host.h, the
# switches those structures depend on), into a cache outside the repository:
#   ${SALIX_CACHE:-$HOME/.cache/salix}/fio/<debian version>/src
# keyed by the installed package version. Prints that directory as the last
# stdout line.
#
#   host-driver/fio/fio-source.sh           fetch if needed, print the dir
#   host-driver/fio/fio-source.sh --print   print the dir if cached, else exit 1
#                                           (what meson runs: never fetches)
set -euo pipefail

log() { echo "fio-source: $*" >&2; }
die() { echo "fio-source: error: $*" >&2; exit 1; }

version=$(dpkg-query -W -f='${Version}' fio 2>/dev/null || true)
[[ -n $version ]] || { [[ ${1:-} == --print ]] && exit 1; die "fio is not installed (apt-get install fio)"; }
cache=${SALIX_CACHE:-$HOME/.cache/salix}/fio/$version
if [[ -f $cache/src/config-host.h && -f $cache/src/ioengines.h ]]; then
    echo "$cache/src"
    exit 0
fi
[[ ${1:-} == --print ]] && exit 1

command -v dpkg-source >/dev/null || die "dpkg-source missing: apt-get install dpkg-dev"
if [[ -z $(apt-cache showsrc fio 2>/dev/null | sed -n 's/^Version: //p') ]]; then
    list=/etc/apt/sources.list.d/salix-deb-src.sources
    base=/etc/apt/sources.list.d/debian.sources
    [[ -f $base ]] || die "no $base to mirror; add a deb-src entry for bookworm by hand"
    [[ $(id -u) -eq 0 ]] || die "adding $list needs root (or add a deb-src entry yourself)"
    log "adding deb-src entry $list and running apt-get update"
    sed 's/^Types:.*/Types: deb-src/' "$base" >"$list.tmp"
    mv "$list.tmp" "$list"
    apt-get update -q >&2 || die "apt-get update failed"
fi
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/fetch.XXXXXX")
chmod 755 "$tmp"   # apt's sandbox user writes here
trap 'rm -rf "$tmp"' EXIT
log "fetching fio $version source into $cache"
(cd "$tmp" && apt-get source -q "fio=$version" >&2) ||
    die "apt-get source fio=$version failed (deb-src entry? is $version still in the archive?)"
top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'fio-*' | head -n1)
[[ -n $top && -f $top/configure ]] || die "apt-get source left no fio tree in $tmp"
log "configuring fio $version (config-host.h, as Debian does: --disable-native)"
(cd "$top" && ./configure --disable-native --prefix=/usr >&2) || die "fio's ./configure failed"
rm -rf "$cache/src"
mv "$top" "$cache/src"
echo "$cache/src"

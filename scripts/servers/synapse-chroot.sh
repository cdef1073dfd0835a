#!/usr/bin/env bash
# Builds (once) and caches a Debian unstable chroot with Synapse from Debian's matrix-synapse
# package, for the end-to-end tests (DESIGN.md §6). No Docker and no PyPI here: only Debian's
# archive is reachable, and bookworm's Synapse is too old, so sid's package in a chroot it is.
#
# Usage: synapse-chroot.sh            build if missing or half-built, else return at once
#        synapse-chroot.sh --rebuild  throw the cached root away and build it again
# Prints the root's path on stdout. Cold build: a couple of minutes; warm: well under a second.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need_root

MIRROR=${KB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=sid
stamp=$KB_SYNAPSE_ROOT/$KB_SYNAPSE_STAMP_NAME

complete() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$KB_SYNAPSE_STAMP_VERSION" ]
}

rebuild=no
[ "${1:-}" = --rebuild ] && rebuild=yes

mkdir -p "$KB_CACHE_DIR"
# Several test runs (or engineers) may start at once: one builds, the others wait for it.
exec 9>"$KB_CACHE_DIR/synapse-root.lock"
flock 9

if [ $rebuild = no ] && complete; then
  echo "$KB_SYNAPSE_ROOT"
  exit 0
fi

[ -x "$(command -v debootstrap)" ] || die "debootstrap is missing; run scripts/servers/install-system-deps.sh"

started=$(date +%s)
building=$KB_SYNAPSE_ROOT.building
# A half-built root (interrupted run, failed step) is never trusted: start from nothing. Unmount
# first so rm -rf cannot walk into a mounted /proc.
for d in "$building" "$KB_SYNAPSE_ROOT"; do
  if [ -e "$d" ]; then
    log "removing stale $d"
    unmount_all_under "$d"
    rm -rf --one-file-system "$d"
  fi
done

log "debootstrap $SUITE with matrix-synapse into $building (takes a minute or two)"
# minbase keeps it small. debootstrap's resolver misses the virtual cffi backend that
# python3-cryptography depends on, so its final configure step fails; we allow that here and let
# apt finish the job below, where the result is checked properly.
if ! debootstrap --variant=minbase --include=matrix-synapse "$SUITE" "$building" "$MIRROR" \
    >"$KB_CACHE_DIR/debootstrap.log" 2>&1; then
  log "debootstrap ended with an error (expected: the cffi backend); finishing with apt"
fi
[ -x "$building/usr/bin/apt-get" ] && [ -x "$building/usr/bin/python3" ] ||
  die "debootstrap did not produce a usable root; see $KB_CACHE_DIR/debootstrap.log"

cp /etc/resolv.conf "$building/etc/resolv.conf"
mount -t proc proc "$building/proc"
trap 'umount "$building/proc" 2>/dev/null || true' EXIT
# The suite's Release file can be past its Valid-Until (the archive we reach may be a snapshot);
# the signatures are still checked.
chroot "$building" apt-get -q -o Acquire::Check-Valid-Until=false update >>"$KB_CACHE_DIR/debootstrap.log" 2>&1 ||
  die "apt-get update inside the chroot failed; see $KB_CACHE_DIR/debootstrap.log"
DEBIAN_FRONTEND=noninteractive chroot "$building" apt-get install -y -q -f python3-cffi-backend \
  >>"$KB_CACHE_DIR/debootstrap.log" 2>&1 ||
  die "apt-get install -f python3-cffi-backend inside the chroot failed; see $KB_CACHE_DIR/debootstrap.log"
chroot "$building" apt-get clean

# Check the result rather than trusting exit codes: every package configured, Synapse importable.
audit=$(chroot "$building" dpkg --audit || true)
[ -z "$audit" ] || die "packages left unconfigured in the chroot: $audit"
version=$(chroot "$building" python3 -c 'import synapse; print(synapse.__version__)') ||
  die "synapse does not import inside the chroot"

umount "$building/proc"
trap - EXIT
mv "$building" "$KB_SYNAPSE_ROOT"
echo "$KB_SYNAPSE_STAMP_VERSION" >"$stamp"
log "Synapse $version ready in $KB_SYNAPSE_ROOT ($(($(date +%s) - started)) s)"
echo "$KB_SYNAPSE_ROOT"

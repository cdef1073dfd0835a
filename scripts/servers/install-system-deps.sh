#!/usr/bin/env bash
# Installs the Debian packages the end-to-end tests need on the host: debootstrap (to build the
# Synapse chroot, see synapse-chroot.sh) and inspircd (the real IRC server). Idempotent and quick:
# when both are installed it only checks and returns; apt-get update runs only when something is
# missing, because it is the slow part.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PACKAGES=(debootstrap inspircd)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  log "system packages present: ${PACKAGES[*]}"
  exit 0
fi

need_root
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || die "apt-get update failed"
apt-get install -y -q "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"

# Debian's package may start a system-wide inspircd on 127.0.0.1:6667 where an init system runs;
# the tests never use it (each run starts its own on a free port), so it is left alone.
for p in "${missing[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || die "$p did not install"
done
log "installed ${missing[*]}"

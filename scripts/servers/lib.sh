# Shared bits for the server scripts; sourced, never run. Kept tiny on purpose.

# Where the Synapse chroot is cached. Outside the clone so a fresh clone (CI) and every engineer's
# checkout reuse one copy; override with KB_SYNAPSE_ROOT (e.g. for a throwaway rebuild).
KB_CACHE_DIR=${KB_CACHE_DIR:-/var/cache/katzenbridge}
KB_SYNAPSE_ROOT=${KB_SYNAPSE_ROOT:-$KB_CACHE_DIR/synapse-root}
# Written last by synapse-chroot.sh; a root without it is half-built and gets rebuilt. Bump the
# version when the build recipe changes so old caches are rebuilt instead of trusted.
KB_SYNAPSE_STAMP_NAME=.katzenbridge-complete
KB_SYNAPSE_STAMP_VERSION=1

die() {
  echo "$(basename "$0"): ERROR: $*" >&2
  exit 1
}

log() {
  echo "$(basename "$0"): $*" >&2
}

need_root() {
  [ "$(id -u)" = 0 ] || die "must run as root (chroot, mount and apt need it); this is uid $(id -u)"
}

# Every mount point at or below $1, deepest first, so they can be unmounted in order.
mounts_under() {
  local root
  root=$(realpath -m "$1")
  awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}

unmount_all_under() {
  local m
  for m in $(mounts_under "$1"); do
    umount "$m" 2>/dev/null || umount -l "$m" || die "cannot unmount $m"
  done
}

# True when something already accepts TCP connections on 127.0.0.1:$1. Checked before a start:
# a readiness probe would otherwise happily talk to whatever holds the port.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

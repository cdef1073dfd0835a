#!/usr/bin/env bash
# The quickstart: runs katzenbridge end to end on this machine with its embedded defaults. Installs
# what is missing (npm dependencies with the pinned Node 22, the build, Debian's inspircd), starts a
# local InspIRCd, then scripts/demo.mjs: the bridge on the embedded emulator with sqlite, a demo
# Katzenpost member (katzenbridge peer) that joins a group bridged to #katzenpost and talks.
# Ctrl-C stops everything it started. State lives in .kb-state/demo (git-ignored).
#
# Usage: scripts/demo.sh             interactive; prints how to connect an IRC (and Matrix) client
#        scripts/demo.sh --irc-only  without Synapse (which needs root and, the first time, minutes
#                                    to build its cached chroot)
#        scripts/demo.sh --check     headless: passes once a message crossed to an IRC client
#                                    (add --matrix to bring up and link Synapse too)
# KB_DEMO_SKIP_INSTALL=1 skips installing and building (the test suite has done both; its build
# folder is then given as KB_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

check=no matrix=auto
for a in "$@"; do
  case $a in
    --check) check=yes ;;
    --irc-only) matrix=no ;;
    --matrix) matrix=yes ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument $a (try --help)" >&2; exit 2 ;;
  esac
done

if [ "${KB_DEMO_SKIP_INSTALL:-}" != 1 ]; then
  bash scripts/bootstrap.sh
  bash scripts/servers/install-system-deps.sh
fi
source scripts/servers/lib.sh
if [ $matrix = auto ]; then
  if [ $check = yes ] || [ "$(id -u)" != 0 ]; then matrix=no; else matrix=yes; fi
fi
if [ $matrix = yes ]; then
  log "preparing the Synapse chroot (cached in $KB_SYNAPSE_ROOT; the first build takes minutes)"
  bash scripts/servers/synapse-chroot.sh >/dev/null
fi

# KB_DEMO_STATE: the state folder (kept afterwards); by default .kb-state/demo, or a temporary
# folder removed afterwards for --check.
own_state=no
if [ -n "${KB_DEMO_STATE:-}" ]; then state=$KB_DEMO_STATE
elif [ $check = yes ]; then state=$(mktemp -d "${TMPDIR:-/tmp}/kb-demo-check.XXXXXX"); own_state=yes
else state=$PWD/.kb-state/demo; fi
mkdir -p "$state"
# A fresh demo each time: the IRC server forgets everything too. (--check uses a temporary folder.)
rm -rf "$state/bridge" "$state/peer"

free_port() { node_modules/.bin/node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
irc_port=6667
if [ $check = yes ] || port_in_use $irc_port; then irc_port=$(free_port); fi
http_port=29341
if [ $check = yes ] || port_in_use $http_port; then http_port=$(free_port); fi
synapse_args=()
if [ $matrix = yes ]; then synapse_args=(--synapse-port "$(free_port)" --appservice-port "$(free_port)"); fi

cleanup() {
  bash scripts/servers/inspircd.sh stop --dir "$state/ircd" >/dev/null 2>&1 || true
  if [ $own_state = yes ]; then rm -rf "$state"; fi
}
trap cleanup EXIT
bash scripts/servers/inspircd.sh start --port "$irc_port" --dir "$state/ircd"

args=(--state "$state" --irc-port "$irc_port" --http-port "$http_port" "${synapse_args[@]}")
[ $check = yes ] && args+=(--check --timeout-s "${KB_DEMO_TIMEOUT_S:-90}")
# Not exec: the trap must stop InspIRCd after the conductor has stopped the bridge and the peer.
set +e
node_modules/.bin/node scripts/demo.mjs "${args[@]}"
code=$?
exit $code

#!/usr/bin/env bash
# Starts and stops a throwaway InspIRCd 3 (Debian's package) for the end-to-end tests: its own
# config, port and folder per run, loopback only, limits raised so dozens of puppet connections
# from 127.0.0.1 are let in at full speed.
#
# Usage: inspircd.sh start --port PORT --dir DIR   write DIR/inspircd.conf, start, wait until the
#                                                  port accepts connections
#        inspircd.sh stop --dir DIR                stop the instance started in DIR (no-op if none)
# The data folder survives stop, so start again on the same port is a server restart.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

READY_TIMEOUT_S=${KB_INSPIRCD_READY_TIMEOUT_S:-30}
STOP_TIMEOUT_S=10

cmd=${1:-}; shift || true
port='' dir=''
while [ $# -gt 0 ]; do
  case $1 in
    --port) port=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -n "$dir" ] || die "--dir is required"
pidfile=$dir/inspircd.run.pid

running_pid() {
  local pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

write_config() {
  # Everything the daemon writes stays in $dir. Why each non-default value:
  #  - bind 127.0.0.1 only: tests must not expose a server to the network.
  #  - connect: the bridge opens one puppet connection per Matrix user, all from 127.0.0.1, so the
  #    per-IP limits (localmax/globalmax) and the flood limits (threshold/commandrate) are raised
  #    and fakelag is off, or the server would slow or refuse them. No DNS or ident lookups:
  #    nothing answers them here and each would add a timeout to every connection.
  cat >"$dir/inspircd.conf" <<CONF
<config format="xml">
<server name="irc.katzenbridge.test" description="katzenbridge e2e test server" network="KbTest">
<admin name="katzenbridge tests" nick="kb" email="kb@localhost">
<bind address="127.0.0.1" port="$port" type="clients">
<connect name="loopback" allow="127.0.0.1" timeout="60" pingfreq="120"
         localmax="1000" globalmax="1000" maxconnwarn="off" limit="5000"
         threshold="1000" commandrate="1000000" fakelag="off"
         hardsendq="4194304" softsendq="1048576" recvq="1048576"
         resolvehostnames="no" useident="no" maxchans="200">
<performance clonesonconnect="no" quietbursts="yes" softlimit="5000" somaxconn="128">
<channels users="200" opers="200">
<dns server="127.0.0.1" timeout="1">
<files motd="$dir/motd.txt">
<pid file="$dir/inspircd.pid">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="$dir/ircd.log">
<options prefixquit="Quit: " syntaxhints="no" announcets="yes" hostintopic="yes" pingwarning="15">
<security hideserver="" userstats="Pu" customversion="" maxtargets="20">
CONF
  echo "katzenbridge end-to-end test server" >"$dir/motd.txt"
}

start() {
  [ -n "$port" ] || die "--port is required for start"
  command -v inspircd >/dev/null || die "inspircd is not installed; run scripts/servers/install-system-deps.sh"
  mkdir -p "$dir"
  if pid=$(running_pid); then die "an inspircd (pid $pid) is already running from $dir"; fi
  if port_in_use "$port"; then die "127.0.0.1:$port is already taken; pick another port"; fi
  write_config
  touch "$dir/stdout.log"
  # This start's output only: stdout.log is appended to across restarts.
  local from=$(($(stat -c %s "$dir/stdout.log") + 1))
  # --nofork keeps the pid we record the daemon's own; --runasroot because tests run as root here.
  inspircd --config="$dir/inspircd.conf" --nofork --runasroot </dev/null >>"$dir/stdout.log" 2>&1 &
  echo $! >"$pidfile"
  local pid=$! deadline=$((SECONDS + READY_TIMEOUT_S))
  # InspIRCd keeps running when its listener fails to bind (it only warns), so readiness is its
  # "now running" line (printed after binding) with no bind failure, then a real connection.
  until tail -c +"$from" "$dir/stdout.log" | grep -q 'is now running' && port_in_use "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -c +"$from" "$dir/stdout.log" >&2 || true
      die "inspircd exited during start-up (output above, full log $dir/stdout.log)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      kill "$pid" 2>/dev/null || true
      die "inspircd did not accept connections on 127.0.0.1:$port within ${READY_TIMEOUT_S}s"
    fi
    sleep 0.1
  done
  if tail -c +"$from" "$dir/stdout.log" | grep -q 'failed to bind'; then
    kill "$pid" 2>/dev/null || true
    tail -c +"$from" "$dir/stdout.log" >&2 || true
    die "inspircd could not listen on 127.0.0.1:$port (output above)"
  fi
  log "inspircd ready on 127.0.0.1:$port (pid $pid, dir $dir)"
}

stop() {
  local pid deadline
  pid=$(running_pid) || { rm -f "$pidfile"; return 0; }
  kill -TERM "$pid"
  deadline=$((SECONDS + STOP_TIMEOUT_S))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      log "inspircd (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT_S}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.1
  done
  rm -f "$pidfile"
  log "inspircd stopped (dir $dir)"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  *) die "usage: inspircd.sh start --port PORT --dir DIR | stop --dir DIR" ;;
esac

#!/usr/bin/env bash
# Starts and stops a throwaway Synapse (Debian's matrix-synapse, run inside the cached chroot made
# by synapse-chroot.sh) for the end-to-end tests. Each instance has its own port and its own data
# folder /srv/hs-PORT inside the chroot, so parallel runs never share state.
#
# Usage:
#   synapse.sh start --port PORT [--server-name NAME] [--appservice FILE]... [--fresh]
#       Write the config, start Synapse, wait until it answers /health. --fresh first deletes any
#       data left in /srv/hs-PORT (a new test run); without it the data is kept (a restart).
#       Prints one JSON line on stdout: {"url", "serverName", "port", "dir"} (dir: host path).
#   synapse.sh stop --port PORT      stop it; data is kept (no-op when not running)
#   synapse.sh destroy --port PORT   stop it and delete its data folder
#
# The config is ours, written on every start, not Synapse's generated one: the generated defaults
# listen on ::1 and 127.0.0.1 with the federation resource, trust X-Forwarded-For and use
# matrix.org as key server; we want loopback only, no federation, no outside contact at all.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need_root

READY_TIMEOUT_S=${KB_SYNAPSE_READY_TIMEOUT_S:-180}  # first start runs every DB migration (~10 s)
STOP_TIMEOUT_S=30
# Generous on purpose: tests register users, log in, join and send in bursts from one address.
RATE='{per_second: 10000, burst_count: 10000}'

cmd=${1:-}; shift || true
port='' server_name=localhost fresh=no appservices=()
while [ $# -gt 0 ]; do
  case $1 in
    --port) port=$2; shift 2 ;;
    --server-name) server_name=$2; shift 2 ;;
    --appservice) appservices+=("$2"); shift 2 ;;
    --fresh) fresh=yes; shift ;;
    *) die "unknown argument $1" ;;
  esac
done
[[ $port =~ ^[0-9]+$ ]] || die "--port PORT is required (a number)"

ROOT=$KB_SYNAPSE_ROOT
run=/srv/hs-$port          # as Synapse sees it, inside the chroot
host_run=$ROOT$run         # the same folder seen from the host
pidfile=$host_run/synapse.run.pid

running_pid() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# /proc is mounted into the shared chroot while at least one instance runs there. Mount and
# unmount decisions take one lock so a stop never pulls /proc from under a starting instance.
with_mount_lock() {
  exec 8>"$KB_CACHE_DIR/synapse-mounts.lock"
  flock 8
}

ensure_proc() {
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc" || die "cannot mount proc on $ROOT/proc"
}

release_proc_if_unused() {
  local f
  for f in "$ROOT"/srv/hs-*/synapse.run.pid; do
    running_pid "$f" >/dev/null && return 0
  done
  mountpoint -q "$ROOT/proc" && { umount "$ROOT/proc" || umount -l "$ROOT/proc"; }
  return 0
}

# Secrets are made once per data folder (so a restart keeps tokens and the signing key valid)
# and never printed; the test helper reads registration_shared_secret from its file.
ensure_secrets() {
  local name
  for name in registration_shared_secret macaroon_secret_key form_secret; do
    [ -s "$host_run/$name" ] || (umask 077; head -c 32 /dev/urandom | base64 | tr -d '\n=' >"$host_run/$name")
  done
}

write_config() {
  local as_list='[]' i=0 f
  rm -rf "$host_run/appservices"
  mkdir -p "$host_run/appservices"
  if [ ${#appservices[@]} -gt 0 ]; then
    as_list=''
    for f in "${appservices[@]}"; do
      [ -f "$f" ] || die "appservice registration $f does not exist"
      # The chroot cannot see host paths, so each registration is copied in at every start.
      cp "$f" "$host_run/appservices/$i.yaml"
      as_list+="${as_list:+, }$run/appservices/$i.yaml"
      i=$((i + 1))
    done
    as_list="[$as_list]"
  fi
  cat >"$host_run/homeserver.yaml" <<YAML
# Written by scripts/servers/synapse.sh for one test run; rewritten on every start.
server_name: "$server_name"
public_baseurl: "http://127.0.0.1:$port/"
pid_file: $run/homeserver.pid
listeners:
  - port: $port
    bind_addresses: ['127.0.0.1']   # loopback only
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]              # no federation resource
        compress: false
database:
  name: sqlite3
  args:
    database: $run/homeserver.db
log_config: $run/log.config
media_store_path: $run/media_store
signing_key_path: $run/signing.key
registration_shared_secret: "$(cat "$host_run/registration_shared_secret")"
macaroon_secret_key: "$(cat "$host_run/macaroon_secret_key")"
form_secret: "$(cat "$host_run/form_secret")"
enable_registration: false
report_stats: false
# No federation and no outside contact: no key servers, no remote servers, no URL previews.
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
url_preview_enabled: false
enable_metrics: false
app_service_config_files: $as_list
rc_message: $RATE
rc_registration: $RATE
rc_registration_token_validity: $RATE
rc_login:
  address: $RATE
  account: $RATE
  failed_attempts: $RATE
rc_admin_redaction: $RATE
rc_joins:
  local: $RATE
  remote: $RATE
rc_joins_per_room: $RATE
rc_3pid_validation: $RATE
rc_invites:
  per_room: $RATE
  per_user: $RATE
  per_issuer: $RATE
rc_media_create: $RATE
rc_presence:
  per_user: $RATE
rc_delayed_event_mgmt: $RATE
rc_reports: $RATE
rc_room_creation: $RATE
YAML
  # Log to stdout (redirected to the run folder) without buffering, so a failed start shows why.
  cat >"$host_run/log.config" <<'YAML'
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: precise
    stream: ext://sys.stdout
loggers:
  synapse.storage.SQL:
    level: WARNING   # DEBUG/INFO here would log access tokens
root:
  level: INFO
  handlers: [console]
disable_existing_loggers: false
YAML
}

# exec all the way down (chroot, env, python3) so the recorded pid is Synapse's own; a clean
# environment so nothing of the host's (proxies, PYTHONPATH) leaks in.
in_chroot() {
  exec chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

# One HTTP GET over bash's /dev/tcp, so readiness needs nothing from the host but bash.
health_ok() {
  local status
  status=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" &&
    printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && head -n 1 <&3) 2>/dev/null) || return 1
  [[ $status == *" 200 "* ]]
}

# A start that went wrong: show why, leave no process and no stray /proc mount behind.
failed_start() {
  stop >/dev/null 2>&1 || true
  tail -n 30 "$host_run/stdout.log" >&2 || true
  die "$1 (log above, full log $host_run/stdout.log)"
}

# Runs that were killed before destroy leave their folders behind in the shared chroot; drop
# those untouched for a day whose Synapse is not running, so the cache does not grow forever.
prune_stale_runs() {
  local d
  for d in "$ROOT"/srv/hs-*; do
    [ -d "$d" ] && [ "$d" != "$host_run" ] || continue
    running_pid "$d/synapse.run.pid" >/dev/null && continue
    [ -n "$(find "$d" -maxdepth 0 -mtime +0)" ] && rm -rf --one-file-system "$d"
  done
  return 0
}

start() {
  bash "$(dirname "$0")/synapse-chroot.sh" >/dev/null
  prune_stale_runs
  if pid=$(running_pid "$pidfile"); then die "Synapse (pid $pid) already runs from $run"; fi
  if port_in_use "$port"; then die "127.0.0.1:$port is already taken; pick another port"; fi
  if [ $fresh = yes ] && [ -e "$host_run" ]; then rm -rf --one-file-system "$host_run"; fi
  mkdir -p "$host_run/media_store"
  ensure_secrets
  write_config
  with_mount_lock
  ensure_proc
  [ -s "$host_run/signing.key" ] || (in_chroot python3 -m synapse.app.homeserver -c "$run/homeserver.yaml" \
    --generate-keys) >>"$host_run/stdout.log" 2>&1 || { flock -u 8; failed_start "Synapse could not generate its signing key"; }
  (in_chroot python3 -m synapse.app.homeserver -c "$run/homeserver.yaml") </dev/null >>"$host_run/stdout.log" 2>&1 8>&- &
  local pid=$!
  echo $pid >"$pidfile"
  flock -u 8
  local deadline=$((SECONDS + READY_TIMEOUT_S))
  until health_ok; do
    if ! kill -0 "$pid" 2>/dev/null; then
      failed_start "Synapse exited during start-up"
    fi
    if [ $SECONDS -ge $deadline ]; then
      failed_start "Synapse did not answer http://127.0.0.1:$port/health within ${READY_TIMEOUT_S}s"
    fi
    sleep 0.2
  done
  log "Synapse ready on http://127.0.0.1:$port (pid $pid, data $host_run)"
  printf '{"url":"http://127.0.0.1:%s","serverName":"%s","port":%s,"dir":"%s"}\n' "$port" "$server_name" "$port" "$host_run"
}

stop() {
  local pid deadline
  if pid=$(running_pid "$pidfile"); then
    kill -TERM "$pid"
    deadline=$((SECONDS + STOP_TIMEOUT_S))
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then
        log "Synapse (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT_S}s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      sleep 0.1
    done
    log "Synapse on port $port stopped"
  fi
  rm -f "$pidfile"
  with_mount_lock
  release_proc_if_unused
  flock -u 8
}

case $cmd in
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf --one-file-system "$host_run" ;;
  *) die "usage: synapse.sh start|stop|destroy --port PORT [...]" ;;
esac

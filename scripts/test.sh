#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, type-checks, builds, then
# runs unit, integration and end-to-end tests on the pinned Node 22.
set -euo pipefail
cd "$(dirname "$0")/.."
# test/unit/systemd runs systemd-analyze (verify, security --offline); Debian's systemd package
# provides it and works without systemd running.
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "test: installing Debian's systemd package for systemd-analyze"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd
fi
bash scripts/bootstrap.sh
# Real servers for the end-to-end tests (DESIGN.md §6): inspircd and debootstrap from Debian on the
# host, then the cached Synapse chroot (minutes when cold, instant when warm) before any test runs.
bash scripts/servers/install-system-deps.sh
bash scripts/servers/synapse-chroot.sh >/dev/null
npm run --silent typecheck
npm test

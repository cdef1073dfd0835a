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
npm run --silent typecheck
npm test

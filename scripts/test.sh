#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, type-checks, builds, then
# runs unit, integration and end-to-end tests on the pinned Node 22.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
npm run --silent typecheck
npm test

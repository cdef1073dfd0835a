#!/usr/bin/env bash
# Installs what katzenbridge needs on a fresh machine: the npm dependencies, including the pinned
# Node 22 runtime (devDependency "node"), then compiles the TypeScript. Safe to run again; it
# reinstalls only when package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.katzenbridge-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x node_modules/.bin/node ]; then
  echo "bootstrap: npm ci (system Node $(node -v 2>/dev/null || echo none); the project runs on the pinned Node 22)"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
echo "bootstrap: project Node is $(node_modules/.bin/node -v)"
npm run --silent build

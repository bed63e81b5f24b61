#!/usr/bin/env bash
# Build the web notebook into gateway/static/ (app.js, app.css, index.html,
# THIRD_PARTY_LICENSES.txt). Needs Node.js >= 18 and npm; every package comes
# from package-lock.json (npm ci). Offline once node_modules is installed.
#   webui/build.sh          minified build
#   webui/build.sh --dev    unminified, with source maps
#   webui/build.sh --check  also type-check the sources (tsc)
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "webui/build.sh: npm is required (Node.js >= 18)" >&2; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
args=()
for a in "$@"; do
  if [ "$a" = "--check" ]; then npx --no-install tsc --noEmit -p .; else args+=("$a"); fi
done
node build.mjs "${args[@]+"${args[@]}"}"

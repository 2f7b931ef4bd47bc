#!/usr/bin/env bash
# npm run bench: bundles bench/bench.ts and runs it on Node 24 against the local environment (started if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! scripts/env/status.sh --quiet 2>/dev/null; then
  trap 'scripts/env/down.sh' EXIT
  scripts/env/up.sh
fi
node_modules/.bin/ncc build bench/bench.ts -o build/bench --quiet
node_modules/.bin/node build/bench/index.js "$@"

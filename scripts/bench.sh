#!/usr/bin/env bash
# npm run bench: bundles bench/bench.ts and runs it on Node 24 against the local environment (started if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! scripts/env/status.sh --quiet 2>/dev/null; then
  trap 'scripts/env/down.sh' EXIT
  scripts/env/up.sh
fi
# Bundled as the action is (scripts/build.mjs); the type check is tsc's (npm test).
node_modules/.bin/esbuild bench/bench.ts --bundle --platform=node --format=esm --target=node24 --log-level=warning \
  --outfile=build/bench/index.js --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
node_modules/.bin/node build/bench/index.js "$@"

#!/usr/bin/env bash
# The test command: unit and integration tests on Node 24 against real servers. Starts the local environment
# when it is not already running (and stops what it started when done); `npm run env:up` left running is reused.
# With KUBE_BACKUP_TEST_EXTERNAL=1 it uses the KUBECONFIG / S3 variables already set instead (kind + MinIO on CI).
set -euo pipefail
cd "$(dirname "$0")/.."

node_bin=node_modules/.bin/node
[ -x "$node_bin" ] || { echo "node_modules missing: run 'npm ci' first" >&2; exit 1; }
major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 24 ] || { echo "tests need Node 24 (the action's runtime); found $("$node_bin" --version)" >&2; exit 1; }

if [ "${KUBE_BACKUP_TEST_EXTERNAL:-}" != 1 ]; then
  if scripts/env/status.sh >/dev/null 2>&1; then
    echo "[test] reusing the running local environment" >&2
  else
    trap 'scripts/env/down.sh' EXIT
    scripts/env/up.sh
  fi
fi

"$node_bin" node_modules/.bin/tsc --noEmit
"$node_bin" node_modules/.bin/eslint .
"$node_bin" --experimental-vm-modules node_modules/jest/bin/jest.js --ci "$@"

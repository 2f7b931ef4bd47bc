#!/usr/bin/env bash
# The main job on the embedded defaults: a local Kubernetes cluster (built from Debian's source package) backed
# up by the bundled CLI into ./kube-backups, then listed. Leaves the environment running (npm run env:down).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/env/up.sh
# shellcheck disable=SC1091
source .local-env/env.sh
node_bin=node_modules/.bin/node
"$node_bin" dist/cli/index.js backup create --kubeconfig "$KUBECONFIG" --exclude-resources events
"$node_bin" dist/cli/index.js backup get

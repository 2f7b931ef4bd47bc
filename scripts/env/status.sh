#!/usr/bin/env bash
# Exit 0 if every component of the local test environment is ours, alive and healthy, node1 is
# Ready and the S3 API answers; else list what is wrong and exit 1. --quiet prints nothing.
# The snapshot CRDs are reported but do not count: an environment started before up.sh installed them
# is still "up" for scripts/test.sh, which would otherwise start (and afterwards stop) one of its own.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

quiet=false
[[ ${1:-} == --quiet ]] && quiet=true
say() { $quiet || printf '%-28s %s\n' "$1" "$2"; }

ok=true
for c in "${COMPONENTS[@]}"; do
  if ! pid=$(component_pid "$c"); then
    say "$c" "not running"; ok=false
  elif ! "health_$c"; then
    say "$c" "UNHEALTHY (pid $pid)"; ok=false
  else
    say "$c" "ok (pid $pid)"
  fi
done
if node_ready && node_addressed; then say "$NODE_NAME" "Ready"; else say "$NODE_NAME" "not Ready or no InternalIP"; ok=false; fi
if s3_works; then say "s3 api" "ok (http://127.0.0.1:$SWIFT_PROXY_PORT)"; else say "s3 api" "not answering"; ok=false; fi
if ! $quiet; then
  if snapshot_crds_established a && snapshot_crds_established b; then
    say "snapshot CRDs" "Established in A and B ($(snapshot_api_version a) preferred)"
  else
    say "snapshot CRDs" "missing in A or B (up.sh installs them)"
  fi
fi
if [[ -f $ENV_FILE ]]; then say "env.sh" "$ENV_FILE"; else say "env.sh" "absent (up.sh has not finished)"; fi
$ok

#!/usr/bin/env bash
# The action runs the committed bundle: fail when rebuilding from src/ would change dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
if [ -n "$(git status --porcelain -- dist)" ]; then
  echo "dist/ is out of date with src/: run 'npm run build' and commit dist/." >&2
  git status --short -- dist >&2
  git diff --stat -- dist >&2
  exit 1
fi
echo "dist/ matches src/"

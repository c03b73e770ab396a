#!/usr/bin/env bash
# dist/ must be exactly what the sources build: rebuild, then compare with what git has.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
changes=$(git status --porcelain --untracked-files=all -- dist)
if [ -n "$changes" ]; then
  echo "dist/ differs from a fresh build (run 'npm run build' and commit dist/):"
  echo "$changes" | head -20
  git diff --stat -- dist | tail -5
  exit 1
fi
echo "dist/ matches a fresh build"

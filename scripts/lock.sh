#!/usr/bin/env bash
# make lock: resolve pyproject.toml's ranges again into uv.lock and export the three
# hash-pinned requirement files every install path uses (scripts/venv.sh, the Dockerfile).
# Run it after changing dependencies in pyproject.toml, then run `make test` and commit
# pyproject.toml, uv.lock and requirements/ together. tests/site/test_lock.py fails until then.
#   scripts/lock.sh            # keep the locked versions that still satisfy pyproject.toml
#   scripts/lock.sh --upgrade  # take the newest versions the ranges allow
set -euo pipefail
cd "$(dirname "$0")/.."

# uv comes with the test tools, at the version the lock itself pins.
scripts/venv.sh test

.venv/bin/uv lock "$@"
export_lock() {  # file, extras...
  local out=$1; shift
  local args=()
  for extra in "$@"; do args+=(--extra "$extra"); done
  .venv/bin/uv export --frozen --no-emit-project --no-dev --no-header --format requirements-txt \
    "${args[@]}" -o "$out" -q
}
mkdir -p requirements
export_lock requirements/base.txt
export_lock requirements/test.txt test
export_lock requirements/bench.txt test bench
export_lock requirements/s3.txt s3
echo ">> uv.lock and requirements/{base,test,bench,s3}.txt written"

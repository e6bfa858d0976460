#!/usr/bin/env bash
# Create .venv from Debian's Python and install the project (with extras, e.g. "test").
# Reinstalls only when pyproject.toml changed since the last install.
#   scripts/venv.sh          # runtime dependencies
#   scripts/venv.sh test     # plus the test tools
set -euo pipefail
cd "$(dirname "$0")/.."

extras=${1:-}
# Debian's interpreter, not a pyenv one: a venv under /root cannot be read by the
# postgres user the test services run as.
PY=${PYTHON:-/usr/bin/python3}
[[ -x $PY ]] || PY=$(command -v python3)

if [[ ! -x .venv/bin/python ]]; then
  echo ">> creating .venv with $PY"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi

stamp=".venv/.installed-${extras:-base}"
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  spec="."
  [[ -n $extras ]] && spec=".[${extras}]"
  echo ">> pip install -e '$spec'"
  .venv/bin/python -m pip install -q -e "$spec"
  touch "$stamp"
fi

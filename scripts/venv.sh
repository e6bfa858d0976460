#!/usr/bin/env bash
# Create .venv from Debian's Python and install exactly what the lock file pins.
#   scripts/venv.sh          # runtime dependencies   (requirements/base.txt)
#   scripts/venv.sh test     # plus the test tools    (requirements/test.txt)
#   scripts/venv.sh bench    # plus locust            (requirements/bench.txt)
#   scripts/venv.sh s3       # runtime + django-storages for UPLOAD_STORAGE=s3
# requirements/*.txt are exported from uv.lock by `make lock` (scripts/lock.sh); pip installs
# them in hash-checking mode, so a package that differs by a byte from the locked one is
# refused. Reinstalls only when the chosen file changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=${1:-base}
lock="requirements/${extras}.txt"
[[ -f $lock ]] || { echo "没有锁定文件 $lock（可选：base、test、bench、s3）" >&2; exit 2; }
# Debian's interpreter, not a pyenv one: a venv under /root cannot be read by the
# postgres user the test services run as.
PY=${PYTHON:-/usr/bin/python3}
[[ -x $PY ]] || PY=$(command -v python3)

if [[ ! -x .venv/bin/python ]]; then
  echo ">> creating .venv with $PY"
  "$PY" -m venv .venv
fi

stamp=".venv/.installed-${extras}"
if [[ ! -f $stamp || $lock -nt $stamp || pyproject.toml -nt $stamp ]]; then
  echo ">> pip install --require-hashes -r $lock"
  # --no-deps: the lock already lists every dependency; nothing unlocked may slip in.
  .venv/bin/python -m pip install -q --require-hashes --no-deps -r "$lock"
  # The project itself, editable, without resolving anything again.
  .venv/bin/python -m pip install -q --no-deps -e .
  touch "$stamp"
fi

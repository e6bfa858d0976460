#!/usr/bin/env bash
# make restore FROM=backups/<folder> [ARGS=--force]: check the backup's own hashes, refuse
# a database that has tables or an uploads folder that has files (unless --force, which
# empties them first), restore both, and compare the result with the manifest: exit 0 only
# when every table's rows and every file's SHA-256 are as backed up.
#   scripts/restore.sh backups/liaoyang-20261202T041500Z [--force]
set -euo pipefail
[[ $# -ge 1 && $1 != -* ]] || { echo "用法 / usage: scripts/restore.sh <备份文件夹> [--force]" >&2; exit 2; }
# Relative to where it was called from, before the cd below.
folder=$(realpath -m "$1")
shift
cd "$(dirname "$0")/.."
# APP_PYTHON is the interpreter that has the project's packages. In the image (docker
# compose run backup) that is the image's python; on a checkout, the .venv that scripts/venv.sh keeps in step with the lock file.
if [[ -n ${APP_PYTHON:-} ]]; then
  :
elif [[ ! -x .venv/bin/python ]] && command -v python3 >/dev/null && python3 -c 'import django' 2>/dev/null; then
  APP_PYTHON=$(command -v python3)
else
  scripts/venv.sh >&2
  APP_PYTHON=.venv/bin/python
fi
# Like the demo (scripts/run.sh), the database is the checkout's db.sqlite3 unless
# DATABASE_URL says otherwise.
export DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/db.sqlite3}
# Settings refuse to load without a key when DEBUG is off; backup and restore sign nothing,
# so a throwaway key is enough where none is set (the demo, a cron job).
export SECRET_KEY=${SECRET_KEY:-backup-restore-only-not-a-secret}
exec "$APP_PYTHON" manage.py restore "$folder" "$@"

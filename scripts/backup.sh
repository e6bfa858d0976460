#!/usr/bin/env bash
# make backup: one dated folder under BACKUP_DIR (default ./backups) with the database
# (pg_dump custom format, or the SQLite file of the demo), the uploads (media.tar) and
# manifest.json. The work is `manage.py backup` (liaoyang_consortia/backup.py); this sets up
# the environment. BACKUP_KEEP=14 keeps only the 14 newest backups.
#   scripts/backup.sh                                  # the demo's db.sqlite3, or DATABASE_URL
#   BACKUP_DIR=/var/backups/liaoyang scripts/backup.sh
# The last line printed is the new folder.
set -euo pipefail
# Relative to where it was called from, before the cd below.
BACKUP_DIR=$(realpath -m "${BACKUP_DIR:-$(dirname "$0")/../backups}")
export BACKUP_DIR
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
# Backups hold personal data (mobile numbers, names, licences): readable by their owner only.
umask 077
exec "$APP_PYTHON" manage.py backup "$@"

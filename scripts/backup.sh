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
source scripts/manage-env.sh
# Backups hold personal data (mobile numbers, names, licences): readable by their owner only.
umask 077
exec "$APP_PYTHON" manage.py backup "$@"

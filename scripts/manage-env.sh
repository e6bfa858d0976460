# Sourced by scripts/backup.sh and scripts/restore.sh (after their cd to the checkout): the
# interpreter and environment for a manage.py command run outside the web process.
# APP_PYTHON is the interpreter that has the project's packages. In the image (docker compose
# run backup/restore) that is the image's python; on a checkout, the .venv that
# scripts/venv.sh keeps in step with the lock file.
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

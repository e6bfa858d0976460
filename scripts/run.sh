#!/usr/bin/env bash
# make run: the zero-setup demo. SQLite, Celery tasks in-process, console e-mail.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/system-deps.sh run
scripts/venv.sh

export DEBUG=${DEBUG:-1}
export DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/db.sqlite3}
unset CELERY_BROKER_URL

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo
echo
echo "演示站点 / demo: http://127.0.0.1:8000/   系统管理 / admin: http://127.0.0.1:8000/admin/"
echo
exec .venv/bin/python manage.py runserver 127.0.0.1:8000

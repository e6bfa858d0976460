#!/usr/bin/env bash
# make run: the zero-setup demo. SQLite, Celery tasks in-process, console e-mail.
# PORT=8001 make run serves on another port (default 8000).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/system-deps.sh run
scripts/venv.sh

PORT=${PORT:-8000}
[[ $PORT =~ ^[0-9]+$ ]] || { echo "PORT 应为端口号 / PORT must be a port number: $PORT" >&2; exit 2; }
export DEBUG=${DEBUG:-1}
export DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/db.sqlite3}
unset CELERY_BROKER_URL

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo
echo
echo "演示站点 / demo: http://127.0.0.1:$PORT/   系统管理 / admin: http://127.0.0.1:$PORT/admin/"
echo
exec .venv/bin/python manage.py runserver "127.0.0.1:$PORT"

#!/usr/bin/env bash
# make test: install what the suite needs, start PostgreSQL and Redis on loopback, run the
# whole suite against them, and stop the services whatever the outcome.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/members -k uscc).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/system-deps.sh test
scripts/venv.sh test

source scripts/services.sh
trap stop_services EXIT INT TERM
start_services

export SECRET_KEY="test-only-secret-key-not-for-production"
export DEBUG=0
export SECURE_COOKIES=0
# No second factor in the suite (the browser tests sign in with passwords only); the
# tests of the second factor turn it on themselves.
export REQUIRE_2FA=0
export DJANGO_ALLOW_ASYNC_UNSAFE=true  # Playwright's sync API beside live_server
export MEDIA_ROOT="$SERVICES_DIR/media"
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
# The suite runs with DEBUG off and production's hashed static files (STATIC_MANIFEST on by
# default with DEBUG off): every page renders with the manifest's names, and the browser
# tests' server serves them through WhiteNoise from STATIC_ROOT (tests/conftest.py).
export STATIC_ROOT="$SERVICES_DIR/static"

.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { echo "代码格式不一致：运行 .venv/bin/ruff format ." >&2; exit 1; }
.venv/bin/python manage.py check --fail-level WARNING
# Production's settings differ by environment only: with the production environment, the
# deployment checklist must be clean (without the suite's DJANGO_ALLOW_ASYNC_UNSAFE).
env -u DJANGO_ALLOW_ASYNC_UNSAFE DEBUG=0 SECURE_SSL_REDIRECT=1 SECURE_HSTS_SECONDS=31536000 SECURE_COOKIES=1 \
  SECURE_HSTS_INCLUDE_SUBDOMAINS=1 SECURE_HSTS_PRELOAD=1 REQUIRE_2FA=1 \
  ALLOWED_HOSTS=portal.example.invalid CSRF_TRUSTED_ORIGINS=https://portal.example.invalid \
  SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  .venv/bin/python manage.py check --deploy --fail-level WARNING
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "模型有未生成的迁移：运行 python manage.py makemigrations" >&2; exit 1; }
export STATIC_MANIFEST=1
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python -m pytest "$@"

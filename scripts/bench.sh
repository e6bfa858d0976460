#!/usr/bin/env bash
# make bench: seed PostgreSQL with the DESIGN.md §11 data set, start gunicorn on loopback,
# and print the performance table and the load-test verdict (scripts/bench.py).
# Smaller trial: BENCH_APPLICATIONS=1000 BENCH_CONSORTIA=200 BENCH_LOCUST_TIME=15s scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

APPLICATIONS=${BENCH_APPLICATIONS:-10000}
CONSORTIA=${BENCH_CONSORTIA:-2000}
LOCUST_TIME=${BENCH_LOCUST_TIME:-60s}
LOCUST_USERS=${BENCH_LOCUST_USERS:-50}

scripts/system-deps.sh test
scripts/venv.sh bench  # the test tools and locust, from the lock

source scripts/services.sh
GUNICORN_PID=
cleanup() {
  [[ -n $GUNICORN_PID ]] && kill -TERM "$GUNICORN_PID" 2>/dev/null && wait "$GUNICORN_PID" 2>/dev/null
  stop_services
}
trap cleanup EXIT INT TERM
start_services

# Production settings (DEBUG off), except what plain-HTTP loopback needs: cookies without the
# Secure flag, no second factor for the measured staff sessions, the test client's host name.
export SECRET_KEY="bench-only-secret-key-not-for-production"
export DEBUG=0 SECURE_COOKIES=0 REQUIRE_2FA=0 STATIC_MANIFEST=0
export ALLOWED_HOSTS=127.0.0.1,localhost,testserver
export MEDIA_ROOT="$SERVICES_DIR/media" STATIC_ROOT="$SERVICES_DIR/static"
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend

started=$SECONDS
.venv/bin/python manage.py migrate --noinput -v0
echo ">> seed_scale --applications $APPLICATIONS --consortia $CONSORTIA"
.venv/bin/python manage.py seed_scale --applications "$APPLICATIONS" --consortia "$CONSORTIA"
seeded=$((SECONDS - started))

PORT=$(free_port)
.venv/bin/gunicorn liaoyang_consortia.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers 2 --worker-class sync --access-logfile - --error-logfile "$SERVICES_DIR/gunicorn.log" \
  >/dev/null &
GUNICORN_PID=$!
# Any answer will do: /healthz says 503 here, since the bench runs no Celery worker.
for _ in $(seq 100); do
  /usr/bin/python3 -c "import urllib.request, urllib.error
try: urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=2)
except urllib.error.HTTPError: pass" 2>/dev/null && break
  sleep 0.2
done
echo ">> gunicorn (2 sync workers) on 127.0.0.1:$PORT"

.venv/bin/python scripts/bench.py --base-url "http://127.0.0.1:$PORT" --workdir "$SERVICES_DIR" \
  --locust-users "$LOCUST_USERS" --locust-time "$LOCUST_TIME"
echo
echo "Machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo)," \
  "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); $(date -u '+%Y-%m-%d')"
echo "Seeding took ${seeded} s; make bench took $((SECONDS - started)) s after installing."

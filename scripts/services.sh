#!/usr/bin/env bash
# Start PostgreSQL and Redis on free loopback ports in a temporary folder, for tests and
# benchmarks. Sourced, not run: it exports DATABASE_URL, CELERY_BROKER_URL, SERVICES_DIR
# and defines stop_services, which the caller must trap on EXIT.
#   source scripts/services.sh; trap stop_services EXIT; start_services

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $d ]] || { echo "PostgreSQL is not installed (scripts/system-deps.sh test)" >&2; return 1; }
  echo "$d"
}

start_services() {
  local PGBIN
  PGBIN=$(pg_bin)
  SERVICES_DIR=$(mktemp -d /tmp/liaoyang-services.XXXXXX)
  chmod 755 "$SERVICES_DIR"
  export SERVICES_DIR
  PG_PORT=$(free_port)
  REDIS_PORT=$(free_port)

  mkdir "$SERVICES_DIR/pg"
  chown postgres: "$SERVICES_DIR/pg" 2>/dev/null || true
  # initdb and pg_ctl refuse to run as root.
  local as_pg=()
  [[ $(id -u) -eq 0 ]] && as_pg=(runuser -u postgres --)
  "${as_pg[@]}" "$PGBIN/initdb" -D "$SERVICES_DIR/pg/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$SERVICES_DIR/pg/initdb.log"
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$SERVICES_DIR/pg/data" -l "$SERVICES_DIR/pg/log" -w \
    -o "-k $SERVICES_DIR/pg -c listen_addresses=127.0.0.1 -p $PG_PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
  psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres \
    -c "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB" -c "CREATE DATABASE app OWNER app" >/dev/null

  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log" \
    --dir "$SERVICES_DIR" --save '' --appendonly no
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

  export DATABASE_URL="postgres://app:app@127.0.0.1:$PG_PORT/app"
  export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export PG_PORT REDIS_PORT
  echo ">> PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT ($SERVICES_DIR)"
}

stop_services() {
  [[ -n ${SERVICES_DIR:-} && -d $SERVICES_DIR ]] || return 0
  local PGBIN as_pg=()
  [[ $(id -u) -eq 0 ]] && as_pg=(runuser -u postgres --)
  if [[ -f $SERVICES_DIR/worker.pid ]]; then kill -TERM "$(cat "$SERVICES_DIR/worker.pid")" 2>/dev/null || true; fi
  [[ -n ${REDIS_PORT:-} ]] && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  if PGBIN=$(pg_bin) && [[ -d $SERVICES_DIR/pg/data ]]; then
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$SERVICES_DIR/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$SERVICES_DIR"
  echo ">> services stopped"
}

# The two commands of the README's first section, and a few helpers.
.PHONY: run test lint migrate messages clean bench lock backup restore

run:  ## the demo on http://127.0.0.1:8000 (SQLite, eager Celery; another port: make run PORT=8001)
	scripts/run.sh

test:  ## the whole suite on real PostgreSQL, Redis and Chromium
	scripts/test.sh $(ARGS)

bench:  ## seed 10,000 applications into PostgreSQL, print the §11 table and the load test
	scripts/bench.sh

lock:  ## after changing pyproject.toml's dependencies: uv.lock and requirements/*.txt again
	scripts/lock.sh $(ARGS)

backup:  ## a dated folder under BACKUP_DIR (default ./backups): database, uploads, manifest
	scripts/backup.sh $(ARGS)

restore:  ## make restore FROM=backups/<folder> [ARGS=--force]: restore and check the manifest
	@test -n "$(FROM)" || { echo "用法：make restore FROM=backups/<文件夹> [ARGS=--force]" >&2; exit 2; }
	scripts/restore.sh "$(FROM)" $(ARGS)

lint:
	scripts/venv.sh test && .venv/bin/ruff check . && .venv/bin/ruff format --check .

messages:  ## refresh the English catalogue after changing strings
	scripts/venv.sh && DEBUG=1 .venv/bin/python manage.py makemessages -l en --ignore=.venv

clean:
	rm -rf .venv db.sqlite3 staticfiles .pytest_cache

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


# Every worker's log, for _no_n_plus_one_in_workers, and what zeal writes there.
WORKER_LOGS: list[Path] = []
N_PLUS_ONE_MARKS = ("NPlusOneError", "N+1 detected")


def start_worker(
    *, mail_dir, log, queues=None, name=None, application_name=None, env=None, zeal=True
):
    """Start a real Celery worker (solo pool) on the real Redis broker and the test
    database, and return its Popen once it is ready. `queues` (-Q) and `name` (-n) let a
    test run a worker of its own that the session's worker does not compete with;
    `application_name` names its database connections in pg_stat_activity; `env` adds to
    or overrides its environment (e.g. EMAIL_BACKEND=smtp and the server's port). With
    `zeal` (the default) the worker runs the N+1 detector on each task
    (tests/integration/worker_zeal.py) and an N+1 there fails the test that caused it."""
    db = settings.DATABASES["default"]
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "make test starts Redis"
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    if application_name:
        url += f"?application_name={application_name}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CONN_MAX_AGE": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "ZEAL_IN_WORKER": "1" if zeal else "0",
        **(env or {}),
    }
    extra = ["-I", "tests.integration.worker_zeal"]
    if queues:
        extra += ["-Q", ",".join(queues)]
    if name:
        extra += ["-n", name]
    with open(log, "w") as out:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "liaoyang_consortia",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    WORKER_LOGS.append(log)
    deadline = time.monotonic() + 60
    while "ready" not in log.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise RuntimeError(f"the Celery worker did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return worker


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Celery worker on the real Redis broker, on the test database. It depends on
    django_db_setup so that it stops before the test database is dropped."""
    mail_dir = tmp_path_factory.mktemp("worker-mail")
    log = tmp_path_factory.mktemp("worker-log") / "worker.log"
    worker = start_worker(mail_dir=mail_dir, log=log)
    yield {"process": worker, "mail_dir": mail_dir, "log": log}
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
    with django_db_blocker.unblock():
        connection.close()


def wait_for(predicate, *, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@pytest.fixture(autouse=True)
def _no_n_plus_one_in_workers(request):
    """Fail the test during which a worker task met zeal's NPlusOneError. The tasks keep no
    result, so the worker's log is where it shows: as the task's failure, or as the message
    of code that caught it (notifications._send logs any error of a send and marks the row
    for retry), hence the search for zeal's own words. A test that provokes one on purpose
    asks for `expect_worker_n_plus_one` and checks it itself."""
    offsets = {log: _size(log) for log in WORKER_LOGS}
    yield
    if "expect_worker_n_plus_one" in request.fixturenames:
        return
    for log in list(WORKER_LOGS):
        with open(log, errors="replace") as handle:
            handle.seek(offsets.get(log, 0))
            new = handle.read()
        found = [new.find(mark) for mark in N_PLUS_ONE_MARKS if mark in new]
        if found:
            at = min(found)
            pytest.fail(
                f"a Celery worker task read row by row (N+1), {log.name}:\n"
                f"{new[max(0, at - 1500) : at + 1500]}"
            )


@pytest.fixture
def expect_worker_n_plus_one():
    """For the test that shows the worker's N+1 detector firing (see above)."""


def _size(log):
    try:
        return log.stat().st_size
    except FileNotFoundError:
        return 0


def _redis_port():
    return urlparse(settings.CELERY_BROKER_URL).port


def redis_ping(port=None):
    result = subprocess.run(
        ["redis-cli", "-p", str(port or _redis_port()), "ping"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() == "PONG"


def _start_redis(port, folder):
    # As scripts/services.sh starts it: loopback only, nothing saved.
    subprocess.run(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        check=True,
    )
    assert wait_for(lambda: redis_ping(port), timeout=10, interval=0.1)


@pytest.fixture
def redis_outage(tmp_path):
    """Stop the suite's Redis now; the test starts it again (`restart()`), and so does the
    teardown if the test did not."""
    port = _redis_port()
    assert shutil.which("redis-server") and redis_ping(port)
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False)
    assert wait_for(lambda: not redis_ping(port), timeout=10, interval=0.1)
    yield lambda: _start_redis(port, tmp_path)
    if not redis_ping(port):
        _start_redis(port, tmp_path)

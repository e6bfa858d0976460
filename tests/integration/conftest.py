import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def start_worker(*, mail_dir, log, queues=None, name=None, application_name=None):
    """Start a real Celery worker (solo pool) on the real Redis broker and the test
    database, and return its Popen once it is ready. `queues` (-Q) and `name` (-n) let a
    test run a worker of its own that the session's worker does not compete with;
    `application_name` names its database connections in pg_stat_activity."""
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
    }
    extra = []
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

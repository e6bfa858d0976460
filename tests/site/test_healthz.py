import socket

import pytest

pytestmark = pytest.mark.django_db


def _closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_it_reports_the_database_and_broker_and_that_no_worker_answers(client, settings):
    # make test starts a real Redis and passes it in CELERY_BROKER_URL; no worker runs
    # here (tests/integration/test_health_worker.py starts one).
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert (body["database"], body["broker"], body["beat"]) == ("ok", "ok", "ok")
    assert body["worker"] == "error: no worker answered within 1 s"
    assert body["reasons"] == ["worker: no worker answered within 1 s"]
    assert body["daily_job_finished_at"] is None


def test_it_says_when_the_daily_job_is_stale(client, settings, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from liaoyang_consortia import health
    from liaoyang_consortia.models import JobRun

    monkeypatch.setattr(health, "worker_status", lambda: "ok (1)")
    health.job_started(health.DAILY_JOB)
    health.job_finished(health.DAILY_JOB)
    fresh = client.get("/healthz")
    assert fresh.status_code == 200 and fresh.json()["status"] == "ok"
    assert fresh.json()["daily_job_finished_at"] is not None
    JobRun.objects.update(finished_at=timezone.now() - timedelta(hours=27))
    stale = client.get("/healthz")
    assert stale.status_code == 503
    assert stale.json()["reasons"] == ["beat: the daily job last finished 27 h ago"]
    # A new install is not stale before its first night; one never run after that is.
    JobRun.objects.update(finished_at=None, first_seen_at=timezone.now() - timedelta(hours=2))
    assert client.get("/healthz").status_code == 200
    JobRun.objects.update(first_seen_at=timezone.now() - timedelta(hours=30))
    assert client.get("/healthz").json()["beat"].startswith("error: the daily job has not")
    # The demo has no beat: stale or not, it is healthy.
    settings.CELERY_BROKER_URL = ""
    demo = client.get("/healthz")
    assert demo.status_code == 200 and demo.json()["beat"] == "eager"


def test_the_daily_job_records_its_run(db):
    from liaoyang_consortia.daily import run_daily_jobs
    from liaoyang_consortia.models import JobRun

    run_daily_jobs()
    run = JobRun.objects.get(name="daily")
    assert run.started_at is not None and run.finished_at >= run.started_at


def test_it_answers_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")
    assert body["worker"] == "error: no broker"
    assert body["status"] == "error"


def test_it_reports_eager_mode_as_healthy_for_the_demo(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["broker"], body["worker"], body["beat"]) == ("eager", "eager", "eager")

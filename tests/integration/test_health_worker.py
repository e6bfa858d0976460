"""/healthz with the real worker (DESIGN.md §17): the worker answers the ping, the daily
job it runs is recorded, and its log lines carry the task id as their request id."""

import json

import pytest

from liaoyang_consortia.models import JobRun
from liaoyang_consortia.tasks import run_daily_jobs
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_it_is_healthy_when_the_worker_answers_and_ran_the_daily_job(celery_worker_process, client):
    result = run_daily_jobs.delay()
    assert wait_for(lambda: JobRun.objects.filter(name="daily", finished_at__isnull=False).exists())
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["worker"].startswith("ok (")
    assert body["beat"] == "ok" and body["daily_job_finished_at"]
    # The worker's own line for the task, with the task id as its request id.
    log = celery_worker_process["log"]
    assert wait_for(lambda: f"[{result.id}] liaoyang_consortia.tasks: task " in log.read_text())
    line = next(
        ln for ln in log.read_text().splitlines() if f"[{result.id}] liaoyang_consortia.tasks" in ln
    )
    assert "liaoyang_consortia.tasks.run_daily_jobs SUCCESS" in line
    assert json.dumps(body)  # the report is JSON throughout

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications import services, workflow
from applications.models import Application, DeadlineReminder
from liaoyang_consortia.daily import remind_overdue
from liaoyang_consortia.models import Notification
from tests.factories import make_complete_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(alice):
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    services.submit(actor=alice, application_id=application.pk)
    return application


def _age(application, days):
    Application.objects.filter(pk=application.pk).update(
        state_since=timezone.now() - timedelta(days=days)
    )


def test_it_reminds_the_county_once_when_its_review_is_overdue(submitted, bob):
    today = timezone.localdate()
    _age(submitted, 30)  # far past 10 working days
    assert remind_overdue(today=today) == [submitted]
    assert remind_overdue(today=today) == []
    assert remind_overdue(today=today + timedelta(days=3)) == []
    notes = Notification.objects.filter(event="overdue", recipient=bob)
    assert notes.count() == 1 and "已超过办理时限" in notes.get().subject
    assert DeadlineReminder.objects.count() == 1


def test_it_does_not_remind_within_the_time_limit(submitted):
    _age(submitted, 2)
    assert remind_overdue(today=timezone.localdate()) == []


def test_it_reminds_again_after_the_application_comes_back(submitted, alice, bob):
    today = timezone.localdate()
    _age(submitted, 30)
    remind_overdue(today=today)
    workflow.perform(
        actor=bob, application_id=submitted.pk, transition="county_return", comment="请补充材料"
    )
    submitted.refresh_from_db()
    services.submit(actor=alice, application_id=submitted.pk, change_note="已补充材料")
    _age(submitted, 30)
    assert remind_overdue(today=today) == [submitted]


def test_it_flags_overdue_work_on_the_dashboard(submitted, client, bob):
    _age(submitted, 30)
    client.force_login(bob)
    body = client.get("/applications/").content.decode()
    assert 'data-testid="overdue"' in body and "待我办理" in body
    assert 'data-testid="count-county_review">1<' in body


def test_it_runs_the_daily_jobs_twice_without_doing_anything_twice(submitted, bob, capsys):
    _age(submitted, 30)
    call_command("run_daily_jobs", "--date", timezone.localdate().isoformat())
    first = capsys.readouterr().out
    call_command("run_daily_jobs", "--date", timezone.localdate().isoformat())
    second = capsys.readouterr().out
    assert "超时督办：1件" in first and "超时督办：0件" in second
    assert Notification.objects.filter(event="overdue").count() == 1


def test_it_refuses_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_daily_jobs", "--date", "2027/03/01")


def test_it_keeps_the_dashboard_query_count_flat(alice, charlie, client):
    client.force_login(charlie)
    client.get("/")  # the first request after force_login stamps the session (one write)
    counts = []
    for n in (2, 6):
        while Application.objects.exclude(submitted_at=None).count() < n:
            application = make_complete_application(
                lead=alice.profile.organization,
                creator=alice,
                name_core=f"测试{Application.objects.count()}",
            )
            services.submit(actor=alice, application_id=application.pk)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/applications/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_it_shows_each_viewer_only_the_comments_they_may_read(submitted, alice, bob, client):
    from reviews.models import Comment

    for visibility, text in [
        ("internal", "内部意见甲"),
        ("applicant", "申报单位可见乙"),
        ("public", "公开意见丙"),
    ]:
        Comment.objects.create(application=submitted, author=bob, visibility=visibility, text=text)
    client.force_login(alice)
    body = client.get(f"/applications/{submitted.pk}/").content.decode()
    assert "申报单位可见乙" in body and "公开意见丙" in body and "内部意见甲" not in body
    client.force_login(bob)
    body = client.get(f"/applications/{submitted.pk}/").content.decode()
    assert "内部意见甲" in body and 'data-testid="timeline"' in body


def test_it_warns_the_admin_when_next_years_calendar_is_missing(client, erin, settings):
    import time_machine

    client.force_login(erin)
    with time_machine.travel("2026-11-20 10:00 +0800"):
        body = client.get("/admin/").content.decode()
    assert "2027年的法定节假日安排尚未录入" in body

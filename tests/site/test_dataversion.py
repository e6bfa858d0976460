"""The work list is cached per user and data version; the version is raised by PostgreSQL
triggers in the writing transaction, so the cache never serves a page older than the data
(liaoyang_consortia/dataversion.py). Their SQLite forms, for the demo, are checked in
tests/site/test_demo_path.py."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications import services
from applications.models import Application, State
from liaoyang_consortia import dataversion
from members.roles import Role
from reviews.models import CalendarDay

pytestmark = pytest.mark.django_db


def _version():
    return dataversion.current(dataversion.WORK_LIST)[0]


def _drafts():
    return dataversion.current(dataversion.WORK_LIST_DRAFTS)[0]


def test_it_has_a_trigger_on_every_table_the_work_list_reads():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE %s",
            [f"portal_{dataversion.WORK_LIST}%"],
        )
        tables = {row[0] for row in cursor.fetchall()}
    assert tables == set(dataversion.WORK_LIST_TABLES)


def test_it_raises_the_version_for_any_write_however_it_is_made(alice, bob):
    application = Application.objects.create(
        lead=alice.profile.organization, created_by=alice, submitted_at=timezone.now()
    )
    steps = [
        lambda: Application.objects.filter(pk=application.pk).update(state=State.COUNTY_REVIEW),
        lambda: CalendarDay.objects.create(date=date(2027, 1, 4), kind="holiday", note="测试"),
        lambda: bob.groups.add(Group.objects.get(name=Role.CITY_STAFF.value)),
        lambda: Application.objects.filter(pk=application.pk).delete(),
    ]
    for step in steps:
        before = _version()
        step()
        assert _version() > before


def test_it_tells_a_draft_saved_from_a_change_others_see(alice):
    draft = Application.objects.create(lead=alice.profile.organization, created_by=alice)
    shared, drafts = _version(), _drafts()
    Application.objects.filter(pk=draft.pk).update(name_core="草稿")
    assert (_version(), _drafts()) == (shared, drafts + 1)
    # Submitting it (submitted_at set) is a change the county sees.
    Application.objects.filter(pk=draft.pk).update(submitted_at=timezone.now())
    assert (_version(), _drafts()) == (shared + 1, drafts + 2)  # it was a draft before
    Application.objects.filter(pk=draft.pk).update(name_core="已提交")
    assert (_version(), _drafts()) == (shared + 2, drafts + 2)
    # A statement that touches no row raises nothing.
    Application.objects.filter(pk=-1).update(name_core="无")
    assert (_version(), _drafts()) == (shared + 2, drafts + 2)


def test_it_reads_several_versions_in_their_order_in_one_query(alice):
    Application.objects.create(lead=alice.profile.organization, created_by=alice)  # a draft
    shared, drafts = _version(), _drafts()
    assert shared > 0 and drafts > 0
    with CaptureQueriesContext(connection) as ctx:
        versions = dataversion.current(
            dataversion.WORK_LIST_DRAFTS, "no_such_list", dataversion.WORK_LIST
        )
    assert versions == (drafts, 0, shared)
    assert len(ctx.captured_queries) == 1
    assert dataversion.current() == ()


def test_it_keeps_the_version_when_someone_signs_in(alice):
    # A sign-in writes last_login, which no work list shows.
    before = _version()
    alice.last_login = timezone.now()
    alice.save(update_fields=["last_login"])
    assert _version() == before
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert _version() == before + 1


def _work_list(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/applications/")
    assert response.status_code == 200
    touched = any('"applications_application"' in q["sql"] for q in ctx.captured_queries)
    return response.content.decode(), touched


def test_it_serves_the_cached_list_until_the_data_changes(client, alice, bob):
    now = timezone.now()
    application = Application.objects.create(
        lead=alice.profile.organization,
        created_by=alice,
        name_core="缓存测试",
        state=State.COUNTY_REVIEW,
        submitted_at=now,
        state_since=now,
    )
    client.force_login(bob)
    body, computed = _work_list(client)
    assert computed and 'data-testid="count-county_review">1<' in body
    body, computed = _work_list(client)
    assert not computed and 'data-testid="count-county_review">1<' in body  # from the cache
    # A write no service made (a queryset update, as a script or the admin might) is seen
    # at once: the version moved.
    Application.objects.filter(pk=application.pk).update(state=State.CITY_INTAKE)
    body, computed = _work_list(client)
    assert computed
    assert 'data-testid="count-city_intake">1<' in body
    assert 'data-testid="count-county_review"' not in body


def test_it_keeps_the_county_list_cached_while_an_applicant_types_a_draft(client, alice, bob):
    now = timezone.now()
    Application.objects.create(
        lead=alice.profile.organization,
        created_by=alice,
        name_core="已提交的",
        state=State.COUNTY_REVIEW,
        submitted_at=now,
        state_since=now,
    )
    client.force_login(alice)
    owner = client.get("/applications/")  # alice's unit has no permission rows here: empty
    assert owner.status_code == 200
    draft = services.create_application(actor=alice)
    client.force_login(bob)
    assert _work_list(client)[1]
    services.save_fields(actor=alice, application=draft, values={"name_core": "草稿中"})
    body, computed = _work_list(client)
    assert not computed and "已提交的" in body  # the county's list did not change
    # alice's own list, which shows her drafts, did.
    client.force_login(alice)
    body, computed = _work_list(client)
    assert computed and "草稿中" in body


def test_it_keeps_each_users_list_to_that_user(client, alice, bob):
    now = timezone.now()
    Application.objects.create(
        lead=alice.profile.organization,
        created_by=alice,
        name_core="只给县区看",
        state=State.COUNTY_REVIEW,
        submitted_at=now,
        state_since=now,
    )
    client.force_login(bob)
    assert "只给县区看" in _work_list(client)[0]
    client.force_login(alice)  # same version, same day, same filter: another user's key
    body = _work_list(client)[0]
    # alice's unit leads it but holds no object permission on it here (made directly).
    assert "只给县区看" not in body and 'data-testid="empty-work-list"' in body

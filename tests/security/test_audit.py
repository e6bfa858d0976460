"""Issue 6, audit trail: every kind of event is recorded, and no row can be changed or
deleted (by the model, and by PostgreSQL itself)."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from applications import services
from liaoyang_consortia.audit import record
from liaoyang_consortia.models import AuditEvent, AuditTrailError
from tests.factories import PASSWORD, make_complete_application

LOGIN = "/accounts/login/"


def _events(kind):
    return list(AuditEvent.objects.filter(kind=kind))


def test_it_records_a_login_and_a_logout(client, alice):
    client.post(LOGIN, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    [login] = _events(AuditEvent.Kind.LOGIN)
    assert login.actor == alice
    assert login.ip == "10.0.0.7"
    client.post("/accounts/logout/")
    [logout] = _events(AuditEvent.Kind.LOGOUT)
    assert logout.actor == alice


def test_it_records_a_failed_login_with_the_username_only(client, alice):
    client.post(LOGIN, {"username": "alice", "password": "wrong-password"}, REMOTE_ADDR="10.0.0.8")
    [failed] = _events(AuditEvent.Kind.LOGIN_FAILED)
    assert failed.actor is None
    assert failed.detail == {"username": "alice"}
    assert failed.ip == "10.0.0.8"


def test_it_records_a_refused_look_at_an_application(client, alice, bob):
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    client.force_login(bob)  # a draft is the applicant's own: the county may not see it
    response = client.get(f"/applications/{application.pk}/")
    assert response.status_code in (403, 404)
    [denied] = _events(AuditEvent.Kind.DENIED)
    assert denied.actor == bob
    assert denied.path == f"/applications/{application.pk}/"
    assert denied.detail["status"] == response.status_code


def test_it_records_nothing_for_anonymous_visitors_or_other_paths(client, alice):
    client.get("/applications/999999/")
    client.force_login(alice)
    client.get("/no-such-page/")
    assert not _events(AuditEvent.Kind.DENIED)


def test_it_records_each_transition_with_its_actor(alice):
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    services.submit(actor=alice, application_id=application.pk)
    [event] = _events(AuditEvent.Kind.TRANSITION)
    assert event.actor == alice
    assert event.detail["model"] == "applications.Application"
    assert event.detail["id"] == application.pk
    assert event.detail["source"] == "draft"
    assert event.detail["target"] != "draft"


def test_it_records_changes_made_in_the_admin(erin, alice):
    LogEntry.objects.create(
        user=erin,
        content_type=ContentType.objects.get_for_model(alice),
        object_id=str(alice.pk),
        object_repr="alice",
        action_flag=CHANGE,
        change_message="[]",
    )
    [change] = _events(AuditEvent.Kind.CHANGE)
    assert change.actor == erin
    assert change.detail["object_id"] == str(alice.pk)
    assert change.detail["action"] == "change"


def test_it_refuses_changing_or_deleting_an_event_through_the_orm(alice):
    event = record(kind=AuditEvent.Kind.CHANGE, actor=alice, detail={"n": 1})
    event.path = "/elsewhere/"
    with pytest.raises(AuditTrailError):
        event.save()
    with pytest.raises(AuditTrailError):
        event.delete()
    with pytest.raises(AuditTrailError):
        AuditEvent.objects.filter(pk=event.pk).update(path="/elsewhere/")
    with pytest.raises(AuditTrailError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.path == ""


def test_it_refuses_a_raw_update_or_delete_in_the_database(alice):
    event = record(kind=AuditEvent.Kind.LOGIN, actor=alice)
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET path = %s WHERE id = %s", ["/x/", event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, path="").exists()


def test_it_lets_the_database_purge_events_older_than_180_days(db):
    table = AuditEvent._meta.db_table
    old = timezone.now() - timedelta(days=181)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (at, kind, path, detail) VALUES (%s, 'login', '', '{{}}') RETURNING id",
            [old],
        )
        (pk,) = cursor.fetchone()
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert not AuditEvent.objects.filter(pk=pk).exists()


def test_it_shows_the_trail_read_only_in_the_admin(client, erin, alice):
    # Given explicitly: the admin role's permissions (members.services.ADMIN_APPS) do not
    # cover this app yet.
    erin.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    record(kind=AuditEvent.Kind.LOGIN, actor=alice)
    client.force_login(erin)
    assert client.get("/admin/liaoyang_consortia/auditevent/").status_code == 200
    assert client.get("/admin/liaoyang_consortia/auditevent/?kind__exact=login").status_code == 200
    assert client.get("/admin/liaoyang_consortia/auditevent/add/").status_code == 403
    event = AuditEvent.objects.get(actor=alice)
    page = client.get(f"/admin/liaoyang_consortia/auditevent/{event.pk}/change/")
    assert page.status_code == 200  # the view page, without a save button
    assert b'name="_save"' not in page.content

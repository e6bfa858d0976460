"""Sign-in: lockout (django-axes), idle expiry, password change, Chinese pages."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_signs_in_and_lands_on_the_work_list(client, alice):
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:list")


def test_it_shows_the_login_page_in_chinese(client):
    response = client.get(LOGIN)
    body = response.content.decode()
    assert response.status_code == 200
    assert "用户名" in body and "密码" in body
    assert '<html lang="zh-CN">' in body


def test_it_keeps_the_username_and_explains_a_wrong_password(client, alice):
    response = _login(client, "alice", "wrong-password")
    body = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码不正确" in body
    assert 'value="alice"' in body


def test_it_locks_out_after_five_failures_even_with_the_right_password(client, alice):
    for _ in range(5):
        _login(client, "alice", "wrong-password")
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "已锁定30分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_does_not_lock_out_after_four_failures(client, alice):
    for _ in range(4):
        _login(client, "alice", "wrong-password")
    assert _login(client, "alice", PASSWORD).status_code == 302


def test_it_locks_the_username_and_ip_pair_only(client, alice):
    for _ in range(5):
        _login(client, "alice", "wrong-password", ip="10.0.0.1")
    # From another address the clerk can still sign in: an outsider cannot lock them out.
    assert _login(client, "alice", PASSWORD, ip="10.0.0.2").status_code == 302


@pytest.mark.parametrize(("minutes", "status"), [(29, 429), (31, 302)])
def test_it_lifts_the_lockout_after_thirty_minutes(client, alice, minutes, status):
    # Separate runs: an attempt made while locked out starts the 30 minutes again.
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            _login(client, "alice", "wrong-password")
        traveller.shift(timedelta(minutes=minutes))
        assert _login(client, "alice", PASSWORD).status_code == status


def test_it_ends_the_session_after_30_idle_minutes(client, alice):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(alice)
        assert client.get("/applications/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get("/applications/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_it_keeps_an_active_session_alive(client, alice):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(alice)
        for _ in range(3):
            traveller.shift(timedelta(minutes=20))
            assert client.get("/applications/").status_code == 200


def test_it_writes_an_active_session_at_most_once_a_minute(client, alice):
    def session_writes():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/applications/").status_code == 200
        return sum(
            1 for q in ctx.captured_queries if q["sql"].startswith('UPDATE "django_session"')
        )

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(alice)
        assert session_writes() == 1  # the first request stamps the session
        traveller.shift(timedelta(seconds=30))
        assert session_writes() == 0  # within the minute: no write
        traveller.shift(timedelta(seconds=31))
        assert session_writes() == 1  # a minute on: written, its expiry moved on
        expected = timezone.now() + timedelta(minutes=30)
        expiry = Session.objects.get(session_key=client.cookies["sessionid"].value).expire_date
    assert expiry == expected


def test_it_refuses_a_weak_new_password_with_a_chinese_message(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "密码长度太短，至少需要10个字符" in body
    assert "密码只包含数字" in body
    assert "is-invalid" in body


def test_it_changes_the_password(client, alice):
    client.force_login(alice)
    new = "liaoyang-keji-2026!"
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(new)


def test_it_signs_out_with_a_post(client, alice):
    client.force_login(alice)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/applications/").status_code == 302


def test_it_speaks_chinese_to_a_browser_that_asks_for_english(client):
    body = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "用户名" in body and "Username" not in body
    assert "辽阳市创新联合体管理平台" in body


def test_it_honours_a_language_the_user_chose(client):
    client.cookies["django_language"] = "en"
    body = client.get(LOGIN).content.decode()
    assert "Username" in body

"""People recover their own passwords (DESIGN.md §13): the same answer whether or not the
address has an account, a link that works once and for 30 minutes, the lockout cleared and
other sessions ended; and a password an admin set must be changed at the first sign-in."""

import re
import time

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from liaoyang_consortia import notifications
from liaoyang_consortia.models import AuditEvent, Notification
from members.roles import Role
from tests.factories import PASSWORD, make_user
from tests.members.test_registration import solved_captcha

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Taizihe-river-2026"
User = get_user_model()


def ask_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email, **solved_captcha()})


def reset_link(user) -> str:
    note = Notification.objects.filter(recipient=user, event="password_reset").latest("pk")
    return re.search(r"https?://\S+/accounts/reset/\S+/", note.body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_it_answers_the_same_whether_or_not_the_address_has_an_account(client, alice):
    known = ask_reset(client, alice.email.upper())
    unknown = ask_reset(client, "nobody@example.invalid")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert Notification.objects.filter(event="password_reset").count() == 1
    assert Notification.objects.get(event="password_reset").recipient == alice
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_RESET).count() == 2


def test_it_sends_the_link_through_the_outbox_so_a_mail_outage_loses_nothing(
    client, alice, mailoutbox, settings
):
    settings.EMAIL_BACKEND = "tests.members.test_passwords.RefusingBackend"
    assert ask_reset(client, alice.email).status_code == 302
    note = Notification.objects.get(event="password_reset")
    assert notifications.deliver([note.pk]) == 0  # the server refused: kept for the sweep
    note.refresh_from_db()
    assert note.email_status == Notification.EmailStatus.FAILED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.deliver([note.pk]) == 1
    assert "/accounts/reset/" in mailoutbox[-1].body


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("mail server down")


def test_it_sets_a_new_password_once_and_ends_the_other_sessions(client, alice):
    other_device = Client()
    other_device.force_login(alice)
    assert other_device.get(reverse("applications:list")).status_code == 200
    ask_reset(client, alice.email)
    link = path_of(reset_link(alice))
    form_page = client.get(link, follow=True)  # Django moves the token into the session
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "密码" in weak.content.decode()
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    # The other device is signed out.
    assert other_device.get(reverse("applications:list")).status_code == 302
    # The link worked once.
    again = Client().get(link, follow=True)
    assert "链接无效" in again.content.decode()
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.PASSWORD_RESET, actor=alice, detail__outcome="password_set"
    ).exists()


def test_it_refuses_a_link_older_than_30_minutes(client, alice):
    ask_reset(client, alice.email)
    link = path_of(reset_link(alice))
    # A timestamp, not an aware datetime: Django's token clock is the naive local time,
    # which time_machine moves correctly only from a timestamp.
    with time_machine.travel(time.time() + 31 * 60):
        page = Client().get(link, follow=True)

    assert page.status_code == 200 and "链接无效" in page.content.decode()
    assert 'data-testid="set-password-form"' not in page.content.decode()


def test_it_clears_the_lockout_when_the_password_is_reset(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": alice.username, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": alice.username, "password": PASSWORD})
    assert locked.status_code == 429
    ask_reset(client, alice.email)
    set_url = client.get(path_of(reset_link(alice)), follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert not AccessAttempt.objects.filter(username=alice.username).exists()
    signed_in = client.post(
        reverse("login"), {"username": alice.username, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_it_limits_reset_requests_per_address_per_hour(client, alice, settings):
    settings.ACCOUNT_RATE_LIMIT_PER_HOUR = 3
    for _ in range(3):
        ask_reset(client, "nobody@example.invalid")
    response = ask_reset(client, alice.email)
    assert response.status_code == 429 and "过于频繁" in response.content.decode()
    assert not Notification.objects.filter(event="password_reset").exists()


def test_it_keeps_the_address_and_says_why_when_the_captcha_is_wrong(client):
    response = client.post(
        reverse("password_reset"), {"email": "zhou@example.cn", "captcha_0": "x", "captcha_1": "1"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "zhou@example.cn" in html and "验证码不正确" in html


# --- Staff accounts: an admin-set password is changed at the first sign-in ---------------


def test_it_makes_a_new_staff_user_choose_a_password_at_first_sign_in(client, erin):
    client.force_login(erin)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "county_new",
            "password1": "Admin-set-2026-x",
            "password2": "Admin-set-2026-x",
            "usable_password": "true",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-phone": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    new = User.objects.get(username="county_new")
    assert new.profile.must_change_password
    staff = Client()
    assert (
        staff.post(
            reverse("login"), {"username": "county_new", "password": "Admin-set-2026-x"}
        ).status_code
        == 302
    )
    blocked = staff.get(reverse("applications:list"))
    assert blocked.status_code == 302 and blocked["Location"] == reverse("password_change")
    changed = staff.post(
        reverse("password_change"),
        {
            "old_password": "Admin-set-2026-x",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    new.refresh_from_db()
    assert not new.profile.must_change_password
    assert staff.get(reverse("applications:list")).status_code == 200


def test_it_makes_a_user_whose_password_an_admin_reset_choose_a_new_one(client, erin):
    expert = make_user("eve", Role.EXPERT)
    client.force_login(erin)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[expert.pk]),
        {
            "password1": "Admin-set-2026-y",
            "password2": "Admin-set-2026-y",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.profile.must_change_password
    # An admin changing their own password is not asked to change it again.
    client.post(
        reverse("admin:auth_user_password_change", args=[erin.pk]),
        {
            "password1": "Admin-own-2026-z",
            "password2": "Admin-own-2026-z",
            "usable_password": "true",
        },
    )
    erin.refresh_from_db()
    assert not getattr(getattr(erin, "profile", None), "must_change_password", False)

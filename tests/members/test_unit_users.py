"""Several users per unit: the unit admin invites and removes colleagues; each unit confirms
its participation from its own account or a one-time link; the lead sees who confirmed."""

import smtplib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Membership
from members import selectors, services
from members.models import UnitInvitation
from members.roles import Role
from members.services import attach_user_to_unit, unit_group
from tests.factories import (
    PASSWORD,
    OrganizationFactory,
    UserFactory,
    make_complete_application,
    make_user,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Liaoyang-keji-2026"


def colleague_of(user, username="carol", name="李四"):
    colleague = UserFactory(username=username, first_name=name)
    attach_user_to_unit(user=colleague, organization=user.profile.organization, is_unit_admin=False)
    return colleague


def register(client, invitation, **overrides):
    data = {
        "username": "newbie",
        "name": "王小明",
        "phone": "13900000000",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }
    return client.post(f"/unit/invitations/{invitation.token}/", data)


def unconfirmed_membership(*, of, task_share="负责中试验证"):
    """A membership of unit `of` in a draft led by another unit, not yet confirmed."""
    application = make_complete_application(lead=OrganizationFactory(name="辽阳牵头化工有限公司"))
    return Membership.objects.create(
        application=application, organization=of, task_share=task_share, sort_order=99
    )


# --- Inviting ---------------------------------------------------------------------------


def test_it_lets_the_unit_admin_invite_a_colleague_and_shows_the_link(client, alice):
    client.force_login(alice)
    response = client.post("/unit/invite/", {"email": ""})
    assert response.status_code == 302
    invitation = UnitInvitation.objects.get()
    assert invitation.organization == alice.profile.organization
    assert invitation.invited_by == alice
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        timedelta(days=7), abs=timedelta(seconds=5)
    )
    body = client.get("/unit/").content.decode()
    assert f"http://testserver/unit/invitations/{invitation.token}/" in body


def test_it_refuses_an_invitation_by_a_colleague_who_is_not_the_unit_admin(client, alice):
    carol = colleague_of(alice)
    with pytest.raises(PermissionDenied):
        services.invite_colleague(actor=carol)
    client.force_login(carol)
    assert client.post("/unit/invite/", {"email": ""}).status_code == 403
    body = client.get("/unit/").content.decode()
    assert "生成邀请链接" not in body
    assert not UnitInvitation.objects.exists()


def test_it_refuses_an_invitation_by_a_user_without_a_unit(bob):
    with pytest.raises(PermissionDenied):
        services.invite_colleague(actor=bob)


def test_it_mails_the_link_when_an_email_is_given(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/unit/invite/", {"email": "li.si@example.cn"})
    assert response.status_code == 302
    invitation = UnitInvitation.objects.get()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["li.si@example.cn"]
    assert alice.profile.organization.name in message.subject
    assert f"http://testserver/unit/invitations/{invitation.token}/" in message.body


def test_it_keeps_the_invitation_when_the_mail_cannot_be_sent(
    client, alice, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPException("mail server down")

    monkeypatch.setattr("django.core.mail.send_mail", refuse)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/unit/invite/", {"email": "li.si@example.cn"})
    assert response.status_code == 302
    invitation = UnitInvitation.objects.get()
    assert "could not be sent" in caplog.text
    body = client.get("/unit/").content.decode()
    assert str(invitation.token) in body


def test_it_refuses_a_malformed_email_in_chinese(client, alice):
    client.force_login(alice)
    response = client.post("/unit/invite/", {"email": "not-an-email"})
    assert response.status_code == 422
    assert "请输入有效的电子邮箱地址" in response.content.decode()
    assert not UnitInvitation.objects.exists()


def test_it_revokes_an_invitation(client, alice):
    invitation = services.invite_colleague(actor=alice)
    client.force_login(alice)
    response = client.post(f"/unit/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    client.logout()
    response = client.get(f"/unit/invitations/{invitation.token}/")
    assert response.status_code == 404
    assert "已被单位管理员撤销" in response.content.decode()


def test_it_hides_another_units_invitations(client, alice):
    frank = make_user("frank", Role.APPLICANT)
    invitation = services.invite_colleague(actor=frank)
    client.force_login(alice)
    assert client.post(f"/unit/invitations/{invitation.pk}/revoke/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- Accepting --------------------------------------------------------------------------


def test_it_registers_the_invited_colleague_who_then_sees_the_units_application(client, alice):
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    invitation = services.invite_colleague(actor=alice, email="wang@example.cn")

    page = client.get(f"/unit/invitations/{invitation.token}/")
    assert page.status_code == 200
    assert alice.profile.organization.name in page.content.decode()

    response = register(client, invitation)
    assert response.status_code == 302
    assert response["Location"] == "/applications/"

    invitation.refresh_from_db()
    newbie = invitation.accepted_user
    assert newbie.username == "newbie"
    assert newbie.first_name == "王小明"
    assert newbie.email == "wang@example.cn"
    assert newbie.is_active
    assert newbie.check_password(NEW_PASSWORD)
    assert invitation.accepted_at is not None
    assert newbie.groups.filter(pk=unit_group(alice.profile.organization).pk).exists()
    assert newbie.groups.filter(name=Role.APPLICANT.value).exists()
    assert newbie.profile.organization == alice.profile.organization
    assert not newbie.profile.is_unit_admin
    assert newbie.profile.phone == "13900000000"

    # Signed in by the registration itself.
    assert client.get(f"/applications/{application.pk}/").status_code == 200
    assert "newbie" in client.get("/unit/").content.decode()


def test_it_refuses_an_expired_invitation(client, alice):
    invitation = services.invite_colleague(actor=alice)
    UnitInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(f"/unit/invitations/{invitation.token}/")
    assert response.status_code == 404
    assert "已过期" in response.content.decode()
    assert register(client, invitation).status_code == 404
    with pytest.raises(ValidationError, match="已过期"):
        services.accept_invitation(
            token=invitation.token, username="late", password=NEW_PASSWORD, name="迟到"
        )
    assert not UnitInvitation.objects.filter(accepted_at__isnull=False).exists()


def test_it_refuses_a_used_invitation(client, alice):
    invitation = services.invite_colleague(actor=alice)
    services.accept_invitation(
        token=invitation.token, username="first", password=NEW_PASSWORD, name="第一人"
    )
    with pytest.raises(ValidationError, match="已经使用过"):
        services.accept_invitation(
            token=invitation.token, username="second", password=NEW_PASSWORD, name="第二人"
        )
    response = register(client, invitation, username="second")
    assert response.status_code == 404
    assert "已经使用过" in response.content.decode()
    assert not alice._meta.model.objects.filter(username="second").exists()


def test_it_answers_404_for_an_unknown_invitation(client):
    response = client.get("/unit/invitations/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404
    assert "邀请链接无效" in response.content.decode()


def test_it_refuses_a_weak_password_in_chinese_and_keeps_the_username(client, alice):
    invitation = services.invite_colleague(actor=alice)
    response = register(client, invitation, password1="12345678", password2="12345678")
    assert response.status_code == 422
    body = response.content.decode()
    assert "密码长度太短" in body
    assert 'value="newbie"' in body
    assert 'value="王小明"' in body
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not alice._meta.model.objects.filter(username="newbie").exists()


def test_it_refuses_a_taken_username(client, alice):
    invitation = services.invite_colleague(actor=alice)
    response = register(client, invitation, username="ALICE")
    assert response.status_code == 422
    assert "该用户名已被使用" in response.content.decode()


def test_it_refuses_mismatched_passwords(client, alice):
    invitation = services.invite_colleague(actor=alice)
    response = register(client, invitation, password2="something-else-2026")
    assert response.status_code == 422
    assert "两次输入的密码不一致" in response.content.decode()


# --- Removing ---------------------------------------------------------------------------


def test_it_removes_a_colleague_who_then_loses_the_units_applications(client, alice):
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    carol = colleague_of(alice)
    carol_client = client.__class__()
    carol_client.force_login(carol)
    assert carol_client.get(f"/applications/{application.pk}/").status_code == 200

    client.force_login(alice)
    response = client.post(f"/unit/colleagues/{carol.pk}/remove/")
    assert response.status_code == 302

    carol.refresh_from_db()
    assert not carol.is_active
    assert not carol.groups.filter(pk=unit_group(alice.profile.organization).pk).exists()
    assert carol_client.get(f"/applications/{application.pk}/").status_code in (302, 404)
    assert "carol" not in client.get("/unit/").content.decode()
    # And she cannot sign in again.
    login = client.__class__().post("/accounts/login/", {"username": "carol", "password": PASSWORD})
    assert login.status_code == 200
    assert "用户名或密码不正确" in login.content.decode()


def test_it_does_not_let_the_unit_admin_remove_herself(client, alice):
    client.force_login(alice)
    response = client.post(f"/unit/colleagues/{alice.pk}/remove/", follow=True)
    assert "不能移除自己" in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active


def test_it_does_not_let_a_colleague_remove_anyone(client, alice):
    carol = colleague_of(alice)
    dave = colleague_of(alice, username="dave", name="赵六")
    with pytest.raises(PermissionDenied):
        services.remove_colleague(actor=carol, user=dave)
    client.force_login(carol)
    assert client.post(f"/unit/colleagues/{dave.pk}/remove/").status_code == 403
    dave.refresh_from_db()
    assert dave.is_active


def test_it_answers_404_for_removing_a_user_of_another_unit(client, alice):
    frank = make_user("frank", Role.APPLICANT)
    client.force_login(alice)
    assert client.post(f"/unit/colleagues/{frank.pk}/remove/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.remove_colleague(actor=alice, user=frank)
    frank.refresh_from_db()
    assert frank.is_active


# --- Confirming participation -----------------------------------------------------------


def test_it_confirms_from_the_member_units_own_account(client, alice):
    membership = unconfirmed_membership(of=alice.profile.organization)
    client.force_login(alice)
    body = client.get("/unit/").content.decode()
    assert "待本单位确认的联合体" in body
    assert membership.application.display_name in body
    assert "负责中试验证" in body

    response = client.post(f"/unit/confirm/{membership.pk}/")
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.confirmed_at is not None
    assert membership.confirmed_by == "alice"
    assert "暂无需要本单位确认的联合体" in client.get("/unit/").content.decode()


def test_it_lets_a_colleague_confirm_and_records_their_name(client, alice):
    membership = unconfirmed_membership(of=alice.profile.organization)
    client.force_login(colleague_of(alice))
    client.post(f"/unit/confirm/{membership.pk}/")
    membership.refresh_from_db()
    assert membership.confirmed_by == "李四"


def test_it_answers_404_when_another_unit_confirms_this_units_membership(client, alice):
    membership = unconfirmed_membership(of=alice.profile.organization)
    frank = make_user("frank", Role.APPLICANT)
    client.force_login(frank)
    assert client.post(f"/unit/confirm/{membership.pk}/").status_code == 404
    assert membership.application.display_name not in client.get("/unit/").content.decode()
    with pytest.raises(PermissionDenied):
        services.confirm_participation(actor=frank, membership=membership)
    membership.refresh_from_db()
    assert membership.confirmed_at is None


def test_it_does_not_confirm_twice_from_the_account(client, alice):
    membership = unconfirmed_membership(of=alice.profile.organization)
    services.confirm_participation(actor=alice, membership=membership)
    with pytest.raises(ValidationError, match="无需再次确认"):
        services.confirm_participation(actor=alice, membership=membership)


def test_it_confirms_once_by_the_one_time_link(client, alice):
    membership = unconfirmed_membership(of=OrganizationFactory(name="辽阳成员材料有限公司"))
    url = f"/unit/confirm-link/{membership.confirm_token}/"

    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    for words in (
        membership.application.display_name,
        "辽阳牵头化工有限公司",
        "辽阳成员材料有限公司",
        "负责中试验证",
        "确认参与并同意承担上述任务",
    ):
        assert words in body

    unticked = client.post(url, {"name": "王五"})
    assert unticked.status_code == 422
    assert "请勾选" in unticked.content.decode()
    nameless = client.post(url, {"agree": "on"})
    assert nameless.status_code == 422
    membership.refresh_from_db()
    assert membership.confirmed_at is None

    assert client.post(url, {"name": "王五", "agree": "on"}).status_code == 302
    membership.refresh_from_db()
    confirmed_at = membership.confirmed_at
    assert confirmed_at is not None
    assert membership.confirmed_by == "王五（确认链接）"

    again = client.post(url, {"name": "冒名者", "agree": "on"})
    assert again.status_code == 409
    assert "已于" in again.content.decode()
    membership.refresh_from_db()
    assert membership.confirmed_by == "王五（确认链接）"
    assert membership.confirmed_at == confirmed_at
    assert "已于" in client.get(url).content.decode()
    with pytest.raises(ValidationError):
        services.confirm_participation_by_link(token=membership.confirm_token, name="再来")


def test_it_answers_404_for_an_unknown_confirm_link(client):
    response = client.get("/unit/confirm-link/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404


def test_it_lists_pending_confirmations_in_one_query(alice, django_assert_num_queries):
    for _ in range(3):
        unconfirmed_membership(of=alice.profile.organization)
    with django_assert_num_queries(1):
        rows = selectors.pending_confirmations(alice.profile.organization)
        names = [
            (m.application.display_name, m.application.lead.name, m.organization.name) for m in rows
        ]
    assert len(names) == 3


def test_it_shows_the_lead_which_members_have_confirmed(client, alice):
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    waiting = application.memberships.exclude(role="lead").last()
    Membership.objects.filter(pk=waiting.pk).update(confirmed_at=None, confirmed_by="")
    client.force_login(alice)
    body = client.get("/unit/").content.decode()
    assert "成员单位确认情况" in body
    assert "单位联系人于" in body
    assert f"http://testserver/unit/confirm-link/{waiting.confirm_token}/" in body


# --- The unit page ----------------------------------------------------------------------


def test_it_shows_the_unit_and_its_colleagues(client, alice):
    colleague_of(alice)
    client.force_login(alice)
    body = client.get("/unit/").content.decode()
    assert alice.profile.organization.name in body
    assert alice.profile.organization.uscc in body
    assert "李四" in body and "carol@example.invalid" in body
    assert "单位管理员" in body
    assert "本单位" in body  # the navigation entry


@pytest.mark.parametrize("role", [Role.COUNTY_REVIEWER, Role.CITY_STAFF, Role.EXPERT])
def test_it_answers_404_to_users_who_act_for_no_unit(client, role_users, role):
    client.force_login(role_users[role])
    assert client.get("/unit/").status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/unit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_shows_the_unit_page_in_a_number_of_queries_that_does_not_grow(client, alice):
    client.force_login(alice)
    client.get("/")  # the first request after force_login stamps the session (one write)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/unit/").status_code == 200
        return len(queries)

    colleague_of(alice)
    unconfirmed_membership(of=alice.profile.organization)
    services.invite_colleague(actor=alice)
    make_complete_application(lead=alice.profile.organization, creator=alice)
    before = count()
    colleague_of(alice, username="dave", name="赵六")
    unconfirmed_membership(of=alice.profile.organization)
    services.invite_colleague(actor=alice)
    make_complete_application(lead=alice.profile.organization, creator=alice)
    assert count() == before

"""Units get in on their own (DESIGN.md §13, issue 10): registration by credit code, the
e-mail confirmed by a one-time link, verification by the county (or the city), returns and
resubmission, changes of a verified unit, and what a registrant may do before."""

import threading
from datetime import timedelta

import pytest
import time_machine
from captcha.models import CaptchaStore
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications import services as application_services
from applications.models import State
from liaoyang_consortia.models import AuditEvent, Notification
from members.accounts import services
from members.accounts.services import UnitDetails
from members.models import County, Organization, UnitRegistration
from members.roles import Role
from members.services import unit_group
from tests.factories import (
    MINIMAL_PDF,
    OrganizationFactory,
    make_complete_application,
    make_user,
    valid_uscc,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Liaoyang-keji-2026"
User = get_user_model()


def pdf(name="营业执照.pdf"):
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def form_data(**overrides):
    data = {
        "name": "辽阳新材科技有限公司",
        "uscc": valid_uscc("91211002"),
        "org_kind": "enterprise",
        "county": str(County.objects.get(code="211002").pk),
        "address": "辽阳市白塔区民主路1号",
        "legal_representative": "陈立",
        "registrant_name": "周敏",
        "mobile": "139 1234 5678",
        "email": "Zhou.Min@Example.cn",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "declaration": "on",
        "licence": pdf(),
        **solved_captcha(),
    }
    data.update(overrides)
    return data


def solved_captcha() -> dict:
    """A real captcha, answered as a person reading the image would."""
    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def register(
    *, county_code="211002", uscc=None, email="zhou@example.cn", name="辽阳新材科技有限公司"
):
    county = County.objects.get(code=county_code) if county_code else None
    return services.register_unit(
        details=UnitDetails(
            name=name,
            uscc=uscc or valid_uscc("91211002"),
            org_kind="enterprise",
            county=county,
            address="辽阳市白塔区民主路1号",
            legal_representative="陈立",
        ),
        registrant_name="周敏",
        mobile="13912345678",
        email=email,
        password=PASSWORD,
        licence=pdf(),
        ip="127.0.0.9",
    )


def confirmed(registration):
    return services.confirm_email(token=registration.email_token)


# --- Registering ---------------------------------------------------------------------


def test_it_registers_a_unit_and_mails_a_confirmation_link(client):
    response = client.post(reverse("accounts:register"), form_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:register_done")
    registration = UnitRegistration.objects.get()
    assert registration.state == UnitRegistration.State.EMAIL_PENDING
    assert registration.mobile == "13912345678"
    assert registration.licence_content_type == "application/pdf"
    user = registration.registrant
    assert user.username == "zhou.min@example.cn"  # signs in with the address
    assert not user.is_active  # until the address is confirmed
    organization = registration.organization
    assert organization.name == "辽阳新材科技有限公司" and not organization.is_verified
    assert not user.profile.is_unit_admin  # only once verified
    note = Notification.objects.get(recipient=user, event="registration_email")
    assert note.url == reverse("accounts:confirm_email", kwargs={"token": registration.email_token})
    assert note.email_status == Notification.EmailStatus.PENDING
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.REGISTRATION)
    assert event.detail["outcome"] == "registered" and event.ip == "127.0.0.1"
    page = client.get(reverse("accounts:register_done"))
    assert "zhou.min@example.cn" in page.content.decode()


def test_it_keeps_what_was_typed_and_says_what_is_wrong_in_chinese(client):
    response = client.post(
        reverse("accounts:register"),
        form_data(uscc="91211002MA0Y7K3Q2X", mobile="12345", password2="other", declaration=""),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "辽阳新材科技有限公司" in html and "辽阳市白塔区民主路1号" in html
    assert "11位中国大陆手机号码" in html
    assert "两次输入的密码不一致" in html
    assert "请阅读并勾选承诺" in html
    assert "统一社会信用代码" in html
    assert not UnitRegistration.objects.exists() and not Organization.objects.exists()


def test_it_checks_the_real_captcha(client):
    key = CaptchaStore.generate_key()
    wrong = client.post(reverse("accounts:register"), form_data(captcha_0=key, captcha_1="999"))
    assert wrong.status_code == 422 and "验证码不正确" in wrong.content.decode()
    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response
    right = client.post(reverse("accounts:register"), form_data(captcha_0=key, captcha_1=answer))
    assert right.status_code == 302


def test_it_refuses_a_licence_that_is_not_a_pdf_or_an_image_by_its_content(client):
    fake = SimpleUploadedFile(
        "营业执照.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    response = client.post(reverse("accounts:register"), form_data(licence=fake))
    assert response.status_code == 422
    assert "只接受 PDF" in response.content.decode()
    assert not UnitRegistration.objects.exists()


def test_it_refuses_a_code_the_portal_knows_and_reveals_nothing_of_the_unit(client, alice):
    unit = alice.profile.organization
    response = client.post(reverse("accounts:register"), form_data(uscc=unit.uscc))
    assert response.status_code == 422
    html = response.content.decode()
    assert "已在本平台注册" in html and "单位管理员" in html and "邀请" in html
    assert unit.name not in html and alice.username not in html
    assert Organization.objects.filter(uscc=unit.uscc).count() == 1
    assert not UnitRegistration.objects.exists()
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.REGISTRATION).detail["outcome"] == (
        "known_code"
    )


def test_it_lets_a_unit_known_only_as_a_member_register_itself():
    member = OrganizationFactory(verified_at=None, name="成员单位")
    registration = register(uscc=member.uscc)
    assert registration.organization == member
    assert Organization.objects.filter(uscc=member.uscc).count() == 1


def test_it_does_not_let_an_unconfirmed_registration_hold_a_code_for_ever():
    code = valid_uscc("91211002")
    squatter = register(uscc=code, email="made-up@example.cn")
    with pytest.raises(ValidationError):  # within its 24 hours it holds the code
        register(uscc=code, email="real@example.cn")
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        real = register(uscc=code, email="real@example.cn")
    assert real.organization == squatter.organization
    assert UnitRegistration.objects.get(pk=squatter.pk).state == UnitRegistration.State.EXPIRED
    assert UnitRegistration.objects.get(pk=real.pk).state == UnitRegistration.State.EMAIL_PENDING


def test_it_sends_a_new_link_to_someone_who_registers_again_before_confirming(client):
    first = register(email="again@example.cn")
    response = client.post(reverse("accounts:register"), form_data(email="again@example.cn"))
    assert response.status_code == 302
    assert UnitRegistration.objects.count() == 1
    assert Notification.objects.filter(event="registration_email").count() == 2
    assert UnitRegistration.objects.get(pk=first.pk).email_token != first.email_token


def test_it_answers_the_same_for_an_address_that_has_an_account(client, alice):
    alice.email = "alice@example.cn"
    alice.save()
    response = client.post(reverse("accounts:register"), form_data(email="ALICE@example.cn"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:register_done")
    assert not UnitRegistration.objects.exists()
    assert User.objects.filter(email__iexact="alice@example.cn").count() == 1
    note = Notification.objects.get(recipient=alice)
    assert note.event == "registration_email_taken"


def test_it_makes_exactly_one_unit_when_two_register_the_same_code_at_once(
    transactional_db, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    code = valid_uscc("91211002")
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(n):
        barrier.wait()
        try:
            register(uscc=code, email=f"racer{n}@example.cn")
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - the outcome is what is asserted
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ValidationError", "ok"]
    assert Organization.objects.filter(uscc=code).count() == 1
    assert UnitRegistration.objects.filter(uscc=code).count() == 1


def test_it_limits_registrations_per_address_per_hour(client, settings):
    settings.ACCOUNT_RATE_LIMIT_PER_HOUR = 2
    for n in range(2):
        client.post(reverse("accounts:register"), form_data(email=f"a{n}@example.cn"))
    response = client.post(reverse("accounts:register"), form_data(email="a9@example.cn"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "过于频繁" in html and "辽阳新材科技有限公司" in html  # typed values kept
    assert UnitRegistration.objects.count() == 2
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        again = client.post(reverse("accounts:register"), form_data(email="b@example.cn"))
    assert again.status_code != 429


def test_it_counts_refused_forms_towards_the_limit_so_captchas_cannot_be_guessed_on(
    client, settings
):
    settings.ACCOUNT_RATE_LIMIT_PER_HOUR = 3
    for guess in range(3):
        key = CaptchaStore.generate_key()
        wrong = client.post(
            reverse("accounts:register"), form_data(captcha_0=key, captcha_1=str(guess + 100))
        )
        assert wrong.status_code == 422
        # A key answers one guess only (django-simple-captcha forgets it).
        assert not CaptchaStore.objects.filter(hashkey=key).exists()
    right = client.post(reverse("accounts:register"), form_data())
    assert right.status_code == 429
    assert not UnitRegistration.objects.exists()


# --- Confirming the address ------------------------------------------------------------


def test_it_confirms_the_address_once_and_sends_the_registration_to_the_county(client, bob, dan):
    registration = register()
    url = reverse("accounts:confirm_email", kwargs={"token": registration.email_token})
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("members:registration")
    registration.refresh_from_db()
    assert registration.state == UnitRegistration.State.PENDING
    assert registration.registrant.is_active
    assert Notification.objects.filter(recipient=bob, event="registration_pending").exists()
    assert not Notification.objects.filter(recipient=dan).exists()  # 灯塔市's reviewer
    # Signed in: the registration page says what happens next.
    page = client.get(reverse("members:registration"))
    assert "白塔区" in page.content.decode() and "待核验" in page.content.decode()
    again = client.get(url)
    assert again.status_code == 404 and "已经使用过" in again.content.decode()


@pytest.fixture
def dan(db):
    return make_user("dan", Role.COUNTY_REVIEWER, county_code="211081")


def test_it_refuses_an_expired_or_forged_link_with_a_clear_page(client):
    registration = register()
    url = reverse("accounts:confirm_email", kwargs={"token": registration.email_token})
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        expired = client.post(url)
    assert expired.status_code == 404 and "已过期" in expired.content.decode()
    for token in ("not-a-token", "00000000-0000-0000-0000-000000000000", "x" * 300):
        forged = client.get(reverse("accounts:confirm_email", kwargs={"token": token}))
        assert forged.status_code == 404 and "无效" in forged.content.decode()
    registration.refresh_from_db()
    assert registration.state == UnitRegistration.State.EMAIL_PENDING


def test_it_sends_a_new_link_and_the_old_one_stops_working(client):
    registration = register(email="zhou@example.cn")
    old = registration.email_token
    response = client.post(
        reverse("accounts:resend"),
        {"email": "Zhou@example.cn", **solved_captcha()},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.email_token != old
    assert Notification.objects.filter(event="registration_email").count() == 2
    stale = client.post(reverse("accounts:confirm_email", kwargs={"token": old}))
    assert stale.status_code == 404
    # An address with nothing pending gets the same answer.
    other = client.post(
        reverse("accounts:resend"),
        {"email": "nobody@example.cn", **solved_captcha()},
        follow=True,
    )
    assert "如果该邮箱有待确认的单位注册" in other.content.decode()


# --- Verification ----------------------------------------------------------------------


def test_it_shows_each_verifier_only_the_registrations_of_its_county(client, bob, dan, charlie):
    baita = confirmed(register())
    outside = confirmed(register(county_code=None, uscc=valid_uscc("91210100"), email="o@x.cn"))
    client.force_login(bob)
    page = client.get(reverse("members:registration_queue")).content.decode()
    assert baita.name in page
    assert client.get(reverse("members:registration_detail", args=[outside.pk])).status_code == 404
    client.force_login(dan)
    assert client.get(reverse("members:registration_detail", args=[baita.pk])).status_code == 404
    assert client.get(reverse("members:registration_licence", args=[baita.pk])).status_code == 404
    client.force_login(charlie)
    assert client.get(reverse("members:registration_detail", args=[outside.pk])).status_code == 200
    assert client.get(reverse("members:registration_detail", args=[baita.pk])).status_code == 404
    # 高新区 has no division code: the city verifies its units too.
    zone = County.objects.get(name="辽阳高新技术产业开发区")
    hitech = register(county_code="211002", uscc=valid_uscc("91211000"), email="h@x.cn")
    UnitRegistration.objects.filter(pk=hitech.pk).update(county=zone)
    hitech = confirmed(UnitRegistration.objects.get(pk=hitech.pk))
    assert client.get(reverse("members:registration_detail", args=[hitech.pk])).status_code == 200
    assert Notification.objects.filter(recipient=charlie, event="registration_pending").count() == 2
    client.force_login(bob)
    assert client.get(reverse("members:registration_detail", args=[hitech.pk])).status_code == 404


def test_it_counts_the_queue_in_a_fixed_number_of_queries(client, bob):
    confirmed(register())
    client.force_login(bob)
    client.get(reverse("members:registration_queue"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("members:registration_queue"))
    for n in range(4):
        confirmed(register(uscc=valid_uscc("91211002"), email=f"more{n}@x.cn", name=f"单位{n}"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("members:registration_queue"))
    assert response.content.decode().count('data-testid="registration-row"') == 5
    assert len(many) == len(few)


def test_it_serves_the_licence_only_to_the_registrant_and_its_verifier(client, bob, alice):
    registration = confirmed(register())
    url = reverse("members:registration_licence", args=[registration.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(alice)
    assert client.get(url).status_code == 404
    client.force_login(bob)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == MINIMAL_PDF
    assert response["Content-Type"] == "application/pdf"
    client.force_login(registration.registrant)
    assert client.get(url).status_code == 200


def test_it_verifies_a_unit_and_makes_the_registrant_its_administrator(client, bob):
    registration = confirmed(register())
    client.force_login(bob)
    url = reverse("members:registration_decide", args=[registration.pk])
    unticked = client.post(url, {"action": "verify"})
    assert unticked.status_code == 422 and "请先核对营业执照" in unticked.content.decode()
    response = client.post(url, {"action": "verify", "checked": "on"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == UnitRegistration.State.VERIFIED
    assert registration.decided_by == bob
    organization = registration.organization
    organization.refresh_from_db()
    assert organization.is_verified
    registrant = registration.registrant
    registrant.refresh_from_db()
    assert registrant.profile.is_unit_admin
    assert Notification.objects.filter(recipient=registrant, event="registration_verified").exists()
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.VERIFICATION, actor=bob, detail__outcome="verified"
    ).exists()
    # Decided: a second decision is refused.
    again = client.post(url, {"action": "return", "reason": "重复"})
    assert again.status_code == 422


def test_it_returns_with_a_reason_the_registrant_sees_and_takes_the_correction(client, bob):
    registration = confirmed(register())
    client.force_login(bob)
    url = reverse("members:registration_decide", args=[registration.pk])
    empty = client.post(url, {"action": "return", "reason": "  "})
    assert empty.status_code == 422 and "请填写退回原因" in empty.content.decode()
    client.post(url, {"action": "return", "reason": "营业执照不清晰，请重新扫描。"})
    registration.refresh_from_db()
    assert registration.state == UnitRegistration.State.RETURNED
    registrant = registration.registrant
    assert Notification.objects.filter(recipient=registrant, event="registration_returned").exists()
    client.force_login(registrant)
    page = client.get(reverse("members:registration")).content.decode()
    assert "营业执照不清晰，请重新扫描。" in page
    data = {
        "name": "辽阳新材料科技有限公司",
        "uscc": registration.uscc,
        "org_kind": "enterprise",
        "county": str(registration.county_id),
        "address": "辽阳市白塔区民主路1号",
        "legal_representative": "陈立",
        "licence": pdf("营业执照（清晰）.pdf"),
    }
    response = client.post(reverse("members:registration_resubmit"), data)
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == UnitRegistration.State.PENDING
    assert registration.name == "辽阳新材料科技有限公司"
    assert registration.licence_name == "营业执照（清晰）.pdf"
    assert Notification.objects.filter(recipient=bob, event="registration_pending").count() == 2
    services.verify_registration(actor=bob, registration=registration)
    registration.organization.refresh_from_db()
    assert registration.organization.name == "辽阳新材料科技有限公司"


def test_it_lets_a_registrant_draft_but_not_submit_before_verification(client, bob):
    registration = confirmed(register())
    registrant = registration.registrant
    application = make_complete_application(lead=registration.organization, creator=registrant)
    client.force_login(registrant)
    assert client.get(reverse("applications:new")).status_code == 200
    submit_page = client.get(reverse("applications:submit", args=[application.pk]))
    assert "尚未核验通过" in submit_page.content.decode()
    response = client.post(reverse("applications:submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.state == State.DRAFT
    assert "尚未核验通过" in response.content.decode()
    services.verify_registration(actor=bob, registration=registration)
    application_services.submit(actor=registrant, application_id=application.pk)
    application.refresh_from_db()
    assert application.state == State.COUNTY_REVIEW


def test_it_puts_a_change_of_name_or_code_of_a_verified_unit_back_to_verification(
    client, alice, bob
):
    unit = alice.profile.organization
    old_name, old_code = unit.name, unit.uscc
    new_code = valid_uscc("91211002")
    client.force_login(alice)
    response = client.post(
        reverse("members:registration_change"),
        {
            "name": "辽阳华晟新材料股份有限公司",
            "uscc": new_code,
            "org_kind": "enterprise",
            "county": str(unit.county_id),
            "address": "辽阳市白塔区新运大街88号",
            "legal_representative": "赵志刚",
            "licence": pdf(),
        },
    )
    assert response.status_code == 302
    change = UnitRegistration.objects.get(kind=UnitRegistration.Kind.CHANGE)
    assert change.state == UnitRegistration.State.PENDING
    unit.refresh_from_db()
    assert (unit.name, unit.uscc) == (old_name, old_code)  # locked until verified
    services.verify_registration(actor=bob, registration=change)
    unit.refresh_from_db()
    assert (unit.name, unit.uscc) == ("辽阳华晟新材料股份有限公司", new_code)
    # The unit's group follows its code, so its users keep their applications.
    assert alice.groups.filter(name=unit_group(unit).name).exists()


def test_it_records_registration_and_verification_in_the_audit_trail(bob):
    registration = confirmed(register())
    services.return_registration(actor=bob, registration=registration, reason="请补充地址")
    outcomes = list(
        AuditEvent.objects.filter(
            kind__in=[AuditEvent.Kind.REGISTRATION, AuditEvent.Kind.VERIFICATION]
        )
        .order_by("pk")
        .values_list("detail__outcome", flat=True)
    )
    assert outcomes == ["registered", "email_confirmed", "returned"]

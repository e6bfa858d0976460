"""An expert registers themself (DESIGN.md §16, issue 14 points 1-2): the profile, the CV,
the declaration, the e-mail confirmed once, city staff's check (verify or return) and the
expert's own profile page, where the yearly update is done and a returned registration is
corrected and resubmitted."""

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from liaoyang_consortia.models import AuditEvent, Notification
from members.models import IndustryField
from members.roles import Role
from reviews.experts import rules
from reviews.experts import selectors_registration as selectors
from reviews.experts import services_registration as services
from reviews.models import ExpertAvoidance, ExpertProfile
from tests.applications.test_uploads import docx_bytes
from tests.factories import MINIMAL_PDF, OrganizationFactory, make_user
from tests.members.test_registration import solved_captcha

pytestmark = pytest.mark.django_db

PASSWORD = "Liaoyang-zhuanjia-2026"
User = get_user_model()
Status = ExpertProfile.Status


def pdf(name="简历.pdf"):
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def employer(db):
    return OrganizationFactory(name="辽东理工大学")


@pytest.fixture
def other_unit(db):
    return OrganizationFactory(name="辽阳石化装备有限公司")


@pytest.fixture
def field(db):
    return IndustryField.objects.filter(is_active=True).first()


def details(employer, field, **overrides):
    values = {
        "phone": "139 1234 5678",
        "email": "Li.Hua@Example.cn",
        "employer": employer,
        "fields": [field],
        "keywords": "精细化工、催化",
        "title": "教授",
        "title_level": ExpertProfile.TitleLevel.SENIOR,
        "avoidances": [],
    }
    values.update(overrides)
    return services.ProfileDetails(**values)


def register(employer, field, *, email="li.hua@example.cn", **overrides):
    return services.register_expert(
        name="李华",
        email=email,
        password=PASSWORD,
        details=details(employer, field, **overrides),
        cv=pdf(),
        ip="127.0.0.9",
    )


def form_data(unit, industry_field, **overrides):
    data = {
        "name": "李华",
        "phone": "139 1234 5678",
        "email": "Li.Hua@Example.cn",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "fields": [str(industry_field.pk)],
        "keywords": "精细化工、催化",
        "title": "教授",
        "title_level": "senior",
        "employer": unit.uscc,
        "cv": pdf(),
        "declaration": "on",
        **solved_captcha(),
    }
    data.update(overrides)
    return data


def profile_data(profile, **overrides):
    data = {
        "phone": "13912345678",
        "email": "li.hua@example.cn",
        "fields": [str(f.pk) for f in profile.fields.all()],
        "keywords": "精细化工",
        "title": "教授",
        "title_level": "senior",
        "employer": profile.employer.uscc,
    }
    data.update(overrides)
    return data


def pending(employer, field, **kw):
    profile = register(employer, field, **kw)
    return services.confirm_email(token=profile.email_token)


# --- registering -------------------------------------------------------------------------


def test_it_registers_an_inactive_expert_and_mails_the_link(client, employer, field, other_unit):
    response = client.post(
        reverse("experts:register"),
        form_data(employer, field, avoid_0_unit=other_unit.name, avoid_0_reason="曾在该单位任职"),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("experts:register_done")
    profile = ExpertProfile.objects.get()
    assert profile.status == Status.EMAIL_PENDING
    assert profile.registered_via == ExpertProfile.Via.SELF
    assert profile.phone == "13912345678" and profile.email == "li.hua@example.cn"
    assert profile.employer == employer and list(profile.fields.all()) == [field]
    assert profile.cv_content_type == "application/pdf" and profile.cv_name == "简历.pdf"
    assert profile.declared_at is not None
    assert [(a.organization, a.reason) for a in profile.avoidances.all()] == [
        (other_unit, "曾在该单位任职")
    ]
    user = profile.user
    assert user.username == "li.hua@example.cn" and not user.is_active
    assert user.groups.filter(name=Role.EXPERT.value).exists()
    note = Notification.objects.get(recipient=user, event="expert_registration_email")
    assert note.url == reverse("experts:register_confirm", kwargs={"token": profile.email_token})
    assert profile.email_token_expires_at - timezone.now() > timedelta(hours=23)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.REGISTRATION)
    assert event.detail["outcome"] == "expert_registered"
    assert "li.hua@example.cn" in client.get(reverse("experts:register_done")).content.decode()


def test_it_accepts_a_docx_cv_and_refuses_other_files_in_chinese(employer, field):
    docx = SimpleUploadedFile("简历.docx", docx_bytes())
    profile = services.register_expert(
        name="李华",
        email="docx@example.cn",
        password=PASSWORD,
        details=details(employer, field),
        cv=docx,
    )
    assert profile.cv_content_type.endswith("wordprocessingml.document")
    png = SimpleUploadedFile("简历.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    with pytest.raises(ValidationError) as refused:
        services.register_expert(
            name="王五",
            email="png@example.cn",
            password=PASSWORD,
            details=details(employer, field),
            cv=png,
        )
    assert "cv" in refused.value.message_dict


def test_it_keeps_what_was_typed_and_says_what_is_wrong_in_chinese(client, employer, field):
    response = client.post(
        reverse("experts:register"),
        form_data(
            employer,
            field,
            phone="12345",
            password2="other",
            declaration="",
            employer="辽阳不存在的单位",
            keywords="氢能储运",
            avoid_1_reason="合作研发",
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "李华" in html and "氢能储运" in html and "辽阳不存在的单位" in html
    assert "11位中国大陆手机号码" in html
    assert "两次输入的密码不一致" in html
    assert "请阅读并勾选承诺" in html
    assert "请先由该单位在本平台完成单位注册" in html  # the unit must register first
    assert "填写了回避原因，请同时填写回避单位" in html
    assert not ExpertProfile.objects.exists() and not User.objects.filter(username="李华").exists()


def test_it_refuses_inactive_fields_and_the_employer_as_an_avoided_unit(client, employer, field):
    retired = IndustryField.objects.create(name="已停用领域", is_active=False)
    response = client.post(
        reverse("experts:register"),
        form_data(
            employer,
            field,
            fields=[str(retired.pk)],
            avoid_0_unit=employer.uscc,
            avoid_0_reason="本单位",
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "所选领域不可用" in html
    assert "工作单位已自动回避" in html


def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_is_told(
    client, employer, field
):
    owner = make_user("li.hua@example.cn", Role.APPLICANT, county_code="211002")
    owner.email = "li.hua@example.cn"
    owner.save()
    response = client.post(reverse("experts:register"), form_data(employer, field))
    assert response.status_code == 302 and response["Location"] == reverse("experts:register_done")
    assert not ExpertProfile.objects.exists()
    note = Notification.objects.get(event="expert_registration_email_taken")
    assert note.recipient == owner


def test_registering_again_before_confirming_sends_a_new_link(employer, field):
    first = register(employer, field)
    old_token = first.email_token
    assert register(employer, field) is None
    first.refresh_from_db()
    assert first.email_token != old_token
    assert ExpertProfile.objects.count() == 1
    assert Notification.objects.filter(event="expert_registration_email").count() == 2


def test_the_register_page_is_rate_limited_like_unit_registration(
    client, settings, employer, field
):
    settings.ACCOUNT_RATE_LIMIT_PER_HOUR = 2
    for _ in range(2):
        client.post(reverse("experts:register"), form_data(employer, field, captcha_1="wrong"))
    response = client.post(reverse("experts:register"), form_data(employer, field))
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert not ExpertProfile.objects.exists()


# --- the e-mail link ---------------------------------------------------------------------


def test_the_link_confirms_once_and_tells_city_staff(client, employer, field, charlie):
    profile = register(employer, field)
    url = reverse("experts:register_confirm", kwargs={"token": profile.email_token})
    page = client.get(url)
    assert page.status_code == 200 and "确认邮箱并登录" in page.content.decode()
    profile.refresh_from_db()
    assert profile.status == Status.EMAIL_PENDING  # a GET confirms nothing
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("experts:profile")
    profile.refresh_from_db()
    assert profile.status == Status.PENDING and profile.submitted_at is not None
    assert profile.email_confirmed_at is not None and profile.user.is_active
    note = Notification.objects.get(event="expert_registration_submitted")
    assert note.recipient == charlie
    assert note.url == reverse("experts:registration_detail", kwargs={"pk": profile.pk})
    again = client.post(url)
    assert again.status_code == 404 and "确认链接无效或已经使用过" in again.content.decode()
    with pytest.raises(ValidationError):
        services.confirm_email(token=profile.email_token)
    assert Notification.objects.filter(event="expert_registration_submitted").count() == 1


def test_an_expired_link_is_refused_and_a_resent_one_works(client, employer, field):
    profile = register(employer, field)
    old = profile.email_token
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        response = client.get(reverse("experts:register_confirm", kwargs={"token": old}))
        assert response.status_code == 404 and "确认链接已过期" in response.content.decode()
        resent = client.post(
            reverse("experts:register_resend"), {"email": "LI.HUA@example.cn", **solved_captcha()}
        )
        assert resent.status_code == 302
        profile.refresh_from_db()
        assert profile.email_token != old
        assert services.confirm_email(token=profile.email_token).status == Status.PENDING


def test_resend_says_the_same_for_an_unknown_address(client):
    response = client.post(
        reverse("experts:register_resend"),
        {"email": "nobody@example.cn", **solved_captcha()},
        follow=True,
    )
    assert "如果该邮箱有待确认的专家注册" in response.content.decode()
    assert not Notification.objects.exists()


# --- city staff's check ------------------------------------------------------------------


def test_city_staff_verify_and_the_expert_enters_the_library(charlie, employer, field):
    profile = pending(employer, field)
    verified = services.verify_registration(actor=charlie, profile=profile)
    today = timezone.localdate()
    assert verified.status == Status.ACTIVE and verified.is_active
    assert verified.status_changed_on == today and verified.last_updated_on == today
    assert verified.decided_by == charlie and verified.decided_at is not None
    note = Notification.objects.get(event="expert_registration_verified")
    assert note.recipient == profile.user
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.VERIFICATION)
    assert event.actor == charlie and event.detail["outcome"] == "expert_verified"
    with pytest.raises(ValidationError, match="状态已经变化"):
        services.verify_registration(actor=charlie, profile=profile)


def test_only_city_staff_verify_or_return(bob, dora, erin, employer, field):
    profile = pending(employer, field)
    for actor in (bob, dora, erin, profile.user):
        with pytest.raises(PermissionDenied, match="只有市科技局"):
            services.verify_registration(actor=actor, profile=profile)
        with pytest.raises(PermissionDenied):
            services.return_registration(actor=actor, profile=profile, reason="简历不全")


def test_a_return_needs_a_reason_and_tells_the_person(charlie, employer, field):
    profile = pending(employer, field)
    with pytest.raises(ValidationError, match="请填写退回原因"):
        services.return_registration(actor=charlie, profile=profile, reason="  ")
    returned = services.return_registration(actor=charlie, profile=profile, reason="简历未写明职称")
    assert returned.status == Status.RETURNED and returned.return_reason == "简历未写明职称"
    note = Notification.objects.get(event="expert_registration_returned")
    assert note.recipient == profile.user and "简历未写明职称" in note.body
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.VERIFICATION).detail["outcome"] == (
        "expert_returned"
    )


def test_an_unconfirmed_registration_cannot_be_verified(charlie, employer, field):
    profile = register(employer, field)
    with pytest.raises(ValidationError):
        services.verify_registration(actor=charlie, profile=profile)


def test_the_queue_shows_pending_and_returned_in_a_fixed_number_of_queries(
    client, charlie, employer, field, other_unit, django_assert_num_queries
):
    for i in range(4):
        p = pending(employer, field, email=f"e{i}@example.cn", avoidances=[(other_unit, "合作")])
        if i == 3:
            services.return_registration(actor=charlie, profile=p, reason="补充简历")
    register(employer, field, email="unconfirmed@example.cn")
    with django_assert_num_queries(3):
        rows = selectors.queue()
        for row in rows:
            list(row.fields.all())
            list(row.avoidances.all())
            _ = row.employer.name
    assert [r.status for r in rows] == [Status.PENDING] * 3 + [Status.RETURNED]
    client.force_login(charlie)
    html = client.get(reverse("experts:registrations")).content.decode()
    assert html.count('data-testid="expert-registration-row"') == 4
    only_returned = client.get(reverse("experts:registrations"), {"status": "returned"})
    assert only_returned.content.decode().count('data-testid="expert-registration-row"') == 1


def test_the_queue_page_takes_the_same_queries_for_more_rows(
    client, charlie, employer, field, django_assert_max_num_queries
):
    client.force_login(charlie)
    pending(employer, field, email="first@example.cn")
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("experts:registrations"))
    for i in range(5):
        pending(employer, field, email=f"more{i}@example.cn")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("experts:registrations"))
    assert response.status_code == 200


def test_the_queue_and_detail_are_city_staff_only(client, alice, bob, dora, erin, employer, field):
    profile = pending(employer, field)
    for user in (alice, bob, dora, erin, profile.user):
        client.force_login(user)
        assert client.get(reverse("experts:registrations")).status_code == 404
        url = reverse("experts:registration_detail", kwargs={"pk": profile.pk})
        assert client.get(url).status_code == 404


def test_city_staff_decide_on_the_detail_page(client, charlie, employer, field, other_unit):
    profile = pending(employer, field, avoidances=[(other_unit, "近亲属在该单位任职")])
    client.force_login(charlie)
    url = reverse("experts:registration_detail", kwargs={"pk": profile.pk})
    html = client.get(url).content.decode()
    assert "李华" in html and "辽东理工大学" in html and "13912345678" in html
    assert "近亲属在该单位任职" in html and "简历.pdf" in html
    decide = reverse("experts:registration_decide", kwargs={"pk": profile.pk})
    refused = client.post(decide, {"action": "return", "reason": ""})
    assert refused.status_code == 422 and "请填写退回原因" in refused.content.decode()
    unchecked = client.post(decide, {"action": "verify"})
    assert unchecked.status_code == 422 and "请先核对个人简历" in unchecked.content.decode()
    done = client.post(decide, {"action": "verify", "checked": "on"})
    assert done.status_code == 302 and done["Location"] == reverse("experts:registrations")
    profile.refresh_from_db()
    assert profile.status == Status.ACTIVE


def test_the_cv_is_served_to_city_staff_and_the_expert_only(
    client, alice, bob, charlie, dora, employer, field
):
    profile = pending(employer, field)
    url = reverse("experts:registration_cv", kwargs={"pk": profile.pk})
    for user in (charlie, profile.user):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == MINIMAL_PDF
    for user in (alice, bob, dora):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


# --- the expert's own profile ------------------------------------------------------------


def active(charlie, employer, field, **kw):
    return services.verify_registration(actor=charlie, profile=pending(employer, field, **kw))


def test_the_expert_sees_their_own_profile_only(client, charlie, dora, employer, field):
    mine = active(charlie, employer, field)
    ExpertProfile.objects.create(user=dora, name="多拉", phone="13800000000")
    client.force_login(mine.user)
    html = client.get(reverse("experts:profile")).content.decode()
    assert "李华" in html and "在库" in html and "多拉" not in html and "13800000000" not in html
    client.force_login(dora)
    html = client.get(reverse("experts:profile")).content.decode()
    assert "多拉" in html and "李华" not in html


def test_the_profile_page_is_404_for_anyone_but_an_expert(client, alice, bob, charlie, erin):
    for user in (alice, bob, charlie, erin):
        client.force_login(user)
        assert client.get(reverse("experts:profile")).status_code == 404
        assert client.post(reverse("experts:profile_update")).status_code == 404
        assert client.post(reverse("experts:profile_confirm")).status_code == 404


def test_updating_the_profile_is_the_yearly_update_and_lifts_a_lapse(
    client, charlie, employer, field, other_unit
):
    profile = active(charlie, employer, field)
    ExpertProfile.objects.filter(pk=profile.pk).update(
        status=Status.SUSPENDED,
        status_reason=rules.YEARLY_LAPSE_REASON,
        last_updated_on=date(2020, 1, 5),
    )
    client.force_login(profile.user)
    response = client.post(
        reverse("experts:profile_update"),
        profile_data(
            profile,
            title="研究员",
            employer=other_unit.uscc,
            avoid_0_unit=employer.name,
            avoid_0_reason="原工作单位",
        ),
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.title == "研究员" and profile.employer == other_unit
    assert profile.status == Status.ACTIVE and profile.status_reason == ""
    assert profile.last_updated_on == timezone.localdate()
    assert profile.status_changed_on == timezone.localdate()
    assert list(ExpertAvoidance.objects.values_list("organization", "reason")) == [
        (employer.pk, "原工作单位")
    ]
    assert profile.cv_name == "简历.pdf"  # kept when none is uploaded


def test_an_update_never_lifts_a_suspension_city_staff_decided(charlie, employer, field):
    profile = active(charlie, employer, field)
    ExpertProfile.objects.filter(pk=profile.pk).update(
        status=Status.SUSPENDED, status_reason="因故暂停"
    )
    profile.refresh_from_db()
    services.update_profile(
        actor=profile.user, profile=profile, details=details(employer, field, title="研究员")
    )
    profile.refresh_from_db()
    assert profile.status == Status.SUSPENDED and profile.status_reason == "因故暂停"
    assert profile.last_updated_on == timezone.localdate()


def test_confirming_without_changes_counts_as_the_update(client, charlie, employer, field):
    profile = active(charlie, employer, field)
    ExpertProfile.objects.filter(pk=profile.pk).update(
        status=Status.SUSPENDED,
        status_reason=rules.YEARLY_LAPSE_REASON,
        last_updated_on=date(2020, 1, 5),
    )
    client.force_login(profile.user)
    response = client.post(reverse("experts:profile_confirm"))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.last_updated_on == timezone.localdate() and profile.status == Status.ACTIVE


def test_only_the_expert_updates_their_profile(charlie, dora, employer, field):
    profile = active(charlie, employer, field)
    for actor in (dora, charlie):
        with pytest.raises(PermissionDenied, match="只能修改本人的专家信息"):
            services.update_profile(actor=actor, profile=profile, details=details(employer, field))
        with pytest.raises(PermissionDenied):
            services.confirm_unchanged(actor=actor, profile=profile)


def test_a_pending_registration_cannot_be_edited(client, employer, field):
    profile = pending(employer, field)
    with pytest.raises(ValidationError, match="等待核验"):
        services.update_profile(
            actor=profile.user, profile=profile, details=details(employer, field)
        )
    with pytest.raises(ValidationError, match="尚未核验通过"):
        services.confirm_unchanged(actor=profile.user, profile=profile)
    client.force_login(profile.user)
    html = client.get(reverse("experts:profile")).content.decode()
    assert "待核验" in html and 'data-testid="expert-profile-form"' not in html


def test_a_returned_registration_is_corrected_and_resubmitted(client, charlie, employer, field):
    profile = pending(employer, field)
    services.return_registration(actor=charlie, profile=profile, reason="请补充职称")
    client.force_login(profile.user)
    page = client.get(reverse("experts:profile")).content.decode()
    assert "请补充职称" in page and "修改后重新提交核验" in page
    bad = client.post(reverse("experts:profile_update"), profile_data(profile, phone="1"))
    assert bad.status_code == 422 and "11位中国大陆手机号码" in bad.content.decode()
    assert "精细化工" in bad.content.decode()  # kept
    Notification.objects.all().delete()
    response = client.post(
        reverse("experts:profile_update"), profile_data(profile, title="正高级工程师")
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == Status.PENDING and profile.title == "正高级工程师"
    assert profile.last_updated_on is None  # not in the library yet
    note = Notification.objects.get(event="expert_registration_submitted")
    assert note.recipient == charlie and "重新提交" in note.subject


def test_the_admin_still_creates_experts_directly(admin_client, dora, employer):
    response = admin_client.get(reverse("admin:reviews_expertprofile_add"))
    assert response.status_code == 200
    profile = ExpertProfile.objects.create(user=dora, name="多拉", employer=employer)
    assert profile.registered_via == ExpertProfile.Via.ADMIN and profile.status == Status.ACTIVE

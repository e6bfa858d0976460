"""Public notices (公示) and real-name objections (异议): DESIGN.md §4, issue 4.

The clock is pinned to Monday 2 March 2026, 10:00 in Liaoyang, a working day far from
any holiday, so a 5-working-day notice starting that day ends on Friday 6 March.
"""

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from applications import services, workflow
from applications.models import Application, State
from liaoyang_consortia.models import Notification
from members.roles import Role
from reviews.models import (
    ExpertAssignment,
    ExpertProfile,
    Objection,
    PublicNotice,
    ScoreSheet,
)
from reviews.notices import services as notices
from reviews.notices.demo import seed_notices
from reviews.notices.views import panel_context
from reviews.workdays import add_working_days
from tests import nplusone
from tests.factories import MINIMAL_PDF, arranging, make_complete_application, make_user

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 3, 2)
FRIDAY = date(2026, 3, 6)
BUSINESS = "市科技局成果转化科 王科长，0419-2126000"
SUPERVISION = "市科技局机关纪委，0419-2126001"
OBJECTOR = {
    "name": "李明远",
    "unit": "辽阳某某设备制造有限公司",
    "phone": "13904190123",
    "email": "liming@example.invalid",
}


@pytest.fixture(autouse=True)
def _monday(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=TZ), tick=False)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def pool(db, charlie):
    sheet = ScoreSheet.objects.create(name="默认评分表", is_default=True)
    experts = [
        ExpertProfile.objects.create(user=make_user(f"expert_{i}", Role.EXPERT), name=f"专家{i}")
        for i in range(3)
    ]
    return sheet, experts


@pytest.fixture
def passed(alice, bob, charlie, pool):
    """Make an application of alice's unit that passed the expert review, through the
    workflow."""

    def make(**overrides):
        application = make_complete_application(
            lead=alice.profile.organization, creator=alice, **overrides
        )
        services.submit(actor=alice, application_id=application.pk)
        workflow.perform(
            actor=bob,
            application_id=application.pk,
            transition="county_recommend",
            comment="同意推荐",
        )
        sheet, experts = pool
        for expert in experts:
            ExpertAssignment.objects.create(
                application=application,
                expert=expert,
                method=ExpertAssignment.Method.DRAW,
                status=ExpertAssignment.Status.SUBMITTED,
                sheet=sheet,
                assigned_by=charlie,
                recommend=True,
            )
        workflow.perform(
            actor=charlie, application_id=application.pk, transition="start_expert_review"
        )
        workflow.perform(
            actor=charlie,
            application_id=application.pk,
            transition="pass_review",
            comment="专家组一致推荐",
        )
        return Application.objects.get(pk=application.pk)

    return make


def publish(charlie, applications, start=MONDAY, **kwargs):
    return notices.publish_notice(
        actor=charlie,
        applications=applications,
        start_date=start,
        business_contact=BUSINESS,
        supervision_contact=SUPERVISION,
        **kwargs,
    )


def state_of(application):
    return Application.objects.get(pk=application.pk).state


def objection_on(notice, application, **kwargs):
    values = {**OBJECTOR, "reasons": "牵头单位研发投入数据与年报不符。", **kwargs}
    return notices.file_objection(notice=notice, application=application, **values)


def verified(charlie, notice, application):
    objection = objection_on(notice, application)
    notices.verify_objection(actor=charlie, objection=objection, note="材料齐全，予以受理")
    return Objection.objects.get(pk=objection.pk)


# --- Publishing --------------------------------------------------------------------------


def test_it_ends_the_notice_after_five_working_days_across_national_day(charlie, passed):
    start = date(2025, 9, 29)  # Monday; 1-8 October are holidays, Saturday 11th is worked
    notice = publish(charlie, [passed()], start=start)
    assert notice.working_days == 5
    assert notice.end_date == add_working_days(start, 5) == date(2025, 10, 11)


# Two notices, published one after the other: publish_notice sets each one's applications.
@pytest.mark.zeal_allow({"model": "reviews.PublicNotice", "field": "applications"})
def test_it_numbers_notices_per_year_with_the_configured_prefix(charlie, passed):
    assert notices.next_notice_number(MONDAY) == "辽市科公示〔2026〕1号"
    first = publish(charlie, [passed()])
    second = publish(charlie, [passed(name_core="新材料")])
    assert first.number == "辽市科公示〔2026〕1号"
    assert second.number == "辽市科公示〔2026〕2号"
    assert notices.next_notice_number(date(2027, 1, 4)) == "辽市科公示〔2027〕1号"


def test_it_moves_every_listed_application_to_public_notice(charlie, passed):
    first, second = passed(), passed(name_core="新材料")
    notice = publish(charlie, [first, second])
    assert notice.end_date == FRIDAY
    assert set(notice.applications.all()) == {first, second}
    assert state_of(first) == state_of(second) == State.PUBLIC_NOTICE


def test_it_publishes_nothing_if_one_application_has_not_passed(alice, charlie, passed):
    ready = passed()
    draft = make_complete_application(
        lead=alice.profile.organization, creator=alice, name_core="草稿"
    )
    with pytest.raises(ValidationError) as caught:
        publish(charlie, [ready, draft])
    assert "辽阳市草稿创新联合体" in " ".join(caught.value.messages)
    assert not PublicNotice.objects.exists()
    assert state_of(ready) == State.REVIEW_PASSED
    assert state_of(draft) == State.DRAFT


def test_it_lets_only_city_staff_publish(alice, passed):
    with pytest.raises(PermissionDenied):
        publish(alice, [passed()])


def test_it_publishes_from_the_manage_page(client, charlie, passed):
    application = passed()
    client.force_login(charlie)
    page = client.get("/notices/manage/").content.decode()
    assert application.display_name in page
    assert 'data-testid="calendar-warning"' in page  # 2027 is not in the calendar yet
    response = client.post(
        "/notices/manage/publish/",
        {
            "applications": [application.pk],
            "start_date": "2026-03-02",
            "business_contact": BUSINESS,
            "supervision_contact": SUPERVISION,
            "action": "confirm",  # after the preview (test_notice_receipts.py)
        },
    )
    assert response.status_code == 302
    assert state_of(application) == State.PUBLIC_NOTICE
    page = client.get("/notices/manage/").content.decode()
    assert "辽市科公示〔2026〕1号" in page
    assert "公示中" in page


def test_it_keeps_the_publish_form_when_it_is_invalid(client, charlie, passed):
    application = passed()
    client.force_login(charlie)
    response = client.post(
        "/notices/manage/publish/",
        {"applications": [application.pk], "start_date": "2026-03-01", "business_contact": "X"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "公示开始日期不能早于今天" in body
    assert 'value="X"' in body
    assert state_of(application) == State.REVIEW_PASSED


# --- Public pages ------------------------------------------------------------------------


def test_it_shows_the_notice_and_its_applications_to_the_public(client, charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    listing = client.get("/notices/").content.decode()
    assert notice.number in listing
    assert application.display_name in listing
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    for text in (
        application.display_name,
        application.lead.name,
        "芳烃及精细化工",
        "白塔区",
        "2026年3月2日至2026年3月6日（5个工作日）",
        "真实姓名、工作单位和联系方式",
        "匿名异议、超出公示期提出的异议，不予受理",
        BUSINESS,
        SUPERVISION,
    ):
        assert text in page
    assert 'data-testid="objection-form"' in page


def test_it_hides_a_notice_until_it_starts(client, charlie, passed):
    notice = publish(charlie, [passed()], start=date(2026, 3, 9))
    assert notice.number not in client.get("/notices/").content.decode()
    assert client.get(f"/notices/{notice.pk}/").status_code == 404


def test_it_lists_notices_in_a_constant_number_of_queries(client, alice):
    @arranging
    def make_notices(n):
        for _ in range(n):
            notice = PublicNotice.objects.create(
                number=notices.next_notice_number(MONDAY),
                title="公示",
                start_date=MONDAY,
                end_date=FRIDAY,
                working_days=5,
                business_contact=BUSINESS,
                supervision_contact=SUPERVISION,
                published_by=alice,
            )
            notice.applications.set(
                [
                    make_complete_application(
                        lead=alice.profile.organization, creator=alice, units=2
                    )
                    for _ in range(2)
                ]
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/notices/").status_code == 200
        return len(queries)

    make_notices(2)
    with_two = count()
    make_notices(4)
    assert count() == with_two


# --- Objections --------------------------------------------------------------------------


def post_objection(client, notice, application, **overrides):
    data = {
        "application": application.pk,
        **OBJECTOR,
        "reasons": "牵头单位研发投入数据与年报不符。",
        "pledge": "on",
        **overrides,
    }
    return client.post(f"/notices/{notice.pk}/objections/", data)


def test_it_accepts_a_real_name_objection_and_tells_city_staff(client, charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    response = post_objection(client, notice, application)
    assert response.status_code == 302
    thanks = client.get(response["Location"]).content.decode()
    assert "已收到您的实名异议" in thanks
    assert OBJECTOR["name"] not in thanks
    objection = Objection.objects.get()
    assert objection.status == Objection.Status.RECEIVED
    assert (objection.objector_name, objection.objector_unit) == (
        OBJECTOR["name"],
        OBJECTOR["unit"],
    )
    note = Notification.objects.get(recipient=charlie, event="objection_filed")
    assert application.display_name in note.subject
    for secret in (OBJECTOR["name"], OBJECTOR["unit"], OBJECTOR["phone"]):
        assert secret not in note.subject + note.body


def test_it_refuses_an_objection_after_the_notice_ended(client, charlie, passed, time_machine):
    application = passed()
    notice = publish(charlie, [application])
    with pytest.raises(ValidationError) as caught:
        objection_on(notice, application, today=date(2026, 3, 7))
    assert caught.value.messages == ["公示期已于2026年3月6日结束，不再受理异议。"]

    time_machine.move_to(datetime(2026, 3, 7, 9, 0, tzinfo=TZ), tick=False)
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "公示期已于2026年3月6日结束，不再受理异议。" in page
    assert 'data-testid="objection-form"' not in page
    response = post_objection(client, notice, application)
    assert response.status_code == 422
    assert "公示期已于2026年3月6日结束，不再受理异议。" in response.content.decode()
    assert not Objection.objects.exists()


def test_it_refuses_an_objection_before_the_notice_starts(charlie, passed):
    application = passed()
    notice = publish(charlie, [application], start=date(2026, 3, 9))
    with pytest.raises(ValidationError) as caught:
        objection_on(notice, application)
    assert caught.value.messages == ["公示尚未开始。"]


@pytest.mark.parametrize("missing", ["name", "unit", "phone"])
def test_it_refuses_an_anonymous_objection_and_keeps_the_input(client, charlie, passed, missing):
    application = passed()
    notice = publish(charlie, [application])
    response = post_objection(client, notice, application, **{missing: ""})
    assert response.status_code == 422
    body = response.content.decode()
    assert "匿名异议不予受理" in body
    assert "牵头单位研发投入数据与年报不符。" in body
    kept = [OBJECTOR[f] for f in ("name", "unit", "phone") if f != missing]
    for value in kept:
        assert f'value="{value}"' in body
    assert not Objection.objects.exists()


# Two notices, published one after the other: publish_notice sets each one's applications.
@pytest.mark.zeal_allow({"model": "reviews.PublicNotice", "field": "applications"})
def test_it_refuses_an_objection_to_an_application_not_in_the_notice(charlie, passed):
    notice = publish(charlie, [passed()])
    other = publish(charlie, [passed(name_core="新材料")]).applications.get()
    with pytest.raises(ValidationError):
        objection_on(notice, other)


def test_it_lets_city_staff_register_a_letter_received_during_the_notice(
    client, charlie, passed, time_machine
):
    application = passed()
    notice = publish(charlie, [application])
    time_machine.move_to(datetime(2026, 3, 9, 9, 0, tzinfo=TZ), tick=False)  # after the end
    client.force_login(charlie)
    data = {"application": application.pk, **OBJECTOR, "reasons": "书面异议：数据不实。"}
    late = client.post(
        f"/notices/manage/{notice.pk}/objections/new/", {**data, "received_on": "2026-03-07"}
    )
    assert late.status_code == 422
    assert "公示期已于2026年3月6日结束，不再受理异议。" in late.content.decode()
    response = client.post(
        f"/notices/manage/{notice.pk}/objections/new/", {**data, "received_on": "2026-03-06"}
    )
    objection = Objection.objects.get()
    assert response["Location"] == f"/notices/manage/objections/{objection.pk}/"
    assert objection.status == Objection.Status.RECEIVED
    assert objection.received_at.astimezone(TZ).date() == FRIDAY


def test_it_keeps_real_pdf_evidence_under_a_random_name(client, charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    upload = SimpleUploadedFile("异议材料.pdf", MINIMAL_PDF, content_type="application/pdf")
    response = post_objection(client, notice, application, evidence=upload)
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.evidence_name == "异议材料.pdf"
    assert objection.evidence_type == "application/pdf"
    assert objection.evidence_sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert "异议材料" not in objection.evidence.name

    client.force_login(charlie)
    download = client.get(f"/notices/manage/objections/{objection.pk}/evidence/")
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == MINIMAL_PDF


def test_it_refuses_an_executable_renamed_to_pdf(client, charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    upload = SimpleUploadedFile(
        "证明.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf"
    )
    response = post_objection(client, notice, application, evidence=upload)
    assert response.status_code == 422
    assert "只接受 PDF、JPEG、PNG、DOCX、XLSX 文件" in response.content.decode()
    assert not Objection.objects.exists()


def test_it_never_shows_the_objector_to_the_public_or_the_applicant(
    client, alice, bob, charlie, passed
):
    application = passed()
    notice = publish(charlie, [application])
    objection = verified(charlie, notice, application)
    notices.record_finding(
        actor=charlie, objection=objection, outcome="dismissed", finding="经核查，数据属实。"
    )
    secrets = (OBJECTOR["name"], OBJECTOR["unit"], OBJECTOR["phone"], OBJECTOR["email"])
    public = [
        client.get("/notices/").content.decode(),
        client.get(f"/notices/{notice.pk}/").content.decode(),
        client.get(f"/notices/{notice.pk}/objections/thanks/").content.decode(),
    ]
    panels = {}
    for user in (alice, bob, charlie):
        request = RequestFactory().get("/")
        request.user = user
        context = panel_context(request, application)
        panels[user.username] = render_to_string(
            "reviews/notices/_application_panel.html",
            # The page includes it `with panel=`; the bare context too, as before.
            {"panel": context, **context},
            request=request,
        )
    for html in [*public, panels["alice"], panels["bob"]]:
        for secret in secrets:
            assert secret not in html
    assert "异议不成立" in panels["alice"]
    assert notice.end_date.strftime("%Y年%-m月%-d日") in panels["alice"]
    assert OBJECTOR["name"] in panels["charlie"]
    assert f"/notices/manage/objections/{objection.pk}/" in panels["charlie"]


def test_it_shows_nothing_of_notices_to_an_expert_on_the_panel(dora, charlie, passed):
    application = passed()
    publish(charlie, [application])
    request = RequestFactory().get("/")
    request.user = dora
    assert panel_context(request, application) == {}


# --- Verifying and findings --------------------------------------------------------------


def test_it_starts_the_objection_review_when_staff_verify(client, charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    objection = objection_on(notice, application)
    client.force_login(charlie)
    page = client.get(f"/notices/manage/objections/{objection.pk}/").content.decode()
    for value in OBJECTOR.values():
        assert value in page
    response = client.post(f"/notices/manage/objections/{objection.pk}/verify/", {"note": ""})
    assert response.status_code == 302
    assert state_of(application) == State.OBJECTION_REVIEW
    assert Objection.objects.get().status == Objection.Status.VERIFYING


def test_it_joins_a_second_objection_to_the_review_under_way(charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    first = verified(charlie, notice, application)
    second = objection_on(notice, application, name="张伟")
    notices.verify_objection(actor=charlie, objection=second)
    assert state_of(application) == State.OBJECTION_REVIEW
    notices.record_finding(actor=charlie, objection=first, outcome="dismissed", finding="不成立")
    assert state_of(application) == State.OBJECTION_REVIEW  # the second is still open
    notices.record_finding(actor=charlie, objection=second, outcome="dismissed", finding="不成立")
    assert state_of(application) == State.PUBLIC_NOTICE


def test_it_returns_to_the_notice_when_dismissed_while_it_runs(client, charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    objection = verified(charlie, notice, application)
    client.force_login(charlie)
    response = client.post(
        f"/notices/manage/objections/{objection.pk}/finding/",
        {"outcome": "dismissed", "finding": "经核查，研发投入数据与审计报告一致，异议不成立。"},
    )
    assert response.status_code == 302
    assert state_of(application) == State.PUBLIC_NOTICE
    objection.refresh_from_db()
    assert objection.status == Objection.Status.RESOLVED
    assert objection.outcome == Objection.Outcome.DISMISSED


def test_it_goes_on_to_the_meeting_when_dismissed_after_the_notice_ended(charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    objection = verified(charlie, notice, application)
    notices.record_finding(
        actor=charlie,
        objection=objection,
        outcome="dismissed",
        finding="异议不成立。",
        today=date(2026, 3, 9),
    )
    assert state_of(application) == State.PARTY_GROUP_REVIEW
    notice.refresh_from_db()
    assert notice.closed_at is not None


def test_it_rejects_the_application_when_an_objection_is_upheld(charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    objection = verified(charlie, notice, application)
    notices.record_finding(
        actor=charlie, objection=objection, outcome="upheld", finding="经核查，数据不实。"
    )
    application.refresh_from_db()
    assert application.state == State.REJECTED
    assert application.rejected_stage == State.OBJECTION_REVIEW


def test_it_needs_verification_before_a_finding(charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    objection = objection_on(notice, application)
    with pytest.raises(ValidationError):
        notices.record_finding(actor=charlie, objection=objection, outcome="upheld", finding="x")
    assert state_of(application) == State.PUBLIC_NOTICE


# --- The daily job -----------------------------------------------------------------------


def test_it_closes_ended_notices_except_where_an_objection_is_pending(charlie, passed):
    quiet, contested = passed(), passed(name_core="新材料")
    notice = publish(charlie, [quiet, contested])
    objection_on(notice, contested)

    assert notices.close_ended_notices(today=FRIDAY) == []  # the last day still counts
    moved = notices.close_ended_notices(today=date(2026, 3, 9))
    assert [a.pk for a in moved] == [quiet.pk]
    assert state_of(quiet) == State.PARTY_GROUP_REVIEW
    assert state_of(contested) == State.PUBLIC_NOTICE
    notice.refresh_from_db()
    assert notice.closed_at is None  # one application is still under notice
    assert notices.close_ended_notices(today=date(2026, 3, 9)) == []  # idempotent


def test_it_marks_the_notice_closed_once_every_application_left(charlie, passed):
    notice = publish(charlie, [passed()])
    notices.close_ended_notices(today=date(2026, 3, 9))
    notice.refresh_from_db()
    assert notice.closed_at is not None


# --- Who may manage ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "bob", "dora"])
def test_it_answers_404_to_non_city_users_on_manage_pages(client, role_users, charlie, passed, who):
    application = passed()
    notice = publish(charlie, [application])
    upload = SimpleUploadedFile("a.pdf", MINIMAL_PDF)
    objection = objection_on(notice, application, evidence=upload)
    users = {"alice": Role.APPLICANT, "bob": Role.COUNTY_REVIEWER, "dora": Role.EXPERT}
    client.force_login(role_users[users[who]])
    base = f"/notices/manage/objections/{objection.pk}/"
    register = f"/notices/manage/{notice.pk}/objections/new/"
    for path in ("/notices/manage/", base, base + "evidence/", register):
        assert client.get(path).status_code == 404, path
    for path in ("/notices/manage/publish/", base + "verify/", base + "finding/", register):
        assert client.post(path, {"outcome": "upheld", "finding": "x"}).status_code == 404, path
    assert state_of(application) == State.PUBLIC_NOTICE


def test_it_sends_anonymous_visitors_of_manage_pages_to_log_in(client):
    response = client.get("/notices/manage/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Demo --------------------------------------------------------------------------------


@pytest.mark.zeal_allow(*nplusone.DEMO_SEEDING)
def test_it_seeds_a_running_and_an_ended_notice_once(charlie, passed):
    applications = [passed(), passed(name_core="新材料")]
    created = seed_notices(city_staff=charlie, applications=applications, today=MONDAY)
    assert len(created) == 2
    ended, running = created
    assert ended.end_date < MONDAY <= running.end_date
    assert running.objections.count() == 1
    assert state_of(applications[0]) == State.PUBLIC_NOTICE
    assert state_of(applications[1]) == State.PARTY_GROUP_REVIEW
    assert seed_notices(city_staff=charlie, applications=applications, today=MONDAY) == []
    assert PublicNotice.objects.count() == 2

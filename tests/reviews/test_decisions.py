"""The Party-group meeting, the naming of consortia, the decision PDF and the public
directory (DESIGN.md §4 approve / decline, §7, §10 /consortia/)."""

import re
import subprocess
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

# Registers the admin pages here too until reviews/admin.py imports them (the URLconf is
# built at the first request, after collection).
import reviews.decisions.admin  # noqa: F401
from applications import services, workflow
from applications.models import Consortium, State
from members.roles import Role
from reviews.decisions.demo import seed_decisions
from reviews.decisions.pdf import render_decision_pdf
from reviews.decisions.services import record_meeting
from reviews.decisions.views import panel_context
from reviews.models import (
    Comment,
    ExpertAssignment,
    ExpertProfile,
    MeetingDecision,
    PartyGroupMeeting,
    PublicNotice,
    ScoreSheet,
)
from tests.factories import make_complete_application, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # The factory stores attachment files: keep them out of the project folder.
    settings.MEDIA_ROOT = tmp_path / "media"


def _perform(actor, application, transition, comment="", **kwargs):
    return workflow.perform(
        actor=actor,
        application_id=application.pk,
        transition=transition,
        comment=comment,
        **kwargs,
    )


def _submitted(alice, bob, name_core="精细化工"):
    """An application recommended by the county, waiting for the city's intake check."""
    application = make_complete_application(
        lead=alice.profile.organization, creator=alice, name_core=name_core
    )
    services.submit(actor=alice, application_id=application.pk)
    _perform(bob, application, "county_recommend", "同意推荐")
    return application


def _waiting_for_meeting(alice, bob, charlie, name_core="精细化工"):
    """An application taken through the chain, up to the Party-group meeting."""
    application = _submitted(alice, bob, name_core)
    sheet = ScoreSheet.objects.create(name="测试评分表")
    for i in range(3):
        user = make_user(f"expert-{application.pk}-{i}", Role.EXPERT)
        ExpertAssignment.objects.create(
            application=application,
            expert=ExpertProfile.objects.create(user=user, name=f"专家{i}"),
            method=ExpertAssignment.Method.MANUAL,
            sheet=sheet,
            assigned_by=charlie,
            status=ExpertAssignment.Status.SUBMITTED,
            recommend=True,
            total=86,
            submitted_at=timezone.now(),
        )
    _perform(charlie, application, "start_expert_review")
    _perform(charlie, application, "pass_review", "专家评审通过")
    today = timezone.localdate()
    notice = PublicNotice.objects.create(
        number=f"辽市科公示〔{today.year}〕{application.pk}号",
        title=f"关于{application.display_name}的公示",
        start_date=today - timedelta(days=12),
        end_date=today - timedelta(days=3),
        working_days=5,
        business_contact="科技局成果处 0419-0000000",
        supervision_contact="0419-0000001",
        published_by=charlie,
    )
    notice.applications.add(application)
    _perform(charlie, application, "publish_notice", notice=notice)
    _perform(charlie, application, "close_notice")
    application.refresh_from_db()
    assert application.state == State.PARTY_GROUP_REVIEW
    return application


def _approve(charlie, *applications, minutes="局党组会议纪要〔2026〕1号", on=None):
    return record_meeting(
        actor=charlie,
        meeting_date=on or timezone.localdate(),
        minutes_number=minutes,
        decisions=[(a, "approve", "") for a in applications],
    )


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "decision.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


# --- Services ------------------------------------------------------------------------------


def test_it_names_the_consortium_when_the_meeting_approves(alice, bob, charlie):
    first = _waiting_for_meeting(alice, bob, charlie)
    second = _waiting_for_meeting(alice, bob, charlie, name_core="新材料")
    year = timezone.localdate().year
    on = timezone.localdate() - timedelta(days=1)

    meeting = _approve(charlie, first, on=on)

    first.refresh_from_db()
    assert first.state == State.APPROVED
    consortium = Consortium.objects.get(application=first)
    assert consortium.name == "辽阳市精细化工创新联合体"
    assert consortium.number == f"LYCXLHT-{year}-001"
    assert consortium.decision_number == f"辽市科发〔{year}〕1号"
    assert consortium.named_on == on
    assert consortium.lead == alice.profile.organization
    assert consortium.industry_field == first.industry_field
    assert consortium.status == Consortium.Status.ACTIVE
    assert MeetingDecision.objects.get(application=first).meeting == meeting

    _approve(charlie, second, minutes="局党组会议纪要〔2026〕2号")
    named = Consortium.objects.get(application=second)
    assert named.name == "辽阳市新材料创新联合体"
    assert named.number == f"LYCXLHT-{year}-002"
    assert named.decision_number == f"辽市科发〔{year}〕2号"


def test_it_decides_several_applications_at_one_meeting_in_the_order_given(alice, bob, charlie):
    first = _waiting_for_meeting(alice, bob, charlie, name_core="新材料")
    second = _waiting_for_meeting(alice, bob, charlie, name_core="精细化工")
    year = timezone.localdate().year

    meeting = _approve(charlie, second, first)

    assert meeting.decisions.count() == 2
    assert Consortium.objects.get(application=second).number == f"LYCXLHT-{year}-001"
    assert Consortium.objects.get(application=first).number == f"LYCXLHT-{year}-002"


def test_it_declines_only_with_a_reason_and_rejects(alice, bob, charlie):
    application = _waiting_for_meeting(alice, bob, charlie)

    with pytest.raises(ValidationError) as err:
        record_meeting(
            actor=charlie,
            meeting_date=timezone.localdate(),
            minutes_number="局党组会议纪要〔2026〕3号",
            decisions=[(application, "decline", "  ")],
        )
    assert any("请填写理由" in m for m in err.value.messages)
    assert not PartyGroupMeeting.objects.exists()

    record_meeting(
        actor=charlie,
        meeting_date=timezone.localdate(),
        minutes_number="局党组会议纪要〔2026〕3号",
        decisions=[(application, "decline", "产学研合作基础不足。")],
    )
    application.refresh_from_db()
    assert application.state == State.REJECTED
    assert application.rejected_stage == State.PARTY_GROUP_REVIEW
    assert not Consortium.objects.exists()
    assert Comment.objects.get(application=application, transition="decline").text == (
        "产学研合作基础不足。"
    )


def test_it_refuses_an_application_not_waiting_for_the_meeting_and_writes_nothing(
    alice, bob, charlie
):
    waiting = _waiting_for_meeting(alice, bob, charlie)
    early = _submitted(alice, bob, name_core="新材料")

    with pytest.raises(ValidationError) as err:
        _approve(charlie, waiting, early)

    assert any("不在待党组会议审议环节" in m for m in err.value.messages)
    assert not PartyGroupMeeting.objects.exists()
    assert not MeetingDecision.objects.exists()
    assert not Consortium.objects.exists()
    waiting.refresh_from_db()
    assert waiting.state == State.PARTY_GROUP_REVIEW


def test_it_refuses_a_name_already_given_and_rolls_the_meeting_back(alice, bob, charlie):
    first = _waiting_for_meeting(alice, bob, charlie)
    same_name = _waiting_for_meeting(alice, bob, charlie)
    _approve(charlie, first)

    with pytest.raises(ValidationError) as err:
        _approve(charlie, same_name, minutes="局党组会议纪要〔2026〕9号")

    assert any("已有名为“辽阳市精细化工创新联合体”" in m for m in err.value.messages)
    assert not PartyGroupMeeting.objects.filter(minutes_number="局党组会议纪要〔2026〕9号").exists()
    same_name.refresh_from_db()
    assert same_name.state == State.PARTY_GROUP_REVIEW


def test_it_lets_only_city_staff_record_a_meeting(alice, bob, charlie):
    application = _waiting_for_meeting(alice, bob, charlie)
    for user in (alice, bob):
        with pytest.raises(PermissionDenied):
            _approve(user, application)
    assert not PartyGroupMeeting.objects.exists()


def test_it_refuses_a_meeting_in_the_future_and_a_minutes_number_twice(alice, bob, charlie):
    first = _waiting_for_meeting(alice, bob, charlie)
    second = _waiting_for_meeting(alice, bob, charlie, name_core="新材料")
    with pytest.raises(ValidationError):
        _approve(charlie, first, on=timezone.localdate() + timedelta(days=1))
    _approve(charlie, first)
    with pytest.raises(ValidationError) as err:
        _approve(charlie, second)
    assert any("已登记过" in m for m in err.value.messages)


def test_it_does_not_approve_outside_a_meeting(alice, bob, charlie):
    application = _waiting_for_meeting(alice, bob, charlie)
    with pytest.raises(ValidationError):
        _perform(charlie, application, "approve")
    assert not Consortium.objects.exists()


def test_it_seeds_the_demo_meeting_once(alice, bob, charlie):
    application = _waiting_for_meeting(alice, bob, charlie)
    meeting = seed_decisions(application=application, actor=charlie)
    assert seed_decisions(application=application, actor=charlie) == meeting
    assert PartyGroupMeeting.objects.count() == 1
    assert Consortium.objects.get(application=application).name == "辽阳市精细化工创新联合体"


# --- Directory and consortium page ---------------------------------------------------------


def test_it_lists_named_consortia_in_the_public_directory(client, alice, bob, charlie):
    application = _waiting_for_meeting(alice, bob, charlie)
    _approve(charlie, application)
    member = application.memberships.filter(role="member").select_related("organization")[0]

    response = client.get("/consortia/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "辽阳市精细化工创新联合体" in body
    assert alice.profile.organization.name in body
    assert application.industry_field.name in body
    assert member.organization.name in body
    assert f"LYCXLHT-{timezone.localdate().year}-001" in body


def test_it_filters_the_directory_by_field_and_ignores_bad_input(client, alice, bob, charlie):
    application = _waiting_for_meeting(alice, bob, charlie)
    _approve(charlie, application)
    field = application.industry_field

    assert (
        "辽阳市精细化工创新联合体" in client.get(f"/consortia/?field={field.pk}").content.decode()
    )
    other = client.get(f"/consortia/?field={field.pk + 1000}").content.decode()
    assert "辽阳市精细化工创新联合体" not in other
    for bad in ("abc", "-1", "99999999999999999999", "1e3", ""):
        response = client.get("/consortia/", {"field": bad, "page": bad})
        assert response.status_code == 200
        assert "辽阳市精细化工创新联合体" in response.content.decode()


def test_it_loads_the_directory_in_the_same_number_of_queries_for_1_and_4(
    client, alice, bob, charlie
):
    applications = [
        _waiting_for_meeting(alice, bob, charlie, name_core=core)
        for core in ("精细化工", "新材料", "医药健康", "增材制造")
    ]
    _approve(charlie, applications[0])

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/consortia/")
        assert response.status_code == 200
        return len(queries), response.content.decode()

    one, body = count()
    assert body.count("创新联合体</a>") == 1
    _approve(charlie, *applications[1:], minutes="局党组会议纪要〔2026〕2号")
    four, body = count()
    assert body.count("创新联合体</a>") == 4
    assert one == four


def test_it_shows_a_consortium_page_without_contact_details_or_financials(
    client, alice, bob, charlie
):
    application = _waiting_for_meeting(alice, bob, charlie)
    on = timezone.localdate()
    _approve(charlie, application, on=on)
    consortium = Consortium.objects.get()
    lead = alice.profile.organization
    lead.contact_phone = "13912345678"
    lead.contact_email = "lead@example.invalid"
    lead.save()

    response = client.get(f"/consortia/{consortium.pk}/")

    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        consortium.name,
        consortium.number,
        consortium.decision_number,
        f"{on.year}年{on.month}月{on.day}日",
        lead.name,
        application.industry_field.name,
        "辽东理工大学",
        "高等院校",
        "成员单位",
    ):
        assert text in body
    for secret in ("13912345678", "lead@example.invalid", lead.uscc, "52000", "52,000"):
        assert secret not in body
    # The decision PDF is not offered to the public.
    assert "decision.pdf" not in body
    assert client.get("/consortia/999999/").status_code == 404


# --- Decision PDF ---------------------------------------------------------------------------


def test_it_renders_the_decision_with_extractable_chinese(tmp_path, alice, bob, charlie):
    application = _waiting_for_meeting(alice, bob, charlie)
    _approve(charlie, application)
    consortium = Consortium.objects.get()

    text = _pdf_text(render_decision_pdf(consortium), tmp_path)

    flat = "".join(text.split())
    assert "关于认定辽阳市精细化工创新联合体的决定" in flat
    assert consortium.decision_number in flat
    assert consortium.number in flat
    assert "局党组会议纪要〔2026〕1号" in flat
    assert "辽阳市科学技术局" in flat
    assert alice.profile.organization.name in flat
    assert "辽东理工大学" in flat
    assert re.search(r"—\s*1\s*/\s*\d\s*—", text)  # the page number


def test_it_serves_the_decision_pdf_to_city_staff_and_the_lead_unit_only(
    client, alice, bob, charlie, dora
):
    application = _waiting_for_meeting(alice, bob, charlie)
    _approve(charlie, application)
    url = f"/consortia/{Consortium.objects.get().pk}/decision.pdf"

    for user in (charlie, alice):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    for stranger in (bob, dora):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # sign in first
    assert client.get("/consortia/").status_code == 200


# --- Meeting pages --------------------------------------------------------------------------


def test_it_hides_the_meeting_pages_from_everyone_but_city_staff(client, alice, bob, dora, erin):
    meeting = PartyGroupMeeting.objects.create(
        meeting_date=timezone.localdate(), minutes_number="纪要1号", recorded_by=erin
    )
    for user in (alice, bob, dora):
        client.force_login(user)
        assert client.get("/decisions/meetings/").status_code == 404
        assert client.post("/decisions/meetings/").status_code == 404
        assert client.get(f"/decisions/meetings/{meeting.pk}/").status_code == 404
    client.force_login(erin)
    assert client.get("/decisions/meetings/").status_code == 200
    assert client.get(f"/decisions/meetings/{meeting.pk}/").status_code == 200


def test_it_records_a_meeting_from_the_page(client, alice, bob, charlie):
    approved = _waiting_for_meeting(alice, bob, charlie)
    deferred = _waiting_for_meeting(alice, bob, charlie, name_core="新材料")
    client.force_login(charlie)

    page = client.get("/decisions/meetings/").content.decode()
    assert "辽阳市精细化工创新联合体" in page and "辽阳市新材料创新联合体" in page
    assert "暂不审议" in page

    response = client.post(
        "/decisions/meetings/",
        {
            "meeting-meeting_date": timezone.localdate().isoformat(),
            "meeting-minutes_number": "局党组会议纪要〔2026〕7号",
            f"a{approved.pk}-outcome": "approve",
            f"a{approved.pk}-reason": "",
            f"a{deferred.pk}-outcome": "defer",
        },
    )

    meeting = PartyGroupMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("decisions:meeting", args=[meeting.pk])
    approved.refresh_from_db()
    deferred.refresh_from_db()
    assert approved.state == State.APPROVED
    assert deferred.state == State.PARTY_GROUP_REVIEW
    detail = client.get(response["Location"]).content.decode()
    assert Consortium.objects.get().decision_number in detail


def test_it_keeps_the_input_when_a_decline_has_no_reason(client, alice, bob, charlie):
    application = _waiting_for_meeting(alice, bob, charlie)
    client.force_login(charlie)

    response = client.post(
        "/decisions/meetings/",
        {
            "meeting-meeting_date": timezone.localdate().isoformat(),
            "meeting-minutes_number": "局党组会议纪要〔2026〕8号",
            f"a{application.pk}-outcome": "decline",
            f"a{application.pk}-reason": "",
        },
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert "不予认定的，请填写理由" in body
    assert "局党组会议纪要〔2026〕8号" in body
    assert not PartyGroupMeeting.objects.exists()


def test_it_asks_for_at_least_one_decision(client, alice, bob, charlie):
    application = _waiting_for_meeting(alice, bob, charlie)
    client.force_login(charlie)
    response = client.post(
        "/decisions/meetings/",
        {
            "meeting-meeting_date": timezone.localdate().isoformat(),
            "meeting-minutes_number": "纪要",
            f"a{application.pk}-outcome": "defer",
        },
    )
    assert response.status_code == 422
    assert "请至少对一项申请作出" in response.content.decode()


# --- Panel on the application page -----------------------------------------------------------


def test_it_shows_the_decision_panel_to_city_staff_and_the_owner_only(alice, bob, charlie, dora):
    application = _waiting_for_meeting(alice, bob, charlie)
    request = RequestFactory().get("/")

    request.user = charlie
    assert panel_context(request, application)["can_record"] is True
    request.user = alice
    waiting = panel_context(request, application)
    assert waiting["waiting"] is True and waiting["can_record"] is False

    _approve(charlie, application)
    application.refresh_from_db()
    for user in (charlie, alice):
        request.user = user
        context = panel_context(request, application)
        assert context["decision"].meeting.minutes_number == "局党组会议纪要〔2026〕1号"
        assert context["consortium"].name == "辽阳市精细化工创新联合体"
    for user in (bob, dora):
        request.user = user
        assert panel_context(request, application) == {}


def test_it_shows_the_decision_on_the_application_page(client, alice, bob, charlie):
    application = _waiting_for_meeting(alice, bob, charlie)
    client.force_login(charlie)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert 'data-testid="decision-panel"' in page
    assert reverse("decisions:meetings") in page

    _approve(charlie, application)
    consortium = Consortium.objects.get()
    client.force_login(alice)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    for text in (
        "局党组会议纪要〔2026〕1号",
        "同意认定",
        consortium.number,
        consortium.decision_number,
        reverse("decisions:consortium", args=[consortium.pk]),
        reverse("decisions:decision_pdf", args=[consortium.pk]),
    ):
        assert text in page


def test_it_lets_admins_search_consortia_and_read_meetings_in_the_admin(
    client, alice, bob, charlie, erin
):
    application = _waiting_for_meeting(alice, bob, charlie)
    meeting = _approve(charlie, application)
    consortium = Consortium.objects.get()
    client.force_login(erin)

    listing = client.get(
        "/admin/applications/consortium/", {"q": "精细化工", "status__exact": "active"}
    )
    assert listing.status_code == 200
    assert consortium.decision_number in listing.content.decode()
    assert client.get(f"/admin/applications/consortium/{consortium.pk}/change/").status_code == 200
    page = client.get(f"/admin/reviews/partygroupmeeting/{meeting.pk}/change/")
    assert page.status_code == 200
    assert "同意认定" in page.content.decode()
    # Meetings and consortia come from the portal's meeting page, not from the admin.
    assert client.get("/admin/reviews/partygroupmeeting/add/").status_code == 403
    assert client.get("/admin/applications/consortium/add/").status_code == 403

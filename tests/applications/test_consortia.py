"""The consortium after naming: lifecycle, projects, member and lead changes (articles 23-24)."""

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications import consortia, selectors, services
from applications.demo_consortia import seed_consortia
from applications.models import (
    Consortium,
    ConsortiumMember,
    ConsortiumProject,
    LeadChange,
    MemberChange,
    State,
)
from liaoyang_consortia.models import Notification
from members.models import IntegrityRecord, Organization
from members.roles import Role
from tests.factories import MINIMAL_PDF, make_complete_application, make_user, valid_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _named(lead, creator, *, named_on=date(2026, 1, 10), number="LYCXLHT-2026-001"):
    application = make_complete_application(lead=lead, creator=creator)
    return Consortium.objects.create(
        application=application,
        name=application.display_name + number[-3:],
        number=number,
        decision_number="辽市科发〔2026〕1号",
        named_on=named_on,
        lead=application.lead,
        industry_field=application.industry_field,
    )


@pytest.fixture
def consortium(alice):
    return _named(alice.profile.organization, alice)


@pytest.fixture
def mallory(db):
    """The user of another unit: no business with alice's consortium."""
    return make_user("mallory", Role.APPLICANT, county_code="211002")


def _project(consortium, *, confirmed_by=None, start=None, end=None, level="city", by=None):
    today = timezone.localdate()
    return ConsortiumProject.objects.create(
        consortium=consortium,
        name="辽阳市重大科技专项：芳烃下游高端化学品",
        level=level,
        number="LYZDZX-2026-001",
        start_date=start or today - timedelta(days=100),
        end_date=end or today + timedelta(days=300),
        entered_by=by or consortium.application.created_by,
        confirmed_by=confirmed_by,
        confirmed_at=timezone.now() if confirmed_by else None,
    )


def _status(consortium):
    # The status field is protected: read it afresh rather than refresh the instance.
    return Consortium.objects.values_list("status", flat=True).get(pk=consortium.pk)


def _current(consortium):
    return set(
        ConsortiumMember.objects.filter(consortium=consortium, left_on__isnull=True).values_list(
            "organization_id", flat=True
        )
    )


def _pdf(name="补充协议.pdf"):
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def _consent_all(actor, change):
    for row in consortia.roster(change.consortium):
        consortia.record_consent(
            actor=actor,
            change=change,
            organization=row.organization,
            consented_by="单位代表",
            consented_on=timezone.localdate(),
        )


# --- pure rules -------------------------------------------------------------------------------


def _p(level="city", start=date(2026, 1, 1), end=date(2027, 12, 31), confirmed=True):
    return SimpleNamespace(
        level=level, start_date=start, end_date=end, confirmed_at=1 if confirmed else None
    )


def test_it_finds_a_running_confirmed_project_of_any_level_from_the_city_up():
    today = date(2026, 6, 1)
    for level in ("city", "province", "national"):
        assert consortia.running_major_project([_p(level)], today) is not None
    assert consortia.running_major_project([_p(confirmed=False)], today) is None
    assert consortia.running_major_project([_p(end=date(2026, 5, 31))], today) is None
    assert consortia.running_major_project([_p(start=date(2026, 6, 2))], today) is None
    # Start and end days are inside the project.
    assert consortia.running_major_project([_p(start=today, end=today)], today) is not None


def test_it_ends_a_three_year_ban_the_day_before_its_third_anniversary():
    assert consortia.ban_end(date(2026, 5, 10), 3) == date(2029, 5, 9)
    assert consortia.ban_end(date(2028, 2, 29), 3) == date(2031, 2, 28)


def test_it_lists_the_members_that_have_not_consented_in_roster_order():
    assert consortia.missing_consents([3, 1, 2], [1]) == [3, 2]


# --- dissolution ------------------------------------------------------------------------------


def test_it_refuses_dissolution_during_a_running_confirmed_city_project(alice, charlie, consortium):
    _project(consortium, confirmed_by=charlie)
    with pytest.raises(ValidationError) as err:
        consortia.dissolve(
            actor=charlie,
            consortium_id=consortium.pk,
            reason="成员协商一致解散。",
            decided_on=timezone.localdate(),
        )
    assert "辽阳市重大科技专项" in err.value.messages[0]
    assert "不得解散" in err.value.messages[0]
    assert _status(consortium) == Consortium.Status.ACTIVE


def test_it_allows_dissolution_once_the_project_has_ended(alice, charlie, consortium, time_machine):
    project = _project(consortium, confirmed_by=charlie)
    time_machine.move_to(
        timezone.make_aware(datetime.combine(project.end_date + timedelta(days=1), time(9)))
    )
    consortia.dissolve(
        actor=charlie,
        consortium_id=consortium.pk,
        reason="建设期满，成员协商一致解散。",
        decided_on=timezone.localdate(),
    )
    assert _status(consortium) == Consortium.Status.DISSOLVED
    dissolved = Consortium.objects.get(pk=consortium.pk)
    assert dissolved.status_reason == "建设期满，成员协商一致解散。"
    assert dissolved.status_changed_on == timezone.localdate()
    assert Notification.objects.filter(recipient=alice, event="consortium_dissolved").count() == 1


def test_it_does_not_count_an_unconfirmed_project(alice, charlie, consortium):
    _project(consortium, by=alice)
    consortia.dissolve(
        actor=charlie,
        consortium_id=consortium.pk,
        reason="成员协商一致解散。",
        decided_on=timezone.localdate(),
    )
    assert _status(consortium) == Consortium.Status.DISSOLVED


def test_it_logs_the_transition_with_who_and_why(charlie, consortium):
    from django_fsm_log.models import StateLog

    consortia.dissolve(
        actor=charlie, consortium_id=consortium.pk, reason="协商解散。", decided_on=date(2026, 3, 1)
    )
    log = StateLog.objects.for_(consortium).get()
    assert (log.transition, log.by, log.description) == ("dissolve", charlie, "协商解散。")


# --- disqualification and the 3-year lead ban ------------------------------------------------------


def test_it_writes_a_three_year_lead_ban_when_disqualifying(alice, charlie, consortium):
    decided_on = timezone.localdate()
    consortia.disqualify(
        actor=charlie,
        consortium_id=consortium.pk,
        reason="牵头单位未履行组织协调职责。",
        decision_number="辽市科发〔2026〕30号",
        decided_on=decided_on,
    )
    assert _status(consortium) == Consortium.Status.DISQUALIFIED
    ban = IntegrityRecord.objects.get(organization=alice.profile.organization)
    assert ban.kind == IntegrityRecord.Kind.LEAD_BAN
    assert ban.start_date == decided_on
    assert ban.end_date == consortia.ban_end(decided_on, 3)
    assert (ban.end_date - decided_on).days in (1094, 1095)  # three years less a day
    assert ban.decision_number == "辽市科发〔2026〕30号"
    assert "牵头单位未履行组织协调职责" in ban.reason
    assert Notification.objects.filter(recipient=alice, event="consortium_disqualified").exists()


def test_it_bars_the_banned_lead_from_submitting_until_the_ban_lapses(
    alice, charlie, consortium, time_machine
):
    decided_on = timezone.localdate()
    consortia.disqualify(
        actor=charlie,
        consortium_id=consortium.pk,
        reason="牵头单位未履行组织协调职责。",
        decision_number="辽市科发〔2026〕30号",
        decided_on=decided_on,
    )
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    codes = {f.code for f in selectors.findings_for(application) if f.severity == "error"}
    assert "lead_not_banned" in codes
    with pytest.raises(ValidationError):
        services.submit(actor=alice, application_id=application.pk)

    last_day = consortia.ban_end(decided_on, 3)
    time_machine.move_to(timezone.make_aware(datetime.combine(last_day, time(12))))
    assert "lead_not_banned" in {f.code for f in selectors.findings_for(application)}

    time_machine.move_to(
        timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time(9)))
    )
    assert "lead_not_banned" not in {f.code for f in selectors.findings_for(application)}
    assert services.submit(actor=alice, application_id=application.pk).state == (
        State.COUNTY_REVIEW
    )


def test_it_lets_only_city_staff_change_the_status(alice, bob, consortium):
    for actor in (alice, bob):
        with pytest.raises(PermissionDenied):
            consortia.disqualify(
                actor=actor,
                consortium_id=consortium.pk,
                reason="x",
                decision_number="x",
                decided_on=date(2026, 3, 1),
            )
        with pytest.raises(PermissionDenied):
            consortia.dissolve(
                actor=actor, consortium_id=consortium.pk, reason="x", decided_on=date(2026, 3, 1)
            )
    assert _status(consortium) == Consortium.Status.ACTIVE
    assert not IntegrityRecord.objects.exists()


def test_it_refuses_a_second_status_change(charlie, consortium):
    consortia.dissolve(
        actor=charlie, consortium_id=consortium.pk, reason="协商解散。", decided_on=date(2026, 3, 1)
    )
    with pytest.raises(ValidationError):
        consortia.disqualify(
            actor=charlie,
            consortium_id=consortium.pk,
            reason="x",
            decision_number="x",
            decided_on=date(2026, 3, 1),
        )
    assert not IntegrityRecord.objects.exists()


# --- projects -----------------------------------------------------------------------------------


def test_it_lets_the_lead_enter_projects_and_city_staff_confirm_them(alice, charlie, consortium):
    project = consortia.add_project(
        actor=alice,
        consortium=consortium,
        name="辽阳市重大科技专项",
        level="city",
        number="LY-1",
        start_date=date(2026, 1, 1),
        end_date=date(2027, 12, 31),
    )
    assert not project.is_confirmed
    assert Notification.objects.filter(recipient=charlie, event="consortium_project_entered")
    with pytest.raises(PermissionDenied):
        consortia.confirm_project(actor=alice, project=project)
    consortia.confirm_project(actor=charlie, project=project)
    project.refresh_from_db()
    assert project.confirmed_by == charlie
    with pytest.raises(ValidationError):
        consortia.remove_project(actor=alice, project=project)


def test_it_refuses_a_project_that_ends_before_it_starts(alice, consortium):
    with pytest.raises(ValidationError):
        consortia.add_project(
            actor=alice,
            consortium=consortium,
            name="项目",
            level="city",
            number="LY-1",
            start_date=date(2027, 1, 1),
            end_date=date(2026, 1, 1),
        )


# --- the roster and member changes -----------------------------------------------------------------


def test_it_starts_the_roster_from_the_applications_memberships(consortium):
    rows = consortia.roster(consortium)
    assert len(rows) == 8
    assert rows[0].organization_id == consortium.lead_id
    assert rows[0].role == ConsortiumMember.Role.LEAD
    assert {r.joined_on for r in rows} == {consortium.named_on}
    consortia.roster(consortium)
    assert ConsortiumMember.objects.filter(consortium=consortium).count() == 8


def test_it_changes_the_roster_only_when_city_staff_acknowledge_an_addition(
    alice, charlie, consortium
):
    before = {r.organization_id for r in consortia.roster(consortium)}
    code = valid_uscc()
    change = consortia.create_member_change(
        actor=alice,
        consortium=consortium,
        kind="add",
        reason="新增软件企业承担数字化任务。",
        uscc=code,
        name="辽阳智联软件有限公司",
        unit_kind="enterprise",
    )
    added = Organization.objects.get(uscc=code)
    _consent_all(alice, change)
    consortia.upload_agreement(actor=alice, change=change, uploaded_file=_pdf())
    consortia.file_member_change(actor=alice, change=change)
    assert _current(consortium) == before
    assert Notification.objects.filter(recipient=charlie, event="member_change_filed").exists()

    consortia.acknowledge_member_change(actor=charlie, change=change)
    assert _current(consortium) == before | {added.pk}
    row = ConsortiumMember.objects.get(consortium=consortium, organization=added)
    assert row.via_change == change
    assert row.joined_on == timezone.localdate()
    change.refresh_from_db()
    assert (change.status, change.acknowledged_by) == (MemberChange.Status.ACKNOWLEDGED, charlie)
    assert Notification.objects.filter(recipient=alice, event="member_change_acknowledged")


def test_it_refuses_to_file_without_every_current_members_consent(alice, consortium):
    rows = consortia.roster(consortium)
    change = consortia.create_member_change(
        actor=alice,
        consortium=consortium,
        kind="remove",
        organization=rows[-1].organization,
        reason="该单位因业务调整申请退出。",
    )
    consortia.upload_agreement(actor=alice, change=change, uploaded_file=_pdf())
    for row in rows[:-2]:
        consortia.record_consent(
            actor=alice,
            change=change,
            organization=row.organization,
            consented_by="单位代表",
            consented_on=timezone.localdate(),
        )
    with pytest.raises(ValidationError) as err:
        consortia.file_member_change(actor=alice, change=change)
    message = err.value.messages[0]
    assert rows[-2].organization.name in message and rows[-1].organization.name in message
    change.refresh_from_db()
    assert change.status == MemberChange.Status.DRAFT


def test_it_refuses_to_file_without_the_supplementary_agreement(alice, consortium):
    rows = consortia.roster(consortium)
    change = consortia.create_member_change(
        actor=alice,
        consortium=consortium,
        kind="remove",
        organization=rows[-1].organization,
        reason="退出。",
    )
    _consent_all(alice, change)
    with pytest.raises(ValidationError) as err:
        consortia.file_member_change(actor=alice, change=change)
    assert "补充协议" in err.value.messages[0]


def test_it_keeps_the_history_of_a_removed_member(alice, charlie, consortium):
    rows = consortia.roster(consortium)
    leaving = rows[-1].organization
    change = consortia.create_member_change(
        actor=alice, consortium=consortium, kind="remove", organization=leaving, reason="退出。"
    )
    _consent_all(alice, change)
    consortia.upload_agreement(actor=alice, change=change, uploaded_file=_pdf())
    consortia.file_member_change(actor=alice, change=change)
    consortia.acknowledge_member_change(actor=charlie, change=change)
    row = ConsortiumMember.objects.get(consortium=consortium, organization=leaving)
    assert row.left_on == timezone.localdate()
    assert leaving.pk not in _current(consortium)
    assert ConsortiumMember.objects.filter(consortium=consortium).count() == 8


def test_it_refuses_to_remove_the_lead_or_add_a_current_member(alice, consortium):
    rows = consortia.roster(consortium)
    with pytest.raises(ValidationError):
        consortia.create_member_change(
            actor=alice,
            consortium=consortium,
            kind="remove",
            organization=consortium.lead,
            reason="x",
        )
    with pytest.raises(ValidationError):
        consortia.create_member_change(
            actor=alice,
            consortium=consortium,
            kind="add",
            uscc=rows[1].organization.uscc,
            reason="x",
        )


def test_it_lets_city_staff_return_a_filing_which_the_lead_can_file_again(
    alice, charlie, consortium
):
    rows = consortia.roster(consortium)
    change = consortia.create_member_change(
        actor=alice,
        consortium=consortium,
        kind="remove",
        organization=rows[-1].organization,
        reason="退出。",
    )
    _consent_all(alice, change)
    consortia.upload_agreement(actor=alice, change=change, uploaded_file=_pdf())
    consortia.file_member_change(actor=alice, change=change)
    with pytest.raises(PermissionDenied):
        consortia.acknowledge_member_change(actor=alice, change=change)
    consortia.return_member_change(actor=charlie, change=change, reason="补充协议缺少骑缝章。")
    change.refresh_from_db()
    assert change.status == MemberChange.Status.RETURNED
    consortia.upload_agreement(actor=alice, change=change, uploaded_file=_pdf("补充协议2.pdf"))
    consortia.file_member_change(actor=alice, change=change)
    change.refresh_from_db()
    assert (change.status, change.agreement_name) == (MemberChange.Status.FILED, "补充协议2.pdf")


def test_it_refuses_an_executable_renamed_pdf_as_the_agreement(alice, consortium):
    change = consortia.create_member_change(
        actor=alice,
        consortium=consortium,
        kind="remove",
        organization=consortia.roster(consortium)[-1].organization,
        reason="退出。",
    )
    exe = SimpleUploadedFile("补充协议.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    with pytest.raises(ValidationError):
        consortia.upload_agreement(actor=alice, change=change, uploaded_file=exe)
    change.refresh_from_db()
    assert not change.agreement


# --- lead change ------------------------------------------------------------------------------------


def _file_lead_change(alice, consortium):
    new_lead = consortia.roster(consortium)[2].organization
    change = consortia.file_lead_change(
        actor=alice, consortium=consortium, new_lead=new_lead, reason="牵头单位重组，主营业务调整。"
    )
    return change, new_lead


def test_it_needs_approval_for_a_lead_change_while_a_project_runs(alice, charlie, consortium):
    _project(consortium, confirmed_by=charlie)
    old_lead = consortium.lead
    change, new_lead = _file_lead_change(alice, consortium)
    assert change.needs_approval and change.running_project is not None
    with pytest.raises(ValidationError):
        consortia.decide_lead_change(actor=charlie, change=change, decision="acknowledge")
    assert Consortium.objects.get(pk=consortium.pk).lead == old_lead
    with pytest.raises(PermissionDenied):
        consortia.decide_lead_change(actor=alice, change=change, decision="approve")

    consortia.decide_lead_change(actor=charlie, change=change, decision="approve", note="同意。")
    assert Consortium.objects.get(pk=consortium.pk).lead == new_lead
    change.refresh_from_db()
    assert change.status == LeadChange.Status.APPROVED
    current = {
        r.organization_id: r.role
        for r in ConsortiumMember.objects.filter(consortium=consortium, left_on__isnull=True)
    }
    assert current[new_lead.pk] == "lead" and current[old_lead.pk] == "member"
    assert len(current) == 8
    # History: the old lead's period as lead is closed, not lost.
    assert ConsortiumMember.objects.get(
        consortium=consortium, organization=old_lead, role="lead"
    ).left_on == (timezone.localdate())


def test_it_keeps_the_lead_when_city_staff_refuse(alice, charlie, consortium):
    _project(consortium, confirmed_by=charlie)
    change, _new = _file_lead_change(alice, consortium)
    with pytest.raises(ValidationError):
        consortia.decide_lead_change(actor=charlie, change=change, decision="refuse")
    consortia.decide_lead_change(
        actor=charlie, change=change, decision="refuse", note="项目执行期间不宜变更。"
    )
    assert Consortium.objects.get(pk=consortium.pk).lead == alice.profile.organization
    change.refresh_from_db()
    assert change.status == LeadChange.Status.REFUSED


def test_it_only_records_a_lead_change_without_a_running_project(alice, charlie, consortium):
    _project(consortium, by=alice)  # unconfirmed: does not count
    change, new_lead = _file_lead_change(alice, consortium)
    assert not change.needs_approval
    with pytest.raises(ValidationError):
        consortia.decide_lead_change(actor=charlie, change=change, decision="approve")
    consortia.decide_lead_change(actor=charlie, change=change, decision="acknowledge")
    change.refresh_from_db()
    assert change.status == LeadChange.Status.ACKNOWLEDGED
    assert Consortium.objects.get(pk=consortium.pk).lead == new_lead


def test_it_refuses_a_banned_unit_as_new_lead(alice, charlie, consortium):
    candidate = consortia.roster(consortium)[2].organization
    IntegrityRecord.objects.create(
        organization=candidate,
        kind=IntegrityRecord.Kind.LEAD_BAN,
        start_date=date(2026, 1, 1),
        end_date=date(2028, 12, 31),
        reason="曾被取消资格。",
    )
    with pytest.raises(ValidationError):
        consortia.file_lead_change(
            actor=alice, consortium=consortium, new_lead=candidate, reason="调整。"
        )


# --- pages and permissions -------------------------------------------------------------------------


def test_it_shows_the_lead_its_consortia_and_the_page(client, alice, consortium):
    client.force_login(alice)
    response = client.get(reverse("consortia:list"))
    assert response.status_code == 200
    assert consortium.name in response.content.decode()
    response = client.get(reverse("consortia:detail", args=[consortium.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="roster"' in body
    assert 'data-testid="project-form"' in body
    assert 'data-testid="disqualify-form"' not in body


def test_it_shows_city_staff_the_decisions(client, charlie, alice, consortium):
    project = _project(consortium, by=alice)
    client.force_login(charlie)
    body = client.get(reverse("consortia:detail", args=[consortium.pk])).content.decode()
    assert reverse("consortia:confirm_project", args=[project.pk]) in body
    assert 'data-testid="disqualify-form"' in body
    assert 'data-testid="project-form"' not in body


def test_it_hides_the_consortium_from_another_units_user(client, mallory, alice, consortium):
    client.force_login(mallory)
    assert client.get(reverse("consortia:detail", args=[consortium.pk])).status_code == 404
    response = client.post(
        reverse("consortia:add_project", args=[consortium.pk]),
        {"project-name": "x", "project-level": "city", "project-number": "1"},
    )
    assert response.status_code == 404
    assert consortium.name not in client.get(reverse("consortia:list")).content.decode()


def test_it_refuses_city_actions_to_the_lead(client, alice, consortium):
    project = _project(consortium, by=alice)
    client.force_login(alice)
    response = client.post(
        reverse("consortia:dissolve", args=[consortium.pk]),
        {"ds-reason": "解散", "ds-decided_on": "2026-03-01"},
    )
    assert response.status_code == 403
    response = client.post(reverse("consortia:confirm_project", args=[project.pk]))
    assert response.status_code == 403
    assert _status(consortium) == Consortium.Status.ACTIVE
    project.refresh_from_db()
    assert not project.is_confirmed


def test_it_shows_the_refusal_to_dissolve_on_the_page(client, charlie, consortium):
    _project(consortium, confirmed_by=charlie)
    client.force_login(charlie)
    response = client.post(
        reverse("consortia:dissolve", args=[consortium.pk]),
        {"ds-reason": "协商解散", "ds-decided_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "不得解散" in body
    assert "协商解散" in body  # the input is kept
    assert _status(consortium) == Consortium.Status.ACTIVE


def test_it_disqualifies_from_the_page(client, charlie, consortium):
    client.force_login(charlie)
    response = client.post(
        reverse("consortia:disqualify", args=[consortium.pk]),
        {
            "dq-reason": "未履行职责",
            "dq-decision_number": "辽市科发〔2026〕30号",
            "dq-decided_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert _status(consortium) == Consortium.Status.DISQUALIFIED
    assert IntegrityRecord.objects.filter(kind="lead_ban").count() == 1


def test_it_refuses_an_executable_renamed_pdf_on_the_page(client, alice, consortium):
    change = consortia.create_member_change(
        actor=alice,
        consortium=consortium,
        kind="remove",
        organization=consortia.roster(consortium)[-1].organization,
        reason="退出。",
    )
    client.force_login(alice)
    exe = SimpleUploadedFile("补充协议.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    response = client.post(
        reverse("consortia:upload_agreement", args=[change.pk]),
        {f"g{change.pk}-file": exe},
    )
    assert response.status_code == 422
    assert "只接受 PDF" in response.content.decode()
    change.refresh_from_db()
    assert not change.agreement


def test_it_files_a_member_change_through_the_pages(client, alice, charlie, consortium):
    client.force_login(alice)
    code = valid_uscc()
    response = client.post(
        reverse("consortia:new_member_change", args=[consortium.pk]),
        {
            "mc-kind": "add",
            "mc-uscc": code,
            "mc-name": "辽阳智联软件有限公司",
            "mc-unit_kind": "enterprise",
            "mc-reason": "承担数字化任务。",
        },
    )
    assert response.status_code == 302
    change = MemberChange.objects.get(consortium=consortium)
    url = reverse("consortia:file_member_change", args=[change.pk])
    response = client.post(url)
    assert response.status_code == 422
    assert "尚未登记同意" in response.content.decode()
    for row in consortia.roster(consortium):
        response = client.post(
            reverse("consortia:record_consent", args=[change.pk]),
            {
                f"c{change.pk}-organization": row.organization_id,
                f"c{change.pk}-consented_by": "代表",
                f"c{change.pk}-consented_on": timezone.localdate().isoformat(),
            },
        )
        assert response.status_code == 302
    client.post(
        reverse("consortia:upload_agreement", args=[change.pk]),
        {f"g{change.pk}-file": _pdf()},
    )
    assert client.post(url).status_code == 302
    change.refresh_from_db()
    assert change.status == MemberChange.Status.FILED
    download = client.get(reverse("consortia:download_agreement", args=[change.pk]))
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"

    client.force_login(charlie)
    response = client.post(reverse("consortia:acknowledge_member_change", args=[change.pk]))
    assert response.status_code == 302
    assert Organization.objects.get(uscc=code).pk in _current(consortium)


def test_it_lists_consortia_in_a_fixed_number_of_queries(
    client, charlie, alice, django_assert_max_num_queries
):
    for n in range(1, 4):
        _named(alice.profile.organization, alice, number=f"LYCXLHT-2026-{n:03d}")
    client.force_login(charlie)
    client.get(reverse("consortia:list"))  # warm the session and the user's groups
    with django_assert_max_num_queries(8):
        response = client.get(reverse("consortia:list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="consortium-') == 3


# --- demo -----------------------------------------------------------------------------------


def test_it_seeds_the_demo_consortia_idempotently(alice, charlie, consortium):
    users = {"city_staff": charlie, "applicant_a": alice}
    seed_consortia(users)
    seed_consortia(users)
    assert consortium.projects.count() == 1
    project = consortium.projects.get()
    assert project.is_confirmed
    assert consortia.running_major_project([project], timezone.localdate()) is not None
    change = consortium.member_changes.get()
    assert change.status == MemberChange.Status.ACKNOWLEDGED
    assert len(_current(consortium)) == 9


def _busy(alice, charlie, consortium, changes: int):
    """A consortium with a bit of everything: projects, member changes in each state, a
    pending lead change."""
    _project(consortium, confirmed_by=charlie)
    _project(consortium, by=alice)
    rows = consortia.roster(consortium)
    for n in range(changes):
        change = consortia.create_member_change(
            actor=alice,
            consortium=consortium,
            kind="add",
            uscc=valid_uscc(),
            name=f"新单位{n}",
            unit_kind="enterprise",
            reason="新增。",
        )
        _consent_all(alice, change)
        consortia.upload_agreement(actor=alice, change=change, uploaded_file=_pdf())
        if n % 2:
            consortia.file_member_change(actor=alice, change=change)
    consortia.file_lead_change(
        actor=alice, consortium=consortium, new_lead=rows[1].organization, reason="重组。"
    )


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the session and the user's groups
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_it_shows_the_page_to_both_sides_in_queries_that_do_not_grow(alice, charlie, client):
    small = _named(alice.profile.organization, alice, number="LYCXLHT-2026-001")
    large = _named(alice.profile.organization, alice, number="LYCXLHT-2026-002")
    _busy(alice, charlie, small, 1)
    _busy(alice, charlie, large, 5)
    for user, marker in ((alice, "consent-form-"), (charlie, 'data-testid="lead-decision-form"')):
        client.force_login(user)
        counts = []
        for consortium in (small, large):
            count, body = _queries(client, reverse("consortia:detail", args=[consortium.pk]))
            assert marker in body
            counts.append(count)
        assert counts[0] == counts[1], (user.username, counts)

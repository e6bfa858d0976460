from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications import services
from applications.models import Application, Attachment, Membership, State
from members.models import IntegrityRecord, Organization
from tests.factories import MINIMAL_PDF, OrganizationFactory, make_complete_application, valid_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def complete(alice):
    return make_complete_application(lead=alice.profile.organization, creator=alice)


def test_it_creates_a_draft_led_by_the_actors_unit_and_owned_by_its_users(alice):
    application = services.create_application(actor=alice)
    assert application.state == State.DRAFT
    assert application.lead == alice.profile.organization
    assert application.memberships.get().role == Membership.Role.LEAD
    assert alice.has_perm("applications.change_application", application)


def test_it_lets_only_applicants_create(charlie):
    with pytest.raises(PermissionDenied):
        services.create_application(actor=charlie)


def test_it_submits_a_complete_application_to_the_county(alice, complete):
    submitted = services.submit(actor=alice, application_id=complete.pk)
    assert submitted.state == State.COUNTY_REVIEW
    assert submitted.submitted_at is not None
    assert submitted.policy_version.min_units == 8


def test_it_refuses_to_submit_with_an_error_finding(alice, complete):
    complete.chief_experts.all().delete()
    with pytest.raises(ValidationError) as err:
        services.submit(actor=alice, application_id=complete.pk)
    assert any("首席专家" in m for m in err.value.messages)
    complete.refresh_from_db()
    assert complete.state == State.DRAFT


def test_it_needs_a_justification_for_an_in_principle_departure(alice, complete):
    complete.memberships.filter(role="member").last().delete()  # 7 units
    with pytest.raises(ValidationError) as err:
        services.submit(actor=alice, application_id=complete.pk)
    assert any("原则上不少于8家" in m for m in err.value.messages)
    services.save_justification(
        actor=alice, application=complete, code="min_units", text="第八家单位正在办理注册。"
    )
    assert services.submit(actor=alice, application_id=complete.pk).state == State.COUNTY_REVIEW
    assert complete.justifications.get(code="min_units").text == "第八家单位正在办理注册。"


def test_it_refuses_a_second_submission(alice, complete):
    services.submit(actor=alice, application_id=complete.pk)
    with pytest.raises(services.StaleApplication):
        services.submit(actor=alice, application_id=complete.pk)


def test_it_refuses_edits_after_submission(alice, complete):
    services.submit(actor=alice, application_id=complete.pk)
    complete.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.save_fields(actor=alice, application=complete, values={"goals": "改"})


def test_it_refuses_another_units_user(complete, db):
    from members.roles import Role
    from tests.factories import make_user

    mallory = make_user("mallory", Role.APPLICANT, county_code="211081")
    with pytest.raises(PermissionDenied):
        services.save_fields(actor=mallory, application=complete, values={"goals": "改"})


# add_member reads the application's memberships (the duplicate check, the next sort order)
# once per call, and this test calls it twice.
@pytest.mark.zeal_allow({"model": "applications.Application", "field": "memberships"})
def test_it_reuses_a_known_unit_and_registers_an_unknown_one(alice):
    application = services.create_application(actor=alice)
    known = OrganizationFactory(name="辽阳已知单位有限公司")
    m1 = services.add_member(actor=alice, application=application, uscc=known.uscc.lower())
    assert m1.organization == known
    code = valid_uscc("12210000")
    m2 = services.add_member(
        actor=alice, application=application, uscc=code, name="辽阳新大学", kind="university"
    )
    assert Organization.objects.get(uscc=code).name == "辽阳新大学"
    assert m2.sort_order > m1.sort_order


def test_it_refuses_a_duplicate_unit(alice):
    application = services.create_application(actor=alice)
    with pytest.raises(ValidationError) as err:
        services.add_member(
            actor=alice, application=application, uscc=alice.profile.organization.uscc
        )
    assert "已在成员名单中" in err.value.messages[0]


def test_it_refuses_an_unknown_unit_without_a_name(alice):
    application = services.create_application(actor=alice)
    with pytest.raises(ValidationError) as err:
        services.add_member(actor=alice, application=application, uscc=valid_uscc())
    assert "请填写单位名称" in err.value.messages[0]


def test_it_keeps_the_lead_on_the_roster(alice):
    application = services.create_application(actor=alice)
    with pytest.raises(ValidationError):
        services.remove_member(actor=alice, membership=application.memberships.get())


def test_it_asks_a_unit_to_confirm_again_when_its_task_share_changes(alice, complete):
    membership = complete.memberships.filter(role="member").first()
    assert membership.confirmed_at
    services.update_member(actor=alice, membership=membership, values={"task_share": "新任务"})
    membership.refresh_from_db()
    assert membership.confirmed_at is None
    services.update_member(actor=alice, membership=membership, values={"signatory": "王五"})
    services.confirm_membership(membership=membership, confirmed_by="李四")
    membership.refresh_from_db()
    assert membership.confirmed_by == "李四"


def test_it_stores_an_upload_under_a_random_name_with_its_hash(alice, complete):
    upload = SimpleUploadedFile("协议.pdf", MINIMAL_PDF, content_type="text/plain")
    attachment = services.add_attachment(
        actor=alice, application=complete, kind=Attachment.Kind.OTHER, uploaded_file=upload
    )
    assert attachment.original_name == "协议.pdf"
    assert attachment.content_type == "application/pdf"
    assert "协议" not in attachment.file.name
    assert len(attachment.sha256) == 64
    assert attachment.file.read() == MINIMAL_PDF


def test_it_refuses_an_executable_renamed_pdf(alice, complete):
    upload = SimpleUploadedFile(
        "协议.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf"
    )
    with pytest.raises(ValidationError) as err:
        services.add_attachment(
            actor=alice, application=complete, kind="other", uploaded_file=upload
        )
    assert "只接受" in err.value.messages[0]


def test_it_blocks_a_banned_lead_and_lifts_the_ban_after_three_years(alice, complete):
    today = timezone.localdate()
    IntegrityRecord.objects.create(
        organization=complete.lead,
        kind="lead_ban",
        start_date=today - timedelta(days=10),
        end_date=today + timedelta(days=3 * 365),
        reason="未履行牵头职责",
    )
    with pytest.raises(ValidationError) as err:
        services.submit(actor=alice, application_id=complete.pk)
    assert any("不得牵头" in m for m in err.value.messages)
    IntegrityRecord.objects.update(end_date=today - timedelta(days=1))
    assert services.submit(actor=alice, application_id=complete.pk).state == State.COUNTY_REVIEW


def test_it_judges_a_ban_by_the_date_in_liaoyang_not_in_utc(alice, complete, time_machine):
    # 27 November, 01:00 in Liaoyang is still 26 November, 17:00 in UTC.
    time_machine.move_to(datetime(2026, 11, 26, 17, 0, tzinfo=UTC), tick=False)
    assert timezone.localdate() == date(2026, 11, 27)
    IntegrityRecord.objects.create(
        organization=complete.lead,
        kind="lead_ban",
        start_date=date(2023, 11, 27),
        end_date=date(2026, 11, 26),  # its last day has passed in Liaoyang
        reason="未履行牵头职责",
    )
    assert services.submit(actor=alice, application_id=complete.pk).state == State.COUNTY_REVIEW


def test_it_blocks_a_blacklisted_member(alice, complete):
    member = complete.memberships.filter(role="member").first().organization
    IntegrityRecord.objects.create(
        organization=member, kind="blacklist", start_date=date(2025, 1, 1), reason="弄虚作假"
    )
    with pytest.raises(ValidationError) as err:
        services.submit(actor=alice, application_id=complete.pk)
    assert any(member.name in m and "黑名单" in m for m in err.value.messages)


def test_it_judges_by_the_policy_version_kept_at_submission(alice, complete):
    from members.models import PolicyVersion

    services.submit(actor=alice, application_id=complete.pk)
    PolicyVersion.objects.create(name="修订版", effective_from=timezone.localdate(), min_units=20)
    complete.refresh_from_db()
    from applications.selectors import findings_for

    assert not [f for f in findings_for(complete) if f.code == "min_units"]
    assert Application.objects.get(pk=complete.pk).policy_version.min_units == 8

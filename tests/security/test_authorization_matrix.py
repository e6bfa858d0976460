"""The authorization matrix (issue 6, point 3): every URL of the project, walked from the
resolver, × anonymous and every role × objects of the user's own unit, of another unit of
the same county and of another county. Only the status is asserted; the point is that no
page, PDF or file of another unit leaks, and that a user who may not see an object gets
404 (its existence is not confirmed with a 403).

The admin is in the matrix too (issue 16, point 2): its rows are generated from the admin
site's registry (tests/security/admin_urls.py), every page of every registered model with a
real object, for every role and for a superuser and a staff user without permissions.

A URL missing from MATRIX (or that admin_urls cannot classify) fails the test: a new page must
be given its expectations."""

import hashlib
from datetime import date, timedelta

import pytest
from captcha.models import CaptchaStore
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from zeal import zeal_ignore

from applications import services
from applications.guides.models import Guide, Intent
from applications.models import (
    Consortium,
    ConsortiumMember,
    ConsortiumProject,
    LeadChange,
)
from liaoyang_consortia.notifications import notify
from liaoyang_consortia.security import needs_second_factor
from members.accounts.services import UnitDetails, confirm_email, register_unit
from members.integrity.services import pledge_token
from members.models import IntegrityRecord, UnitRegistration
from members.roles import Role
from members.services import attach_user_to_unit, invite_colleague
from reporting import services as report_services
from reporting.assessments.models import (
    Assessment,
    DisqualificationProposal,
    Evidence,
    IndicatorTemplate,
    Round,
)
from reporting.coordination.models import CoordinationItem
from reporting.models import AnnualReport, SupportRecord
from reviews.experts import services_registration as expert_registration
from reviews.models import (
    ExpertAssignment,
    ExpertProfile,
    Objection,
    PartyGroupMeeting,
    PublicNotice,
    ScoreSheet,
)
from tests.factories import (
    MINIMAL_PDF,
    UserFactory,
    arranging,
    make_complete_application,
    make_filed_member_change,
    make_user,
    valid_uscc,
)
from tests.security.admin_urls import (
    ADMIN_NOT_REQUESTED,
    ADMIN_ROLES,
    admin_rows,
    expected,
)

pytestmark = pytest.mark.django_db

# The roles of the matrix, in the column order of MATRIX.
ROLES = ("anon", "alice", "mallory", "rita", "bob", "dan", "charlie", "dora", "erin")
# Whose objects: alice's unit (白塔区), mallory's unit (白塔区 too), lin's unit (灯塔市).
OWNERS = ("alice", "mallory", "lin")

# Cell codes: 2 = 200, 3 = a redirect elsewhere than the login page, L = 302 to the login
# page, 4 = 403, . = 404, 5 = 405 (method not allowed: the URL only takes POST), + = may
# act on it (a POST-only action the role is allowed: not sent, it would change the data).
# A = 302 to the admin's sign-in page, # x = 503 (admin rows only: the TOTP QR code without a QR library).
CODES = {"2": 200, "3": 302, "L": 302, "A": 302, "4": 403, ".": 404, "5": 405, "x": 503}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            # An unnamed pattern (the admin's old-style object addresses, its catch-all) is
            # named by its pattern, so that it too must have a row.
            yield f"{namespace}{p.name or f'<unnamed {prefix}{p.pattern}>'}", p


def project_url_names():
    return [name for name, _ in _walk(get_resolver().url_patterns)]


def _pdf(name="证明材料.pdf"):
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def _expert_registrations(unit, serial):
    """Two self-registered experts employed by the unit: one whose e-mail is unconfirmed (its
    link is public) and one waiting for city staff (DESIGN.md §16)."""
    made = [
        expert_registration.register_expert(
            name=f"自荐专家{serial}{n}",
            email=f"expert{serial}{n}@example.invalid",
            password="Expert-pass-2026",
            details=expert_registration.ProfileDetails(
                phone="13900000002", email=f"expert{serial}{n}@example.invalid", employer=unit
            ),
            cv=_pdf("简历.pdf"),
        )
        for n in range(2)
    ]
    return made[0], expert_registration.confirm_email(token=made[1].email_token)


@arranging
def _owned_objects(owner, *, serial, charlie, reviewer, sheet):
    """Every kind of object a unit can own, for the owner's unit."""
    application = make_complete_application(lead=owner.profile.organization, creator=owner)
    services.submit(actor=owner, application_id=application.pk)
    named = make_complete_application(lead=owner.profile.organization, creator=owner)
    consortium = Consortium.objects.create(
        application=named,
        name=f"辽阳市矩阵测试{serial}创新联合体",
        number=f"LYCXLHT-2026-{serial:03d}",
        decision_number=f"辽市科发〔2026〕{serial}号",
        named_on=date(2026, 1, 10),
        lead=named.lead,
        industry_field=named.industry_field,
    )
    members = list(named.memberships.exclude(role="lead"))
    today = timezone.localdate()
    project = ConsortiumProject.objects.create(
        consortium=consortium,
        name="辽阳市重大科技专项",
        level="city",
        number=f"LYZDZX-2026-{serial:03d}",
        start_date=today - timedelta(days=100),
        end_date=today + timedelta(days=300),
        entered_by=owner,
    )
    member_change = make_filed_member_change(
        consortium=consortium, organization=members[-1].organization, by=owner
    )
    lead_change = LeadChange.objects.create(
        consortium=consortium,
        old_lead=named.lead,
        new_lead=members[0].organization,
        reason="牵头单位调整",
        filed_by=owner,
    )
    report = AnnualReport.objects.create(consortium=consortium, year=2026)
    report_attachment = report_services.add_attachment(
        actor=owner, report_id=report.pk, uploaded_file=_pdf("财务报表.pdf")
    )
    notice = PublicNotice.objects.create(
        number=f"辽市科公〔2026〕{serial}号",
        title=f"公示{serial}",
        start_date=today - timedelta(days=1),
        end_date=today + timedelta(days=6),
        working_days=5,
        business_contact="李明 0419-1234567",
        supervision_contact="0419-7654321",
        published_by=charlie,
    )
    notice.applications.add(application)
    objection = Objection.objects.create(
        notice=notice,
        application=application,
        objector_name="王五",
        objector_unit="辽阳某公司",
        objector_phone="13900000000",
        reasons="数据不实。",
        evidence=ContentFile(MINIMAL_PDF, name="upload"),
        evidence_name="证据.pdf",
        evidence_type="application/pdf",
        evidence_sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
    )
    meeting = PartyGroupMeeting.objects.create(
        meeting_date=today, minutes_number=f"党组〔2026〕{serial}号", recorded_by=charlie
    )
    # dora reviews alice's application only; another expert has the others.
    assignment = ExpertAssignment.objects.create(
        application=application,
        expert=reviewer,
        method=ExpertAssignment.Method.MANUAL,
        sheet=sheet,
        assigned_by=charlie,
    )
    # A submitted review (of the named application) that city staff may rate.
    rated_assignment = ExpertAssignment.objects.create(
        application=named,
        expert=reviewer,
        method=ExpertAssignment.Method.MANUAL,
        sheet=sheet,
        assigned_by=charlie,
        status=ExpertAssignment.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    # The consortium's assessment, with city staff at their intake check (experts may be
    # drawn for it). The state is set directly: the field is protected.
    assessment = Assessment.objects.create(
        round=Round.objects.get_or_create(
            kind="annual",
            year=2026,
            defaults={
                "title": "2026年度考核",
                "template": IndicatorTemplate.in_force(today),
                "opens_on": today,
                "closes_on": today + timedelta(days=30),
                "created_by": charlie,
            },
        )[0],
        consortium=consortium,
    )
    Assessment.objects.filter(pk=assessment.pk).update(state="city_intake")
    # Its evidence, and a disqualification proposal before city staff (the assessment pages).
    assessment_evidence = Evidence.objects.create(
        assessment=assessment,
        indicator=assessment.round.template.indicators.filter(method="expert").first(),
        file=ContentFile(MINIMAL_PDF, name="upload"),
        original_name="佐证材料.pdf",
        content_type="application/pdf",
        size=len(MINIMAL_PDF),
        sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
        uploaded_by=owner,
    )
    proposal = DisqualificationProposal.objects.create(
        consortium=consortium, assessment=assessment, reason="recheck_failed"
    )
    support_record = SupportRecord.objects.create(
        consortium=consortium,
        kind="city_programme",
        date=today,
        description="市级科技计划项目支持",
        entered_by=charlie,
    )
    coordination_item = CoordinationItem.objects.create(
        report=report, consortium=consortium, sequence=1, text="协调示范线建设用地"
    )
    # A draft guide (city staff only; published ones are public) and the unit's intent.
    guide = Guide.objects.create(title=f"矩阵测试指南{serial}", body="正文", created_by=charlie)
    intent = Intent.objects.create(
        organization=owner.profile.organization,
        industry_field=named.industry_field,
        partners="辽东理工大学",
        goals="目标",
        contact_name="张明",
        contact_phone="0419-2100000",
        created_by=owner,
    )
    colleague = UserFactory(username=f"colleague_{owner.username}")
    attach_user_to_unit(user=colleague, organization=owner.profile.organization)
    (notification,) = notify(recipients=[owner], event="test", subject="测试", body="测试")
    unit = owner.profile.organization
    # The unit's own change request, waiting for its county (DESIGN.md §13).
    registration = UnitRegistration.objects.create(
        kind=UnitRegistration.Kind.CHANGE,
        state=UnitRegistration.State.PENDING,
        organization=unit,
        registrant=owner,
        name=f"{unit.name}（更名）",
        uscc=unit.uscc,
        org_kind=unit.kind,
        county=unit.county,
        address="辽阳市某区某路1号",
        legal_representative="张三",
        registrant_name=owner.username,
        mobile="13900000000",
        email=owner.email,
        licence=ContentFile(MINIMAL_PDF, name="upload"),
        licence_name="营业执照.pdf",
        licence_content_type="application/pdf",
        licence_size=len(MINIMAL_PDF),
        licence_sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
        declared_at=timezone.now(),
        submitted_at=timezone.now(),
    )
    # A newcomer of the owner's county whose e-mail is not confirmed yet: its link is public
    # (whoever holds it confirms).
    newcomer = register_unit(
        details=UnitDetails(
            name=f"新注册单位{serial}",
            uscc=valid_uscc("91211002"),
            org_kind="enterprise",
            county=unit.county,
            address="辽阳市某区某路2号",
            legal_representative="李四",
        ),
        registrant_name="王五",
        mobile="13900000001",
        email=f"newcomer{serial}@example.invalid",
        password="Newcomer-pass-2026",
        licence=_pdf("营业执照.pdf"),
    )
    # A lead ban that starts later (not in force: no other page changes), to end.
    integrity_record = IntegrityRecord.objects.create(
        organization=unit,
        kind=IntegrityRecord.Kind.LEAD_BAN,
        start_date=today + timedelta(days=30),
        end_date=today + timedelta(days=400),
        reason="矩阵测试。",
        created_by=charlie,
    )
    unconfirmed_expert, pending_expert = _expert_registrations(unit, serial)
    return {
        "integrity_record": integrity_record,
        "registration": registration,
        "email_token": newcomer.email_token,
        "expert_email_token": unconfirmed_expert.email_token,
        "expert_registration": pending_expert,
        "captcha": CaptchaStore.generate_key(),
        "application": application,
        "member": application.memberships.exclude(role="lead").first(),
        "pledge_token": pledge_token(
            subject=application,
            organization=application.memberships.exclude(role="lead").first().organization,
        ),
        "expert": application.chief_experts.first(),
        "attachment": application.attachments.first(),
        "consortium": consortium,
        "project": project,
        "member_change": member_change,
        "lead_change": lead_change,
        "report": report,
        "report_attachment": report_attachment,
        "notice": notice,
        "objection": objection,
        "meeting": meeting,
        "assignment": assignment,
        "rated_assignment": rated_assignment,
        "assessment": assessment,
        "assessment_evidence": assessment_evidence,
        "proposal": proposal,
        "support_record": support_record,
        "coordination_item": coordination_item,
        "guide": guide,
        "intent": intent,
        "colleague": colleague,
        "invitation": invite_colleague(actor=owner),
        "notification": notification,
    }


def build_world(alice, bob, charlie, dora, erin):
    """The users of the matrix and every owner's objects: {owner: {kind: object}}."""
    mallory = make_user("mallory", Role.APPLICANT, county_code="211002")
    lin = make_user("lin", Role.APPLICANT, county_code="211081")
    dan = make_user("dan", Role.COUNTY_REVIEWER, county_code="211081")
    ed = make_user("ed", Role.EXPERT)
    sheet = ScoreSheet.objects.get(is_default=True)
    profiles = {
        user: ExpertProfile.objects.create(user=user, name=user.username) for user in (dora, ed)
    }
    # A registrant: registered a unit of 白塔区 itself, confirmed the e-mail, not verified yet.
    rita = confirm_email(
        token=register_unit(
            details=UnitDetails(
                name="自助注册待核验单位",
                uscc=valid_uscc("91211002"),
                org_kind="enterprise",
                county=alice.profile.county or alice.profile.organization.county,
                address="辽阳市白塔区某路3号",
                legal_representative="赵六",
            ),
            registrant_name="丽塔",
            mobile="13900000002",
            email="rita@example.invalid",
            password="Registrant-pass-2026",
            licence=_pdf("营业执照.pdf"),
        ).email_token
    ).registrant
    users = {
        "anon": None,
        "alice": alice,
        "mallory": mallory,
        "rita": rita,
        "bob": bob,
        "dan": dan,
        "charlie": charlie,
        "dora": dora,
        "erin": erin,
    }
    objects = {
        name: _owned_objects(
            owner,
            serial=serial,
            charlie=charlie,
            reviewer=profiles[dora if name == "alice" else ed],
            sheet=sheet,
        )
        for serial, (name, owner) in enumerate(
            (("alice", alice), ("mallory", mallory), ("lin", lin)), start=1
        )
    }
    return users, objects


# How to fill each URL's arguments from one owner's objects (None: the URL takes none).
def _app(o):
    return {"pk": o["application"].pk}


URL_ARGUMENTS = {
    "applications:detail": _app,
    "applications:findings": _app,
    "applications:save_section": lambda o: {**_app(o), "section": "basic"},
    "applications:add_member": _app,
    "applications:update_member": lambda o: {**_app(o), "member_pk": o["member"].pk},
    "applications:remove_member": lambda o: {**_app(o), "member_pk": o["member"].pk},
    "applications:save_agreement": _app,
    "applications:add_expert": _app,
    "applications:remove_expert": lambda o: {**_app(o), "expert_pk": o["expert"].pk},
    "applications:add_attachment": _app,
    "applications:attachment": lambda o: {**_app(o), "attachment_pk": o["attachment"].pk},
    "applications:remove_attachment": lambda o: {
        **_app(o),
        "attachment_pk": o["attachment"].pk,
    },
    "applications:justify": lambda o: {**_app(o), "code": "min_units"},
    "applications:submit": _app,
    "applications:pdf": _app,
    "applications:transition": lambda o: {**_app(o), "name": "county_recommend"},
    "consortia:detail": lambda o: {"pk": o["consortium"].pk},
    "consortia:add_project": lambda o: {"pk": o["consortium"].pk},
    "consortia:new_member_change": lambda o: {"pk": o["consortium"].pk},
    "consortia:new_lead_change": lambda o: {"pk": o["consortium"].pk},
    "consortia:disqualify": lambda o: {"pk": o["consortium"].pk},
    "consortia:dissolve": lambda o: {"pk": o["consortium"].pk},
    "consortia:confirm_project": lambda o: {"pk": o["project"].pk},
    "consortia:remove_project": lambda o: {"pk": o["project"].pk},
    "consortia:record_consent": lambda o: {"pk": o["member_change"].pk},
    "consortia:upload_agreement": lambda o: {"pk": o["member_change"].pk},
    "consortia:download_agreement": lambda o: {"pk": o["member_change"].pk},
    "consortia:file_member_change": lambda o: {"pk": o["member_change"].pk},
    "consortia:acknowledge_member_change": lambda o: {"pk": o["member_change"].pk},
    "consortia:return_member_change": lambda o: {"pk": o["member_change"].pk},
    "consortia:decide_lead_change": lambda o: {"pk": o["lead_change"].pk},
    "support:add": lambda o: {"pk": o["consortium"].pk},
    "support:remove": lambda o: {"pk": o["support_record"].pk},
    "coordination:detail": lambda o: {"pk": o["coordination_item"].pk},
    **{
        f"guides:{n}": lambda o: {"pk": o["guide"].pk}
        for n in ("detail", "edit", "publish", "withdraw")
    },
    **{
        f"intents:{n}": lambda o: {"pk": o["intent"].pk}
        for n in ("detail", "edit", "answer", "convert")
    },
    "coordination:assign": lambda o: {"pk": o["coordination_item"].pk},
    "coordination:progress": lambda o: {"pk": o["coordination_item"].pk},
    "coordination:answer": lambda o: {"pk": o["coordination_item"].pk},
    "members:revoke_invitation": lambda o: {"invitation_pk": o["invitation"].pk},
    "members:accept_invitation": lambda o: {"token": o["invitation"].token},
    "members:remove_colleague": lambda o: {"user_pk": o["colleague"].pk},
    "members:confirm": lambda o: {"member_pk": o["member"].pk},
    "members:confirm_link": lambda o: {"token": o["member"].confirm_token},
    "integrity:pledge_give": lambda o: {"kind": "application", "pk": o["application"].pk},
    "integrity:pledge_link": lambda o: {"pledge_token": o["pledge_token"]},
    "reporting:detail": lambda o: {"pk": o["report"].pk},
    "reporting:edit": lambda o: {"pk": o["report"].pk},
    "reporting:add_attachment": lambda o: {"pk": o["report"].pk},
    "reporting:attachment": lambda o: {
        "pk": o["report"].pk,
        "attachment_pk": o["report_attachment"].pk,
    },
    "reporting:remove_attachment": lambda o: {
        "pk": o["report"].pk,
        "attachment_pk": o["report_attachment"].pk,
    },
    "reporting:submit": lambda o: {"pk": o["report"].pk},
    "reporting:accept": lambda o: {"pk": o["report"].pk},
    "reporting:return": lambda o: {"pk": o["report"].pk},
    "reporting:pdf": lambda o: {"pk": o["report"].pk},
    "experts:declare": lambda o: {"pk": o["assignment"].pk},
    "experts:score": lambda o: {"pk": o["assignment"].pk},
    "experts:panel": lambda o: {"app_pk": o["application"].pk},
    "experts:draw": lambda o: {"app_pk": o["application"].pk},
    "experts:assign": lambda o: {"app_pk": o["application"].pk},
    "experts:assessment_panel": lambda o: {"pk": o["assessment"].pk},
    "experts:assessment_draw": lambda o: {"pk": o["assessment"].pk},
    "experts:assessment_assign": lambda o: {"pk": o["assessment"].pk},
    "experts:expert": lambda o: {"pk": o["assignment"].expert_id},
    "experts:expert_status": lambda o: {"pk": o["assignment"].expert_id},
    "experts:expert_misconduct": lambda o: {"pk": o["assignment"].expert_id},
    "experts:rate": lambda o: {"pk": o["rated_assignment"].pk},
    "notices:detail": lambda o: {"pk": o["notice"].pk},
    "notices:file_objection": lambda o: {"pk": o["notice"].pk},
    "notices:thanks": lambda o: {"pk": o["notice"].pk},
    "notices:register": lambda o: {"pk": o["notice"].pk},
    "notices:objection": lambda o: {"pk": o["objection"].pk},
    "notices:verify": lambda o: {"pk": o["objection"].pk},
    "notices:finding": lambda o: {"pk": o["objection"].pk},
    "notices:evidence": lambda o: {"pk": o["objection"].pk},
    "notices:publish_round": lambda o: {"round_pk": o["assessment"].round_id},
    "assessments:round": lambda o: {"pk": o["assessment"].round_id},
    "assessments:scope_add": lambda o: {"pk": o["assessment"].round_id},
    "assessments:round_open": lambda o: {"pk": o["assessment"].round_id},
    "assessments:round_close": lambda o: {"pk": o["assessment"].round_id},
    "assessments:round_export": lambda o: {"pk": o["assessment"].round_id},
    "assessments:proposal_decide": lambda o: {"pk": o["proposal"].pk},
    "assessments:evidence": lambda o: {"pk": o["assessment_evidence"].pk},
    "assessments:evidence_delete": lambda o: {"pk": o["assessment_evidence"].pk},
    "assessments:detail": lambda o: {"pk": o["assessment"].pk},
    "assessments:scope_remove": lambda o: {"pk": o["assessment"].pk},
    "assessments:save_section": lambda o: {"pk": o["assessment"].pk, "section": "joint_research"},
    "assessments:save_summary": lambda o: {"pk": o["assessment"].pk},
    "assessments:evidence_add": lambda o: {
        "pk": o["assessment"].pk,
        "indicator": o["assessment_evidence"].indicator_id,
    },
    "assessments:transition": lambda o: {"pk": o["assessment"].pk, "name": "city_pass"},
    "assessments:rectification": lambda o: {"pk": o["assessment"].pk},
    "assessments:recheck": lambda o: {"pk": o["assessment"].pk},
    "assessments:pdf": lambda o: {"pk": o["assessment"].pk},
    "integrity:end": lambda o: {"pk": o["integrity_record"].pk},
    "decisions:consortium": lambda o: {"pk": o["consortium"].pk},
    "decisions:decision_pdf": lambda o: {"pk": o["consortium"].pk},
    "decisions:meeting": lambda o: {"pk": o["meeting"].pk},
    "notification_open": lambda o: {"pk": o["notification"].pk},
    "accounts:confirm_email": lambda o: {"token": o["email_token"]},
    "password_reset_confirm": lambda o: {"uidb64": "MQ", "token": "forged-token"},
    "captcha-image": lambda o: {"key": o["captcha"]},
    "captcha-image-2x": lambda o: {"key": o["captcha"]},
    "members:registration_detail": lambda o: {"pk": o["registration"].pk},
    "members:registration_decide": lambda o: {"pk": o["registration"].pk},
    "members:registration_licence": lambda o: {"pk": o["registration"].pk},
    "experts:register_confirm": lambda o: {"token": o["expert_email_token"]},
    "experts:registration_detail": lambda o: {"pk": o["expert_registration"].pk},
    "experts:registration_decide": lambda o: {"pk": o["expert_registration"].pk},
    "experts:registration_cv": lambda o: {"pk": o["expert_registration"].pk},
}

# URLs that are never requested by the matrix: logging out ends the session.
NOT_REQUESTED = {"logout"}


def _login(client, user):
    """Sign in; city staff and admins also pass the second factor, as production requires
    (REQUIRE_2FA): the matrix is about what each role sees once fully signed in."""
    client.force_login(user)
    if needs_second_factor(user):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="matrix", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def _probe(client, name, kwargs, method):
    url = reverse(name, kwargs=kwargs) if kwargs else reverse(name)
    response = getattr(client, method)(url)
    return url, response


def _code(response):
    status = response.status_code
    if status == 302 and "/accounts/login/" in response["Location"]:
        return "L"
    return {200: "2", 302: "3", 403: "4", 404: ".", 405: "5"}.get(status, str(status))


# The matrix. Columns: anon alice mallory rita bob dan charlie dora erin (ROLES); rita
# registered a unit of 白塔区 herself and waits for its verification (DESIGN.md §13). A URL with
# arguments has three codes per role, for the objects of alice's unit, mallory's unit
# (same county, 白塔区) and lin's unit (灯塔市), in that order (OWNERS). GET rows are
# requested with GET; POST rows take only POST and are requested with an empty POST
# (never for "+" cells). bob reviews 白塔区, dan 灯塔市; dora is assigned alice's
# application only (not yet declared, so she sees nothing of it yet).
# fmt: off
MATRIX = {
    "home":                                  "GET  2 2 2 2 2 2 2 2 2",
    "healthz":                               "GET  2 2 2 2 2 2 2 2 2",
    "notifications":                         "GET  L 2 2 2 2 2 2 2 2",
    "notification_open":                     "GET  LLL 3.. .3. ... ... ... ... ... ...",
    "login":                                 "GET  2 3 3 3 3 3 3 3 3",
    "password_change":                       "GET  L 2 2 2 2 2 2 2 2",
    "password_change_done":                  "GET  L 2 2 2 2 2 2 2 2",
    "applications:list":                     "GET  L 2 2 2 2 2 2 3 2",
    "applications:export":                   "GET  L 2 2 2 2 2 2 2 2",
    "applications:new":                      "GET  L 2 2 2 . . . . .",
    "applications:uscc_check":               "GET  L 2 2 2 2 2 2 2 2",
    "applications:detail":                   "GET  LLL 2.. .2. ... 22. ..2 222 ... 222",
    "applications:findings":                 "GET  LLL 2.. .2. ... 22. ..2 222 ... 222",
    "applications:save_section":             "POST LLL 4.. .4. ... 44. ..4 444 ... 444",
    "applications:add_member":               "POST LLL 4.. .4. ... 44. ..4 444 ... 444",
    "applications:update_member":            "POST LLL 4.. .4. ... 44. ..4 444 ... 444",
    "applications:remove_member":            "POST LLL 4.. .4. ... 44. ..4 444 ... 444",
    "applications:save_agreement":           "POST LLL 4.. .4. ... 44. ..4 444 ... 444",
    "applications:add_expert":               "POST LLL 4.. .4. ... 44. ..4 444 ... 444",
    "applications:remove_expert":            "POST LLL 4.. .4. ... 44. ..4 444 ... 444",
    "applications:add_attachment":           "POST LLL 4.. .4. ... 44. ..4 444 ... 444",
    "applications:attachment":               "GET  LLL 2.. .2. ... 22. ..2 222 ... 222",
    "applications:remove_attachment":        "POST LLL 4.. .4. ... 44. ..4 444 ... 444",
    "applications:justify":                  "POST LLL 4.. .4. ... 44. ..4 444 ... 444",
    "applications:submit":                   "GET  LLL 2.. .2. ... 22. ..2 222 ... 222",
    "applications:pdf":                      "GET  LLL 2.. .2. ... 22. ..2 222 ... 222",
    "applications:transition":               "POST LLL ... ... ... ++. ..+ ... ... ...",
    "consortia:list":                        "GET  L 2 2 2 2 2 2 2 2",
    "consortia:detail":                      "GET  LLL 2.. .2. ... ... ... 222 ... 222",
    "consortia:add_project":                 "POST LLL +.. .+. ... ... ... 444 ... 444",
    "consortia:new_member_change":           "POST LLL +.. .+. ... ... ... 444 ... 444",
    "consortia:new_lead_change":             "POST LLL +.. .+. ... ... ... 444 ... 444",
    "consortia:disqualify":                  "POST LLL 4.. .4. ... ... ... +++ ... +++",
    "consortia:dissolve":                    "POST LLL 4.. .4. ... ... ... +++ ... +++",
    "consortia:confirm_project":             "POST LLL 4.. .4. ... ... ... +++ ... +++",
    "consortia:remove_project":              "POST LLL +.. .+. ... ... ... 444 ... 444",
    "consortia:record_consent":              "POST LLL +.. .+. ... ... ... 444 ... 444",
    "consortia:upload_agreement":            "POST LLL +.. .+. ... ... ... 444 ... 444",
    "consortia:download_agreement":          "GET  LLL 2.. .2. ... ... ... 222 ... 222",
    "consortia:file_member_change":          "POST LLL +.. .+. ... ... ... 444 ... 444",
    "consortia:acknowledge_member_change":   "POST LLL 4.. .4. ... ... ... +++ ... +++",
    "consortia:return_member_change":        "POST LLL 4.. .4. ... ... ... +++ ... +++",
    "consortia:decide_lead_change":          "POST LLL 4.. .4. ... ... ... +++ ... +++",
    "members:unit":                          "GET  L 2 2 2 . . . . .",
    "members:invite":                        "GET  L 5 5 5 5 5 5 5 5",
    "members:revoke_invitation":             "POST LLL +.. .+. ... ... ... ... ... ...",
    "members:accept_invitation":             "GET  222 222 222 222 222 222 222 222 222",
    "members:remove_colleague":              "POST LLL +.. .+. ... ... ... ... ... ...",
    "members:confirm":                       "POST LLL ... ... ... ... ... ... ... ...",
    "members:confirm_link":                  "GET  222 222 222 222 222 222 222 222 222",
    "reporting:list":                        "GET  L 2 2 2 . . 2 . 2",
    "reporting:detail":                      "GET  LLL 2.. .2. ... ... ... 222 ... 222",
    "reporting:edit":                        "GET  LLL 2.. .2. ... ... ... ... ... ...",
    "reporting:add_attachment":              "POST LLL +.. .+. ... ... ... ... ... ...",
    "reporting:attachment":                  "GET  LLL 2.. .2. ... ... ... 222 ... 222",
    "reporting:remove_attachment":           "POST LLL +.. .+. ... ... ... ... ... ...",
    "reporting:submit":                      "GET  LLL 2.. .2. ... ... ... ... ... ...",
    "reporting:accept":                      "POST LLL ... ... ... ... ... +++ ... +++",
    "reporting:return":                      "POST LLL ... ... ... ... ... +++ ... +++",
    "reporting:pdf":                         "GET  LLL 2.. .2. ... ... ... 222 ... 222",
    "experts:tasks":                         "GET  L . . . . . . 2 .",
    "experts:declare":                       "POST LLL ... ... ... ... ... ... +.. ...",
    "experts:score":                         "GET  LLL ... ... ... ... ... ... ... ...",
    "experts:pool":                          "GET  L . . . . . 2 . 2",
    "experts:pool_export":                   "GET  L . . . . . 2 . 2",
    "experts:expert":                        "GET  LLL ... ... ... ... ... 222 ... 222",
    "experts:expert_status":                 "POST LLL ... ... ... ... ... +++ ... +++",
    "experts:expert_misconduct":             "POST LLL ... ... ... ... ... +++ ... +++",
    "experts:rate":                          "GET  LLL ... ... ... ... ... 222 ... 222",
    "experts:panel":                         "GET  LLL ... ... ... ... ... 222 ... 222",
    "experts:draw":                          "POST LLL ... ... ... ... ... +++ ... +++",
    "experts:assign":                        "POST LLL ... ... ... ... ... +++ ... +++",
    "experts:assessment_panel":              "GET  LLL ... ... ... ... ... 222 ... 222",
    "experts:assessment_draw":               "POST LLL ... ... ... ... ... +++ ... +++",
    "experts:assessment_assign":             "POST LLL ... ... ... ... ... +++ ... +++",
    "notices:list":                          "GET  2 2 2 2 2 2 2 2 2",
    "notices:detail":                        "GET  222 222 222 222 222 222 222 222 222",
    "notices:file_objection":                "POST uuu uuu uuu uuu uuu uuu uuu uuu uuu",
    "notices:thanks":                        "GET  222 222 222 222 222 222 222 222 222",
    "notices:manage":                        "GET  L . . . . . 2 . 2",
    "notices:publish":                       "GET  L 5 5 5 5 5 5 5 5",
    "notices:register":                      "GET  LLL ... ... ... ... ... 222 ... 222",
    "notices:objection":                     "GET  LLL ... ... ... ... ... 222 ... 222",
    "notices:verify":                        "POST LLL ... ... ... ... ... +++ ... +++",
    "notices:finding":                       "POST LLL ... ... ... ... ... +++ ... +++",
    "notices:evidence":                      "GET  LLL ... ... ... ... ... 222 ... 222",
    "notices:publish_round":                 "GET  LLL ... ... ... ... ... 222 ... 222",
    "assessments:index":                     "GET  L 2 2 2 2 2 2 2 2",
    "assessments:round_create":              "GET  L . . . . . 2 . 2",
    "assessments:proposals":                 "GET  L . . . . . 2 . 2",
    "assessments:round":                     "GET  LLL ... ... ... ... ... 222 ... 222",
    "assessments:scope_add":                 "POST LLL ... ... ... ... ... +++ ... +++",
    "assessments:round_open":                "POST LLL ... ... ... ... ... +++ ... +++",
    "assessments:round_close":               "POST LLL ... ... ... ... ... +++ ... +++",
    "assessments:round_export":              "GET  LLL ... ... ... ... ... 222 ... 222",
    "assessments:proposal_decide":           "POST LLL ... ... ... ... ... +++ ... +++",
    "assessments:evidence":                  "GET  LLL 2.. .2. ... ... ... 222 ... 222",
    "assessments:evidence_delete":           "POST LLL +.. .+. ... ... ... ... ... ...",
    "assessments:detail":                    "GET  LLL 2.. .2. ... ... ... 222 ... 222",
    "assessments:scope_remove":              "POST LLL ... ... ... ... ... +++ ... +++",
    "assessments:save_section":              "POST LLL 4.. .4. ... ... ... ... ... ...",
    "assessments:save_summary":              "POST LLL 4.. .4. ... ... ... ... ... ...",
    "assessments:evidence_add":              "POST LLL 4.. .4. ... ... ... ... ... ...",
    "assessments:transition":                "POST LLL ... ... ... ... ... +++ ... +++",
    "assessments:rectification":             "POST LLL ... ... ... ... ... ... ... ...",
    "assessments:recheck":                   "POST LLL ... ... ... ... ... ... ... ...",
    "assessments:pdf":                       "GET  LLL 2.. .2. ... ... ... 222 ... 222",
    "notices:lookup":                        "GET  2 2 2 2 2 2 2 2 2",
    "integrity:list":                        "GET  L . . . . . 2 . 2",
    "integrity:add":                         "GET  L . . . . . 2 . 2",
    "integrity:end":                         "GET  LLL ... ... ... ... ... 222 ... 222",
    "integrity:pledge_give":                 "GET  LLL 2.. .2. ... ... ... ... ... ...",
    "integrity:pledge_link":                 "GET  222 222 222 222 222 222 222 222 222",
    "decisions:directory":                   "GET  2 2 2 2 2 2 2 2 2",
    "decisions:consortium":                  "GET  222 222 222 222 222 222 222 222 222",
    "decisions:decision_pdf":                "GET  LLL 2.. .2. ... ... ... 222 ... 222",
    "decisions:meetings":                    "GET  L . . . . . 2 . 2",
    "decisions:meeting":                     "GET  LLL ... ... ... ... ... 222 ... 222",
    "reporting_stats:index":                 "GET  L . . . . . 2 . 2",
    "reporting_stats:export_all":            "GET  L . . . . . 2 . 2",
    "reporting_stats:export_states":         "GET  L . . . . . 2 . 2",
    "reporting_stats:export_counties":       "GET  L . . . . . 2 . 2",
    "reporting_stats:export_fields":         "GET  L . . . . . 2 . 2",
    "reporting_stats:export_years":          "GET  L . . . . . 2 . 2",
    "reporting_stats:export_pipeline":       "GET  L . . . . . 2 . 2",
    "reporting_stats:export_consortia":      "GET  L . . . . . 2 . 2",
    "reporting_stats:export_reports":        "GET  L . . . . . 2 . 2",
    "reporting_stats:export_grades":         "GET  L . . . . . 2 . 2",
    "reporting_stats:export_support":        "GET  L . . . . . 2 . 2",
    "support:add":                           "POST LLL 4.. .4. ... ... ... +++ ... +++",
    "support:remove":                        "POST LLL 4.. .4. ... ... ... +++ ... +++",
    "reporting_stats:export_coordination":   "GET  L . . . . . 2 . 2",
    "coordination:list":                     "GET  L . . . . . 2 . 2",
    "guides:list":                           "GET  2 2 2 2 2 2 2 2 2",
    "guides:new":                            "GET  L . . . . . 2 . 2",
    "guides:detail":                         "GET  ... ... ... ... ... ... 222 ... 222",
    "guides:edit":                           "GET  LLL ... ... ... ... ... 222 ... 222",
    "guides:publish":                        "POST LLL ... ... ... ... ... +++ ... +++",
    "guides:withdraw":                       "POST LLL ... ... ... ... ... +++ ... +++",
    "intents:list":                          "GET  L 2 2 2 . . 2 . 2",
    "intents:new":                           "GET  L 2 2 2 . . . . .",
    "intents:detail":                        "GET  LLL 2.. .2. ... ... ... 222 ... 222",
    "intents:edit":                          "GET  LLL 2.. .2. ... ... ... ... ... ...",
    "intents:answer":                        "POST LLL ... ... ... ... ... +++ ... +++",
    "intents:convert":                       "POST LLL +.. .+. ... ... ... ... ... ...",
    "coordination:export":                   "GET  L . . . . . 2 . 2",
    "coordination:detail":                   "GET  LLL ... ... ... ... ... 222 ... 222",
    "coordination:assign":                   "POST LLL ... ... ... ... ... +++ ... +++",
    "coordination:progress":                 "POST LLL ... ... ... ... ... +++ ... +++",
    "coordination:answer":                   "POST LLL ... ... ... ... ... +++ ... +++",
    "accounts:register":                     "GET  2 2 2 2 2 2 2 2 2",
    "accounts:register_done":                "GET  2 2 2 2 2 2 2 2 2",
    "accounts:confirm_email":                "GET  222 222 222 222 222 222 222 222 222",
    "accounts:resend":                       "GET  2 2 2 2 2 2 2 2 2",
    "password_reset":                        "GET  2 2 2 2 2 2 2 2 2",
    "password_reset_done":                   "GET  2 2 2 2 2 2 2 2 2",
    "password_reset_confirm":                "GET  222 222 222 222 222 222 222 222 222",
    "password_reset_complete":               "GET  2 2 2 2 2 2 2 2 2",
    "captcha-image":                         "GET  222 222 222 222 222 222 222 222 222",
    "captcha-image-2x":                      "GET  222 222 222 222 222 222 222 222 222",
    "members:registration":                  "GET  L 2 2 2 . . . . .",
    "members:registration_resubmit":         "POST L . . . . . . . .",
    "members:registration_change":           "POST L u u . . . . . .",
    "members:registration_queue":            "GET  L . . . 2 2 2 . .",
    "members:registration_detail":           "GET  LLL 3.. .3. ... 22. ..2 ... ... ...",
    "members:registration_decide":           "POST LLL ... ... ... ++. ..+ ... ... ...",
    "members:registration_licence":          "GET  LLL 2.. .2. ... 22. ..2 ... ... ...",
    "experts:register":                      "GET  2 2 2 2 2 2 2 2 2",
    "experts:register_done":                 "GET  2 2 2 2 2 2 2 2 2",
    "experts:register_confirm":              "GET  222 222 222 222 222 222 222 222 222",
    "experts:register_resend":               "GET  2 2 2 2 2 2 2 2 2",
    "experts:registrations":                 "GET  L . . . . . 2 . .",
    "experts:registration_detail":           "GET  LLL ... ... ... ... ... 222 ... ...",
    "experts:registration_decide":           "POST LLL ... ... ... ... ... +++ ... ...",
    "experts:registration_cv":               "GET  LLL ... ... ... ... ... 222 ... ...",
    "experts:profile":                       "GET  L . . . . . . 2 .",
    "experts:profile_update":                "POST L . . . . . . u .",
    "experts:profile_confirm":               "POST L . . . . . . + .",
}
# fmt: on
CODES["u"] = 422  # an empty public form: refused with its errors, nothing saved


def _cells(row):
    method, *cells = row.split()
    assert method in ("GET", "POST") and len(cells) == len(ROLES), row
    return method.lower(), dict(zip(ROLES, cells, strict=True))


def test_it_has_an_expectation_for_every_url_of_the_project():
    names = set(project_url_names()) - NOT_REQUESTED - ADMIN_NOT_REQUESTED
    rows = set(MATRIX) | {row.key for row in admin_rows()}
    assert sorted(names - rows) == [], "add these URLs to MATRIX (admin: to admin_urls)"
    assert sorted(rows - names) == [], "these URLs are gone: remove them from MATRIX"
    assert not {n for n in MATRIX if n.startswith("admin:")}, "admin rows are generated"
    for name, row in MATRIX.items():
        method, cells = _cells(row)
        width = len(OWNERS) if name in URL_ARGUMENTS else 1
        assert all(len(c) == width for c in cells.values()), name


def _matches(code, response):
    if code == "L":
        return response.status_code == 302 and "/accounts/login/" in response["Location"]
    if code == "A":
        return response.status_code == 302 and "/admin/login/" in response["Location"]
    if code == "3":
        return response.status_code == 302 and not any(
            login in response["Location"] for login in ("/accounts/login/", "/admin/login/")
        )
    return response.status_code == CODES[code]


@pytest.mark.usefixtures("worker_answers")
def test_it_answers_every_role_as_the_matrix_says(
    client, alice, bob, charlie, dora, erin, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    users, objects = build_world(alice, bob, charlie, dora, erin)
    wrong, get_only = [], set()
    for role in ROLES:
        client.logout()
        if users[role]:
            _login(client, users[role])
        for name, row in MATRIX.items():
            method, cells = _cells(row)
            owners = OWNERS if name in URL_ARGUMENTS else (None,)
            for owner, code in zip(owners, cells[role], strict=True):
                if code == "+":
                    continue  # allowed to act: posting would change the data
                kwargs = URL_ARGUMENTS[name](objects[owner]) if owner else None
                url, response = _probe(client, name, kwargs, method)
                if not _matches(code, response):
                    wrong.append(
                        f"{method.upper()} {url} as {role} ({owner}): "
                        f"{response.status_code}, expected {code}"
                    )
                if code == "." and method == "get" and name not in get_only:
                    # Not seen, not acted on either.
                    url, response = _probe(client, name, kwargs, "post")
                    if response.status_code == 405:
                        get_only.add(name)  # refused before any object is looked up
                    elif response.status_code != 404:
                        wrong.append(f"POST {url} as {role} ({owner}): {response.status_code}")
    assert wrong == [], "\n".join(wrong)


@arranging
def admin_objects(users):
    """One real object of every model registered in the admin (the owner alice's where the
    world has several), made here for the few kinds the world has none of."""
    from django.contrib import admin as django_admin

    for label, make in ADMIN_OBJECT_MAKERS.items():
        model = next(m for m in django_admin.site._registry if m._meta.label_lower == label)
        if not model._default_manager.exists():
            make(users)
    found = {
        model._meta.label_lower: model._default_manager.order_by("pk").first()
        for model in django_admin.site._registry
    }
    missing = sorted(label for label, obj in found.items() if obj is None)
    assert missing == [], f"teach ADMIN_OBJECT_MAKERS to make one of {missing}"
    return found


def _make_axes_records(users):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    details = {"username": "mallory", "ip_address": "192.0.2.1", "user_agent": "matrix"}
    AccessAttempt.objects.create(**details, failures_since_start=1)
    AccessLog.objects.create(**details)
    AccessFailureLog.objects.create(**details)


def _make_beat_schedules(users):
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )

    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    CrontabSchedule.objects.create(minute="0", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=41.27, longitude=123.17)
    PeriodicTask.objects.create(name="矩阵测试", task="matrix.noop", interval=interval)


def _make_reference_rows(users):
    from members.models import UsccWhitelist
    from reviews.models import CalendarDay

    UsccWhitelist.objects.get_or_create(code="91211002MA0TEST01X", defaults={"reason": "矩阵测试"})
    CalendarDay.objects.get_or_create(date=date(2026, 10, 1), defaults={"kind": "holiday"})


def _make_chain_rows(users):
    from reporting.assessments.models import Rectification
    from reporting.models import ReminderLog

    consortium = Consortium.objects.order_by("pk").first()
    ConsortiumMember.objects.create(
        consortium=consortium,
        organization=consortium.lead,
        role="lead",
        joined_on=consortium.named_on,
    )
    ReminderLog.objects.create(
        report=AnnualReport.objects.filter(consortium=consortium).first(),
        kind="opening",
        on_date=timezone.localdate(),
    )
    Rectification.objects.create(
        assessment=Assessment.objects.filter(consortium=consortium).first(),
        deadline=timezone.localdate() + timedelta(days=90),
    )


ADMIN_OBJECT_MAKERS = {
    "applications.consortiummember": _make_chain_rows,
    "axes.accessattempt": _make_axes_records,
    "django_celery_beat.periodictask": _make_beat_schedules,
    "members.usccwhitelist": _make_reference_rows,
}


@arranging
def _admin_users(users):
    """The matrix's users, a superuser and a staff user with no permission at all."""
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    stan = UserFactory(username="stan", is_staff=True)
    return {**users, "root": root, "stan": stan}


# The counts the README's summary quotes (issue 16, point 8): addresses in the matrix (the
# admin's included), cells (address × role × owner) checked, and the admin's addresses.
ADMIN_URLS = len(admin_rows())
MATRIX_URLS = len(MATRIX) + ADMIN_URLS
MATRIX_CELLS = sum(
    len(code) for row in MATRIX.values() for code in _cells(row)[1].values()
) + ADMIN_URLS * len(ADMIN_ROLES)


@pytest.mark.usefixtures("worker_answers")
def test_it_answers_every_role_in_the_admin_as_expected(
    client, rf, alice, bob, charlie, dora, erin, settings, tmp_path
):
    """Every admin address × every role: admins see it all (but what the admin refuses to
    everyone, e.g. adding to the audit trail), city staff what CITY_STAFF_ADMIN gives them, a
    bare staff user the index only, everyone else the admin's sign-in page; never a 500."""
    settings.MEDIA_ROOT = tmp_path
    users, _ = build_world(alice, bob, charlie, dora, erin)
    users = _admin_users(users)
    with zeal_ignore():  # signing in is not what is measured here
        for role in ("charlie", "erin", "root"):
            _login(client, users[role])  # their TOTP devices exist, the TOTP admin shows one
    objects = admin_objects(users)
    superuser_request = rf.get("/admin/")
    superuser_request.user = users["root"]
    rows = admin_rows()
    urls = {row: row.url(objects, users) for row in rows}
    wrong = []
    for role in ADMIN_ROLES:
        with zeal_ignore():  # changing users is not what is measured here
            client.logout()
            if users[role]:
                _login(client, users[role])
        for row in rows:
            code = expected(row, role, superuser_request)
            try:
                response = client.get(urls[row])
            except Exception as exc:  # a 500 (the test client re-raises it): say which
                wrong.append(f"GET {urls[row]} as {role}: {type(exc).__name__}: {exc}")
                continue
            if not _matches(code, response):
                wrong.append(f"GET {urls[row]} as {role}: {response.status_code}, expected {code}")
    assert wrong == [], "\n".join(wrong)
    assert len(rows) == ADMIN_URLS

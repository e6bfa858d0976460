"""Which test fuzzes which form (issue 16, point 1).

tests/security/test_fuzz_forms.py collects every Form and ModelForm class of the project and
fails on one that is neither in DRIVERS nor in EXCLUDED, as the authorization matrix does for
URLs: a new form must say how it is fuzzed.

A driver is either `Existing` (a hand-written hypothesis test of tests/security/test_fuzz_*.py
drives it; the collection checks that the test exists) or `Driver`, which the generic test of
test_fuzz_forms.py runs: it signs in as `role`, makes the objects with `setup`, builds the
form as the view does (`form`, with the view's prefix) to learn its fields, and posts
generated values for each field (choices sometimes valid, files of the wrong kind) to `url`.

Setups take `u`, the test's users by fixture name (u.alice, u.bob, u.charlie, u.dora,
u.erin), and return a dict of the objects the url and form builders read."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from tests.factories import (
    arranging,
    make_complete_application,
    make_filed_member_change,
)


@dataclass(frozen=True)
class Existing:
    """The form is fuzzed by a hand-written test: "module::function"."""

    test: str


@dataclass(frozen=True)
class Driver:
    role: str  # a user fixture's name, or "anon"
    setup: Callable[[object], dict]
    url: Callable[[dict], str]
    form: Callable[[dict], object]  # the unbound form, as the view builds it
    extra: Callable[[dict], dict] = field(default=lambda o: {})  # fields outside the form
    method: str = "post"
    # A refused post (422) must show again what was typed in each text field.
    typed: bool = False
    # The status that shows the form was judged at least once (not a 403, a 404 or the
    # login page of a wrong setup): by default a refusal, 422 (200 for a GET filter).
    judged: int | None = None


FORMS = "tests.security.test_fuzz_forms::"
GUIDES = "tests.security.test_fuzz_guides::"
COORDINATION = "tests.security.test_fuzz_coordination::"
LIBRARY = "tests.security.test_fuzz_expert_library::"
EXPERT_REGISTRATION = "tests.security.test_fuzz_expert_registration::"
PLEDGES = "tests.security.test_fuzz_pledges::"


# --- setups ------------------------------------------------------------------------------


@arranging
def _draft(u):
    return {
        "application": make_complete_application(lead=u.alice.profile.organization, creator=u.alice)
    }


@arranging
def _county_review(u):
    from applications import services

    application = make_complete_application(lead=u.alice.profile.organization, creator=u.alice)
    services.submit(actor=u.alice, application_id=application.pk)
    return {"application": application}


@arranging
def _city_intake(u):
    from tests.reviews.test_experts import in_city_intake, make_experts

    application = in_city_intake(u.alice, u.bob)
    experts = make_experts(3, prefix=f"fz{application.pk}e")
    return {"application": application, "experts": experts}


@arranging
def _expert_assignment(u, *, accepted):
    """dora on the panel of an application in the city's intake, pending or accepted
    (and then the review started, so that she may score)."""
    from applications import workflow
    from reviews.experts import services as experts
    from reviews.models import ExpertAssignment, ExpertProfile, ScoreSheet
    from tests.reviews.test_experts import in_city_intake, make_experts

    application = in_city_intake(u.alice, u.bob)
    profile, _ = ExpertProfile.objects.get_or_create(user=u.dora, defaults={"name": "模糊测试专家"})
    sheet = ScoreSheet.objects.get(is_default=True)
    assignment = ExpertAssignment.objects.create(
        application=application,
        expert=profile,
        method=ExpertAssignment.Method.MANUAL,
        sheet=sheet,
        assigned_by=u.charlie,
    )
    if accepted:
        experts.declare(actor=u.dora, assignment=assignment, conflict=False)
        for other in make_experts(2, prefix=f"fz{application.pk}s"):
            ExpertAssignment.objects.create(
                application=application,
                expert=other,
                method=ExpertAssignment.Method.MANUAL,
                sheet=sheet,
                assigned_by=u.charlie,
                status=ExpertAssignment.Status.ACCEPTED,
            )
        workflow.perform(
            actor=u.charlie, application_id=application.pk, transition="start_expert_review"
        )
    return {
        "application": application,
        "assignment": ExpertAssignment.objects.get(pk=assignment.pk),
    }


@arranging
def _waiting_for_meeting(u):
    from tests.reviews.test_decisions import _waiting_for_meeting as waiting

    return {"application": waiting(u.alice, u.bob, u.charlie)}


@arranging
def _consortium(u):
    from applications import consortia
    from applications.models import LeadChange, MemberChange
    from tests.reporting.assessment_world import consortium_of

    consortium = consortium_of(u.alice)
    roster = consortia.roster(consortium)
    members = [row for row in roster if row.role == "member"]
    draft_change = MemberChange.objects.create(
        consortium=consortium,
        kind=MemberChange.Kind.REMOVE,
        organization=members[0].organization,
        reason="战略调整退出",
        created_by=u.alice,
    )
    filed_change = make_filed_member_change(
        consortium=consortium, organization=members[-1].organization, by=u.alice
    )
    lead_change = LeadChange.objects.create(
        consortium=consortium,
        old_lead=consortium.lead,
        new_lead=members[0].organization,
        reason="牵头单位调整",
        filed_by=u.alice,
    )
    return {
        "consortium": consortium,
        "draft_change": draft_change,
        "filed_change": filed_change,
        "lead_change": lead_change,
    }


@arranging
def _report(u, *, submitted=False):
    from reporting import services
    from reporting.models import AnnualReport
    from tests.reporting.assessment_world import consortium_of

    report = AnnualReport.objects.create(consortium=consortium_of(u.alice), year=2026)
    if submitted:
        AnnualReport.objects.filter(pk=report.pk).update(status="submitted")
    else:
        services.save_report(
            actor=u.alice, report_id=report.pk, values={"rd_progress": "已完成中试。"}
        )
    return {"report": AnnualReport.objects.get(pk=report.pk)}


@arranging
def _assessment(u):
    """An assessment open for its self-assessment (the lead's draft)."""
    from reporting.assessments import services
    from reporting.assessments.models import Assessment
    from tests.reporting.assessment_world import consortium_of, make_round

    consortium = consortium_of(u.alice)
    round_ = make_round(u.charlie)
    services.open_round(actor=u.charlie, round=round_)
    assessment = Assessment.objects.get(round=round_, consortium=consortium)
    indicator = assessment.round.template.indicators.filter(
        category="joint_research", method="expert"
    ).order_by("order")[0]
    return {"assessment": assessment, "indicator": indicator, "round": round_}


@arranging
def _draft_round(u):
    from tests.reporting.assessment_world import consortium_of, make_round

    consortium_of(u.alice)
    round_ = make_round(u.charlie, year=2030)
    return {"round": round_}


@arranging
def _failed(u, *, reported=False, proposed=False):
    """An assessment whose round closed without it: 不合格, rectification open; with the
    rectification reported, or a disqualification proposal after a failed recheck."""
    from reporting.assessments import services
    from reporting.assessments.models import Assessment, DisqualificationProposal
    from tests.reporting.assessment_world import consortium_of, make_round

    consortium = consortium_of(u.alice)
    today = timezone.localdate()
    round_ = make_round(
        u.charlie,
        year=2025,
        opens_on=today - timedelta(days=40),
        closes_on=today - timedelta(days=1),
    )
    if not round_.assessments.filter(consortium=consortium).exists():
        services.add_to_scope(actor=u.charlie, round=round_, consortium=consortium)
    services.open_round(actor=u.charlie, round=round_)
    services.close_round(round=round_, today=today, actor=u.charlie)
    assessment = Assessment.objects.get(round=round_, consortium=consortium)
    found = {"assessment": assessment}
    if reported or proposed:
        services.report_rectification(
            actor=u.alice, rectification=assessment.rectification, report="已完成整改。"
        )
    if proposed:
        services.recheck(
            actor=u.charlie,
            rectification=Assessment.objects.get(pk=assessment.pk).rectification,
            passed=False,
            note="整改未落实。",
        )
        found["proposal"] = DisqualificationProposal.objects.get(assessment=assessment)
    return found


@arranging
def _scored_round(u):
    from tests.reviews.test_assessment_notices import assess, make_round

    round_ = make_round(u.charlie)
    assess(round_)
    return {"round": round_}


@arranging
def _notice(u, *, objection=None):
    """A running notice of an application under public notice; with an objection
    received, or verified."""
    from applications import workflow
    from members.roles import Role
    from reviews.models import ExpertAssignment, ExpertProfile, Objection, PublicNotice, ScoreSheet
    from reviews.notices import services as notices
    from tests.factories import make_user
    from tests.reviews.test_decisions import _submitted

    application = _submitted(u.alice, u.bob)
    sheet = ScoreSheet.objects.get(is_default=True)
    for i in range(3):
        ExpertAssignment.objects.create(
            application=application,
            expert=ExpertProfile.objects.create(
                user=make_user(f"fz-notice-{application.pk}-{i}", Role.EXPERT), name=f"专家{i}"
            ),
            method=ExpertAssignment.Method.MANUAL,
            sheet=sheet,
            assigned_by=u.charlie,
            status=ExpertAssignment.Status.SUBMITTED,
            recommend=True,
            total=86,
            submitted_at=timezone.now(),
        )
    for name in ("start_expert_review", "pass_review"):
        workflow.perform(
            actor=u.charlie, application_id=application.pk, transition=name, comment="通过"
        )
    today = timezone.localdate()
    notice = PublicNotice.objects.create(
        number=f"辽市科公〔2026〕{application.pk}号",
        title="模糊测试公示",
        start_date=today - timedelta(days=1),
        end_date=today + timedelta(days=6),
        working_days=5,
        business_contact="李明 0419-1234567",
        supervision_contact="0419-7654321",
        published_by=u.charlie,
    )
    notice.applications.add(application)
    workflow.perform(
        actor=u.charlie, application_id=application.pk, transition="publish_notice", notice=notice
    )
    found = {"notice": notice, "application": application}
    if objection:
        made = notices.file_objection(
            notice=notice,
            application=application,
            name="王五",
            unit="辽阳某公司",
            phone="13900000000",
            email="",
            reasons="牵头单位研发投入数据与年报不符。",
            evidence=None,
        )
        if objection == "verified":
            notices.verify_objection(actor=u.charlie, objection=made, note="予以受理")
        found["objection"] = Objection.objects.get(pk=made.pk)
    return found


@arranging
def _registration(u):
    from members.accounts.services import UnitDetails, confirm_email, register_unit
    from members.models import County
    from tests.factories import valid_uscc
    from tests.security.test_fuzz_forms import _pdf_upload

    registration = confirm_email(
        token=register_unit(
            details=UnitDetails(
                name="模糊测试单位",
                uscc=valid_uscc("91211002"),
                org_kind="enterprise",
                county=County.objects.get(code="211002"),
                address="辽阳市白塔区",
                legal_representative="张三",
            ),
            registrant_name="李四",
            mobile="13900000000",
            email="fuzz-unit@example.invalid",
            password="Fuzzing-pass-2026",
            licence=_pdf_upload(),
        ).email_token
    )
    return {"registration": registration}


@arranging
def _expert_registration(u):
    from reviews.experts import services_registration as registration
    from tests.factories import OrganizationFactory
    from tests.security.test_fuzz_forms import _pdf_upload

    made = registration.register_expert(
        name="自荐模糊专家",
        email="fuzz-expert@example.invalid",
        password="Expert-pass-2026",
        details=registration.ProfileDetails(
            phone="13900000002", email="fuzz-expert@example.invalid", employer=OrganizationFactory()
        ),
        cv=_pdf_upload(),
    )
    return {"profile": registration.confirm_email(token=made.email_token)}


@arranging
def _expert(u):
    from tests.reviews.test_experts import make_expert

    return {"expert": make_expert("fz-library")}


@arranging
def _unconfirmed_member(u):
    from applications.models import Membership

    application = make_complete_application(lead=u.alice.profile.organization, creator=u.alice)
    member = application.memberships.exclude(role="lead").first()
    Membership.objects.filter(pk=member.pk).update(confirmed_at=None, confirmed_by="")
    return {"member": Membership.objects.get(pk=member.pk)}


def _nothing(u):
    return {}


# --- builders ----------------------------------------------------------------------------


def _reverse(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


def _step(name):
    from applications import workflow

    return workflow.STEPS[name]


def _f(path):
    """The form class at a dotted path, imported when the driver runs."""
    import importlib

    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def _targets(o):
    from applications.models import Application

    return {"applications": Application.objects.filter(pk=o["application"].pk)}


def _score_form(o):
    from reviews.experts import selectors

    assignment = selectors.assignment_for_expert(o["assignment"].expert.user, o["assignment"].pk)
    return _f("reviews.experts.forms.ScoreForm")(
        criteria=selectors.sheet_criteria(assignment),
        recommend=assignment.subject.asks_recommendation,
    )


def _section_form(o):
    indicators = list(
        o["assessment"].round.template.indicators.filter(category="joint_research", method="expert")
    )
    return _f("reporting.assessments.forms.SectionForm")(
        indicators=indicators, values={}, prefix="joint_research"
    )


def _lead_decision(o):
    from applications import consortia

    return _f("applications.forms_consortia.LeadDecisionForm")(
        prefix="decide", needs_approval=consortia.lead_change_needs_approval(o["lead_change"])
    )


def _action(*names):
    from hypothesis import strategies as st

    return lambda o: {"action": st.sampled_from(names)}


DRIVERS = {
    # liaoyang_consortia/security.py: the second factor's code page, as city staff who have
    # signed in with their password but not yet with a code (the page is the middleware's).
    "liaoyang_consortia.security.TokenForm": Driver(
        role="charlie",
        setup=lambda user: {},
        url=lambda o: "/accounts/otp/",
        form=lambda o: _f("liaoyang_consortia.security.TokenForm")(),
    ),
    # applications/forms.py
    "applications.forms.BasicForm": Existing(
        FORMS + "test_it_survives_any_input_to_an_application_section"
    ),
    "applications.forms.LeadForm": Existing(
        FORMS + "test_it_survives_any_input_to_an_application_section"
    ),
    "applications.forms.PlanForm": Existing(
        FORMS + "test_it_survives_any_input_to_an_application_section"
    ),
    "applications.forms.MemberAddForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_other_application_forms"
    ),
    "applications.forms.MemberForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_other_application_forms"
    ),
    "applications.forms.AgreementForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_other_application_forms"
    ),
    "applications.forms.ChiefExpertForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_other_application_forms"
    ),
    "applications.forms.JustificationForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_other_application_forms"
    ),
    "applications.forms.AttachmentForm": Driver(
        role="alice",
        setup=_draft,
        url=lambda o: _reverse("applications:add_attachment", o["application"].pk),
        form=lambda o: _f("applications.forms.AttachmentForm")(prefix="attachment"),
    ),
    "applications.forms.SubmitForm": Driver(
        role="alice",
        setup=_draft,
        url=lambda o: _reverse("applications:submit", o["application"].pk),
        form=lambda o: _f("applications.forms.SubmitForm")(
            prefix="submit", application=o["application"]
        ),
    ),
    "applications.forms.TransitionForm": Driver(
        role="bob",
        setup=_county_review,
        url=lambda o: _reverse("applications:transition", o["application"].pk, "county_return"),
        form=lambda o: _f("applications.forms.TransitionForm")(
            step=_step("county_return"), prefix="county_return"
        ),
    ),
    # applications/forms_consortia.py
    "applications.forms_consortia.ProjectForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_consortium_forms"
    ),
    "applications.forms_consortia.MemberChangeForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_consortium_forms"
    ),
    "applications.forms_consortia.ConsentForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_consortium_forms"
    ),
    "applications.forms_consortia.LeadChangeForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_consortium_forms"
    ),
    "applications.forms_consortia.AgreementForm": Driver(
        role="alice",
        setup=_consortium,
        url=lambda o: _reverse("consortia:upload_agreement", o["draft_change"].pk),
        form=lambda o: _f("applications.forms_consortia.AgreementForm")(
            prefix=f"g{o['draft_change'].pk}"
        ),
    ),
    "applications.forms_consortia.ReasonForm": Driver(
        role="charlie",
        setup=_consortium,
        url=lambda o: _reverse("consortia:return_member_change", o["filed_change"].pk),
        form=lambda o: _f("applications.forms_consortia.ReasonForm")(
            prefix=f"r{o['filed_change'].pk}"
        ),
    ),
    "applications.forms_consortia.LeadDecisionForm": Driver(
        role="charlie",
        setup=_consortium,
        url=lambda o: _reverse("consortia:decide_lead_change", o["lead_change"].pk),
        form=_lead_decision,
    ),
    "applications.forms_consortia.StatusForm": Driver(
        role="charlie",
        setup=_consortium,
        url=lambda o: _reverse("consortia:disqualify", o["consortium"].pk),
        form=lambda o: _f("applications.forms_consortia.StatusForm")(prefix="dq"),
    ),
    # applications/guides
    "applications.guides.forms.GuideForm": Existing(
        GUIDES + "test_it_survives_any_input_to_the_guide_editor"
    ),
    "applications.guides.forms.IntentForm": Existing(
        GUIDES + "test_it_survives_any_input_to_the_intent_form"
    ),
    "applications.guides.forms.AnswerForm": Existing(
        GUIDES + "test_it_survives_any_input_to_the_answer_form"
    ),
    # members
    "members.accounts.forms.RegistrationForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_registration_form_and_keeps_what_was_typed"
    ),
    "members.accounts.forms.ResendForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_anonymous_account_forms"
    ),
    "members.accounts.forms.PortalPasswordResetForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_anonymous_account_forms"
    ),
    "members.accounts.forms.UnitDetailsForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_unit_change_form"
    ),
    "members.accounts.forms.ReturnForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_verification_forms"
    ),
    "members.accounts.forms.VerifyForm": Driver(
        role="bob",
        setup=_registration,
        url=lambda o: _reverse("members:registration_decide", o["registration"].pk),
        form=lambda o: _f("members.accounts.forms.VerifyForm")(),
        extra=_action("verify"),
    ),
    "members.forms.PortalAuthenticationForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_login_form"
    ),
    "members.forms.AcceptInvitationForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_invitation_form"
    ),
    "members.forms.ConfirmByLinkForm": Driver(
        role="anon",
        setup=_unconfirmed_member,
        url=lambda o: _reverse("members:confirm_link", o["member"].confirm_token),
        form=lambda o: _f("members.forms.ConfirmByLinkForm")(),
    ),
    "members.forms.InviteColleagueForm": Driver(
        role="alice",
        setup=_nothing,
        url=lambda o: _reverse("members:invite"),
        form=lambda o: _f("members.forms.InviteColleagueForm")(),
    ),
    "members.integrity.forms.RecordForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_integrity_forms"
    ),
    "members.integrity.forms.EndForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_integrity_forms"
    ),
    "members.integrity.forms.PledgeForm": Existing(
        PLEDGES + "test_it_survives_any_input_to_the_link_page"
    ),
    "members.integrity.forms.FilterForm": Driver(
        role="charlie",
        setup=_nothing,
        url=lambda o: _reverse("integrity:list"),
        form=lambda o: _f("members.integrity.forms.FilterForm")(),
        method="get",
    ),
    # reporting
    "reporting.forms.ReportForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_annual_report_form"
    ),
    "reporting.forms.AttachmentForm": Driver(
        role="alice",
        setup=_report,
        url=lambda o: _reverse("reporting:add_attachment", o["report"].pk),
        form=lambda o: _f("reporting.forms.AttachmentForm")(prefix="attachment"),
    ),
    "reporting.forms.AcceptForm": Driver(
        role="charlie",
        setup=lambda u: _report(u, submitted=True),
        url=lambda o: _reverse("reporting:accept", o["report"].pk),
        form=lambda o: _f("reporting.forms.AcceptForm")(prefix="accept"),
    ),
    "reporting.forms.ReturnForm": Driver(
        role="charlie",
        setup=lambda u: _report(u, submitted=True),
        url=lambda o: _reverse("reporting:return", o["report"].pk),
        form=lambda o: _f("reporting.forms.ReturnForm")(prefix="return"),
    ),
    "reporting.forms.FilterForm": Driver(
        role="charlie",
        setup=_nothing,
        url=lambda o: _reverse("reporting:list"),
        form=lambda o: _f("reporting.forms.FilterForm")(),
        method="get",
    ),
    "reporting.support.forms.SupportRecordForm": Driver(
        role="charlie",
        setup=_consortium,
        url=lambda o: _reverse("support:add", o["consortium"].pk),
        form=lambda o: _f("reporting.support.forms.SupportRecordForm")(prefix="support"),
    ),
    "reporting.coordination.forms.AssignForm": Existing(
        COORDINATION + "test_it_survives_any_input_to_the_assign_form"
    ),
    "reporting.coordination.forms.ProgressForm": Existing(
        COORDINATION + "test_it_survives_any_input_to_the_progress_form"
    ),
    "reporting.coordination.forms.AnswerForm": Existing(
        COORDINATION + "test_it_survives_any_input_to_the_answer_form"
    ),
    "reporting.coordination.forms.FilterForm": Existing(
        COORDINATION + "test_it_survives_any_filter_of_the_list"
    ),
    # reporting/assessments: the lead's self-assessment is a draft too, so what was typed
    # must come back when refused.
    "reporting.assessments.forms.SectionForm": Driver(
        role="alice",
        setup=_assessment,
        url=lambda o: _reverse("assessments:save_section", o["assessment"].pk, "joint_research"),
        form=_section_form,
        typed=True,
    ),
    "reporting.assessments.forms.SummaryForm": Driver(
        role="alice",
        setup=_assessment,
        url=lambda o: _reverse("assessments:save_summary", o["assessment"].pk),
        form=lambda o: _f("reporting.assessments.forms.SummaryForm")(prefix="summary"),
        typed=True,
        judged=302,  # optional, any text to 5000 characters: its examples are saved
    ),
    "reporting.assessments.forms.EvidenceForm": Driver(
        role="alice",
        setup=_assessment,
        url=lambda o: _reverse("assessments:evidence_add", o["assessment"].pk, o["indicator"].pk),
        form=lambda o: _f("reporting.assessments.forms.EvidenceForm")(
            prefix=f"ev{o['indicator'].pk}"
        ),
    ),
    "reporting.assessments.forms.RoundForm": Driver(
        role="charlie",
        setup=_nothing,
        url=lambda o: _reverse("assessments:round_create"),
        form=lambda o: _f("reporting.assessments.forms.RoundForm")(prefix="round"),
    ),
    "reporting.assessments.forms.ScopeAddForm": Driver(
        role="charlie",
        setup=_draft_round,
        url=lambda o: _reverse("assessments:scope_add", o["round"].pk),
        form=lambda o: _f("reporting.assessments.forms.ScopeAddForm")(
            round=o["round"], prefix="scope"
        ),
    ),
    "reporting.assessments.forms.RectificationReportForm": Driver(
        role="alice",
        setup=_failed,
        url=lambda o: _reverse("assessments:rectification", o["assessment"].pk),
        form=lambda o: _f("reporting.assessments.forms.RectificationReportForm")(prefix="rect"),
    ),
    "reporting.assessments.forms.RecheckForm": Driver(
        role="charlie",
        setup=lambda u: _failed(u, reported=True),
        url=lambda o: _reverse("assessments:recheck", o["assessment"].pk),
        form=lambda o: _f("reporting.assessments.forms.RecheckForm")(prefix="recheck"),
    ),
    "reporting.assessments.forms.ProposalDecisionForm": Driver(
        role="charlie",
        setup=lambda u: _failed(u, proposed=True),
        url=lambda o: _reverse("assessments:proposal_decide", o["proposal"].pk),
        form=lambda o: _f("reporting.assessments.forms.ProposalDecisionForm")(
            prefix=f"p{o['proposal'].pk}"
        ),
    ),
    # reviews/decisions
    "reviews.decisions.forms.MeetingForm": Driver(
        role="charlie",
        setup=_waiting_for_meeting,
        url=lambda o: _reverse("decisions:meetings"),
        form=lambda o: _f("reviews.decisions.forms.MeetingForm")(prefix="meeting"),
        # The decision row of the waiting application is posted with it.
        extra=lambda o: _fields(
            _f("reviews.decisions.forms.DecisionForm")(application=o["application"])
        ),
    ),
    "reviews.decisions.forms.DecisionForm": Driver(
        role="charlie",
        setup=_waiting_for_meeting,
        url=lambda o: _reverse("decisions:meetings"),
        form=lambda o: _f("reviews.decisions.forms.DecisionForm")(application=o["application"]),
        extra=lambda o: _meeting_values(),
    ),
    # reviews/experts
    "reviews.experts.forms.DrawForm": Driver(
        role="charlie",
        setup=_city_intake,
        url=lambda o: _reverse("experts:draw", o["application"].pk),
        form=lambda o: _f("reviews.experts.forms.DrawForm")(prefix="draw", default_field=""),
    ),
    "reviews.experts.forms.AssignForm": Driver(
        role="charlie",
        setup=_city_intake,
        url=lambda o: _reverse("experts:assign", o["application"].pk),
        form=lambda o: _f("reviews.experts.forms.AssignForm")(
            prefix="assign", offered=_experts_of(o)
        ),
    ),
    "reviews.experts.forms.DeclarationForm": Driver(
        role="dora",
        setup=lambda u: _expert_assignment(u, accepted=False),
        url=lambda o: _reverse("experts:declare", o["assignment"].pk),
        form=lambda o: _f("reviews.experts.forms.DeclarationForm")(prefix=f"d{o['assignment'].pk}"),
    ),
    "reviews.experts.forms.ScoreForm": Driver(
        role="dora",
        setup=lambda u: _expert_assignment(u, accepted=True),
        url=lambda o: _reverse("experts:score", o["assignment"].pk),
        form=_score_form,
        typed=True,  # an expert's opinion, refused, must not be lost either
    ),
    "reviews.experts.forms_library.RateForm": Existing(
        LIBRARY + "test_it_survives_any_input_to_the_rating_form"
    ),
    "reviews.experts.forms_library.LibraryFilterForm": Existing(
        LIBRARY + "test_it_survives_any_filter_of_the_library"
    ),
    "reviews.experts.forms_library.StatusForm": Driver(
        role="charlie",
        setup=_expert,
        url=lambda o: _reverse("experts:expert_status", o["expert"].pk),
        form=lambda o: _f("reviews.experts.forms_library.StatusForm")(prefix="status"),
    ),
    "reviews.experts.forms_library.MisconductForm": Driver(
        role="charlie",
        setup=_expert,
        url=lambda o: _reverse("experts:expert_misconduct", o["expert"].pk),
        form=lambda o: _f("reviews.experts.forms_library.MisconductForm")(prefix="misconduct"),
    ),
    "reviews.experts.forms_registration.ExpertRegistrationForm": Existing(
        EXPERT_REGISTRATION + "test_it_survives_any_input_to_the_register_page"
    ),
    "reviews.experts.forms_registration.ProfileForm": Existing(
        EXPERT_REGISTRATION + "test_it_survives_any_input_to_the_profile_form"
    ),
    "reviews.experts.forms_registration.VerifyForm": Driver(
        role="charlie",
        setup=_expert_registration,
        url=lambda o: _reverse("experts:registration_decide", o["profile"].pk),
        form=lambda o: _f("reviews.experts.forms_registration.VerifyForm")(),
        extra=_action("verify", "return"),
    ),
    # reviews/notices
    "reviews.notices.forms.ObjectionForm": Driver(
        role="anon",
        setup=_notice,
        url=lambda o: _reverse("notices:file_objection", o["notice"].pk),
        form=lambda o: _f("reviews.notices.forms.ObjectionForm")(**_targets(o)),
    ),
    "reviews.notices.forms.RegisterObjectionForm": Driver(
        role="charlie",
        setup=_notice,
        url=lambda o: _reverse("notices:register", o["notice"].pk),
        form=lambda o: _f("reviews.notices.forms.RegisterObjectionForm")(**_targets(o)),
    ),
    "reviews.notices.forms.VerifyForm": Driver(
        role="charlie",
        setup=lambda u: _notice(u, objection="received"),
        url=lambda o: _reverse("notices:verify", o["objection"].pk),
        form=lambda o: _f("reviews.notices.forms.VerifyForm")(),
    ),
    "reviews.notices.forms.FindingForm": Driver(
        role="charlie",
        setup=lambda u: _notice(u, objection="verified"),
        url=lambda o: _reverse("notices:finding", o["objection"].pk),
        form=lambda o: _f("reviews.notices.forms.FindingForm")(),
    ),
    "reviews.notices.forms.RoundPublishForm": Driver(
        role="charlie",
        setup=_scored_round,
        url=lambda o: _reverse("notices:publish_round", o["round"].pk),
        form=lambda o: _f("reviews.notices.forms.RoundPublishForm")(),
        extra=lambda o: {"action": _sampled("preview", "publish", "")},
    ),
    "reviews.notices.forms.PublishForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_publish_preview"
    ),
    "reviews.notices.forms.ReceiptLookupForm": Existing(
        FORMS + "test_it_survives_any_input_to_the_objection_lookup"
    ),
}

# Forms that are no page's form of their own, each with why.
EXCLUDED = {
    "applications.forms.SectionForm": "the base class of BasicForm, LeadForm and PlanForm (no fields)",
    "members.forms.NewPasswordForm": (
        "the password pair mixed into AcceptInvitationForm, RegistrationForm and "
        "ExpertRegistrationForm; no view uses it alone"
    ),
}


def _sampled(*values):
    from hypothesis import strategies as st

    return st.sampled_from(values)


def _experts_of(o):
    from reviews.models import ExpertProfile

    return ExpertProfile.objects.filter(pk__in=[e.pk for e in o["experts"]])


def _fields(form):
    """Generated values for every field of another form posted with the driven one."""
    from tests.security.test_fuzz_forms import field_strategy

    return {form.add_prefix(name): field_strategy(f) for name, f in form.fields.items()}


def _meeting_values():
    from hypothesis import strategies as st

    return {
        "meeting-meeting_date": st.just(timezone.localdate().isoformat()),
        "meeting-minutes_number": st.just("党组〔2026〕99号"),
    }

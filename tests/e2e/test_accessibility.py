"""axe-core (WCAG 2.1 AA and best practices) finds no serious or critical problem on the
main pages of each role, in a real browser, with some data on every page. To check another
page, append its path to its role's list in PAGES."""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from applications.models import Application, Consortium, State
from members.models import IntegrityRecord
from reporting.models import AnnualReport
from reviews.models import PublicNotice
from tests.factories import PASSWORD, arranging, make_complete_application
from tests.members.test_registration import PASSWORD as REGISTRANT_PASSWORD
from tests.members.test_registration import confirmed, register
from tests.site.test_list_query_counts import (
    World,
    admin_integrity_records,
    city_applications,
    county_applications,
    directory,
    expert_assignments,
    expert_pool,
    led_consortia,
    led_reports,
    managed_notices,
    meetings,
    notifications,
    own_applications,
    public_notices,
    statistics,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}
# The first user of a unit that registered itself (tests/members/test_registration.py).
REGISTRANT = "zhou@example.cn"

# One case per role: who signs in (a fixture user of tests/conftest.py; None: nobody) and
# the pages they open. A path may name the rows arrange() makes: {draft}, {notice}, ...
PAGES = [
    pytest.param(
        None,
        [
            "/",
            "/notices/",
            "/notices/{notice}/",
            "/notices/{result_notice}/",
            "/notices/objections/lookup/",
            "/consortia/",
            "/consortia/?q=辽阳",
            "/consortia/{consortium}/",
            "/accounts/login/",
            "/accounts/register/",
            "/accounts/password_reset/",
            "/accounts/password_reset/done/",
            "/accounts/reset/MQ/forged-token/",
            "/accounts/register/done/",
            "/accounts/register/resend/",
            "/accounts/register/confirm/{email_token}/",
            "/guides/",
            "/guides/{guide}/",
            "/integrity/pledge/{pledge_token}/",
            "/reviews/experts/register/",
            "/reviews/experts/register/done/",
            "/reviews/experts/register/resend/",
            "/reviews/experts/register/confirm/{expert_email_token}/",
        ],
        id="anonymous",
    ),
    pytest.param(
        REGISTRANT,
        ["/applications/", "/applications/new/", "/unit/registration/", "/unit/"],
        id="registrant",
    ),
    pytest.param(
        "alice",
        [
            "/applications/",
            "/applications/{draft}/",
            "/applications/{returned}/",
            "/applications/{returned}/submit/",
            "/applications/new/",
            "/unit/",
            "/my-consortia/",
            "/my-consortia/{consortium}/",
            "/reports/",
            "/reports/{report}/",
            "/assessments/",
            "/assessments/{assessment_editing}/",
            "/assessments/{assessment_failed}/",
            "/intents/",
            "/intents/new/",
            "/intents/{intent}/",
            "/intents/{intent}/edit/",
            "/notifications/",
            "/accounts/password_change/",
            "/integrity/pledge/application/{pledge_draft}/",
        ],
        id="applicant",
    ),
    pytest.param(
        "bob",
        [
            "/applications/",
            "/applications/{county_review}/",
            "/unit/registrations/",
            "/unit/registrations/{registration}/",
            "/assessments/",
        ],
        id="county",
    ),
    pytest.param(
        "charlie",
        [
            "/applications/",
            "/applications/?q=辽阳&sort=due",
            "/applications/?only=overdue&sort=-updated",
            "/my-consortia/?q=辽阳",
            "/applications/{city_intake}/",
            "/unit/registrations/",
            "/reviews/experts/pool/",
            "/reviews/experts/pool/?cap=no&status=active",
            "/reviews/experts/pool/{library_expert}/",
            "/reviews/experts/assignments/{library_rated}/rate/",
            "/notices/manage/",
            "/notices/{result_notice}/",
            "/notices/rounds/{result_round}/publish/",
            "/decisions/meetings/",
            "/my-consortia/",
            "/statistics/",
            "/reports/",
            "/admin/members/integrityrecord/",
            "/integrity/",
            "/integrity/new/",
            "/integrity/{integrity}/end/",
            "/reviews/experts/assessments/{assessment_intake}/",
            "/assessments/",
            "/assessments/rounds/new/",
            "/assessments/rounds/{assessment_round}/",
            "/assessments/rounds/{result_round}/",
            "/assessments/{assessment_intake}/",
            "/assessments/{assessment_failed}/",
            "/assessments/proposals/",
            "/coordination/",
            "/coordination/?overdue=on",
            "/coordination/{coordination_item}/",
            "/coordination/{coordination_late}/",
            "/guides/",
            "/guides/new/",
            "/guides/{guide}/edit/",
            "/intents/",
            "/intents/{intent}/",
            "/reviews/experts/registrations/",
            "/reviews/experts/registrations/{expert_registration}/",
        ],
        id="city",
    ),
    pytest.param(
        "dora",
        [
            "/applications/",
            "/reviews/experts/",
            "/reviews/experts/{assessment_task}/score/",
            "/assessments/",
            "/reviews/experts/profile/",
        ],
        id="expert",
    ),
    pytest.param(
        "erin", ["/applications/", "/admin/", "/admin/applications/application/"], id="admin"
    ),
]


@arranging
def arrange(role_users) -> dict[str, int]:
    """Rows for every page (the list makers of the query-count test), and the ids of the
    pages of one object."""
    w = World(role_users)
    for make, start, stop in [
        (own_applications, 0, 4),  # a draft, returned, at the county, at the city
        (county_applications, 0, 3),
        (city_applications, 0, 7),  # one in each state the city sees
        (expert_assignments, 0, 2),
        (expert_pool, 0, 2),
        (public_notices, 0, 1),
        (managed_notices, 1, 2),  # notices are numbered by row: another number
        (meetings, 0, 1),
        (led_consortia, 0, 1),
        (directory, 0, 1),
        (led_reports, 0, 1),
        (statistics, 0, 1),
        (notifications, 0, 2),
        (admin_integrity_records, 0, 1),  # an integrity record in force, to end
    ]:
        make(w, start, stop)
    # A complete application has every section of its page filled in.
    draft = make_complete_application(lead=w.unit, creator=w.alice, name_core="无障碍检查")
    county_review = make_complete_application(
        name_core="县区审核",
        state=State.COUNTY_REVIEW,
        submitted_at=w.now - timedelta(days=2),
        state_since=w.now - timedelta(days=2),
    )
    # A unit that registered itself and confirmed its e-mail: the county verifies it.
    registration = confirmed(register(email=REGISTRANT))
    # And one whose e-mail is not confirmed yet: its link's page.
    newcomer = register(email="newcomer@example.cn", name="新注册单位")
    city_intake = Application.objects.filter(state=State.CITY_INTAKE).order_by("pk").first()
    # A draft no unit has pledged for yet: the pledge forms (account and link) and the panel.
    pledge_draft = make_complete_application(
        lead=w.unit, creator=w.alice, name_core="诚信承诺", pledged=False
    )
    from members.integrity.services import pledge_token

    pledge_member = pledge_draft.memberships.exclude(role="lead").first().organization
    return {
        "pledge_draft": pledge_draft.pk,
        "pledge_token": pledge_token(subject=pledge_draft, organization=pledge_member),
        "draft": draft.pk,
        "county_review": county_review.pk,
        "returned": Application.objects.filter(state=State.RETURNED, lead=w.unit)
        .order_by("pk")
        .first()
        .pk,
        "city_intake": city_intake.pk,
        "registration": registration.pk,
        "email_token": newcomer.email_token,
        "notice": PublicNotice.objects.order_by("pk").first().pk,
        "integrity": IntegrityRecord.objects.order_by("pk").first().pk,
        "consortium": Consortium.objects.filter(lead=w.unit).order_by("pk").first().pk,
        "report": AnnualReport.objects.filter(consortium__lead=w.unit).order_by("pk").first().pk,
        **result_notice_pages(w),
        **assessment_review_pages(w),
        **expert_library_pages(w),
        **assessment_pages(w),
        **coordination_pages(w),
        **guide_pages(w),
        **expert_registration_pages(w),
    }


def expert_registration_pages(w) -> dict:
    """A self-registered expert waiting for city staff (the check's detail page), and one
    whose e-mail is unconfirmed (its link's page); dora's own profile is w.expert()."""
    from members.models import IndustryField
    from reviews.experts import services_registration as experts
    from tests.reviews.test_expert_registration import details, pdf

    w.expert()
    made = [
        experts.register_expert(
            name=name,
            email=f"a11y{n}@example.cn",
            password=REGISTRANT_PASSWORD,
            details=details(w.unit, IndustryField.objects.filter(is_active=True).first()),
            cv=pdf(),
        )
        for n, name in enumerate(["赵专家", "钱专家"])
    ]
    waiting = experts.confirm_email(token=made[1].email_token)
    return {"expert_email_token": made[0].email_token, "expert_registration": waiting.pk}


def guide_pages(w) -> dict[str, int]:
    """A published guide, and alice's intent under it waiting for city staff (the answer
    form; her edit form)."""
    from applications.guides import services as guides
    from members.models import IndustryField

    guide = guides.save_guide(
        actor=w.charlie,
        values={"title": "2026年布局指南", "body": "一、布局方向。\n二、组建要求。", "targets": ""},
        industry_fields=IndustryField.objects.filter(is_cluster=True),
    )
    guide = guides.publish_guide(actor=w.charlie, guide=guide)
    intent = guides.register_intent(
        actor=w.alice,
        values={
            "guide": guide,
            "industry_field": IndustryField.objects.get(name="芳烃及精细化工"),
            "name_core": "芳烃新材料",
            "partners": "辽东理工大学\n辽阳市工业技术研究院",
            "goals": "攻克关键工艺。",
            "contact_name": "张明",
            "contact_phone": "0419-2100000",
            "contact_email": "",
        },
    )
    return {"guide": guide.pk, "intent": intent.pk}


def coordination_pages(w) -> dict[str, int]:
    """A coordination item of alice's report, waiting (its assign form), and one in
    progress, overdue, with a progress note (its progress and answer forms); both on the
    consortium page too."""
    from reporting.coordination import services as coordination
    from reporting.coordination.models import CoordinationItem, Department
    from tests.e2e.test_coordination import seed_departments

    seed_departments()
    report = AnnualReport.objects.filter(consortium__lead=w.unit).order_by("pk").first()
    waiting, late = (
        CoordinationItem.objects.create(
            report=report, consortium=report.consortium, sequence=n, text=text
        )
        for n, text in ((1, "协调示范线建设用地手续办理"), (2, "人才引进政策支持"))
    )
    CoordinationItem.objects.filter(pk=late.pk).update(created_at=w.now - timedelta(days=30))
    late.refresh_from_db()
    coordination.assign(
        actor=w.charlie,
        item=late,
        department=Department.objects.order_by("pk").first(),
        due_on=w.today - timedelta(days=3),
    )
    coordination.record_progress(actor=w.charlie, item=late, note="已转办，正在核查。")
    return {"coordination_item": waiting.pk, "coordination_late": late.pk}


def expert_library_pages(w) -> dict[str, int]:
    """dora's page in the expert library and her submitted review (expert_assignments made
    one) that city staff rate."""
    from reviews.models import ExpertAssignment

    submitted = ExpertAssignment.objects.filter(
        expert=w.expert(), status=ExpertAssignment.Status.SUBMITTED
    ).first()
    return {"library_expert": w.expert().pk, "library_rated": submitted.pk}


def assessment_review_pages(w) -> dict[str, int]:
    """An assessment at the city's intake check (its expert panel), and dora's sheet of an
    assessment under review (the self-assessment beside it)."""
    from reviews.models import ExpertAssignment
    from tests.reviews.test_assessment_review import make_assessment, set_state

    intake = make_assessment(lead=w.unit, charlie=w.charlie)
    reviewed = set_state(make_assessment(lead=w.unit, charlie=w.charlie), "expert_review")
    task = ExpertAssignment.objects.create(
        assessment=reviewed,
        expert=w.expert(),
        method=ExpertAssignment.Method.DRAW,
        sheet=reviewed.round.template.score_sheet,
        assigned_by=w.charlie,
        status=ExpertAssignment.Status.ACCEPTED,
    )
    return {"assessment_intake": intake.pk, "assessment_task": task.pk}


def assessment_pages(w) -> dict[str, int]:
    """alice's assessment while she fills it in (the section forms and uploads), and one
    that failed for not being submitted, with its rectification to report and re-check and
    a disqualification proposal before city staff."""
    from reporting.assessments.models import DisqualificationProposal, Rectification
    from tests.reviews.test_assessment_review import make_assessment

    editing = make_assessment(lead=w.unit, charlie=w.charlie, state="self_assessment")
    failed = make_assessment(lead=w.unit, charlie=w.charlie, state="not_submitted")
    Rectification.objects.create(assessment=failed, deadline=w.today + timedelta(days=180))
    DisqualificationProposal.objects.create(
        consortium=failed.consortium, assessment=failed, reason="recheck_failed"
    )
    return {
        "assessment_editing": editing.pk,
        "assessment_failed": failed.pk,
        "assessment_round": editing.round_id,
    }


def result_notice_pages(w) -> dict[str, int]:
    """A round's result notice (published today) and a round ready for its notice."""
    from reviews.notices.services import publish_result_notice
    from tests.reviews.test_assessment_notices import assess, make_round

    noticed = make_round(w.charlie, year=2021)
    assess(noticed)
    assess(noticed, state="not_submitted")
    notice = publish_result_notice(
        actor=w.charlie,
        round=noticed,
        title="",
        start_date=w.today,
        business_contact="市科技局 王科长，0419-2126000",
        supervision_contact="市科技局机关纪委，0419-2126001",
    )
    ready = make_round(w.charlie, year=2022)
    assess(ready)
    return {"result_notice": notice.pk, "result_round": ready.pk}


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(REGISTRANT_PASSWORD if username == REGISTRANT else PASSWORD)
    page.get_by_role("button", name="登录").click()
    # An expert lands on their review tasks, everyone else on the work list.
    expect(page).to_have_url(re.compile(r"/(applications|reviews/experts)/$"))


def target(node) -> str:
    return ", ".join(map(str, node["target"]))


def describe(path, violation, nodes) -> str:
    lines = [f"{path}: {violation['id']} ({violation['impact']}) {violation['help']}"]
    for node in nodes:
        lines.append(f"    {target(node)}: {node['html']}")
        summary = node.get("failureSummary")
        if summary:
            lines.append("      " + summary.replace("\n", "\n      "))
    return "\n".join(lines)


@pytest.mark.parametrize(("username", "paths"), PAGES)
def test_the_main_pages_have_no_serious_accessibility_violation(
    live_server, page, role_users, username, paths
):
    ids = arrange(role_users)
    if username:
        sign_in(page, live_server, username)
    axe = Axe()
    problems = []
    for template in paths:
        path = template.format(**ids)
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, f"{path}: HTTP {response.status}"
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] not in BLOCKING:
                continue
            problems.append(describe(path, violation, violation["nodes"]))
    if problems:
        pytest.fail(
            f"serious or critical axe violations ({username or 'anonymous'}):\n"
            + "\n".join(problems),
            pytrace=False,
        )

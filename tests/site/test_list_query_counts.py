"""Every list page runs as many SQL queries for 7 rows as for 2 (DESIGN.md §11), for each
role that has it: the portal's lists, and the admin's changelists of the main models.

Each page is measured twice, with 2 rows it may show and then with 7, and each time every
row must really be on the page (its name, or in the admin its change link): a page cannot
pass by showing nothing. The N+1 detector (tests/nplusone.py) watches every request too.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from applications import policy
from applications.models import (
    Application,
    ConsortiumMember,
    ConsortiumProject,
    LeadChange,
    MemberChange,
    Membership,
    State,
)
from liaoyang_consortia.models import AuditEvent, Notification
from members.models import IndustryField, IntegrityRecord, PolicyVersion
from members.roles import Role
from members.services import attach_user_to_unit, unit_group
from reporting.models import AnnualReport
from reviews.models import (
    ExpertAssignment,
    ExpertProfile,
    MeetingDecision,
    Objection,
    PartyGroupMeeting,
    PublicNotice,
    ScoreSheet,
)
from tests.factories import OrganizationFactory, UserFactory, arranging, make_user
from tests.reporting import make_consortium

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 7


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class World:
    """The fixed users, and the rows each page lists, made directly (the workflows that
    make them in real life have their own tests). A page's rows are numbered: rows(w, 0, 2)
    makes the first two, rows(w, 2, 7) the next five, and each returns what the page must
    show for them."""

    def __init__(self, role_users):
        self.alice = role_users[Role.APPLICANT]
        self.bob = role_users[Role.COUNTY_REVIEWER]
        self.charlie = role_users[Role.CITY_STAFF]
        self.dora = role_users[Role.EXPERT]
        self.erin = role_users[Role.ADMIN]
        self.unit = self.alice.profile.organization
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.field = IndustryField.objects.get(name="芳烃及精细化工")
        self.version = PolicyVersion.objects.order_by("pk").first()
        self.sheet = ScoreSheet.objects.get(is_default=True)
        self.kept = {}  # objects a page's rows share (one consortium, one expert, ...)

    @arranging
    def application(self, name_core, *, state, lead=None, owned=False, i=0, **fields):
        """An application in `state` (set at creation: the field is protected), submitted
        unless a draft; every other one keeps a policy version, and some are over time."""
        application = Application.objects.create(
            lead=lead or OrganizationFactory(),
            created_by=self.alice,
            name_core=name_core,
            industry_field=self.field,
            state=state,
            submitted_at=None if state == State.DRAFT else self.now - timedelta(days=30),
            state_since=self.now - timedelta(days=5 + 10 * i),
            policy_version=self.version if i % 2 else None,
            **fields,
        )
        if owned:
            for perm in (policy.VIEW, policy.CHANGE):
                assign_perm(perm, unit_group(application.lead), application)
        return application

    def expert(self):
        if "expert" not in self.kept:
            self.kept["expert"] = ExpertProfile.objects.create(
                user=self.dora, name="王评审", employer=self.dora.profile.organization
            )
        return self.kept["expert"]

    def consortium(self):
        if "consortium" not in self.kept:
            self.kept["consortium"] = make_consortium(lead=self.unit, creator=self.alice)
        return self.kept["consortium"]


def _name(application):
    return application.display_name


def _cycle(states, i):
    return states[i % len(states)]


# --- the rows of each page ------------------------------------------------------------------


@arranging
def own_applications(w, start, stop):
    states = [State.DRAFT, State.RETURNED, State.COUNTY_REVIEW, State.CITY_INTAKE]
    return [
        _name(
            w.application(f"自有{i:02d}号", state=_cycle(states, i), lead=w.unit, owned=True, i=i)
        )
        for i in range(start, stop)
    ]


@arranging
def county_applications(w, start, stop):
    # OrganizationFactory's units are in 白塔区, bob's county.
    states = [State.COUNTY_REVIEW, State.CITY_INTAKE, State.RETURNED]
    return [
        _name(w.application(f"县区{i:02d}号", state=_cycle(states, i), i=i))
        for i in range(start, stop)
    ]


@arranging
def own_county_waiting(w, start, stop):
    return [
        _name(w.application(f"待审{i:02d}号", state=State.COUNTY_REVIEW, i=i))
        for i in range(start, stop)
    ]


CITY_STATES = [
    State.CITY_INTAKE,
    State.EXPERT_REVIEW,
    State.REVIEW_PASSED,
    State.PUBLIC_NOTICE,
    State.PARTY_GROUP_REVIEW,
    State.COUNTY_REVIEW,
    State.APPROVED,
]


@arranging
def city_applications(w, start, stop):
    return [
        _name(w.application(f"市局{i:02d}号", state=_cycle(CITY_STATES, i), i=i))
        for i in range(start, stop)
    ]


@arranging
def expert_assignments(w, start, stop, statuses=None):
    """Applications assigned to dora. The work list shows those she opened (accepted or
    submitted); her task list shows every one."""
    statuses = statuses or [ExpertAssignment.Status.ACCEPTED, ExpertAssignment.Status.SUBMITTED]
    names = []
    for i in range(start, stop):
        application = w.application(f"评审{i:02d}号", state=State.EXPERT_REVIEW, i=i)
        ExpertAssignment.objects.create(
            application=application,
            expert=w.expert(),
            method=ExpertAssignment.Method.DRAW,
            sheet=w.sheet,
            assigned_by=w.charlie,
            status=_cycle(statuses, i),
        )
        names.append(_name(application))
    return names


def expert_tasks(w, start, stop):
    return expert_assignments(w, start, stop, statuses=list(ExpertAssignment.Status))


@arranging
def expert_pool(w, start, stop):
    names = []
    for i in range(start, stop):
        user = make_user(f"pool{i:02d}", Role.EXPERT)
        expert = ExpertProfile.objects.create(
            user=user, name=f"库内专家{i:02d}", employer=user.profile.organization
        )
        expert.fields.set(IndustryField.objects.filter(in_scope=True)[:2])
        names.append(expert.name)
    return names


@arranging
def consortia(w, start, stop, *, lead=None):
    """Named consortia, each with a project waiting for confirmation and a member change
    filed (the list counts them)."""
    names = []
    for i in range(start, stop):
        consortium = make_consortium(lead=lead, creator=w.alice)
        ConsortiumProject.objects.create(
            consortium=consortium,
            name=f"项目{i:02d}",
            level=ConsortiumProject.Level.CITY,
            number=f"XM-{consortium.pk}",
            start_date=w.today - timedelta(days=100),
            end_date=w.today + timedelta(days=300),
            entered_by=w.alice,
        )
        MemberChange.objects.create(
            consortium=consortium,
            kind=MemberChange.Kind.ADD,
            organization=OrganizationFactory(),
            reason="新增。",
            status=MemberChange.Status.FILED,
            created_by=w.alice,
        )
        names.append(consortium.name)
    return names


def led_consortia(w, start, stop):
    return consortia(w, start, stop, lead=w.unit)


@arranging
def directory(w, start, stop):
    """Active consortia with their member units (the directory names them)."""
    rows = []
    for i in range(start, stop):
        consortium = make_consortium(creator=w.alice)
        member = OrganizationFactory(name=f"名录成员{i:02d}有限公司")
        Membership.objects.create(
            application=consortium.application, organization=member, sort_order=1
        )
        rows += [consortium.name, member.name]
    return rows


def _notice(w, i, applications, start_date):
    notice = PublicNotice.objects.create(
        number=f"辽科公示〔2026〕T{i:02d}号",
        title=f"关于拟认定创新联合体的公示（第{i:02d}批）",
        start_date=start_date,
        end_date=start_date + timedelta(days=7),
        working_days=5,
        business_contact="市科技局 王科长",
        supervision_contact="0419-0000000",
        published_by=w.charlie,
    )
    notice.applications.set(applications)
    return notice


@arranging
def public_notices(w, start, stop):
    rows = []
    for i in range(start, stop):
        applications = [
            w.application(f"公示{i:02d}{k}号", state=State.PUBLIC_NOTICE, i=i) for k in "甲乙"
        ]
        notice = _notice(w, i, applications, w.today - timedelta(days=i))
        rows += [notice.title, *map(_name, applications)]
    return rows


@arranging
def managed_notices(w, start, stop):
    """Notices with an objection each, and applications waiting for a notice."""
    rows = []
    for i in range(start, stop):
        application = w.application(f"异议{i:02d}号", state=State.OBJECTION_REVIEW, i=i)
        notice = _notice(w, i, [application], w.today - timedelta(days=i))
        objection = Objection.objects.create(
            notice=notice,
            application=application,
            objector_name=f"异议人{i:02d}",
            objector_unit="辽阳市某单位",
            objector_phone="13800000000",
            reasons="数据不实。",
        )
        waiting = w.application(f"待公示{i:02d}号", state=State.REVIEW_PASSED, i=i)
        rows += [notice.title, objection.objector_name, _name(waiting)]
    return rows


@arranging
def meetings(w, start, stop):
    """Applications waiting for the Party group, and meetings with their decisions."""
    rows = []
    for i in range(start, stop):
        waiting = w.application(f"待审议{i:02d}号", state=State.PARTY_GROUP_REVIEW, i=i)
        meeting = PartyGroupMeeting.objects.create(
            meeting_date=w.today - timedelta(days=i),
            minutes_number=f"局党组会议纪要〔2026〕T{i:02d}号",
            recorded_by=w.charlie,
        )
        decided = w.application(f"已审议{i:02d}号", state=State.REJECTED, i=i)
        MeetingDecision.objects.create(
            meeting=meeting,
            application=decided,
            outcome=MeetingDecision.Outcome.DECLINE,
            reason="条件不足。",
        )
        rows += [_name(waiting), meeting.minutes_number, _name(decided)]
    return rows


@arranging
def reports(w, start, stop, *, lead=None):
    names = []
    for i in range(start, stop):
        consortium = make_consortium(lead=lead, creator=w.alice)
        AnnualReport.objects.create(consortium=consortium, year=2025 + i % 2)
        names.append(consortium.name)
    return names


def led_reports(w, start, stop):
    return reports(w, start, stop, lead=w.unit)


@arranging
def unit_rows(w, start, stop):
    """Alice's unit page: colleagues, open invitations, the consortia waiting for her
    unit's confirmation, and the members of her own drafts."""
    rows = []
    for i in range(start, stop):
        colleague = UserFactory(username=f"colleague{i:02d}")
        attach_user_to_unit(user=colleague, organization=w.unit)
        email = f"invitee{i:02d}@example.invalid"
        w.unit.invitations.create(email=email, invited_by=w.alice)
        other = w.application(f"受邀{i:02d}号", state=State.DRAFT, i=i)
        Membership.objects.create(application=other, organization=w.unit, sort_order=5)
        own = w.application(f"本单位{i:02d}号", state=State.DRAFT, lead=w.unit, owned=True, i=i)
        member = OrganizationFactory(name=f"成员单位{i:02d}有限公司")
        Membership.objects.create(application=own, organization=member, sort_order=1)
        rows += [colleague.username, email, _name(other), _name(own), member.name]
    return rows


@arranging
def statistics(w, start, stop):
    """What the statistics count: submitted applications, consortia, annual reports. The
    tables are counts, so the page shows the new total, not names."""
    for i in range(start, stop):
        w.application(f"统计{i:02d}号", state=State.CITY_INTAKE, i=i)
        AnnualReport.objects.create(consortium=make_consortium(creator=w.alice), year=2025)
    # The chart of applications by state gives each bar its count as a title.
    return [f"<title>市局形式审查 申请数（件）：{stop}件</title>"]


@arranging
def notifications(w, start, stop):
    subjects = [f"测试通知{i:02d}" for i in range(start, stop)]
    for subject in subjects:
        Notification.objects.create(
            recipient=w.alice, event="test", subject=subject, body="内容。", url="/"
        )
    return subjects


@arranging
def consortium_filings(w, start, stop):
    """One consortium's page: its projects, member changes and members (lists on a page of
    one object)."""
    consortium = w.consortium()
    rows = []
    for i in range(start, stop):
        project = ConsortiumProject.objects.create(
            consortium=consortium,
            name=f"联合体项目{i:02d}",
            level=ConsortiumProject.Level.PROVINCE,
            number=f"SJ-{i:02d}",
            start_date=w.today - timedelta(days=30),
            end_date=w.today + timedelta(days=300),
            entered_by=w.alice,
        )
        joining = OrganizationFactory(name=f"拟新增单位{i:02d}有限公司")
        MemberChange.objects.create(
            consortium=consortium,
            kind=MemberChange.Kind.ADD,
            organization=joining,
            reason="新增。",
            status=MemberChange.Status.FILED,
            created_by=w.alice,
        )
        member = OrganizationFactory(name=f"现有成员{i:02d}有限公司")
        ConsortiumMember.objects.create(
            consortium=consortium,
            organization=member,
            role=ConsortiumMember.Role.MEMBER,
            joined_on=w.today - timedelta(days=200),
            sort_order=i + 1,
        )
        rows += [project.name, joining.name, member.name]
    return rows


# --- the admin's changelists: what each lists -----------------------------------------------


@arranging
def admin_applications(w, start, stop):
    return [
        w.application(f"后台{i:02d}号", state=State.CITY_INTAKE, i=i) for i in range(start, stop)
    ]


@arranging
def admin_memberships(w, start, stop):
    return [
        Membership.objects.create(
            application=w.application(f"成员表{i:02d}号", state=State.CITY_INTAKE, i=i),
            organization=OrganizationFactory(),
            sort_order=1,
        )
        for i in range(start, stop)
    ]


@arranging
def admin_consortia(w, start, stop):
    return [make_consortium(creator=w.alice) for _ in range(start, stop)]


def made_by(make, model):
    """The admin's rows of `model` that a portal page's `make` creates along with its own."""

    @arranging
    def rows(w, start, stop):
        make(w, start, stop)
        return list(model.objects.order_by("pk")[start:stop])

    return rows


@arranging
def admin_lead_changes(w, start, stop):
    made = []
    for _ in range(start, stop):
        consortium = make_consortium(creator=w.alice)
        made.append(
            LeadChange.objects.create(
                consortium=consortium,
                old_lead=consortium.lead,
                new_lead=OrganizationFactory(),
                reason="重组。",
                filed_by=w.alice,
            )
        )
    return made


@arranging
def admin_organizations(w, start, stop):
    return [OrganizationFactory(name=f"后台单位{i:02d}有限公司") for i in range(start, stop)]


@arranging
def admin_integrity_records(w, start, stop):
    return [
        IntegrityRecord.objects.create(
            organization=OrganizationFactory(),
            kind=IntegrityRecord.Kind.BLACKLIST,
            start_date=w.today,
            reason="虚假申报。",
            created_by=w.charlie,
        )
        for _ in range(start, stop)
    ]


@arranging
def admin_audit_events(w, start, stop):
    return [
        AuditEvent.objects.create(
            actor=UserFactory(), kind=AuditEvent.Kind.DENIED, path=f"/test/{i}/"
        )
        for i in range(start, stop)
    ]


@arranging
def admin_users(w, start, stop):
    return [
        make_user(f"listed{i:02d}", Role.COUNTY_REVIEWER, county_code="211002")
        for i in range(start, stop)
    ]


def changelinks(make):
    """The rows of an admin changelist: the change link of each object made."""

    def rows(w, start, stop):
        return [
            reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
            for obj in make(w, start, stop)
        ]

    return rows


@dataclass
class Page:
    name: str
    user: str | None  # the World attribute of who opens it; None: anonymous
    url: str | None  # None: the page of the one consortium the rows belong to
    rows: Callable
    # The page shows totals (what rows() returns for 0..7 replaces what it returned for
    # 0..2), not one line per row.
    totals: bool = False


PAGES = [
    Page("work list, applicant", "alice", "/applications/", own_applications),
    Page("work list, county reviewer", "bob", "/applications/", county_applications),
    Page("work list, city staff", "charlie", "/applications/", city_applications),
    # An expert's work list is their review tasks ("expert tasks, expert" below).
    Page("work list, admin", "erin", "/applications/", city_applications),
    # Searched, sorted by the due date (a CASE over the calendar and the limits), filtered.
    Page(
        "work list by due date, city staff", "charlie", "/applications/?sort=due", city_applications
    ),
    Page(
        "work list latest due first, admin",
        "erin",
        "/applications/?sort=-due&q=市局",
        city_applications,
    ),
    Page(
        "work list searched, county reviewer",
        "bob",
        "/applications/?q=县区&sort=updated",
        county_applications,
    ),
    Page(
        "work list waiting, county reviewer",
        "bob",
        "/applications/?only=waiting&sort=-updated",
        own_county_waiting,
    ),
    Page("consortia, city staff", "charlie", "/my-consortia/", consortia),
    Page("consortia, lead unit", "alice", "/my-consortia/", led_consortia),
    Page("consortium page filings, city staff", "charlie", None, consortium_filings),
    Page("consortium page filings, lead unit", "alice", None, consortium_filings),
    Page("directory, public", None, "/consortia/", directory),
    Page("directory searched, public", None, "/consortia/?q=测试", directory),
    Page("consortia searched, city staff", "charlie", "/my-consortia/?q=测试", consortia),
    Page("notices, public", None, "/notices/", public_notices),
    Page("notices and objections, city staff", "charlie", "/notices/manage/", managed_notices),
    Page("expert tasks, expert", "dora", "/reviews/experts/", expert_tasks),
    Page("expert pool, city staff", "charlie", "/reviews/experts/pool/", expert_pool),
    Page("meetings, city staff", "charlie", "/decisions/meetings/", meetings),
    Page("annual reports, city staff", "charlie", "/reports/", reports),
    Page("annual reports, lead unit", "alice", "/reports/", led_reports),
    Page("unit users, applicant", "alice", "/unit/", unit_rows),
    Page("statistics, city staff", "charlie", "/statistics/", statistics, totals=True),
    Page("notifications, applicant", "alice", "/notifications/", notifications),
    *[
        Page(f"admin {url.split('/')[2]} {url.split('/')[3]}", "erin", url, changelinks(make))
        for url, make in [
            ("/admin/applications/application/", admin_applications),
            ("/admin/applications/membership/", admin_memberships),
            ("/admin/applications/consortium/", admin_consortia),
            ("/admin/applications/consortiumproject/", made_by(consortia, ConsortiumProject)),
            ("/admin/applications/memberchange/", made_by(consortia, MemberChange)),
            ("/admin/applications/leadchange/", admin_lead_changes),
            (
                "/admin/applications/consortiummember/",
                made_by(consortium_filings, ConsortiumMember),
            ),
            ("/admin/reporting/annualreport/", made_by(reports, AnnualReport)),
            ("/admin/reviews/expertprofile/", made_by(expert_pool, ExpertProfile)),
            ("/admin/reviews/expertassignment/", made_by(expert_tasks, ExpertAssignment)),
            ("/admin/reviews/publicnotice/", made_by(managed_notices, PublicNotice)),
            ("/admin/reviews/objection/", made_by(managed_notices, Objection)),
            ("/admin/reviews/partygroupmeeting/", made_by(meetings, PartyGroupMeeting)),
            ("/admin/members/organization/", admin_organizations),
            ("/admin/members/integrityrecord/", admin_integrity_records),
            ("/admin/liaoyang_consortia/auditevent/", admin_audit_events),
            ("/admin/auth/user/", admin_users),
        ]
    ],
]


def _url(listing, w):
    if listing.url is None:  # the page of the one consortium the rows belong to
        return reverse("consortia:detail", args=[w.consortium().pk])
    return listing.url


def _measure(client, url):
    # The same start for both sizes: the session (written at most once a minute), the user.
    client.get(url)
    cache.clear()  # a page that keeps its figures a while must compute them here
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("listing", PAGES, ids=lambda p: p.name)
def test_it_reads_each_list_in_as_many_queries_for_7_rows_as_for_2(client, role_users, listing):
    w = World(role_users)
    if listing.user:
        client.force_login(getattr(w, listing.user))
    url = _url(listing, w)

    small_rows = listing.rows(w, 0, SMALL)
    small, small_body = _measure(client, url)
    large_rows = listing.rows(w, SMALL, LARGE)
    if not listing.totals:
        large_rows = small_rows + large_rows
    large, large_body = _measure(client, url)

    assert [r for r in small_rows if r not in small_body] == []
    assert [r for r in large_rows if r not in large_body] == []
    # The second measure really shows more rows than the first.
    assert [r for r in large_rows if r not in small_body] != []
    assert small == large, f"{listing.name}: {small} queries for {SMALL} rows, {large} for {LARGE}"

"""Reads of applications. Every list is one query whatever its length (DESIGN.md §11)."""

from datetime import date, datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import policy, rules
from applications.models import (
    AGREEMENT_CLAUSES,
    MECHANISMS,
    Agreement,
    Application,
    Attachment,
    Membership,
    State,
)
from members.models import IntegrityRecord, PolicyVersion
from members.roles import Role


def visible_applications(user):
    """The applications this user may open (applications.policy says who)."""
    return Application.objects.filter(policy.visible_q(user))


# The work list pages through everything the user may open, those waiting for them first,
# newest first; the tiles above it count all of it. A bureau clerk's list: 20 rows a page.
WORK_LIST_PAGE_SIZE = 20
WORK_LIST_COLUMNS = [
    "id",
    "name_core",
    "state",
    "updated_at",
    "state_since",
    "submitted_at",
    "lead_id",
    "policy_version_id",
    "lead__name",
    "lead__county_id",
    "lead__county__name",
    *[f"policy_version__{f.name}" for f in PolicyVersion._meta.concrete_fields],
]


class _KnownCountPaginator(Paginator):
    """A Paginator told its count: the work list has already counted its rows by state."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


def work_list_for(user, *, today=None, state=None, page=None) -> dict:
    """The user's dashboard: counts by state, of the work waiting for them and of what is
    over its time limit, and one page of the applications they may open (optionally of one
    state), waiting ones first, each flagged when over its time limit. A fixed number of
    queries whatever the number of rows."""
    from reviews.workdays import load_overrides

    today = today or timezone.localdate()
    overrides = load_overrides()
    in_force = PolicyVersion.in_force(today)
    owned = policy.owned_ids(user) if user.is_authenticated else []
    visible = Application.objects.filter(policy.visible_q(user, owned=owned))
    waiting_q = policy.waiting_q(user, owned=owned)
    late_q = overdue_q(today=today, overrides=overrides, default=in_force)
    counts, waiting, overdue = {}, 0, 0
    tiles = (
        visible.values("state")
        .annotate(
            n=Count("id"),
            waiting=Count("id", filter=waiting_q),
            overdue=Count("id", filter=late_q),
        )
        .order_by()
    )
    for tile in tiles:
        counts[tile["state"]] = tile["n"]
        waiting += tile["waiting"]
        overdue += tile["overdue"]
    if state not in counts:
        state = None
    ordered = (
        (visible.filter(state=state) if state else visible)
        .annotate(
            waiting=Case(
                When(waiting_q, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by("-waiting", "-updated_at", "-pk")
        .values_list("pk", "waiting")
    )
    total = counts[state] if state else sum(counts.values())
    paginator = _KnownCountPaginator(ordered, WORK_LIST_PAGE_SIZE, count=total)
    page_obj = paginator.get_page(page)
    # Two steps: the page's ids from the narrow index alone, then those rows in full.
    waiting_ids = dict(page_obj.object_list)
    found = Application.objects.select_related("lead__county", "policy_version").only(
        *WORK_LIST_COLUMNS
    )
    by_pk = {a.pk: a for a in found.filter(pk__in=list(waiting_ids))}
    page_obj.object_list = [by_pk[pk] for pk in waiting_ids if pk in by_pk]
    for app in page_obj.object_list:
        app.waiting = waiting_ids[app.pk]
        app.overdue_days = overdue_days(app, today=today, overrides=overrides, default=in_force)
    return {
        "rows": page_obj.object_list,
        "page_obj": page_obj,
        "page_range": list(paginator.get_elided_page_range(page_obj.number)),
        "state": state,
        "total": sum(counts.values()),
        "counts": [(State(s).label, counts[s], s) for s in State.values if s in counts],
        "waiting": waiting,
        "overdue": overdue,
    }


def overdue_days(application, *, today, overrides=None, default=None) -> int:
    """Working days past the time limit of the application's current state (0 if none)."""
    from reviews.workdays import working_days_between

    version = application.policy_version or default or PolicyVersion.in_force(today)
    limit = version.time_limit(application.state)
    if not limit or application.state_since is None:
        return 0
    # The day it arrived does not count; every working day after it does.
    start = timezone.localdate(application.state_since) + timedelta(days=1)
    used = working_days_between(start, today, overrides=overrides)
    return max(0, used - limit)


class Deadline:
    """When the current state's time limit runs out, and how it stands today.

    `due` is the limit-th working day after the day the application arrived (that day does
    not count, as in overdue_days); `left` is the working days from tomorrow to `due` (0 on
    the day itself), `late` the working days past it."""

    def __init__(self, *, due, left, late, limit, today):
        self.due, self.left, self.late, self.limit, self.today = due, left, late, limit, today

    @property
    def overdue(self) -> bool:
        return self.late > 0

    @property
    def due_today(self) -> bool:
        return not self.late and self.left == 0 and self.today == self.due

    def __repr__(self):
        return f"Deadline(due={self.due}, left={self.left}, late={self.late})"


def deadline_of(application, *, today, overrides=None, default=None) -> Deadline | None:
    """The time limit of the application's current state as a date, or None when the state
    has none (drafts, named, ended). No query when `overrides` and `default` are given."""
    from reviews.workdays import add_working_days, load_overrides, working_days_between

    version = application.policy_version or default or PolicyVersion.in_force(today)
    limit = version.time_limit(application.state)
    if not limit or application.state_since is None:
        return None
    overrides = load_overrides() if overrides is None else overrides
    start = timezone.localdate(application.state_since) + timedelta(days=1)
    due = add_working_days(start, limit, overrides=overrides)
    if today <= due:
        left = working_days_between(today + timedelta(days=1), due, overrides=overrides)
        return Deadline(due=due, left=left, late=0, limit=limit, today=today)
    # Past the date but on a rest day, no working day is lost yet: late stays 0, as
    # overdue_days (and the tiles' overdue_q) count it.
    late = working_days_between(start, today, overrides=overrides) - limit
    return Deadline(due=due, left=0, late=max(late, 0), limit=limit, today=today)


def overdue_q(*, today, overrides=None, default=None) -> Q:
    """The applications over their time limit today (overdue_days > 0), as one filter.

    overdue_days(a) > 0 ⇔ working days from the day after arrival to today > limit ⇔ it
    arrived before the (limit + 1)-th working day counted back from today. That day is
    found once per (policy version, state), so the database filters on state_since alone.
    """
    from reviews.workdays import is_working_day, load_overrides

    overrides = load_overrides() if overrides is None else overrides
    default = default or PolicyVersion.in_force(today)
    versions = [(Q(policy_version__isnull=True), default)]
    versions += [(Q(policy_version=v), v) for v in PolicyVersion.objects.all()]
    cutoffs: dict[int, datetime] = {}

    def cutoff(limit):
        if limit not in cutoffs:
            day, counted = today, 0
            while True:
                counted += is_working_day(day, overrides)
                if counted == limit + 1:
                    break
                day -= timedelta(days=1)
            start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
            cutoffs[limit] = start
        return cutoffs[limit]

    q = Q(pk__in=[])
    for version_q, version in versions:
        for state in policy.WAITING_ON:
            limit = version.time_limit(state)
            if limit:
                q |= version_q & Q(state=state, state_since__lt=cutoff(limit))
    return q


def application_for(user, pk, *, for_update=False) -> Application:
    """The application, or 404 if it does not exist or this user may not see it."""
    qs = visible_applications(user).select_related("lead__county", "industry_field")
    try:
        return qs.get(pk=pk)
    except (Application.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def application_page(application):
    """Everything the application page shows, in a fixed number of queries."""
    memberships = list(
        application.memberships.select_related("organization__county").order_by("sort_order", "id")
    )
    return {
        "memberships": memberships,
        "agreement": agreement_of(application),
        "experts": list(application.chief_experts.all()),
        "attachments": list(application.attachments.select_related("uploaded_by")),
        "justifications": {j.code: j for j in application.justifications.all()},
    }


def agreement_of(application) -> Agreement | None:
    try:
        return application.agreement
    except Agreement.DoesNotExist:
        return None


def policy_for(application, on=None) -> rules.Policy:
    """The thresholds that judge this application: those kept at submission, else today's."""
    version = application.policy_version or PolicyVersion.in_force(on or timezone.localdate())
    return rules.Policy(min_units=version.min_units, min_rd_ratio=version.min_rd_ratio)


def application_facts(application, *, on=None, page=None) -> rules.Facts:
    """The facts the rules judge, read in a fixed number of queries."""
    on = on or timezone.localdate()
    page = page or application_page(application)
    memberships = page["memberships"]
    unit_ids = [m.organization_id for m in memberships]
    records = IntegrityRecord.objects.filter(
        IntegrityRecord.in_force_q(on), organization_id__in=unit_ids
    )
    blacklisted, lead_banned_until = set(), None
    for record in records:
        if record.kind == IntegrityRecord.Kind.BLACKLIST:
            blacklisted.add(record.organization_id)
        elif record.organization_id == application.lead_id:
            # A ban without an end date lasts until revoked.
            until = record.end_date or date.max
            lead_banned_until = max(until, lead_banned_until or until)
    agreement = page["agreement"]
    lead = next(
        (m.organization for m in memberships if m.role == Membership.Role.LEAD), application.lead
    )
    return rules.Facts(
        lead_verified=lead.verified_at is not None,
        name_core=application.name_core,
        industry_chosen=application.industry_field_id is not None,
        industry_in_scope=bool(
            application.industry_field_id
            and application.industry_field.in_scope
            and application.industry_field.is_active
        ),
        units=tuple(
            rules.Unit(
                name=m.organization.name,
                uscc=m.organization.uscc,
                kind=m.organization.kind,
                is_lead=m.role == Membership.Role.LEAD,
                in_liaoyang=m.organization.in_liaoyang,
                signed=m.is_signed,
                confirmed=m.confirmed_at is not None,
                blacklisted=m.organization_id in blacklisted,
            )
            for m in memberships
        ),
        lead_sales_revenue=application.lead_sales_revenue,
        lead_rd_spend=application.lead_rd_spend,
        lead_platforms=application.lead_platforms,
        lead_projects=application.lead_projects,
        plan=plan_parts(application),
        council=application.council,
        research_team=application.research_team,
        has_agreement=agreement is not None,
        agreement_duration_years=agreement.duration_years if agreement else None,
        agreement_signed_on=agreement.signed_on if agreement else None,
        agreement_clauses={
            str(label): agreement.clause_reference(code) if agreement else ""
            for code, label in AGREEMENT_CLAUSES
        },
        agreement_scan_uploaded=any(
            a.kind == Attachment.Kind.AGREEMENT_SCAN for a in page["attachments"]
        ),
        chief_experts=len(page["experts"]),
        lead_banned_until=lead_banned_until,
    )


PLAN_FIELDS = [
    "goals",
    "key_technologies",
    "roadmap",
    "tasks",
    *[n for n, _ in MECHANISMS],
    "resources",
    "fund_supervision",
]


def plan_parts(application) -> dict[str, str]:
    return {
        str(Application._meta.get_field(name).verbose_name): getattr(application, name)
        for name in PLAN_FIELDS
    }


def findings_for(application, *, page=None) -> list[rules.Finding]:
    return rules.check(application_facts(application, page=page), policy_for(application))


def timeline(application, user) -> list[dict]:
    """Every transition, and every comment this user may read, oldest first."""
    from django.contrib.contenttypes.models import ContentType
    from django_fsm_log.models import StateLog

    from applications.workflow import STEPS
    from reviews.models import Comment, Visibility

    reviewer = policy.is_reviewer(user, application)
    visible = [Visibility.PUBLIC]
    if reviewer:
        visible += [Visibility.APPLICANT, Visibility.INTERNAL]
    elif policy.is_owner(user, application):
        visible += [Visibility.APPLICANT]
    logs = (
        StateLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Application), object_id=application.pk
        )
        .select_related("by")
        .prefetch_related("by__groups")
    )
    comments = Comment.objects.filter(application=application, visibility__in=visible)
    entries = [
        {
            "at": log.timestamp,
            "kind": "transition",
            "label": STEPS[log.transition].label if log.transition in STEPS else log.transition,
            "state": State(log.state).label if log.state in State.values else log.state,
            "who": _who(log.by, reviewer),
        }
        for log in logs
    ]
    entries += [
        {
            "at": c.created_at,
            "kind": "comment",
            "label": c.get_kind_display(),
            "text": c.text,
            "visibility": c.get_visibility_display(),
            "who": "",
        }
        for c in comments
    ]
    return sorted(entries, key=lambda e: (e["at"], e["kind"] == "comment"))


def _who(user, reviewer: bool) -> str:
    """A reviewer sees who acted; an applicant sees which office acted."""
    if user is None:
        return str(_("系统"))
    if reviewer:
        return user.get_full_name() or user.username
    roles = [r for r in Role if r.value in {g.name for g in user.groups.all()}]
    return str(roles[0].label) if roles else ""

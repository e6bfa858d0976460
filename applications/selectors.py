"""Reads of applications. Every list is one query whatever its length (DESIGN.md §11)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, Count, F, Q, Value, When
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
from members.integrity.models import IntegrityPledge
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
    "lead__uscc",
    "lead__county_id",
    "lead__county__name",
    *[f"policy_version__{f.name}" for f in PolicyVersion._meta.concrete_fields],
]
# The orders a clerk may choose (the URL's `sort`); "" is the default: waiting work first.
WORK_LIST_SORTS = {
    "": _("待我办理优先"),
    "-updated": _("更新时间（由近及远）"),
    "updated": _("更新时间（由远及近）"),
    "due": _("办理期限（先到期在前）"),
    "-due": _("办理期限（后到期在前）"),
}
# The two tiles that are not states (the URL's `only`).
WORK_LIST_ONLY = {"waiting", "overdue"}
# The states a policy version gives a time limit (PolicyVersion.limit_<state>).
LIMITED_STATES = [s for s in State.values if hasattr(PolicyVersion, f"limit_{s}")]
SEARCH_MAX_LENGTH = 100


class _KnownCountPaginator(Paginator):
    """A Paginator told its count: the work list has already counted its rows by state."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


def _name_term(term: str) -> str:
    """What to look for in name_core: a clerk may type the full name (辽阳市…创新联合体)."""
    for prefix in ("辽阳市",):
        term = term.removeprefix(prefix)
    for suffix in ("创新联合体", "联合体"):
        term = term.removesuffix(suffix)
    return term


def search_q(q: str) -> Q:
    """One search box over 联合体名称, 牵头单位 and the lead's 统一社会信用代码: every word
    typed must match one of them (a part of a name or of a code)."""
    from members.validators import normalize_uscc

    found = Q()
    for term in (q or "")[:SEARCH_MAX_LENGTH].split():
        name = _name_term(term)
        found &= (
            (Q(name_core__icontains=name) if name else Q(pk__isnull=False))
            | Q(lead__name__icontains=term)
            | Q(lead__uscc__contains=normalize_uscc(term))
        )
    return found


def _weeks_before(iso_year: int, first_iso_year: int) -> int:
    return sum(date(y, 12, 28).isocalendar().week for y in range(first_iso_year, iso_year))


def due_order(*, versions, default, overrides, first_day: date, last_day: date):
    """An SQL expression that orders applications by deadline_of(...).due, NULL where they
    have none (no limit in that state, or no state_since).

    deadline_of's due date is the limit-th working day after the arrival day d. Let W(x) be
    the number of working days up to x (from any fixed origin): then W(due) = W(d) + limit,
    and since a due date is always a working day and W grows by one on each working day,
    ordering by W(d) + limit is ordering by the due date itself — ties included, across
    states and policy versions with different limits (ordering by state_since alone is
    right only within one limit). W(d) is computed by the database:
    - Monday to Friday from ISO calendar arithmetic: 5 × (ISO weeks before d's week) +
      min(ISO weekday, 5), the weeks before each ISO year of the data given as a CASE;
    - corrected by the calendar's exceptions between first_day and last_day (holidays on a
      weekday −1, make-up working weekend days +1; reviews.workdays, admins' overrides
      included): one CASE branch per exception, about 18 a year of data.
    first_day..last_day must cover every arrival to order (the tiles query reads the span).
    The limit comes from a CASE over (policy version, state), as overdue_q's cut-offs do.
    """
    from django.db.models import IntegerField
    from django.db.models.functions import ExtractIsoWeekDay, ExtractIsoYear, ExtractWeek, Least

    from reviews.workdays import is_working_day

    tz = timezone.get_current_timezone()
    first_iso, last_iso = first_day.isocalendar().year, last_day.isocalendar().year
    weeks = Case(
        *[
            When(iso_year=y, then=Value(_weeks_before(y, first_iso)))
            for y in range(first_iso, last_iso + 1)
        ],
        default=None,
        output_field=IntegerField(),
    )
    exceptions, running, day = [], 0, first_day
    while day <= last_day:
        working = is_working_day(day, overrides)
        if working != (day.weekday() < 5):
            running += 1 if working else -1
            exceptions.append((day, running))
        day += timedelta(days=1)
    corrections = Case(
        *[
            When(state_since__gte=datetime.combine(d, time.min, tzinfo=tz), then=Value(n))
            for d, n in reversed(exceptions)
        ],
        default=Value(0),
        output_field=IntegerField(),
    )
    limits = []
    for version_q, version in [(Q(policy_version__isnull=True), default)] + [
        (Q(policy_version_id=v.pk), v) for v in versions
    ]:
        for state in LIMITED_STATES:
            if limit := version.time_limit(state):
                limits.append(When(version_q & Q(state=state), then=Value(limit)))
    limit = Case(*limits, default=None, output_field=IntegerField())
    # Two steps for the caller's .alias(): `weeks` refers to iso_year by name.
    return (
        {"iso_year": ExtractIsoYear("state_since")},
        {
            "due_key": Value(5) * (weeks + ExtractWeek("state_since"))
            + Least(ExtractIsoWeekDay("state_since"), Value(5))
            + corrections
            + limit
        },
    )


def _order(rows, sort, *, today, waiting_q, versions, default, overrides, span=None):
    """The rows in the chosen order, ties by id so a page never repeats or skips a row.
    Each row is annotated is_waiting (waiting for this user)."""
    rows = rows.annotate(
        is_waiting=Case(
            When(waiting_q, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )
    if sort in ("due", "-due"):
        first, last = span or (today, today)
        years, key = due_order(
            versions=versions,
            default=default,
            overrides=overrides,
            first_day=min(first, today),
            last_day=max(last, today),
        )
        rows = rows.alias(**years).alias(**key)
        key = F("due_key")
        # Rows without a time limit last, in either direction.
        key = key.asc(nulls_last=True) if sort == "due" else key.desc(nulls_last=True)
        return rows.order_by(key, "-updated_at", "-pk")
    if sort == "-updated":
        return rows.order_by("-updated_at", "-pk")
    if sort == "updated":
        return rows.order_by("updated_at", "pk")
    return rows.order_by("-is_waiting", "-updated_at", "-pk")


def _span(first, last):
    """The local days of the earliest and the latest of some moments (None: none)."""
    if first is None or last is None:
        return None
    return timezone.localdate(first), timezone.localdate(last)


@dataclass
class _WorkListScope:
    """What the work list and its export share: the rows the user may open that match the
    search, and the calendar, policy versions and filters to judge them by."""

    today: date
    overrides: dict
    in_force: PolicyVersion
    versions: list
    visible: object  # QuerySet of Application
    waiting_q: Q
    late_q: Q
    q: str
    only: str | None
    sort: str

    def rows(self, state):
        """The visible rows of one state (None: all), narrowed by `only`."""
        rows = self.visible.filter(state=state) if state else self.visible
        if self.only == "waiting":
            return rows.filter(self.waiting_q)
        if self.only == "overdue":
            return rows.filter(self.late_q)
        return rows

    def ordered(self, rows, span):
        return _order(
            rows,
            self.sort,
            today=self.today,
            waiting_q=self.waiting_q,
            versions=self.versions,
            default=self.in_force,
            overrides=self.overrides,
            span=span,
        )

    def deadline(self, application):
        return deadline_of(
            application, today=self.today, overrides=self.overrides, default=self.in_force
        )


def _work_list_scope(user, *, today, q, only, sort) -> _WorkListScope:
    from reviews.workdays import load_overrides

    today = today or timezone.localdate()
    overrides = load_overrides()
    in_force = PolicyVersion.in_force(today)
    versions = list(PolicyVersion.objects.all())
    owned = policy.owned_ids(user) if user.is_authenticated else []
    visible = Application.objects.filter(policy.visible_q(user, owned=owned))
    q = (q or "").strip()[:SEARCH_MAX_LENGTH]
    if q:
        visible = visible.filter(search_q(q))
    return _WorkListScope(
        today=today,
        overrides=overrides,
        in_force=in_force,
        versions=versions,
        visible=visible,
        waiting_q=policy.waiting_q(user, owned=owned),
        late_q=overdue_q(today=today, overrides=overrides, default=in_force, versions=versions),
        q=q,
        only=only if only in WORK_LIST_ONLY else None,
        sort=sort if sort in WORK_LIST_SORTS else "",
    )


def work_list_for(user, *, today=None, state=None, page=None, q="", only=None, sort="") -> dict:
    """The user's dashboard: counts by state, of the work waiting for them and of what is
    over its time limit, and one page of the applications they may open — optionally of one
    state, of those waiting for them or of those over time (`only`), matching a search `q`,
    in the order `sort` (WORK_LIST_SORTS) — each with its deadline. The tiles count what the
    search matches. A fixed number of queries whatever the number of rows."""
    from django.db.models import Max, Min

    scope = _work_list_scope(user, today=today, q=q, only=only, sort=sort)
    counts, waiting, overdue = {}, 0, 0
    by_state, firsts, lasts = {}, [], []
    tiles = (
        scope.visible.values("state")
        .annotate(
            n=Count("id"),
            waiting=Count("id", filter=scope.waiting_q),
            overdue=Count("id", filter=scope.late_q),
            first=Min("state_since"),
            last=Max("state_since"),
        )
        .order_by()
    )
    for tile in tiles:
        counts[tile["state"]] = tile["n"]
        by_state[tile["state"]] = tile
        waiting += tile["waiting"]
        overdue += tile["overdue"]
        if tile["state"] in LIMITED_STATES and tile["first"] is not None:
            firsts.append(tile["first"])
            lasts.append(tile["last"])
    if state not in State.values:
        state = None
    elif state not in counts:
        # Chosen, but nothing (or nothing the search matches) is in it: an empty list
        # under its tile, not the whole list.
        counts[state] = 0
        by_state[state] = {"waiting": 0, "overdue": 0}
    if scope.only:  # "waiting" or "overdue": the tile's own count
        totals = by_state[state] if state else {"waiting": waiting, "overdue": overdue}
        total = totals[scope.only]
    else:
        total = counts[state] if state else sum(counts.values())
    ordered = scope.ordered(
        scope.rows(state), _span(min(firsts, default=None), max(lasts, default=None))
    )
    paginator = _KnownCountPaginator(
        ordered.values_list("pk", "is_waiting"), WORK_LIST_PAGE_SIZE, count=total
    )
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
        app.deadline = scope.deadline(app)
        app.overdue_days = app.deadline.late if app.deadline else 0
    return {
        "rows": page_obj.object_list,
        "page_obj": page_obj,
        "page_range": list(paginator.get_elided_page_range(page_obj.number)),
        "state": state,
        "only": scope.only,
        "q": scope.q,
        "sort": scope.sort,
        "total": sum(counts.values()),
        "counts": [(State(s).label, counts[s], s) for s in State.values if s in counts],
        "waiting": waiting,
        "overdue": overdue,
    }


def work_list_export(user, *, today=None, state=None, q="", only=None, sort=""):
    """Every row of the work list as filtered (all pages), in its order, each with its
    deadline: for the Excel export. Four queries whatever the number of rows (calendar,
    policy versions, the span of arrivals, the rows)."""
    from django.db.models import Max, Min

    scope = _work_list_scope(user, today=today, q=q, only=only, sort=sort)
    rows = scope.rows(state if state in State.values else None)
    span = None
    if scope.sort in ("due", "-due"):
        found = rows.filter(state__in=LIMITED_STATES).aggregate(
            first=Min("state_since"), last=Max("state_since")
        )
        span = _span(found["first"], found["last"])
    ordered = scope.ordered(rows, span).select_related("lead__county", "policy_version")
    for app in ordered.iterator(chunk_size=500):
        app.deadline = scope.deadline(app)
        yield app


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


def overdue_q(*, today, overrides=None, default=None, versions=None) -> Q:
    """The applications over their time limit today (overdue_days > 0), as one filter.

    overdue_days(a) > 0 ⇔ working days from the day after arrival to today > limit ⇔ it
    arrived before the (limit + 1)-th working day counted back from today. That day is
    found once per (policy version, state), so the database filters on state_since alone.
    """
    from reviews.workdays import is_working_day, load_overrides

    overrides = load_overrides() if overrides is None else overrides
    default = default or PolicyVersion.in_force(today)
    known = PolicyVersion.objects.all() if versions is None else versions
    versions = [(Q(policy_version__isnull=True), default)]
    versions += [(Q(policy_version=v), v) for v in known]
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
    # One query for every unit's pledge; a removed unit's pledge is not among unit_ids.
    pledged = set(
        IntegrityPledge.objects.filter(
            application_id=application.pk, organization_id__in=unit_ids
        ).values_list("organization_id", flat=True)
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
                pledged=m.organization_id in pledged,
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


# --- the application page as a work surface (issue 11) -----------------------------------

# The approval chain as the applicant and the bureau speak of it: (label, the states in
# which the application is at this step, the transitions that complete it).
CHAIN = [
    (_("提交"), (State.DRAFT, State.RETURNED), ("submit",)),
    (_("县区审核"), (State.COUNTY_REVIEW,), ("county_recommend",)),
    (_("市局形式审查"), (State.CITY_INTAKE,), ("start_expert_review",)),
    (_("专家评审"), (State.EXPERT_REVIEW,), ("pass_review",)),
    (
        _("公示"),
        (State.REVIEW_PASSED, State.PUBLIC_NOTICE, State.OBJECTION_REVIEW),
        ("close_notice", "resolve_objection"),
    ),
    (_("党组审议"), (State.PARTY_GROUP_REVIEW,), ("approve",)),
    (_("认定"), (State.APPROVED,), ("approve",)),
]


def _chain_index(state) -> int | None:
    for i, (_label, states, _done) in enumerate(CHAIN):
        if state in states:
            return i
    return None


def chain_steps(application) -> list[dict]:
    """The chain from submission to naming, each step `done` (with the day it was
    completed), `current` (with the day the application arrived and what it is doing
    there: 填报中, 退回修改, 未通过, 已撤回) or `todo`. One query (the transition log)."""
    from django.contrib.contenttypes.models import ContentType
    from django_fsm_log.models import StateLog

    logs = list(
        StateLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Application), object_id=application.pk
        )
        .order_by("timestamp", "pk")
        .values_list("transition", "source_state", "timestamp")
    )
    last = {}
    for transition, _source, at in logs:
        last[transition] = at
    state = application.state
    note = ""
    if state == State.REJECTED:
        current = _chain_index(application.rejected_stage)
        note = _("未通过")
    elif state == State.WITHDRAWN:
        source = next((s for t, s, _at in reversed(logs) if t == "withdraw"), State.DRAFT)
        current = _chain_index(source)
        note = _("已撤回")
    else:
        current = _chain_index(state)
        if state == State.RETURNED:
            note = _("退回修改")
        elif state == State.DRAFT:
            note = _("填报中")
    if current is None:
        current = 0
    steps = []
    for i, (label, _states, completing) in enumerate(CHAIN):
        done_at = max((last[t] for t in completing if t in last), default=None)
        if i < current:
            steps.append({"label": label, "status": "done", "at": done_at})
        elif i == current:
            steps.append(
                {
                    "label": label,
                    "status": "current",
                    "at": application.state_since,
                    "note": note,
                    "stopped": state in (State.REJECTED, State.WITHDRAWN),
                }
            )
        else:
            steps.append({"label": label, "status": "todo", "at": None})
    return steps


def return_reason(application):
    """The latest reason the application was returned for revision (a Comment), or None."""
    from reviews.models import Comment

    return (
        Comment.objects.filter(
            application=application, transition__in=["county_return", "city_return"]
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def change_note(application):
    """What the applicant said it changed when it last resubmitted (the submit comment,
    the 修改说明), or None."""
    from reviews.models import Comment

    return (
        Comment.objects.filter(application=application, transition="submit")
        .order_by("-created_at", "-pk")
        .first()
    )


def page_deadline(application, *, today=None) -> Deadline | None:
    """The time limit shown on the application page: only in a state someone waits on."""
    if application.state not in policy.WAITING_ON:
        return None
    return deadline_of(application, today=today or timezone.localdate())

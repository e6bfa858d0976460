"""Reads for public notices and objections (DESIGN.md §12: reads in selectors).

Two audiences, kept apart on purpose: the public functions never touch Objection, so no
public page can leak who objected; the staff functions carry the objector's identity and
are only for city staff (the views check is_city before calling them).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import BooleanField, Case, Count, F, Prefetch, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import policy
from applications.models import Application, State
from reporting.assessments.models import Assessment, AssessmentState, Category, Round
from reviews.models import Objection, PublicNotice
from reviews.notices.services import (
    BEFORE_SCORING,
    NOTICEABLE,
    normalize_receipt_number,
    phone_digits,
)

NOT_STARTED = "not_started"
RUNNING = "running"
ENDED = "ended"
CLOSED = "closed"

STATUS_LABELS = {
    NOT_STARTED: _("未开始"),
    RUNNING: _("公示中"),
    ENDED: _("已截止，待办结"),
    CLOSED: _("已结束"),
}
STATUS_BADGES = {
    NOT_STARTED: "secondary",
    RUNNING: "success",
    ENDED: "warning",
    CLOSED: "light",
}


def notice_status(notice: PublicNotice, today: date | None = None) -> str:
    today = today or timezone.localdate()
    if notice.closed_at is not None:
        return CLOSED
    if today < notice.start_date:
        return NOT_STARTED
    if today <= notice.end_date:
        return RUNNING
    return ENDED


# What the public notice pages show of an application: not its plan's long texts, which
# would make each of up to dozens of rows kilobytes wide.
LISTED_COLUMNS = [
    "id",
    "name_core",
    "state",
    "lead",
    "industry_field",
    "lead__name",
    "lead__county",
    "lead__county__name",
    "industry_field__name",
]


def _listed_applications():
    return (
        Application.objects.select_related("lead__county", "industry_field")
        .only(*LISTED_COLUMNS)
        .order_by("pk")
    )


def _listed_assessments():
    """A result notice's assessments, best score first (a 不合格 for not submitting, with no
    score of its own, last), without the self-assessment's long texts."""
    return (
        Assessment.objects.select_related("consortium__lead", "round")
        .defer("summary", "return_reason")
        .order_by(F("score").desc(nulls_last=True), "consortium__number", "pk")
    )


# --- A result notice's table -------------------------------------------------------------

CENT = Decimal("0.01")


def _points(value) -> str:
    """Points as the notice prints them, two decimals ("—" when there are none)."""
    if value in (None, ""):
        return "—"
    try:
        return str(Decimal(str(value)).quantize(CENT))
    except InvalidOperation:
        return "—"


@dataclass(frozen=True)
class ResultRow:
    consortium: str
    lead: str
    score: str
    grade: str
    not_submitted: bool
    subtotals: tuple[str, ...]  # in the order of ResultTable.categories
    assessment: Assessment


@dataclass(frozen=True)
class ResultTable:
    categories: tuple[str, ...]  # the labels of the columns of subtotals
    rows: tuple[ResultRow, ...]


def result_table(assessments) -> ResultTable:
    """The rows of a result notice from its assessments (already loaded, with their
    consortium and lead: no query here). The subtotal columns are the categories any row
    has, in the order of the indicator categories."""
    assessments = list(assessments)
    present = {key for a in assessments for key in (a.subtotals or {})}
    categories = [c for c in Category if c.value in present]
    rows = tuple(
        ResultRow(
            consortium=a.consortium.name,
            lead=a.consortium.lead.name,
            score=_points(a.score),
            grade=a.get_grade_display() if a.grade else "—",
            # Still so in result_notice and after: it never submitted.
            not_submitted=a.submitted_at is None,
            subtotals=tuple(_points((a.subtotals or {}).get(c.value)) for c in categories),
            assessment=a,
        )
        for a in assessments
    )
    return ResultTable(categories=tuple(c.label for c in categories), rows=rows)


def draft_results(draft) -> ResultTable:
    """The table of a result notice not yet published (services.draft_result_notice)."""
    return result_table(_listed_assessments().filter(pk__in=draft.assessments.values("pk")))


def is_result_notice(notice) -> bool:
    """Whether a notice lists assessment results (read from the prefetched list when the
    notice came from public_notices)."""
    return bool(notice.assessments.all())


# --- Public ------------------------------------------------------------------------------


def public_notices(today: date | None = None):
    """The notices the public may read (those that have started), the running ones first,
    then newest first, with their applications: two queries however many notices there
    are. Each carries is_running (公示中 until its last day, 已结束 after), computed by the
    database, not per row."""
    today = today or timezone.localdate()
    return (
        PublicNotice.objects.filter(start_date__lte=today)
        .annotate(
            is_running=Case(
                When(end_date__gte=today, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-is_running", "-start_date", "-pk")
        .prefetch_related(
            Prefetch("applications", queryset=_listed_applications()),
            Prefetch("assessments", queryset=_listed_assessments()),
        )
    )


def public_notice(pk, today: date | None = None) -> PublicNotice:
    """One started notice with its applications, or 404 (a notice scheduled for a later
    day is not public yet)."""
    try:
        return public_notices(today).get(pk=pk)
    except (PublicNotice.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def objectionable_applications(notice: PublicNotice):
    """The applications of a notice one may still object to (those still under notice)."""
    return notice.applications.filter(
        state__in=[State.PUBLIC_NOTICE, State.OBJECTION_REVIEW]
    ).order_by("pk")


def objectionable_assessments(notice: PublicNotice):
    """The assessments of a result notice one may still object to (not yet published)."""
    return (
        notice.assessments.filter(state=AssessmentState.RESULT_NOTICE)
        .select_related("consortium__lead", "round")
        .order_by("consortium__number", "pk")
    )


# --- City staff --------------------------------------------------------------------------


def _require_city(user) -> None:
    if not policy.is_city(user):
        raise Http404


def last_contacts() -> dict:
    """The contact lines of the last published notice, to start the next one with (they
    rarely change): {} before the first notice."""
    return (
        PublicNotice.objects.order_by("-published_at", "-pk")
        .values("business_contact", "supervision_contact")
        .first()
        or {}
    )


def publishable_applications():
    """The applications waiting for a notice (review_passed)."""
    return (
        Application.objects.filter(state=State.REVIEW_PASSED)
        .select_related("lead__county", "industry_field")
        .order_by("state_since", "pk")
    )


def rounds_for_result_notice(user) -> list[Round]:
    """The rounds with results waiting for their notice (scored, or 不合格 for not
    submitting), each with how many are still before their score (which hold the notice
    back): one query."""
    _require_city(user)
    return list(
        Round.objects.annotate(
            ready_count=Count("assessments", filter=Q(assessments__state__in=NOTICEABLE)),
            unfinished_count=Count("assessments", filter=Q(assessments__state__in=BEFORE_SCORING)),
        )
        .filter(ready_count__gt=0)
        .order_by("-year", "-pk")
    )


def round_for_notice(user, pk) -> Round:
    _require_city(user)
    try:
        return Round.objects.get(pk=pk)
    except (Round.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def notice_objections(user, notice) -> list[Objection]:
    """Every objection to a notice with its subject, for city staff on the notice page:
    an upheld one on an assessment means its result is to be corrected."""
    _require_city(user)
    return list(
        Objection.objects.filter(notice=notice)
        .select_related("application", "assessment__consortium", "assessment__round")
        .order_by("received_at", "pk")
    )


def staff_notices(user, today: date | None = None) -> list[PublicNotice]:
    """Every notice with its counts and status, for the staff page (one query)."""
    _require_city(user)
    today = today or timezone.localdate()
    notices = list(
        PublicNotice.objects.order_by("-start_date", "-pk").annotate(
            application_count=Count("applications", distinct=True),
            assessment_count=Count("assessments", distinct=True),
            objection_count=Count("objections", distinct=True),
            pending_count=Count(
                "objections",
                filter=Q(
                    objections__status__in=[
                        Objection.Status.RECEIVED,
                        Objection.Status.VERIFYING,
                    ]
                ),
                distinct=True,
            ),
        )
    )
    for notice in notices:
        notice.status = notice_status(notice, today)
        notice.status_label = STATUS_LABELS[notice.status]
        notice.status_badge = STATUS_BADGES[notice.status]
    return notices


def pending_objections(user):
    """Objections without a finding yet, oldest first, with who filed them (staff only)."""
    _require_city(user)
    return (
        Objection.objects.filter(status__in=[Objection.Status.RECEIVED, Objection.Status.VERIFYING])
        .select_related("notice", "application", "assessment__consortium", "assessment__round")
        .order_by("received_at", "pk")
    )


def objections_for_application(user, application):
    """Every objection to an application, identity included: city staff only."""
    return objections_on(user, application=application)


def objections_on(user, **subject):
    """Every objection to one subject (application= or assessment=), identity included:
    city staff only."""
    _require_city(user)
    return (
        Objection.objects.filter(**subject).select_related("notice").order_by("received_at", "pk")
    )


def objection_for_staff(user, pk) -> Objection:
    _require_city(user)
    try:
        return Objection.objects.select_related(
            "notice",
            "application__lead__county",
            "assessment__consortium__lead",
            "assessment__round",
            "handled_by",
        ).get(pk=pk)
    except (Objection.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


# --- The objector's receipt --------------------------------------------------------------

PUBLIC_STATUS_LABELS = {
    Objection.Status.RECEIVED: _("已受理"),
    Objection.Status.VERIFYING: _("核查中"),
    Objection.Status.RESOLVED: _("已办结"),
}


@dataclass(frozen=True)
class ObjectionReceipt:
    """What the objector learns of their own objection by its receipt number: where it
    stands and its result. Not the reasons, the evidence or anything about anyone else."""

    receipt_number: str
    received_on: date
    notice_number: str
    application_name: str
    status: str
    status_label: str
    outcome_label: str
    finding: str
    resolved_on: date | None


def objection_receipt(receipt_number: str, phone: str) -> ObjectionReceipt | None:
    """The objection with this receipt number, if `phone` is the one its objector gave
    (compared by digits); None otherwise, whether the number exists or not, so that the
    answer never tells a stranger which numbers are in use."""
    number, digits = normalize_receipt_number(receipt_number), phone_digits(phone)
    if not number or not digits:
        return None
    objection = (
        Objection.objects.filter(receipt_number=number)
        .select_related("notice", "application", "assessment__consortium", "assessment__round")
        .only(
            "receipt_number",
            "objector_phone",
            "received_at",
            "status",
            "outcome",
            "finding",
            "resolved_at",
            "notice__number",
            "application__name_core",
            "assessment__consortium__name",
            "assessment__round__title",
        )
        .first()
    )
    if objection is None or phone_digits(objection.objector_phone) != digits:
        return None
    resolved = objection.status == Objection.Status.RESOLVED
    return ObjectionReceipt(
        receipt_number=objection.receipt_number,
        received_on=timezone.localdate(objection.received_at),
        notice_number=objection.notice.number,
        # The subject's name, an application's or a consortium's assessment.
        application_name=objection.subject.display_name,
        status=objection.status,
        status_label=PUBLIC_STATUS_LABELS[objection.status],
        outcome_label=objection.get_outcome_display() if resolved and objection.outcome else "",
        finding=objection.finding if resolved else "",
        resolved_on=timezone.localdate(objection.resolved_at)
        if resolved and objection.resolved_at
        else None,
    )


# --- The application page's panel --------------------------------------------------------


@dataclass(frozen=True)
class ObjectionSummary:
    """What an applicant may know of an objection: when, how far, what outcome. No name,
    unit, contact, reasons or evidence: the objector's identity is for city staff only."""

    received_on: date
    status_label: str
    outcome_label: str
    finding: str


def application_notices(application):
    return list(application.notices.order_by("start_date", "pk"))


def objection_summaries(application) -> list[ObjectionSummary]:
    rows = Objection.objects.filter(application=application).order_by("received_at", "pk")
    return [
        ObjectionSummary(
            received_on=timezone.localdate(o.received_at),
            status_label=o.get_status_display(),
            outcome_label=o.get_outcome_display() if o.outcome else "",
            # The finding is told to the applicant anyway (resolve_objection's comment).
            finding=o.finding if o.status == Objection.Status.RESOLVED else "",
        )
        for o in rows.only("received_at", "status", "outcome", "finding")
    ]

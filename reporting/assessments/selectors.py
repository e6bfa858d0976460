"""Every read of the assessment for pages, PDFs and the Excel (DESIGN.md §14), each a fixed
number of queries whatever the rows."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm_log.models import StateLog

from reporting.assessments import policy, workflow
from reporting.assessments.models import (
    Assessment,
    AssessmentState,
    Category,
    DisqualificationProposal,
    Evidence,
    IndicatorValue,
    Round,
)
from reporting.assessments.models import AssessmentState as S

_CARD = ("round", "round__template", "consortium", "consortium__lead", "consortium__lead__county")


def rounds_for(user):
    """City staff: every round, with the count of assessments per state."""
    if not policy.is_city(user):
        return Round.objects.none()
    counts = {
        f"n_{state}": Count("assessments", filter=Q(assessments__state=state))
        for state in AssessmentState.values
    }
    return (
        Round.objects.select_related("template")
        .annotate(n_total=Count("assessments"), **counts)
        .order_by("-year", "-opens_on", "-id")
    )


def round_for(user, pk) -> Round:
    if not policy.is_city(user):
        raise Http404
    try:
        return Round.objects.select_related("template").get(pk=pk)
    except Round.DoesNotExist as exc:
        raise Http404 from exc


def assessments_for(user):
    """The assessments a user may open, newest round first."""
    return (
        Assessment.objects.filter(policy.visible_q(user))
        .select_related(*_CARD)
        .order_by("-round__year", "round_id", "consortium__number")
    )


# What a county reviewer acts on: listed first on their index.
COUNTY_FIRST = (S.COUNTY_REVIEW,)


def index_rows(user, *, county_first: bool) -> tuple[list[Assessment], int]:
    """assessments_for(user) as the index lists them, and how many wait on the county:
    with county_first, those awaiting the county come first (otherwise in order)."""
    rows = list(assessments_for(user))
    if not county_first:
        return rows, 0
    rows.sort(key=lambda a: a.state not in COUNTY_FIRST)  # stable: the order otherwise kept
    return rows, sum(1 for a in rows if a.state in COUNTY_FIRST)


def state_counts(round_) -> list[tuple[str, int]]:
    """(state label, count) of a round from rounds_for's annotations, states with none left
    out."""
    return [
        (label, getattr(round_, f"n_{value}", 0))
        for value, label in S.choices
        if getattr(round_, f"n_{value}", 0)
    ]


def result_table(round_, scored_states) -> dict:
    """The round page's table: every row, the scored ones with a cell per category that
    any of them has a subtotal in, and those categories."""
    rows = list(result_rows(round_))
    scored = [a for a in rows if a.state in scored_states]
    categories = [
        (c, label) for c, label in Category.choices if any(c in a.subtotals for a in scored)
    ]
    for a in scored:
        a.subtotal_cells = [(label, a.subtotals.get(c)) for c, label in categories]
    return {"rows": rows, "scored": scored, "categories": categories}


def assessment_for(user, pk) -> Assessment:
    assessment = Assessment.objects.select_related(*_CARD).filter(pk=pk).first()
    if assessment is None or not policy.may_view(user, assessment):
        raise Http404
    return assessment


def assessment_sections(assessment) -> list[dict]:
    """The indicators by category in the template's order, each with its value and
    evidence, and each category's weight and (once scored) subtotal. Three queries."""
    values = list(
        IndicatorValue.objects.filter(assessment=assessment)
        .select_related("indicator")
        .order_by("indicator__order", "indicator_id")
    )
    evidence: dict[int, list] = {}
    for item in Evidence.objects.filter(assessment=assessment).order_by("uploaded_at", "id"):
        evidence.setdefault(item.indicator_id, []).append(item)
    if not values:
        # Not opened yet: the template's indicators without values.
        indicators = assessment.round.template.indicators.order_by("order", "id")
        rows = [(i, None) for i in indicators]
    else:
        rows = [(v.indicator, v) for v in values]
    sections = []
    labels = dict(Category.choices)
    for category in Category.values:
        items = [
            {"indicator": i, "value": v, "evidence": evidence.get(i.pk, [])}
            for i, v in rows
            if i.category == category
        ]
        if not items:
            continue
        sections.append(
            {
                "category": category,
                "label": labels[category],
                "weight": sum(item["indicator"].weight for item in items),
                "indicators": items,
                "subtotal": (assessment.subtotals or {}).get(category),
            }
        )
    return sections


def evidence_for(user, pk) -> Evidence:
    evidence = (
        Evidence.objects.select_related("assessment__consortium__lead", "assessment__round")
        .filter(pk=pk)
        .first()
    )
    if evidence is None or not policy.may_view(user, evidence.assessment):
        raise Http404
    return evidence


GRADED = (AssessmentState.PUBLISHED,)


def history_for(consortium):
    """A consortium's assessments in every round, newest first (the page shows scores of
    published ones only to people outside the bureau)."""
    return (
        Assessment.objects.filter(consortium=consortium)
        .select_related("round")
        .order_by("-round__year", "-round_id")
    )


def result_rows(round_):
    """The round's table: every assessment with its consortium, lead and county."""
    return (
        round_.assessments.select_related(
            "consortium", "consortium__lead", "consortium__lead__county"
        )
        .prefetch_related(Prefetch("rectification"))
        .order_by("consortium__number")
    )


def open_proposals():
    return (
        DisqualificationProposal.objects.filter(status=DisqualificationProposal.Status.OPEN)
        .select_related("consortium", "consortium__lead", "assessment", "assessment__round")
        .order_by("created_at", "id")
    )


def open_proposal_count() -> int:
    return DisqualificationProposal.objects.filter(
        status=DisqualificationProposal.Status.OPEN
    ).count()


def grade_counts(year=None) -> list[dict]:
    """Per round: how many consortia got each grade, and how many are in rectification."""
    rounds = Round.objects.order_by("-year", "-id")
    if year is not None:
        rounds = rounds.filter(year=year)
    counts = {
        f"n_{grade}": Count("assessments", filter=Q(assessments__grade=grade))
        for grade in ("excellent", "good", "pass", "fail")
    }
    return list(
        rounds.annotate(
            **counts,
            n_rectifying=Count(
                "assessments",
                filter=Q(assessments__rectification__status__in=["open", "submitted"]),
            ),
        ).values("id", "title", "year", "kind", *counts, "n_rectifying")
    )


# The chain of an assessment: (label, the states in which the step is current).
CHAIN = [
    (gettext_lazy("考核下达"), (S.ISSUED,)),
    (gettext_lazy("牵头单位自评"), (S.SELF_ASSESSMENT,)),
    (gettext_lazy("县区审核"), (S.COUNTY_REVIEW,)),
    (gettext_lazy("市局审核"), (S.CITY_INTAKE,)),
    (gettext_lazy("专家评审"), (S.EXPERT_REVIEW,)),
    (gettext_lazy("结果公示"), (S.SCORED, S.RESULT_NOTICE)),
    (gettext_lazy("结果发布"), (S.PUBLISHED,)),
]


def chain_steps(assessment) -> list[dict]:
    """The steps as the application page's chain shows them (done / current / todo). A
    consortium that missed the deadline stops at its self-assessment: the reviews it never
    had are shown as skipped, not as done, also once its 不合格 is announced."""
    state = assessment.state
    current = next(
        (i for i, (_label, states) in enumerate(CHAIN) if state in states),
        1,  # not_submitted: stopped at the self-assessment
    )
    missed = assessment.submitted_at is None and state in (
        S.NOT_SUBMITTED,
        S.RESULT_NOTICE,
        S.PUBLISHED,
    )
    steps = []
    for index, (label, _states) in enumerate(CHAIN):
        if missed and index == 1:
            step = {
                "label": label,
                "status": "current" if state == S.NOT_SUBMITTED else "skipped",
                "stopped": True,
                "note": S.NOT_SUBMITTED.label,
            }
        elif missed and index in (2, 3, 4):
            step = {"label": label, "status": "skipped", "note": _("未进行")}
        else:
            status = "done" if index < current else "current" if index == current else "todo"
            step = {"label": label, "status": status}
            if status == "current":
                step["at"] = assessment.state_since
                step["note"] = assessment.get_state_display()
        steps.append(step)
    return steps


def history(assessment) -> list[dict]:
    """The transitions (django-fsm-log), oldest first: who, when, what, the comment."""
    logs = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Assessment), object_id=assessment.pk
    ).select_related("by", "by__profile")
    states = dict(S.choices)
    rows = []
    for log in logs.order_by("timestamp", "pk"):
        step = workflow.STEPS.get(log.transition)
        rows.append(
            {
                "at": log.timestamp,
                "label": step.label if step else log.transition,
                "state": states.get(log.state, log.state),
                "who": (log.by.get_full_name() or log.by.username) if log.by else _("系统"),
                "comment": log.description or "",
            }
        )
    return rows

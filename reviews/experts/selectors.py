"""Reads of the expert review, for any subject (reviews/experts/subjects.py). Every list is
a fixed number of queries whatever its length (DESIGN.md §11), and an expert's reads are
filtered to their own assignments: an expert never learns who else reviews an application
or an assessment, or what they scored (DESIGN.md §4)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404

from reviews.experts import services as experts
from reviews.experts import subjects
from reviews.models import Criterion, ExpertAssignment, ExpertProfile, Score

OPEN = [ExpertAssignment.Status.PENDING, ExpertAssignment.Status.ACCEPTED]


# What a task (or a sheet) shows of its subject, whichever it is, in the same query.
SUBJECT_RELATED = (
    "application__lead",
    "assessment__consortium__lead",
    "assessment__round",
)


def assignments_for_expert(user, *, today=None) -> list[ExpertAssignment]:
    """The expert's own tasks on applications and assessments alike, newest first, in three
    queries (the tasks, the calendar, the policy in force). Each carries `.subject`
    (subjects.Subject). An open task on an application still in expert review carries
    `.deadline` (applications.selectors.deadline_of: the date by which to score, the
    working days left or past), others None."""
    from django.utils import timezone

    from applications.models import State
    from applications.selectors import deadline_of
    from members.models import PolicyVersion
    from reviews.workdays import load_overrides

    today = today or timezone.localdate()
    tasks = list(
        ExpertAssignment.objects.filter(expert__user=user)
        .select_related(
            *SUBJECT_RELATED, "application__industry_field", "application__policy_version"
        )
        .order_by("-assigned_at", "-id")
    )
    overrides, in_force = load_overrides(), PolicyVersion.in_force(today)
    for task in tasks:
        task.subject = subjects.on(task)
        task.deadline = None
        # An assessment's review has no time limit of its own (its round's dates govern).
        if (
            task.application_id
            and task.status in OPEN
            and task.application.state == State.EXPERT_REVIEW
        ):
            task.deadline = deadline_of(
                task.application, today=today, overrides=overrides, default=in_force
            )
    return tasks


def assignment_for_expert(user, pk) -> ExpertAssignment:
    """One of the expert's own assignments, or 404 (someone else's does not exist for
    them)."""
    try:
        assignment = ExpertAssignment.objects.select_related(
            *SUBJECT_RELATED, "expert", "sheet"
        ).get(pk=pk, expert__user=user)
    except (ExpertAssignment.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    assignment.subject = subjects.on(assignment)
    return assignment


def own_assignment_on(user, subject) -> ExpertAssignment | None:
    """The expert's own live (not recused) assignment on this application (or any
    subject), if any."""
    return (
        subjects.of(subject)
        .assignments.filter(expert__user=user)
        .exclude(status__in=ExpertAssignment.ENDED)
        .first()
    )


def sheet_criteria(assignment) -> list[Criterion]:
    return list(Criterion.objects.filter(sheet_id=assignment.sheet_id).order_by("order", "id"))


def scores_of(assignment) -> dict[int, Decimal]:
    return dict(assignment.scores.values_list("criterion_id", "points"))


@dataclass
class Summary:
    """What city staff conclude the review from."""

    assignments: list  # every assignment, recused ones included, with .score_list
    sheets: list  # the submitted ones
    criteria: list  # the columns of the sheets table
    active_count: int  # not recused
    submitted_count: int
    recommending: int
    mean: Decimal | None
    trimmed_mean: Decimal | None
    majority: bool
    rows: list = field(default_factory=list)  # (assignment, [points or None per criterion])
    # Per criterion column: (criterion, mean, trimmed mean or None) of the submitted points.
    column_means: list = field(default_factory=list)


def review_summary(subject) -> Summary:
    """Each sheet of an application (or any subject), the mean and (with five or more) the
    mean without the highest and the lowest total, the same per criterion. Two queries,
    however many experts."""
    assignments = list(
        subjects.of(subject)
        .assignments.select_related("expert__employer", "replaces__expert")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=Score.objects.select_related("criterion").order_by(
                    "criterion__order", "criterion_id"
                ),
                to_attr="score_list",
            )
        )
        .order_by("assigned_at", "id")
    )
    sheets = [a for a in assignments if a.status == ExpertAssignment.Status.SUBMITTED]
    criteria = {}
    for a in sheets:
        for s in a.score_list:
            criteria.setdefault(s.criterion_id, s.criterion)
    columns = sorted(criteria.values(), key=lambda c: (c.sheet_id, c.order, c.id))
    rows = []
    for a in sheets:
        by_criterion = {s.criterion_id: s.points for s in a.score_list}
        rows.append((a, [by_criterion.get(c.pk) for c in columns]))
    column_means = []
    for n, c in enumerate(columns):
        points = [p[n] for _a, p in rows if p[n] is not None]
        column_means.append((c, experts.mean(points), experts.trimmed_mean(points)))
    totals = [a.total for a in sheets if a.total is not None]
    flags = [a.recommend for a in sheets]
    return Summary(
        assignments=assignments,
        sheets=sheets,
        criteria=columns,
        active_count=sum(1 for a in assignments if a.status not in ExpertAssignment.ENDED),
        submitted_count=len(sheets),
        recommending=sum(1 for f in flags if f),
        mean=experts.mean(totals),
        trimmed_mean=experts.trimmed_mean(totals),
        majority=experts.majority_recommends(flags),
        rows=rows,
        column_means=column_means,
    )


def assignable_experts(subject):
    """Whom city staff may name by hand: active, not employed by a unit of the application
    (or of the assessed consortium), never assigned to it before."""
    subject = subjects.of(subject)
    return (
        ExpertProfile.objects.filter(status=ExpertProfile.Status.ACTIVE, user__is_active=True)
        .exclude(employer_id__in=subject.unit_ids())
        .exclude(**{f"assignments__{subject.kind}": subject.obj})
        .select_related("employer")
        .order_by("name", "id")
    )

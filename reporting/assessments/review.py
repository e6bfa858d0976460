"""The expert review of an assessment: reviews/experts' one draw, recusal, score sheet and
task list, with the assessment as subject (DESIGN.md §3, §14). This module is the
assessment's side of it: the subject adapter reviews/experts/subjects.py imports by name,
the guards of city_pass and conclude_review (reporting/assessments/workflow.py), the
experts' points per indicator that the score is computed from, and city staff's panel on
the assessment page."""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import ConsortiumMember, Membership
from reporting.assessments import rules
from reporting.assessments.models import Assessment, AssessmentState, Indicator
from reviews import guards
from reviews.experts.subjects import Subject
from reviews.models import ExpertAssignment, Score


class AssessmentSubject(Subject):
    kind = "assessment"
    model_label = "reporting.assessment"
    # City staff add experts from their intake check on; experts score once city_pass
    # has started the review (before it the assessment may still be returned).
    assigning_states = (AssessmentState.CITY_INTAKE, AssessmentState.EXPERT_REVIEW)
    scoring_states = (AssessmentState.EXPERT_REVIEW,)
    # The experts score the indicators; the grade comes from the bands, not a vote.
    asks_recommendation = False
    noun = gettext_lazy("考核评估")
    units = gettext_lazy("本联合体成员单位")
    material = gettext_lazy("自评材料")
    field_label = gettext_lazy("本联合体所属产业领域")
    panel_template = "reviews/experts/_assessment_panel.html"

    @classmethod
    def queryset(cls):
        return Assessment.objects.select_related(
            "round", "round__template", "consortium", "consortium__lead"
        )

    @classmethod
    def for_city(cls, user, pk) -> Subject:
        from reporting.assessments import selectors

        return cls(selectors.assessment_for(user, pk))

    def default_sheet(self):
        sheet = self.obj.round.template.score_sheet
        if sheet is None:
            raise ValidationError(_("该考核批次的指标体系尚无专家评分表，请联系系统管理员。"))
        return sheet

    def unit_ids(self) -> set[int]:
        """The consortium's current roster (applications.consortia.roster) and its lead.
        Before the roster was first started, the naming-time memberships it starts from."""
        consortium = self.obj.consortium
        rows = list(
            ConsortiumMember.objects.filter(consortium=consortium).values_list(
                "organization_id", "left_on"
            )
        )
        if rows:
            ids = {org for org, left_on in rows if left_on is None}
        else:
            ids = set(
                Membership.objects.filter(application_id=consortium.application_id).values_list(
                    "organization_id", flat=True
                )
            )
        ids.add(consortium.lead_id)
        return ids

    @property
    def field_id(self):
        return self.obj.consortium.industry_field_id

    @property
    def lead_name(self) -> str:
        return self.obj.consortium.lead.name

    @cached_property
    def city_url(self) -> str:
        return reverse("assessments:detail", args=[self.obj.pk])

    def panel(self, request) -> dict:
        return panel_context(request, self.obj)

    def expert_material(self):
        """The self-assessment the expert scores, read-only: the indicators by category
        with the lead's text, the computed points and the evidence."""
        from reporting.assessments import selectors

        return selectors.assessment_sections(self.obj)


# --- guards (reporting/assessments/workflow.py) ---------------------------------------------


def _active(assessment):
    return assessment.expert_assignments.exclude(status__in=ExpertAssignment.ENDED)


def start_guard(assessment) -> list[str]:
    """city_pass starts the expert review: at least the policy's minimum of live experts
    (reviews/guards.py, the same check as an application's start_expert_review)."""
    return guards.start_expert_review(assessment)


def conclude_guard(assessment) -> list[str]:
    """conclude_review: every live expert has submitted their sheet (reviews/guards.py, the
    same check as an application's review)."""
    return guards.fail_review(assessment)


# --- the figures ----------------------------------------------------------------------------


def expert_scores(assessment) -> dict[int, list[Decimal]]:
    """Each expert-scored indicator's points from each submitted sheet, by indicator id
    (the indicator's criterion on the template's sheet). One query."""
    found: dict[int, list[Decimal]] = defaultdict(list)
    rows = (
        Score.objects.filter(
            assignment__assessment=assessment,
            assignment__status=ExpertAssignment.Status.SUBMITTED,
            criterion__indicator__isnull=False,
        )
        .order_by("assignment_id", "criterion_id")
        .values_list("criterion__indicator__id", "points")
    )
    for indicator_id, points in rows:
        found[indicator_id].append(points)
    return dict(found)


def panel_context(request, assessment) -> dict:
    """The expert-review panel of the assessment page: the context of
    templates/reviews/experts/_assessment_panel.html, included `with panel=<this dict>`.
    City staff: the assignments, the draw and assign forms while experts may be added, each
    expert's total and each indicator's mean, trimmed mean and the points it would earn
    (rules.expert_points). An assigned expert: their own task. {} for anyone else."""
    from reviews.experts.views import subject_panel_context

    context = subject_panel_context(request, AssessmentSubject(assessment))
    if context.get("role") != "city":
        return context
    summary = context["summary"]
    indicators = {
        i.criterion_id: i
        for i in Indicator.objects.filter(criterion_id__in=[c.pk for c in summary.criteria]).only(
            "id", "name", "category", "weight", "criterion_id"
        )
    }
    context["indicator_rows"] = [
        {
            "criterion": criterion,
            "indicator": indicators.get(criterion.pk),
            "mean": mean,
            "trimmed_mean": trimmed,
            "points": rules.expert_points([p[n] for _a, p in summary.rows if p[n] is not None]),
        }
        for n, (criterion, mean, trimmed) in enumerate(summary.column_means)
    ]
    context["draw_url"] = reverse("experts:assessment_draw", args=[assessment.pk])
    context["assign_url"] = reverse("experts:assessment_assign", args=[assessment.pk])
    return context

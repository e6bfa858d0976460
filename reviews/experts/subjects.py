"""What an expert review is about (DESIGN.md §3): an application, or a consortium's
assessment (考核评估). There is one draw, one recusal, one score-sheet submission and one
task list (reviews/experts/services.py, selectors.py); each asks its subject, through this
small adapter, the few things that differ: which units the experts must not work for, in
which states experts are added and score, which sheet they fill in, what to call it and
where city staff look at it.

An ExpertAssignment names its subject through a real foreign key (`application` or
`assessment`, exactly one). reviews must not import reporting when it is imported
(reporting imports reviews), so the assessment's adapter lives in
reporting/assessments/review.py and is imported by its dotted path when first asked for.
"""

from abc import ABC, abstractmethod

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, Membership, State
from reviews.experts.models import ExpertAssignment, ScoreSheet

# City staff draw and assign during the intake check; once the review has started they may
# still add experts (a recusal the automatic replacement could not fill).
ASSIGNING_STATES = (State.CITY_INTAKE, State.EXPERT_REVIEW)
# Experts score once the review has formally started (start_expert_review), and only then:
# before it the application may still go back to the applicant.
SCORING_STATES = (State.EXPERT_REVIEW,)


class Subject(ABC):
    """One subject of review. Subclasses set the class attributes and implement the four
    abstract members (what to load, the sheet, the units to recuse, the field, the names
    and the city page)."""

    kind = ""  # the ExpertAssignment foreign key naming it
    model_label = ""  # "app_label.model", to recognise an instance
    assigning_states: tuple = ()
    scoring_states: tuple = ()
    # Applications ask each expert 推荐/不推荐; an assessment's experts only score.
    asks_recommendation = True
    # Words of the messages: "该{noun}…", "工作单位为{units}的专家…", "查看{material}".
    noun = ""
    units = ""
    material = ""
    field_label = ""  # the draw form's default field
    # The city staff's panel (included in the subject's page and in panel.html).
    panel_template = ""

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return type(self) is type(other) and self.obj.pk == other.obj.pk

    def __hash__(self):
        return hash((self.kind, self.obj.pk))

    # --- loading ---

    @classmethod
    @abstractmethod
    def queryset(cls):
        """The subject's rows, with what the review's messages and pages read joined."""

    @classmethod
    def load(cls, pk) -> "Subject":
        return cls(cls.queryset().get(pk=pk))

    @classmethod
    def locked(cls, pk) -> "Subject":
        # Two staff drawing at once (or a draw racing a recusal's replacement) would pick
        # the same expert twice: everyone who adds experts takes the subject's row lock
        # first. of=self: lock the subject only, not the rows its joins bring along.
        return cls(cls.queryset().select_for_update(of=("self",)).get(pk=pk))

    def lock(self) -> "Subject":
        return self.locked(self.obj.pk)

    # --- what the review asks ---

    @property
    def pk(self) -> int:
        return self.obj.pk

    @property
    def filter(self) -> dict:
        """The ExpertAssignment filter (and create keywords) of this subject."""
        return {self.kind: self.obj}

    @property
    def assignments(self):
        return ExpertAssignment.objects.filter(**self.filter)

    @property
    def assigning(self) -> bool:
        return self.obj.state in self.assigning_states

    @property
    def scoring(self) -> bool:
        return self.obj.state in self.scoring_states

    @property
    def state_display(self) -> str:
        return self.obj.get_state_display()

    @property
    def display_name(self) -> str:
        return self.obj.display_name

    def sheet(self) -> ScoreSheet:
        """The sheet already in use on this subject (every expert of one subject scores on
        the same sheet), else the subject's own."""
        used = (
            self.assignments.order_by("assigned_at", "id").values_list("sheet_id", flat=True)
        ).first()
        if used:
            return ScoreSheet.objects.get(pk=used)
        return self.default_sheet()

    @abstractmethod
    def default_sheet(self) -> ScoreSheet:
        """The sheet the first expert of this subject scores on."""

    @abstractmethod
    def unit_ids(self) -> set[int]:
        """The units whose employees may not review it (回避)."""

    @property
    @abstractmethod
    def field_id(self) -> int | None:
        """The industry field a draw picks experts of, unless city staff choose another."""

    @property
    @abstractmethod
    def lead_name(self) -> str:
        """The lead unit's name, for the experts' messages."""

    @property
    @abstractmethod
    def city_url(self) -> str:
        """The subject's page, where city staff run the review."""

    def city_recipients(self) -> list:
        from applications.workflow import recipients_for

        # City staff are the same people whatever the subject.
        return recipients_for("city", None)

    def deadline(self, today=None):
        """The date by which the experts score (with the working days left), or None: only
        an application's expert review has a time limit of its own."""
        return None

    @property
    def min_experts(self) -> int:
        """How many live (not recused) experts the review needs to start."""
        from members.models import PolicyVersion

        return PolicyVersion.in_force(timezone.localdate()).min_experts

    @classmethod
    @abstractmethod
    def for_city(cls, user, pk) -> "Subject":
        """The subject as its page loads it for this user, or 404."""

    def panel(self, request) -> dict:
        """The context of panel_template for this user ({} when they see nothing of it)."""
        from reviews.experts.views import subject_panel_context

        return subject_panel_context(request, self)

    def expert_material(self):
        """What the expert's score page shows of the subject beside the sheet (None: the
        page links to the subject's own page instead)."""
        return None


class ApplicationSubject(Subject):
    kind = "application"
    model_label = "applications.application"
    assigning_states = ASSIGNING_STATES
    scoring_states = SCORING_STATES
    asks_recommendation = True
    noun = gettext_lazy("申请")
    units = gettext_lazy("本申请成员单位")
    material = gettext_lazy("申请材料")
    field_label = gettext_lazy("本申请所属产业领域")
    panel_template = "reviews/experts/_application_panel.html"

    @classmethod
    def queryset(cls):
        return Application.objects.select_related("lead")

    @classmethod
    def for_city(cls, user, pk) -> "Subject":
        from applications import selectors

        return cls(selectors.application_for(user, pk))

    @property
    def min_experts(self) -> int:
        # The policy the application was submitted under, else the one in force.
        from members.models import PolicyVersion

        version = self.obj.policy_version or PolicyVersion.in_force(timezone.localdate())
        return version.min_experts

    def default_sheet(self) -> ScoreSheet:
        # The default active sheet for applications; an assessment's sheet (made from its
        # indicator template) is never an application's.
        sheet = (
            ScoreSheet.objects.filter(is_active=True, purpose=ScoreSheet.Purpose.APPLICATION)
            .order_by("-is_default", "id")
            .first()
        )
        if sheet is None:
            raise ValidationError(_("尚未设置启用的评分表，请联系系统管理员。"))
        return sheet

    def unit_ids(self) -> set[int]:
        ids = set(
            Membership.objects.filter(application=self.obj).values_list(
                "organization_id", flat=True
            )
        )
        ids.add(self.obj.lead_id)
        return ids

    @property
    def field_id(self):
        return self.obj.industry_field_id

    @property
    def lead_name(self) -> str:
        return self.obj.lead.name

    @cached_property
    def city_url(self) -> str:
        return reverse("applications:detail", args=[self.obj.pk])

    def deadline(self, today=None):
        # The time limit of the expert review state (applications.selectors.deadline_of).
        if not self.scoring:
            return None
        from applications.selectors import deadline_of

        return deadline_of(self.obj, today=today or timezone.localdate())


# kind → the adapter's dotted path (imported when first needed: see the module docstring).
ADAPTERS = {
    "application": "reviews.experts.subjects.ApplicationSubject",
    "assessment": "reporting.assessments.review.AssessmentSubject",
}
KINDS = tuple(ADAPTERS)


def adapter(kind: str) -> type[Subject]:
    return import_string(ADAPTERS[kind])


def of(obj) -> Subject:
    """The subject of an Application or an Assessment (a Subject is returned as is)."""
    if isinstance(obj, Subject):
        return obj
    label = obj._meta.label_lower
    for kind in KINDS:
        cls = adapter(kind)
        if cls.model_label == label:
            return cls(obj)
    raise TypeError(f"not a review subject: {label}")


def kind_of(assignment) -> str:
    return next(kind for kind in KINDS if getattr(assignment, f"{kind}_id") is not None)


def of_assignment(assignment, *, lock: bool = False) -> Subject:
    """The assignment's subject, read afresh (locked with `lock`)."""
    kind = kind_of(assignment)
    cls, pk = adapter(kind), getattr(assignment, f"{kind}_id")
    return cls.locked(pk) if lock else cls.load(pk)


def on(assignment) -> Subject:
    """The assignment's subject from what is already loaded with it (no query when the
    caller selected it with the assignment)."""
    kind = kind_of(assignment)
    return adapter(kind)(getattr(assignment, kind))


def pick(*, application=None, assessment=None) -> Subject:
    """The subject of a service call taking `application=` or `assessment=`: exactly one."""
    if (application is None) == (assessment is None):
        raise TypeError("give exactly one of application= or assessment=")
    return of(application if application is not None else assessment)

"""Expert review (DESIGN.md §4 "Expert draw with recusal"): the draw from the pool, manual
assignment, the conflict-of-interest declaration, the score sheet and the figures city
staff conclude the review from — for any subject: an application, or a consortium's
assessment (reviews/experts/subjects.py says what differs between them).

The pure part (who may be drawn, the draw itself, the means and the majority) is in
reviews/experts/rules.py; these services feed it rows and write the outcome.
"""

import random
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import policy
from liaoyang_consortia.notifications import notify
from reviews.experts import subjects
from reviews.experts.rules import (  # noqa: E402, F401  (the services' callers import them here)
    CENT,
    Candidate,
    _decimal,
    draw,
    eligible,
    majority_recommends,
    mean,
    trimmed_mean,
)
from reviews.experts.subjects import ASSIGNING_STATES, SCORING_STATES  # noqa: F401
from reviews.models import Criterion, ExpertAssignment, ExpertProfile, Score

# --- services -----------------------------------------------------------------------------


def member_unit_ids(subject) -> set[int]:
    """The units of an application (or of any subject) whose employees must recuse."""
    return subjects.of(subject).unit_ids()


def _check_city(actor, subject):
    if not policy.is_city(actor):
        raise PermissionDenied(_("只有市科技局工作人员可以指派评审专家。"))
    if not subject.assigning:
        raise ValidationError(
            _("该%(noun)s当前状态为“%(state)s”，不能指派评审专家。")
            % {"noun": subject.noun, "state": subject.state_display}
        )


def _sheet_for(subject):
    """The sheet every expert of this subject scores on (subjects.Subject.sheet)."""
    return subjects.of(subject).sheet()


def _candidates(subject) -> list[Candidate]:
    """The active pool minus everyone ever assigned to this subject, in one query."""
    subject = subjects.of(subject)
    rows = (
        ExpertProfile.objects.filter(status=ExpertProfile.Status.ACTIVE, user__is_active=True)
        .exclude(**{f"assignments__{subject.kind}": subject.obj})
        .values_list("pk", "employer_id", "fields__id")
    )
    found: dict[int, tuple[int | None, set[int]]] = {}
    for pk, employer_id, field_id in rows:
        entry = found.setdefault(pk, (employer_id, set()))
        if field_id is not None:
            entry[1].add(field_id)
    return [
        Candidate(id=pk, employer_id=employer_id, field_ids=frozenset(fields))
        for pk, (employer_id, fields) in found.items()
    ]


def _draw(*, subject, count, field_id, assigned_by, rng) -> list[ExpertAssignment]:
    pool = eligible(_candidates(subject), subject.unit_ids(), field_id)
    if count > len(pool):
        raise ValidationError(
            _(
                "符合条件的专家不足：需要%(k)d名，专家库中仅有%(n)d名"
                "（已排除工作单位为%(units)s的专家和已指派过的专家）。"
            )
            % {"k": count, "n": len(pool), "units": subject.units}
        )
    chosen = draw(pool, count, rng)
    sheet = subject.sheet()
    experts = ExpertProfile.objects.select_related("user").in_bulk([c.id for c in chosen])
    assignments = [
        ExpertAssignment.objects.create(
            **subject.filter,
            expert=experts[c.id],
            method=ExpertAssignment.Method.DRAW,
            sheet=sheet,
            assigned_by=assigned_by,
        )
        for c in chosen
    ]
    _tell_experts(subject, [a.expert for a in assignments])
    return assignments


def _tell_experts(subject, experts):
    notify(
        recipients=[e.user for e in experts],
        event="expert_assigned",
        subject=_("【评审任务】%(name)s") % {"name": subject.display_name},
        body=_(
            "您被确定为%(name)s（牵头单位：%(lead)s）的评审专家。"
            "请先声明与该%(noun)s是否存在利害关系；声明无利害关系后即可查看%(material)s并评分。"
        )
        % {
            "name": subject.display_name,
            "lead": subject.lead_name,
            "noun": subject.noun,
            "material": subject.material,
        },
        url=reverse("experts:tasks"),
    )


@transaction.atomic
def draw_experts(
    *, actor, application=None, count: int, field=None, rng=None, assessment=None
) -> list:
    """Draw `count` experts at random from the pool for the subject's industry field (or
    `field`), excluding experts employed by any unit of it. The subject is `application`
    or `assessment`, exactly one."""
    subject = subjects.pick(application=application, assessment=assessment).lock()
    _check_city(actor, subject)
    if count < 1:
        raise ValidationError(_("抽取人数至少为1名。"))
    field_id = field.pk if field is not None else subject.field_id
    if field_id is None:
        raise ValidationError(
            _("该%(noun)s未填写所属产业领域，请选择抽取领域。") % {"noun": subject.noun}
        )
    return _draw(
        subject=subject,
        count=count,
        field_id=field_id,
        assigned_by=actor,
        rng=rng or random.SystemRandom(),
    )


@transaction.atomic
def assign_expert(*, actor, application=None, expert, assessment=None) -> ExpertAssignment:
    """City staff name an expert themselves; the same recusal rule applies."""
    subject = subjects.pick(application=application, assessment=assessment).lock()
    _check_city(actor, subject)
    expert = ExpertProfile.objects.select_related("user").get(pk=expert.pk)
    if not expert.is_active or not expert.user.is_active:
        raise ValidationError(_("该专家已不在专家库中。"))
    if expert.employer_id is not None and expert.employer_id in subject.unit_ids():
        raise ValidationError(_("该专家工作单位为%(units)s，须回避。") % {"units": subject.units})
    if subject.assignments.filter(expert=expert).exists():
        raise ValidationError(
            _("该专家已被指派过本%(noun)s（含已回避的），不能重复指派。") % {"noun": subject.noun}
        )
    assignment = ExpertAssignment.objects.create(
        **subject.filter,
        expert=expert,
        method=ExpertAssignment.Method.MANUAL,
        sheet=subject.sheet(),
        assigned_by=actor,
    )
    _tell_experts(subject, [expert])
    return assignment


def _own(actor, assignment_pk) -> ExpertAssignment:
    assignment = (
        ExpertAssignment.objects.select_for_update(of=("self",))
        .select_related("expert", "sheet")
        .get(pk=assignment_pk)
    )
    if assignment.expert.user_id != actor.pk:
        raise PermissionDenied(_("这不是您的评审任务。"))
    return assignment


@transaction.atomic
def declare(*, actor, assignment, conflict: bool, note: str = "", rng=None) -> ExpertAssignment:
    """The expert's declaration before the file opens. No conflict: the subject opens to
    them (applications.policy.visible_q, reporting.assessments.policy.visible_q). A
    conflict: they are recused and, while the review is still being set up or running,
    another expert is drawn in their place."""
    # Lock order subject → assignment, the same as draws, so a recusal's replacement and a
    # concurrent draw never deadlock or pick the same expert.
    subject = subjects.of_assignment(assignment, lock=True)
    assignment = _own(actor, assignment.pk)
    if assignment.status != ExpertAssignment.Status.PENDING:
        raise ValidationError(
            _("您已就该%(noun)s声明过利害关系，不能重复声明。") % {"noun": subject.noun}
        )
    note = (note or "").strip()
    assignment.declared_at = timezone.now()
    assignment.conflict_note = note
    assignment.status = (
        ExpertAssignment.Status.RECUSED if conflict else ExpertAssignment.Status.ACCEPTED
    )
    assignment.save(update_fields=["declared_at", "conflict_note", "status"])
    if conflict:
        _replace(subject, assignment, rng=rng or random.SystemRandom())
    return assignment


def _replace(subject, recused, *, rng):
    replacement = None
    if subject.assigning:
        try:
            replacement = _draw(
                subject=subject,
                count=1,
                field_id=subject.field_id,
                # Nobody clicked: the draw continues the one the recused expert came from.
                assigned_by=recused.assigned_by,
                rng=rng,
            )[0]
        except ValidationError:
            replacement = None  # the pool is exhausted: city staff assign by hand
    body = _("%(expert)s已声明与%(name)s存在利害关系并回避。") % {
        "expert": recused.expert.name,
        "name": subject.display_name,
    }
    if recused.conflict_note:
        body += _("回避说明：%(note)s。") % {"note": recused.conflict_note}
    if replacement is not None:
        body += _("已自动补抽专家：%(expert)s。") % {"expert": replacement.expert.name}
    elif subject.assigning:
        body += _("专家库中已无符合条件的专家可补抽，请手动指派。")
    notify(
        recipients=subject.city_recipients(),
        event="expert_recused",
        subject=_("【专家回避】%(name)s") % {"name": subject.display_name},
        body=body,
        url=subject.city_url,
    )
    return replacement


@transaction.atomic
def submit_scores(
    *, actor, assignment, points: dict, recommend: bool | None = None, opinion: str
) -> ExpertAssignment:
    """The expert's sheet: a score per criterion, an opinion and, where the subject asks
    for one (an application), a recommendation. Final once submitted."""
    assignment = _own(actor, assignment.pk)
    subject = subjects.of_assignment(assignment)
    if assignment.status == ExpertAssignment.Status.SUBMITTED:
        raise ValidationError(_("评分已提交，不能修改。"))
    if assignment.status != ExpertAssignment.Status.ACCEPTED:
        raise ValidationError(_("请先声明与该%(noun)s无利害关系。") % {"noun": subject.noun})
    if not subject.scoring:
        raise ValidationError(_("专家评审尚未开始或已经结束，不能提交评分。"))
    opinion = (opinion or "").strip()
    errors = {}
    if not opinion:
        errors["opinion"] = _("请填写评审意见。")
    if subject.asks_recommendation and recommend is None:
        errors["recommend"] = _("请选择是否推荐。")
    criteria = list(Criterion.objects.filter(sheet_id=assignment.sheet_id).order_by("order"))
    scores = []
    for criterion in criteria:
        value = points.get(criterion.pk)
        key = f"c{criterion.pk}"
        if value is None:
            errors[key] = _("请为“%(name)s”打分。") % {"name": criterion.name}
            continue
        value = _decimal(value)
        if value < 0 or value > criterion.max_points:
            errors[key] = _("“%(name)s”的得分应在0至%(max)d分之间。") % {
                "name": criterion.name,
                "max": criterion.max_points,
            }
            continue
        scores.append(Score(assignment=assignment, criterion=criterion, points=value))
    if errors:
        raise ValidationError(errors)
    Score.objects.bulk_create(scores)
    assignment.total = sum((s.points for s in scores), Decimal("0"))
    # No question, no answer: an assessment's experts only score.
    assignment.recommend = bool(recommend) if subject.asks_recommendation else None
    assignment.opinion = opinion
    assignment.submitted_at = timezone.now()
    assignment.status = ExpertAssignment.Status.SUBMITTED
    assignment.save(update_fields=["total", "recommend", "opinion", "submitted_at", "status"])
    _tell_city_when_all_scored(subject)
    return assignment


def _tell_city_when_all_scored(subject):
    waiting = (
        subject.assignments.exclude(
            status__in=[ExpertAssignment.Status.RECUSED, ExpertAssignment.Status.SUBMITTED]
        )
    ).exists()
    if waiting:
        return
    notify(
        recipients=subject.city_recipients(),
        event="expert_scores_complete",
        subject=_("【专家评分已全部提交】%(name)s") % {"name": subject.display_name},
        body=_("%(name)s的评审专家均已提交评分，请形成评审结论。") % {"name": subject.display_name},
        url=subject.city_url,
    )

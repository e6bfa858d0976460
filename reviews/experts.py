"""Expert review (DESIGN.md §4 "Expert draw with recusal"): the draw from the pool, manual
assignment, the conflict-of-interest declaration, the score sheet and the figures city
staff conclude the review from.

The top half is pure (no ORM, no HTTP): who may be drawn, the draw itself, the means and
the majority. The services below feed it rows and write the outcome.
"""

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import policy
from applications.models import Application, Membership, State
from liaoyang_consortia.notifications import notify
from reviews.models import Criterion, ExpertAssignment, ExpertProfile, Score, ScoreSheet

# --- pure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """What the draw needs to know of an expert."""

    id: int
    employer_id: int | None
    field_ids: frozenset[int]
    is_active: bool = True


def eligible(experts: Iterable[Candidate], excluded_org_ids, field_id) -> list[Candidate]:
    """The experts who may review: active, familiar with the field (any field when
    field_id is None), and not employed by a unit of the application (回避)."""
    excluded = set(excluded_org_ids)
    return [
        e
        for e in experts
        if e.is_active
        and (e.employer_id is None or e.employer_id not in excluded)
        and (field_id is None or field_id in e.field_ids)
    ]


def draw(candidates: Iterable[Candidate], k: int, rng: random.Random) -> list[Candidate]:
    """k distinct candidates at random. Sorted first so that a seeded rng gives the same
    draw whatever order the database returned the rows in."""
    pool = sorted(candidates, key=lambda c: c.id)
    if k < 0 or k > len(pool):
        raise ValueError(f"cannot draw {k} of {len(pool)}")
    return rng.sample(pool, k)


CENT = Decimal("0.01")


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def mean(totals: Sequence) -> Decimal | None:
    if not totals:
        return None
    values = [_decimal(t) for t in totals]
    return (sum(values) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def trimmed_mean(totals: Sequence) -> Decimal | None:
    """去掉一个最高分和一个最低分后的平均分: only with five or more scores, else None."""
    if len(totals) < 5:
        return None
    values = sorted(_decimal(t) for t in totals)
    return mean(values[1:-1])


def majority_recommends(flags: Sequence) -> bool:
    """More than half recommend (a tie is not a majority)."""
    return bool(flags) and sum(1 for f in flags if f) * 2 > len(flags)


# --- services -----------------------------------------------------------------------------

# City staff draw and assign during the intake check; once the review has started they may
# still add experts (a recusal the automatic replacement could not fill).
ASSIGNING_STATES = (State.CITY_INTAKE, State.EXPERT_REVIEW)
# Experts score once the review has formally started (start_expert_review), and only then:
# before it the application may still go back to the applicant.
SCORING_STATES = (State.EXPERT_REVIEW,)


def _locked_application(application) -> Application:
    # Two staff drawing at once (or a draw racing a recusal's replacement) would pick the
    # same expert twice: everyone who adds experts takes the application's row lock first.
    # of=self: lock the application only, not the lead unit's row the join brings along.
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("lead")
        .get(pk=application.pk)
    )


def member_unit_ids(application) -> set[int]:
    ids = set(
        Membership.objects.filter(application=application).values_list("organization_id", flat=True)
    )
    ids.add(application.lead_id)
    return ids


def _check_city(actor, application):
    if not policy.is_city(actor):
        raise PermissionDenied(_("只有市科技局工作人员可以指派评审专家。"))
    if application.state not in ASSIGNING_STATES:
        raise ValidationError(
            _("该申请当前状态为“%(state)s”，不能指派评审专家。")
            % {"state": application.get_state_display()}
        )


def _sheet_for(application) -> ScoreSheet:
    """The sheet already in use on this application (every expert of one application
    scores on the same sheet), else the default active one."""
    used = (
        ExpertAssignment.objects.filter(application=application)
        .order_by("assigned_at", "id")
        .values_list("sheet_id", flat=True)
        .first()
    )
    if used:
        return ScoreSheet.objects.get(pk=used)
    sheet = ScoreSheet.objects.filter(is_active=True).order_by("-is_default", "id").first()
    if sheet is None:
        raise ValidationError(_("尚未设置启用的评分表，请联系系统管理员。"))
    return sheet


def _candidates(application) -> list[Candidate]:
    """The active pool minus everyone ever assigned to this application, in one query."""
    rows = (
        ExpertProfile.objects.filter(is_active=True, user__is_active=True)
        .exclude(assignments__application=application)
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


def _draw(*, application, count, field_id, assigned_by, rng) -> list[ExpertAssignment]:
    pool = eligible(_candidates(application), member_unit_ids(application), field_id)
    if count > len(pool):
        raise ValidationError(
            _(
                "符合条件的专家不足：需要%(k)d名，专家库中仅有%(n)d名"
                "（已排除工作单位为本申请成员单位的专家和已指派过的专家）。"
            )
            % {"k": count, "n": len(pool)}
        )
    chosen = draw(pool, count, rng)
    sheet = _sheet_for(application)
    experts = ExpertProfile.objects.select_related("user").in_bulk([c.id for c in chosen])
    assignments = [
        ExpertAssignment.objects.create(
            application=application,
            expert=experts[c.id],
            method=ExpertAssignment.Method.DRAW,
            sheet=sheet,
            assigned_by=assigned_by,
        )
        for c in chosen
    ]
    _tell_experts(application, [a.expert for a in assignments])
    return assignments


def _tell_experts(application, experts):
    notify(
        recipients=[e.user for e in experts],
        event="expert_assigned",
        subject=_("【评审任务】%(name)s") % {"name": application.display_name},
        body=_(
            "您被确定为%(name)s（牵头单位：%(lead)s）的评审专家。"
            "请先声明与该申请是否存在利害关系；声明无利害关系后即可查看申请材料并评分。"
        )
        % {"name": application.display_name, "lead": application.lead.name},
        url=reverse("experts:tasks"),
    )


@transaction.atomic
def draw_experts(*, actor, application, count: int, field=None, rng=None) -> list:
    """Draw `count` experts at random from the pool for the application's industry field
    (or `field`), excluding experts employed by any unit of the application."""
    application = _locked_application(application)
    _check_city(actor, application)
    if count < 1:
        raise ValidationError(_("抽取人数至少为1名。"))
    field_id = field.pk if field is not None else application.industry_field_id
    if field_id is None:
        raise ValidationError(_("该申请未填写所属产业领域，请选择抽取领域。"))
    return _draw(
        application=application,
        count=count,
        field_id=field_id,
        assigned_by=actor,
        rng=rng or random.SystemRandom(),
    )


@transaction.atomic
def assign_expert(*, actor, application, expert) -> ExpertAssignment:
    """City staff name an expert themselves; the same recusal rule applies."""
    application = _locked_application(application)
    _check_city(actor, application)
    expert = ExpertProfile.objects.select_related("user").get(pk=expert.pk)
    if not expert.is_active or not expert.user.is_active:
        raise ValidationError(_("该专家已不在专家库中。"))
    if expert.employer_id is not None and expert.employer_id in member_unit_ids(application):
        raise ValidationError(_("该专家工作单位为本申请成员单位，须回避。"))
    if ExpertAssignment.objects.filter(application=application, expert=expert).exists():
        raise ValidationError(_("该专家已被指派过本申请（含已回避的），不能重复指派。"))
    assignment = ExpertAssignment.objects.create(
        application=application,
        expert=expert,
        method=ExpertAssignment.Method.MANUAL,
        sheet=_sheet_for(application),
        assigned_by=actor,
    )
    _tell_experts(application, [expert])
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
    """The expert's declaration before the file opens. No conflict: the application opens
    to them (applications.policy.visible_q). A conflict: they are recused and, while the
    review is still being set up or running, another expert is drawn in their place."""
    # Lock order application → assignment, the same as draws, so a recusal's replacement
    # and a concurrent draw never deadlock or pick the same expert.
    application = _locked_application(assignment.application)
    assignment = _own(actor, assignment.pk)
    if assignment.status != ExpertAssignment.Status.PENDING:
        raise ValidationError(_("您已就该申请声明过利害关系，不能重复声明。"))
    note = (note or "").strip()
    assignment.declared_at = timezone.now()
    assignment.conflict_note = note
    assignment.status = (
        ExpertAssignment.Status.RECUSED if conflict else ExpertAssignment.Status.ACCEPTED
    )
    assignment.save(update_fields=["declared_at", "conflict_note", "status"])
    if conflict:
        _replace(application, assignment, rng=rng or random.SystemRandom())
    return assignment


def _replace(application, recused, *, rng):
    from applications.workflow import recipients_for

    replacement = None
    if application.state in ASSIGNING_STATES:
        try:
            replacement = _draw(
                application=application,
                count=1,
                field_id=application.industry_field_id,
                # Nobody clicked: the draw continues the one the recused expert came from.
                assigned_by=recused.assigned_by,
                rng=rng,
            )[0]
        except ValidationError:
            replacement = None  # the pool is exhausted: city staff assign by hand
    body = _("%(expert)s已声明与%(name)s存在利害关系并回避。") % {
        "expert": recused.expert.name,
        "name": application.display_name,
    }
    if recused.conflict_note:
        body += _("回避说明：%(note)s。") % {"note": recused.conflict_note}
    if replacement is not None:
        body += _("已自动补抽专家：%(expert)s。") % {"expert": replacement.expert.name}
    elif application.state in ASSIGNING_STATES:
        body += _("专家库中已无符合条件的专家可补抽，请手动指派。")
    notify(
        recipients=recipients_for("city", application),
        event="expert_recused",
        subject=_("【专家回避】%(name)s") % {"name": application.display_name},
        body=body,
        url=reverse("applications:detail", args=[application.pk]),
    )
    return replacement


@transaction.atomic
def submit_scores(
    *, actor, assignment, points: dict, recommend: bool, opinion: str
) -> ExpertAssignment:
    """The expert's sheet: a score per criterion, a recommendation and an opinion. Final
    once submitted."""
    assignment = _own(actor, assignment.pk)
    if assignment.status == ExpertAssignment.Status.SUBMITTED:
        raise ValidationError(_("评分已提交，不能修改。"))
    if assignment.status != ExpertAssignment.Status.ACCEPTED:
        raise ValidationError(_("请先声明与该申请无利害关系。"))
    state = Application.objects.values_list("state", flat=True).get(pk=assignment.application_id)
    if state not in SCORING_STATES:
        raise ValidationError(_("专家评审尚未开始或已经结束，不能提交评分。"))
    opinion = (opinion or "").strip()
    errors = {}
    if not opinion:
        errors["opinion"] = _("请填写评审意见。")
    if recommend is None:
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
    assignment.recommend = bool(recommend)
    assignment.opinion = opinion
    assignment.submitted_at = timezone.now()
    assignment.status = ExpertAssignment.Status.SUBMITTED
    assignment.save(update_fields=["total", "recommend", "opinion", "submitted_at", "status"])
    _tell_city_when_all_scored(assignment)
    return assignment


def _tell_city_when_all_scored(assignment):
    from applications.workflow import recipients_for

    waiting = (
        ExpertAssignment.objects.filter(application_id=assignment.application_id)
        .exclude(status__in=[ExpertAssignment.Status.RECUSED, ExpertAssignment.Status.SUBMITTED])
        .exists()
    )
    if waiting:
        return
    application = Application.objects.select_related("lead").get(pk=assignment.application_id)
    notify(
        recipients=recipients_for("city", application),
        event="expert_scores_complete",
        subject=_("【专家评分已全部提交】%(name)s") % {"name": application.display_name},
        body=_("%(name)s的评审专家均已提交评分，请形成评审结论。")
        % {"name": application.display_name},
        url=reverse("applications:detail", args=[application.pk]),
    )

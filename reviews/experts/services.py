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
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import policy
from liaoyang_consortia.audit import record as audit
from liaoyang_consortia.models import AuditEvent
from liaoyang_consortia.notifications import notify
from members.models import IntegrityRecord, PolicyVersion
from reviews.experts import rules, subjects
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
from reviews.models import Criterion, ExpertAssignment, ExpertAvoidance, ExpertProfile, Score
from reviews.workdays import load_overrides

Status = ExpertAssignment.Status
# Still open: a withdrawal ends these.
OPEN_INVITATIONS = (Status.PENDING, Status.ACCEPTED)

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


def expert_in_force_q(today):
    """Experts with an integrity record in force (the draw never picks them)."""
    return IntegrityRecord.in_force_q(today) & Q(kind=IntegrityRecord.Kind.EXPERT)


def reviews_this_year(expert_ids, *, year: int) -> dict[int, int]:
    """Invitations this calendar year that count towards the cap, per expert (one query)."""
    rows = (
        ExpertAssignment.objects.filter(
            expert_id__in=list(expert_ids),
            assigned_at__year=year,
            status__in=ExpertAssignment.COUNTED,
        )
        .values("expert_id")
        .annotate(n=Count("id"))
    )
    return {r["expert_id"]: r["n"] for r in rows}


def _candidates(subject, *, today) -> list[Candidate]:
    """The library (在库, 暂停 and 出库, so that a shortfall can say why) minus everyone ever
    invited to this subject and anyone under an integrity record, with their fields, their
    avoided units and their reviews this year: three queries."""
    subject = subjects.of(subject)
    flagged = IntegrityRecord.objects.filter(expert_in_force_q(today)).values("expert_id")
    rows = (
        ExpertProfile.objects.filter(status__in=ExpertProfile.IN_LIBRARY, user__is_active=True)
        .exclude(**{f"assignments__{subject.kind}": subject.obj})
        .exclude(pk__in=flagged)
        .values_list("pk", "employer_id", "fields__id", "status")
    )
    found: dict[int, tuple[int | None, set[int], str]] = {}
    for pk, employer_id, field_id, status in rows:
        entry = found.setdefault(pk, (employer_id, set(), status))
        if field_id is not None:
            entry[1].add(field_id)
    avoided: dict[int, set[int]] = {}
    for expert_id, org_id in ExpertAvoidance.objects.filter(expert_id__in=list(found)).values_list(
        "expert_id", "organization_id"
    ):
        avoided.setdefault(expert_id, set()).add(org_id)
    counts = reviews_this_year(found, year=today.year) if found else {}
    return [
        Candidate(
            id=pk,
            employer_id=employer_id,
            field_ids=frozenset(fields),
            is_active=status == ExpertProfile.Status.ACTIVE,
            avoided_ids=frozenset(avoided.get(pk, ())),
            reviews_this_year=counts.get(pk, 0),
        )
        for pk, (employer_id, fields, status) in found.items()
    ]


def _respond_by(today, version):
    return rules.respond_by(today, version.expert_invitation_days, overrides=load_overrides())


def _draw(
    *, subject, count, field_id, assigned_by, rng, replaces=None, today=None
) -> list[ExpertAssignment]:
    # The daily job passes its own day (a run for a missed day dates the deadline from it).
    today = today or timezone.localdate()
    version = PolicyVersion.in_force(today)
    cap = version.expert_yearly_cap
    candidates = _candidates(subject, today=today)
    pool = eligible(candidates, subject.unit_ids(), field_id, cap)
    if count > len(pool):
        raise ValidationError(
            rules.shortfall_message(
                needed=count,
                found=len(pool),
                counts=rules.shortfall(candidates, subject.unit_ids(), field_id, cap),
                units=subject.units,
                cap=cap,
            )
        )
    chosen = draw(pool, count, rng)
    sheet = subject.sheet()
    respond_by = _respond_by(today, version)
    experts = ExpertProfile.objects.select_related("user").in_bulk([c.id for c in chosen])
    assignments = [
        ExpertAssignment.objects.create(
            **subject.filter,
            expert=experts[c.id],
            method=ExpertAssignment.Method.DRAW,
            sheet=sheet,
            assigned_by=assigned_by,
            respond_by=respond_by,
            replaces=replaces,
        )
        for c in chosen
    ]
    _tell_experts(subject, [a.expert for a in assignments], respond_by=respond_by)
    return assignments


def _tell_experts(subject, experts, *, respond_by):
    notify(
        recipients=[e.user for e in experts],
        event="expert_assigned",
        subject=_("【评审邀请】%(name)s") % {"name": subject.display_name},
        body=_(
            "您被邀请担任%(name)s（牵头单位：%(lead)s）的评审专家，请于%(due)s前答复："
            "接受邀请并声明与该%(noun)s无利害关系后即可查看%(material)s并评分；"
            "存在利害关系的请选择回避，不能参加的请谢绝并说明原因。逾期未答复的，将另行抽取专家。"
        )
        % {
            "name": subject.display_name,
            "lead": subject.lead_name,
            "noun": subject.noun,
            "material": subject.material,
            "due": f"{respond_by:%Y年%-m月%-d日}",
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
    today = timezone.localdate()
    version = PolicyVersion.in_force(today)
    expert = ExpertProfile.objects.select_related("user").get(pk=expert.pk)
    if not expert.is_active or not expert.user.is_active:
        raise ValidationError(
            _("该专家当前状态为“%(status)s”，不能指派。") % {"status": expert.get_status_display()}
        )
    if IntegrityRecord.objects.filter(expert_in_force_q(today), expert=expert).exists():
        raise ValidationError(_("该专家有在期的失信记录，不能指派。"))
    candidate = Candidate(
        id=expert.pk,
        employer_id=expert.employer_id,
        field_ids=frozenset(),
        avoided_ids=frozenset(expert.avoidances.values_list("organization_id", flat=True)),
    )
    unit_ids = subject.unit_ids()
    if expert.employer_id is not None and expert.employer_id in unit_ids:
        raise ValidationError(_("该专家工作单位为%(units)s，须回避。") % {"units": subject.units})
    if rules.conflicts(candidate, unit_ids):
        raise ValidationError(
            _("该专家登记的回避单位中有%(units)s，须回避。") % {"units": subject.units}
        )
    if subject.assignments.filter(expert=expert).exists():
        raise ValidationError(
            _("该专家已被邀请过本%(noun)s（含已回避、谢绝的），不能重复指派。")
            % {"noun": subject.noun}
        )
    done = reviews_this_year([expert.pk], year=today.year).get(expert.pk, 0)
    if rules.at_cap(done, version.expert_yearly_cap):
        raise ValidationError(
            _("该专家本年度评审已达%(cap)d次上限。") % {"cap": version.expert_yearly_cap}
        )
    respond_by = _respond_by(today, version)
    assignment = ExpertAssignment.objects.create(
        **subject.filter,
        expert=expert,
        method=ExpertAssignment.Method.MANUAL,
        sheet=subject.sheet(),
        assigned_by=actor,
        respond_by=respond_by,
    )
    _tell_experts(subject, [expert], respond_by=respond_by)
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
    if assignment.status in (Status.EXPIRED, Status.WITHDRAWN):
        raise ValidationError(
            _("该邀请已结束（%(status)s），不能再答复。")
            % {"status": assignment.get_status_display()}
        )
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
    if conflict:
        assignment.ended_at = assignment.declared_at
    assignment.save(update_fields=["declared_at", "conflict_note", "status", "ended_at"])
    if conflict:
        replace_ended(subject, assignment, rng=rng or random.SystemRandom())
    return assignment


@transaction.atomic
def decline(*, actor, assignment, reason: str, rng=None) -> ExpertAssignment:
    """The expert declines the invitation (谢绝, e.g. not available), with a reason that is
    kept; another expert is drawn in their place while experts may still be added."""
    subject = subjects.of_assignment(assignment, lock=True)
    assignment = _own(actor, assignment.pk)
    if assignment.status != Status.PENDING:
        raise ValidationError(_("该邀请已答复或已结束，不能谢绝。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"note": _("请填写谢绝原因。")})
    now = timezone.now()
    assignment.status = Status.DECLINED
    assignment.decline_reason = reason
    assignment.declared_at = now
    assignment.ended_at = now
    assignment.save(update_fields=["status", "decline_reason", "declared_at", "ended_at"])
    replace_ended(subject, assignment, rng=rng or random.SystemRandom())
    return assignment


# Why an invitation ended without a review: the city's message (event, title, sentence).
ENDINGS = {
    Status.RECUSED: (
        "expert_recused",
        gettext_lazy("【专家回避】%(name)s"),
        gettext_lazy("%(expert)s已声明与%(name)s存在利害关系并回避。"),
    ),
    Status.DECLINED: (
        "expert_declined",
        gettext_lazy("【专家谢绝邀请】%(name)s"),
        gettext_lazy("%(expert)s已谢绝%(name)s的评审邀请。"),
    ),
    Status.EXPIRED: (
        "expert_invitation_expired",
        gettext_lazy("【评审邀请逾期】%(name)s"),
        gettext_lazy("%(expert)s未在答复期限内答复%(name)s的评审邀请，邀请已失效。"),
    ),
    Status.WITHDRAWN: (
        "expert_invitation_withdrawn",
        gettext_lazy("【评审邀请撤回】%(name)s"),
        gettext_lazy("%(expert)s已出库，其%(name)s的评审邀请已撤回。"),
    ),
}


def replace_ended(subject, ended, *, rng, today=None):
    """Draw one expert in place of an invitation that ended without a review (recusal,
    decline, expiry, withdrawal) while experts may still be added, and tell city staff."""
    replacement = None
    if subject.assigning:
        try:
            replacement = _draw(
                subject=subject,
                count=1,
                field_id=subject.field_id,
                # Nobody clicked: the draw continues the one the ended invitation came from.
                assigned_by=ended.assigned_by,
                rng=rng,
                replaces=ended,
                today=today,
            )[0]
        except ValidationError:
            replacement = None  # the pool is exhausted: city staff assign by hand
    event, title, sentence = ENDINGS[ended.status]
    names = {"expert": ended.expert.name, "name": subject.display_name}
    body = str(sentence) % names
    if ended.status == Status.RECUSED and ended.conflict_note:
        body += _("回避说明：%(note)s。") % {"note": ended.conflict_note}
    if ended.status == Status.DECLINED:
        body += _("谢绝原因：%(note)s。") % {"note": ended.decline_reason}
    if replacement is not None:
        body += _("已自动补抽专家：%(expert)s。") % {"expert": replacement.expert.name}
    elif subject.assigning:
        body += _("专家库中已无符合条件的专家可补抽，请手动指派。")
    notify(
        recipients=subject.city_recipients(),
        event=event,
        subject=str(title) % names,
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
            status__in=[*ExpertAssignment.ENDED, ExpertAssignment.Status.SUBMITTED]
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


# --- the library: status, integrity, withdrawal (DESIGN.md §16) ---------------------------


def _audit(*, actor, action, expert, **detail) -> None:
    audit(
        kind=AuditEvent.Kind.CHANGE,
        actor=actor,
        path=reverse("experts:pool"),
        detail={
            "model": ExpertProfile._meta.label,
            "object_id": str(expert.pk),
            "object": str(expert),
            "action": action,
            **{k: str(v) for k, v in detail.items()},
        },
    )


def _require_city(actor) -> None:
    if not policy.is_city(actor):
        raise PermissionDenied(_("只有市科技局工作人员可以管理专家库。"))


def withdraw_open(expert, *, rng=None) -> list[ExpertAssignment]:
    """End the expert's open invitations and tasks not yet scored (已撤回), each replaced by
    a new draw where experts may still be added. Lock order subject → assignment, one
    subject at a time, as every other writer of assignments."""
    rng = rng or random.SystemRandom()
    withdrawn = []
    open_ones = ExpertAssignment.objects.filter(
        expert=expert, status__in=OPEN_INVITATIONS
    ).order_by("application_id", "assessment_id", "pk")
    for assignment in list(open_ones):
        subject = subjects.of_assignment(assignment, lock=True)
        changed = ExpertAssignment.objects.filter(
            pk=assignment.pk, status__in=OPEN_INVITATIONS
        ).update(status=Status.WITHDRAWN, ended_at=timezone.now())
        if not changed:
            continue  # answered meanwhile
        assignment.refresh_from_db()
        assignment.expert = expert  # the same expert for all: not read again per invitation
        replace_ended(subject, assignment, rng=rng)
        withdrawn.append(assignment)
    return withdrawn


LIBRARY_STATUSES = (
    ExpertProfile.Status.ACTIVE,
    ExpertProfile.Status.SUSPENDED,
    ExpertProfile.Status.OUT,
)


@transaction.atomic
def set_status(*, actor, expert, status: str, reason: str, rng=None) -> ExpertProfile:
    """City staff put an expert 在库, 暂停 or 出库, with a reason. Leaving the library (出库)
    withdraws the expert's open invitations; an expert under an integrity record in force
    cannot be put back."""
    _require_city(actor)
    expert = ExpertProfile.objects.select_for_update().get(pk=expert.pk)
    reason = (reason or "").strip()
    errors = {}
    if status not in LIBRARY_STATUSES:
        errors["status"] = _("请选择在库、暂停或出库。")
    elif expert.status not in ExpertProfile.IN_LIBRARY:
        errors["status"] = _("该专家的注册尚未核验通过，请在专家注册审核中办理。")
    elif status == expert.status:
        errors["status"] = _("该专家当前已是“%(status)s”。") % {
            "status": expert.get_status_display()
        }
    if not reason:
        errors["reason"] = _("请填写变更原因。")
    today = timezone.localdate()
    if (
        not errors
        and status == ExpertProfile.Status.ACTIVE
        and IntegrityRecord.objects.filter(expert_in_force_q(today), expert=expert).exists()
    ):
        errors["status"] = _("该专家有在期的失信记录，不能恢复在库。")
    if errors:
        raise ValidationError(errors)
    before = expert.status
    expert.status = status
    expert.status_reason = reason
    expert.status_changed_on = today
    expert.save(update_fields=["status", "status_reason", "status_changed_on"])
    _audit(
        actor=actor, action="set_status", expert=expert, before=before, after=status, reason=reason
    )
    if status == ExpertProfile.Status.OUT:
        withdraw_open(expert, rng=rng)
    return expert


@transaction.atomic
def record_misconduct(
    *, actor, expert, reason: str, start_date, decision_number: str = "", rng=None
) -> IntegrityRecord:
    """An integrity record on the expert's person (专家失信记录): the expert leaves the
    library (出库) and their open invitations are withdrawn; the draw never picks them while
    the record is in force."""
    _require_city(actor)
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("请填写失信事由。")
    if start_date is None:
        errors["start_date"] = _("请填写起始日期。")
    if errors:
        raise ValidationError(errors)
    expert = ExpertProfile.objects.select_for_update().get(pk=expert.pk)
    record = IntegrityRecord.objects.create(
        kind=IntegrityRecord.Kind.EXPERT,
        expert=expert,
        start_date=start_date,
        reason=reason,
        decision_number=(decision_number or "").strip(),
        created_by=actor,
    )
    expert.status = ExpertProfile.Status.OUT
    expert.status_reason = _("失信记录：%(reason)s") % {"reason": reason}
    expert.status_changed_on = timezone.localdate()
    expert.save(update_fields=["status", "status_reason", "status_changed_on"])
    _audit(actor=actor, action="record_misconduct", expert=expert, record=record.pk, reason=reason)
    withdraw_open(expert, rng=rng)
    return record

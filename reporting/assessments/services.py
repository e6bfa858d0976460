"""Every write of the assessment (DESIGN.md §14): templates put in force, rounds and their
scope, the lead's self-assessment, the score, the consequences of a grade, rectification
and disqualification proposals, and the daily job's reminders and closing. Keyword-only,
an explicit actor, never a request; state changes go through workflow.perform."""

import logging
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Consortium, ConsortiumProject, MemberChange
from applications.uploads import inspect_upload
from liaoyang_consortia.notifications import notify
from reporting import rules as report_rules
from reporting.assessments import policy, rules, workflow
from reporting.assessments.models import (
    Assessment,
    AssessmentReminder,
    AssessmentState,
    Category,
    DisqualificationProposal,
    Evidence,
    Grade,
    Indicator,
    IndicatorTemplate,
    IndicatorValue,
    Method,
    Rectification,
    Round,
    Source,
)
from reporting.models import AnnualReport

logger = logging.getLogger(__name__)


def _require_city(actor):
    if not policy.is_city(actor):
        raise PermissionDenied(_("只有市科技局工作人员可以办理该事项。"))


def facts(indicators) -> list[rules.IndicatorFacts]:
    return [
        rules.IndicatorFacts(
            id=i.pk,
            name=i.name,
            category=i.category,
            weight=i.weight,
            method=i.method,
            source=i.source,
        )
        for i in indicators
    ]


# --- templates ------------------------------------------------------------------------------


@transaction.atomic
def put_template_in_force(*, actor, template, on: date) -> IndicatorTemplate:
    """Check the weights total 100, make the expert sheet of its expert-scored indicators
    (reviews' ScoreSheet, max points = weight), and date it in force. Frozen from then on."""
    from reviews.models import Criterion, ScoreSheet

    _require_city(actor)
    template = IndicatorTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_in_force:
        raise ValidationError(_("该指标体系已生效，不能重复生效；如需调整，请复制为新版本。"))
    indicators = list(template.indicators.order_by("order", "id"))
    problems = rules.template_problems(facts(indicators))
    if problems:
        raise ValidationError(problems)
    sheet = ScoreSheet.objects.create(
        name=_("%(name)s专家评分表") % {"name": str(template)},
        purpose=ScoreSheet.Purpose.ASSESSMENT,
    )
    for n, indicator in enumerate(i for i in indicators if i.method == Method.EXPERT):
        indicator.criterion = Criterion.objects.create(
            sheet=sheet,
            order=n + 1,
            name=indicator.name,
            description=indicator.guide,
            max_points=indicator.weight,
        )
        indicator.save(update_fields=["criterion"])
    template.score_sheet = sheet
    template.in_force_from = on
    template.save(update_fields=["score_sheet", "in_force_from"])
    return template


@transaction.atomic
def copy_template(*, actor, template, version: str) -> IndicatorTemplate:
    """A new draft version with the same indicators, to change and put in force."""
    _require_city(actor)
    version = (version or "").strip()
    if not version:
        raise ValidationError({"version": _("请填写新版本号。")})
    if IndicatorTemplate.objects.filter(name=template.name, version=version).exists():
        raise ValidationError({"version": _("该版本号已存在。")})
    copy = IndicatorTemplate.objects.create(name=template.name, version=version, note=template.note)
    Indicator.objects.bulk_create(
        Indicator(
            template=copy,
            order=i.order,
            category=i.category,
            name=i.name,
            weight=i.weight,
            method=i.method,
            source=i.source,
            evidence=i.evidence,
            guide=i.guide,
        )
        for i in template.indicators.all()
    )
    return copy


# --- rounds ---------------------------------------------------------------------------------


def default_scope(opens_on: date):
    """Active consortia named at least one year before the round opens."""
    return Consortium.objects.filter(
        status=Consortium.Status.ACTIVE, named_on__lte=rules.one_year_before(opens_on)
    ).order_by("number")


def _round_problems(*, template, opens_on, closes_on, bands, reminder_days):
    errors = {}
    if template is None or not template.is_in_force:
        errors["template"] = _("请选择已生效的指标体系。")
    if opens_on and closes_on and closes_on < opens_on:
        errors["closes_on"] = _("自评截止日期不能早于开始日期。")
    problems = rules.bands_problems(bands)
    if problems:
        errors["band_excellent"] = problems
    try:
        rules.parse_days(reminder_days)
    except ValueError:
        errors["reminder_days"] = _("请填写1至60之间的天数，用逗号分隔，如 7,3,1。")
    return errors


@transaction.atomic
def create_round(
    *,
    actor,
    kind,
    year,
    title,
    template,
    opens_on,
    closes_on,
    band_excellent=Decimal("85"),
    band_good=Decimal("75"),
    band_pass=Decimal("60"),
    reminder_days="7,3,1",
    rectification_months=6,
) -> Round:
    _require_city(actor)
    title = (title or "").strip()
    bands = rules.Bands(band_excellent, band_good, band_pass)
    errors = _round_problems(
        template=template,
        opens_on=opens_on,
        closes_on=closes_on,
        bands=bands,
        reminder_days=reminder_days,
    )
    if not title:
        errors["title"] = _("请填写考核批次名称。")
    if Round.objects.filter(kind=kind, year=year).exists():
        errors["year"] = _("该年度已有同类考核批次。")
    if errors:
        raise ValidationError(errors)
    round_ = Round.objects.create(
        kind=kind,
        year=year,
        title=title,
        template=template,
        opens_on=opens_on,
        closes_on=closes_on,
        band_excellent=band_excellent,
        band_good=band_good,
        band_pass=band_pass,
        reminder_days=",".join(str(d) for d in rules.parse_days(reminder_days)),
        rectification_months=rectification_months,
        created_by=actor,
    )
    Assessment.objects.bulk_create(
        Assessment(round=round_, consortium=c) for c in default_scope(opens_on)
    )
    return round_


def _draft_round(round_) -> Round:
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.status != Round.Status.DRAFT:
        raise ValidationError(_("考核已启动，不能再调整考核范围。"))
    return round_


@transaction.atomic
def add_to_scope(*, actor, round, consortium) -> Assessment:
    _require_city(actor)
    round_ = _draft_round(round)
    if consortium.status != Consortium.Status.ACTIVE:
        raise ValidationError(_("只能将存续的创新联合体纳入考核。"))
    if Assessment.objects.filter(round=round_, consortium=consortium).exists():
        raise ValidationError(_("该创新联合体已在考核范围内。"))
    return Assessment.objects.create(round=round_, consortium=consortium)


@transaction.atomic
def remove_from_scope(*, actor, assessment) -> None:
    _require_city(actor)
    _draft_round(assessment.round)
    Assessment.objects.filter(pk=assessment.pk, state=AssessmentState.ISSUED).delete()


@transaction.atomic
def open_round(*, actor, round) -> Round:
    """Start the self-assessment of every consortium in scope; the leads are told."""
    _require_city(actor)
    round_ = _draft_round(round)
    ids = list(round_.assessments.values_list("pk", flat=True))
    if not ids:
        raise ValidationError(_("考核范围内没有创新联合体。"))
    round_.status = Round.Status.OPEN
    round_.opened_at = timezone.now()
    round_.save(update_fields=["status", "opened_at"])
    # Read once for the round: every assessment in it gets the same value rows.
    indicators = list(round_.template.indicators.all())
    for pk in ids:
        workflow.perform(actor=actor, assessment_id=pk, transition="open", indicators=indicators)
    return round_


def after_open(assessment, *, indicators=None, **kwargs):
    if indicators is None:
        indicators = list(assessment.round.template.indicators.all())
    IndicatorValue.objects.bulk_create(
        (IndicatorValue(assessment=assessment, indicator=i) for i in indicators),
        ignore_conflicts=True,
    )
    refresh_computed(assessment=assessment)


# --- the lead's self-assessment -------------------------------------------------------------


def _editable(actor, assessment_pk) -> Assessment:
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("consortium__lead", "round")
        .get(pk=assessment_pk)
    )
    if not policy.is_lead(actor, assessment):
        raise PermissionDenied(_("只有牵头单位的用户可以填写自评。"))
    if not assessment.is_editable:
        raise ValidationError(
            _("该考核当前为“%(state)s”，不能修改自评。") % {"state": assessment.get_state_display()}
        )
    return assessment


@transaction.atomic
def save_section(*, actor, assessment, category, texts: dict, summary: str | None = None):
    """Save one category's texts (and the summary when given); nothing else changes."""
    assessment = _editable(actor, assessment.pk)
    if category not in Category.values:
        raise ValidationError(_("没有该类别的指标。"))
    values = {
        v.indicator_id: v
        for v in IndicatorValue.objects.filter(
            assessment=assessment, indicator__category=category
        ).select_related("indicator")
    }
    changed = []
    for indicator_id, text in texts.items():
        value = values.get(int(indicator_id))
        if value is None or value.indicator.method != Method.EXPERT:
            continue
        text = (text or "").strip()
        if len(text) > 5000:
            raise ValidationError({f"text_{indicator_id}": _("完成情况不能超过5000字。")})
        value.text = text
        changed.append(value)
    IndicatorValue.objects.bulk_update(changed, ["text", "updated_at"])
    if summary is not None:
        _save_summary(assessment, summary)
    return assessment


@transaction.atomic
def save_summary(*, actor, assessment, summary: str):
    """Save the 自评总结 on its own (its own form on the page)."""
    assessment = _editable(actor, assessment.pk)
    _save_summary(assessment, summary)
    return assessment


def _save_summary(assessment, summary: str) -> None:
    assessment.summary = (summary or "").strip()
    assessment.save(update_fields=["summary"])


@transaction.atomic
def add_evidence(*, actor, assessment, indicator, uploaded_file) -> Evidence:
    assessment = _editable(actor, assessment.pk)
    if indicator.template_id != assessment.round.template_id:
        raise ValidationError(_("该指标不属于本次考核。"))
    info = inspect_upload(uploaded_file)
    evidence = Evidence(
        assessment=assessment,
        indicator=indicator,
        original_name=(uploaded_file.name or "")[:255],
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=actor,
    )
    evidence.file.save("upload", uploaded_file, save=False)
    evidence.save()
    return evidence


@transaction.atomic
def remove_evidence(*, actor, evidence) -> None:
    _editable(actor, evidence.assessment_id)
    Evidence.objects.filter(pk=evidence.pk).delete()
    transaction.on_commit(lambda: evidence.file.delete(save=False))


def submission_problems(assessment) -> list[str]:
    """What the lead must complete before submitting: a text for every expert-scored
    indicator and the summary."""
    missing = list(
        IndicatorValue.objects.filter(
            assessment=assessment, indicator__method=Method.EXPERT, text=""
        )
        .order_by("indicator__order")
        .values_list("indicator__name", flat=True)
    )
    problems = [_("请填写“%(name)s”的完成情况。") % {"name": name} for name in missing]
    if not assessment.summary.strip():
        problems.append(_("请填写自评总结。"))
    return problems


def after_submit(assessment, **kwargs):
    # The computed points are frozen as they stand when the lead submits.
    refresh_computed(assessment=assessment)


# --- computed indicators ---------------------------------------------------------------------


def refresh_computed(*, assessment, today=None) -> None:
    """Fill every computed indicator from what the portal holds for the round's year."""
    year = assessment.round.year
    consortium_id = assessment.consortium_id
    values = list(
        IndicatorValue.objects.filter(
            assessment=assessment, indicator__method=Method.COMPUTED
        ).select_related("indicator")
    )
    if not values:
        return
    report = (
        AnnualReport.objects.filter(consortium_id=consortium_id, year=year)
        .values("status", "submitted_at")
        .first()
    )
    start, end = date(year, 1, 1), date(year, 12, 31)
    counts = {}
    for level in ConsortiumProject.Level.values:
        counts[level] = 0
    for level in ConsortiumProject.objects.filter(
        consortium_id=consortium_id,
        confirmed_at__isnull=False,
        start_date__lte=end,
        end_date__gte=start,
    ).values_list("level", flat=True):
        counts[level] += 1
    changes = MemberChange.objects.filter(consortium_id=consortium_id, created_at__year=year)
    change_counts = {
        "acknowledged": changes.filter(status=MemberChange.Status.ACKNOWLEDGED).count(),
        "returned": changes.filter(status=MemberChange.Status.RETURNED).count(),
        "open_": changes.filter(
            status__in=[MemberChange.Status.DRAFT, MemberChange.Status.FILED]
        ).count(),
    }
    for value in values:
        indicator = value.indicator
        if indicator.source == Source.REPORT_ON_TIME:
            submitted = report and report["submitted_at"]
            result = rules.report_on_time(
                weight=indicator.weight,
                year=year,
                status=report["status"] if report else None,
                submitted_on=timezone.localdate(submitted) if submitted else None,
                deadline=report_rules.due_date(year),
            )
        elif indicator.source == Source.PROJECTS:
            result = rules.projects(weight=indicator.weight, counts=counts)
        else:
            result = rules.member_changes(weight=indicator.weight, **change_counts)
        value.computed_points = result.points
        value.computed_basis = result.basis
    IndicatorValue.objects.bulk_update(values, ["computed_points", "computed_basis", "updated_at"])


# --- the score ------------------------------------------------------------------------------


def score_of(assessment) -> dict:
    """What conclude_review is given: the total, the grade by the round's bands and the
    per-category subtotals (the transition's fields), and each indicator's final points
    (written by after_conclude), from the computed points and the experts' sheets."""
    from reporting.assessments import review

    indicators = list(assessment.round.template.indicators.order_by("order", "id"))
    computed = dict(
        IndicatorValue.objects.filter(
            assessment=assessment, computed_points__isnull=False
        ).values_list("indicator_id", "computed_points")
    )
    result = rules.total(facts(indicators), computed, review.expert_scores(assessment))
    round_ = assessment.round
    bands = rules.Bands(round_.band_excellent, round_.band_good, round_.band_pass)
    return {
        "score": result.score,
        "grade": rules.grade_for(result.score, bands),
        "subtotals": result.subtotals,
        "points": result.points,
    }


def after_conclude(assessment, *, points, **kwargs):
    """Each value's final points, beside the score (the page, the PDF and the notice show
    them)."""
    values = list(IndicatorValue.objects.filter(assessment=assessment, indicator_id__in=points))
    for value in values:
        value.points = points[value.indicator_id]
    IndicatorValue.objects.bulk_update(values, ["points", "updated_at"])


def publication_of(assessment) -> dict:
    """What publish_result is given: 优秀 marks for priority recommendation (art. 18)."""
    return {"priority": rules.consequences(assessment.grade, None).priority}


def missed_grade(assessment) -> dict:
    """What miss_deadline is given: not taking part is failing."""
    return {"grade": Grade.FAIL}


@transaction.atomic
def conclude(*, actor, assessment, comment: str = "") -> Assessment:
    return workflow.perform(
        actor=actor, assessment_id=assessment.pk, transition="conclude_review", comment=comment
    )


# --- consequences ---------------------------------------------------------------------------


def _previous_grade(assessment) -> str | None:
    """The grade of the consortium's previous round of the same kind, if it was graded."""
    previous = (
        Assessment.objects.filter(
            consortium_id=assessment.consortium_id,
            round__kind=assessment.round.kind,
            round__year__lt=assessment.round.year,
        )
        .exclude(grade="")
        .order_by("-round__year")
        .values_list("grade", flat=True)
        .first()
    )
    return previous


def _open_rectification(assessment, today: date) -> tuple[Rectification, bool]:
    return Rectification.objects.get_or_create(
        assessment=assessment,
        defaults={
            "deadline": rules.add_months(today, assessment.round.rectification_months),
        },
    )


def _propose(assessment, reason: str) -> DisqualificationProposal:
    proposal, created = DisqualificationProposal.objects.get_or_create(
        assessment=assessment,
        reason=reason,
        defaults={"consortium_id": assessment.consortium_id},
    )
    if created:
        notify(
            recipients=workflow.recipients("city", assessment),
            event="assessment_disqualification_proposed",
            subject=_("【取消资格建议】%(name)s") % {"name": assessment.consortium.name},
            body=_("%(name)s：%(reason)s，请研究是否取消其创新联合体资格（第二十四条）。")
            % {"name": assessment.consortium.name, "reason": proposal.get_reason_display()},
            url=reverse("assessments:proposals"),
        )
    return proposal


def _apply_consequences(assessment, today: date) -> None:
    outcome = rules.consequences(assessment.grade, _previous_grade(assessment))
    if outcome.rectification:
        rectification, created = _open_rectification(assessment, today)
    if outcome.rectification and created:
        notify(
            recipients=workflow.recipients("lead", assessment),
            event="assessment_rectification",
            subject=_("【限期整改】%(name)s") % {"name": assessment.display_name},
            body=_("考核等次为不合格，请于%(d)s前完成整改并在平台报送整改情况。")
            % {"d": f"{rectification.deadline:%Y年%-m月%-d日}"},
            url=reverse("assessments:detail", args=[assessment.pk]),
        )
    if outcome.proposal:
        _propose(assessment, outcome.proposal)


def after_publish(assessment, *, at=None, today=None, **kwargs):
    _apply_consequences(assessment, today or timezone.localdate(at))
    _finish_if_done(assessment.round_id)


def _finish_if_done(round_id) -> None:
    """The round is done once its self-assessment has closed and every result is out."""
    unpublished = [s for s in AssessmentState.values if s != AssessmentState.PUBLISHED]
    Round.objects.filter(pk=round_id, status=Round.Status.CLOSED).exclude(
        assessments__state__in=unpublished
    ).update(status=Round.Status.FINISHED)


def after_missed(assessment, *, at=None, today=None, **kwargs):
    """Not taking part is failing: the rectification opens now (the result is also listed
    in the round's result notice)."""
    _apply_consequences(assessment, today or timezone.localdate(at))


# --- rectification and proposals ------------------------------------------------------------


@transaction.atomic
def report_rectification(*, actor, rectification, report: str) -> Rectification:
    rectification = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("assessment__consortium__lead", "assessment__round")
        .get(pk=rectification.pk)
    )
    if not policy.is_lead(actor, rectification.assessment):
        raise PermissionDenied(_("只有牵头单位的用户可以报送整改情况。"))
    if rectification.status not in (Rectification.Status.OPEN,):
        raise ValidationError(_("整改情况已报送，待市局复核。"))
    report = (report or "").strip()
    if not report:
        raise ValidationError({"report": _("请填写整改情况。")})
    rectification.report = report
    rectification.reported_at = timezone.now()
    rectification.status = Rectification.Status.SUBMITTED
    rectification.save(update_fields=["report", "reported_at", "status"])
    notify(
        recipients=workflow.recipients("city", rectification.assessment),
        event="assessment_rectification_reported",
        subject=_("【整改情况待复核】%(name)s")
        % {"name": rectification.assessment.consortium.name},
        body=_("%(name)s已报送整改情况，请复核。")
        % {"name": rectification.assessment.consortium.name},
        url=reverse("assessments:detail", args=[rectification.assessment_id]),
    )
    return rectification


@transaction.atomic
def recheck(*, actor, rectification, passed: bool, note: str) -> Rectification:
    """City staff's re-check; a failed one proposes disqualification (a person decides)."""
    _require_city(actor)
    rectification = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("assessment__consortium__lead", "assessment__round")
        .get(pk=rectification.pk)
    )
    if rectification.status not in (Rectification.Status.OPEN, Rectification.Status.SUBMITTED):
        raise ValidationError(_("该整改已复核。"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写复核意见。")})
    rectification.status = Rectification.Status.PASSED if passed else Rectification.Status.FAILED
    rectification.recheck_note = note
    rectification.rechecked_by = actor
    rectification.rechecked_at = timezone.now()
    rectification.save(update_fields=["status", "recheck_note", "rechecked_by", "rechecked_at"])
    reason = rules.recheck_consequence(passed)
    if reason:
        _propose(rectification.assessment, reason)
    notify(
        recipients=workflow.recipients("lead", rectification.assessment),
        event="assessment_rechecked",
        subject=_("【整改复核】%(name)s") % {"name": rectification.assessment.display_name},
        body=_("整改复核结论：%(s)s。复核意见：%(note)s")
        % {"s": rectification.get_status_display(), "note": note},
        url=reverse("assessments:detail", args=[rectification.assessment_id]),
    )
    return rectification


@transaction.atomic
def decide_proposal(
    *, actor, proposal, disqualify: bool, note: str, decision_number: str = "", decided_on=None
) -> DisqualificationProposal:
    """A person decides: disqualify through the existing disqualification (3-year lead ban,
    applications.consortia.disqualify), or decline with a note."""
    from applications import consortia

    _require_city(actor)
    proposal = (
        DisqualificationProposal.objects.select_for_update(of=("self",))
        .select_related("consortium")
        .get(pk=proposal.pk)
    )
    if proposal.status != DisqualificationProposal.Status.OPEN:
        raise ValidationError(_("该建议已有决定。"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写决定说明。")})
    if disqualify:
        consortia.disqualify(
            actor=actor,
            consortium_id=proposal.consortium_id,
            reason=note,
            decision_number=decision_number,
            decided_on=decided_on or timezone.localdate(),
        )
        proposal.status = DisqualificationProposal.Status.DISQUALIFIED
    else:
        proposal.status = DisqualificationProposal.Status.DECLINED
    proposal.note = note
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "note", "decided_by", "decided_at"])
    return proposal


# --- the daily job --------------------------------------------------------------------------


def _remind(assessment, kind: str, subject: str, body: str) -> bool:
    """Send one reminder once: the log row and the message in one transaction."""
    try:
        with transaction.atomic():
            AssessmentReminder.objects.create(assessment=assessment, kind=kind)
            notify(
                recipients=workflow.recipients("lead", assessment),
                event="assessment_reminder",
                subject=subject,
                body=body,
                url=reverse("assessments:detail", args=[assessment.pk]),
            )
    except IntegrityError:
        return False
    return True


def remind(*, today: date) -> int:
    sent = 0
    waiting = (
        Assessment.objects.filter(
            state=AssessmentState.SELF_ASSESSMENT,
            round__status=Round.Status.OPEN,
            round__closes_on__gte=today,
        )
        .select_related("round", "consortium__lead")
        .prefetch_related("reminders")
    )
    for assessment in waiting:
        round_ = assessment.round
        already = {r.kind for r in assessment.reminders.all()}
        for kind in rules.reminders_due(
            today=today, closes_on=round_.closes_on, days=round_.reminder_day_list, sent=already
        ):
            left = (round_.closes_on - today).days
            sent += _remind(
                assessment,
                kind,
                _("【考核自评提醒】%(name)s") % {"name": assessment.display_name},
                _(
                    "%(round)s自评将于%(d)s截止（还有%(n)d天），请尽快填写并提交；逾期未提交的认定为不合格。"
                )
                % {"round": round_.title, "d": f"{round_.closes_on:%Y年%-m月%-d日}", "n": left},
            )
    return sent


def close_round(*, round, today: date, actor=None) -> list[Assessment]:
    """After the closing date: every assessment not submitted is 不合格 (not taking part
    counts as failing) and its rectification opens. Idempotent."""
    if not rules.self_assessment_closed(today=today, closes_on=round.closes_on):
        raise ValidationError(
            _("自评截止日期为%(d)s，截止后方可处理。") % {"d": f"{round.closes_on:%Y年%-m月%-d日}"}
        )
    if actor is not None:
        _require_city(actor)
    missed = []
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if locked.status == Round.Status.OPEN:
            locked.status = Round.Status.CLOSED
            locked.closed_at = timezone.now()
            locked.save(update_fields=["status", "closed_at"])
            _finish_if_done(locked.pk)
        pending = list(
            locked.assessments.filter(
                state__in=[AssessmentState.SELF_ASSESSMENT, AssessmentState.ISSUED]
            ).values_list("pk", flat=True)
        )
        for pk in pending:
            missed.append(
                workflow.perform(
                    actor=actor,
                    assessment_id=pk,
                    transition="miss_deadline",
                    system=actor is None,
                    today=today,
                )
            )
    return missed


def run_daily(*, today: date) -> list[str]:
    """The assessment's part of the daily job: reminders before the closing day, then the
    closing of rounds past it. Each message exactly once."""
    sent = remind(today=today)
    missed = 0
    for round_ in Round.objects.filter(status=Round.Status.OPEN, closes_on__lt=today):
        missed += len(close_round(round=round_, today=today))
    return [
        _("考核自评提醒：%(n)d条") % {"n": sent},
        _("考核逾期未提交认定不合格：%(n)d个") % {"n": missed},
    ]

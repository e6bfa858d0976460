"""Public notices (公示) and objections (异议): every write (DESIGN.md §4, §12, §14).

A notice lists applications that passed the expert review for N statutory working days
(PolicyVersion.notice_working_days). During that period anyone may file a real-name
objection; city staff accept it for verification (the application goes to
objection_review) and record a finding on each. The daily job closes the notices that
ended with nothing pending, and their applications go on to the Party-group meeting.

A round of assessments publishes its results the same way (a result notice lists
assessments instead of applications): the same numbers, working days, objections and
receipts. An assessment has no objection_review state: it stays in result_notice while
its objections are verified, and the daily job publishes it once the notice has ended
with none of them pending.

Every state change goes through applications.workflow.perform (or, for an assessment,
reporting.assessments.workflow.perform), so the policy check, the guard, the log and the
notifications stay in one place.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import policy, workflow
from applications.models import Application, State
from applications.uploads import inspect_upload
from liaoyang_consortia.notifications import notify
from members.models import PolicyVersion
from reporting.assessments.models import Assessment, AssessmentState, RoundKind
from reviews.models import Objection, PublicNotice
from reviews.workdays import add_working_days

logger = logging.getLogger(__name__)

# The states in which an application is "under notice": an objection being verified
# interrupts the notice but does not end it.
UNDER_NOTICE = (State.PUBLIC_NOTICE, State.OBJECTION_REVIEW)
UNRESOLVED = (Objection.Status.RECEIVED, Objection.Status.VERIFYING)
# A round's result notice lists the assessments that have a result (scored, or 不合格 for
# not submitting); it waits while any other is still before its score.
NOTICEABLE = (AssessmentState.SCORED, AssessmentState.NOT_SUBMITTED)
BEFORE_SCORING = (
    AssessmentState.ISSUED,
    AssessmentState.SELF_ASSESSMENT,
    AssessmentState.COUNTY_REVIEW,
    AssessmentState.CITY_INTAKE,
    AssessmentState.EXPERT_REVIEW,
)


@dataclass(frozen=True)
class _Kind:
    """What differs between the two subjects a notice lists, so that one implementation
    of objections serves both: the Objection (and PublicNotice) field naming the subject,
    its model, the states in which it may still be objected to, and the refusals."""

    field: str
    model: type
    under_notice: tuple
    not_listed: str
    gone: str

    def lead_name(self, subject) -> str:
        lead = subject.lead if self.field == "application" else subject.consortium.lead
        return lead.name


APPLICATION = _Kind(
    field="application",
    model=Application,
    under_notice=UNDER_NOTICE,
    not_listed=gettext_lazy("该申请不在本次公示之列。"),
    gone=gettext_lazy("该申请已不在公示中，不再受理异议。"),
)
ASSESSMENT = _Kind(
    field="assessment",
    model=Assessment,
    under_notice=(AssessmentState.RESULT_NOTICE,),
    not_listed=gettext_lazy("该创新联合体不在本次公示之列。"),
    gone=gettext_lazy("该考核结果已不在公示中，不再受理异议。"),
)


def _kind_of(*, application=None, assessment=None) -> tuple[_Kind, object]:
    """The subject given (exactly one of the two) and its kind."""
    if (application is None) == (assessment is None):
        raise ValidationError(_("请选择异议对象。"), code="subject")
    return (APPLICATION, application) if application is not None else (ASSESSMENT, assessment)


_NUMBER = re.compile(r"〔(\d{4})〕(\d+)号$")
# Two clerks publishing (or two people objecting) at the same instant may compute the same
# number; the unique constraint refuses the second, which then takes the next one.
_NUMBER_ATTEMPTS = 5
RECEIPT_PREFIX = "YY"  # 异议
_RECEIPT = re.compile(r"^YY(\d{4})-(\d+)$")


def _date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _require_city(actor) -> None:
    if actor is None or not policy.is_city(actor):
        raise PermissionDenied(_("您无权执行该操作。"))


# --- Numbers -----------------------------------------------------------------------------


def _next_serial(numbers, pattern: re.Pattern, year: int) -> int:
    """One more than the highest running number of `year` among `numbers`, read with
    `pattern` (group 1 the year, group 2 the running number)."""
    used = [
        int(match.group(2))
        for number in numbers
        if (match := pattern.search(number)) and match.group(1) == str(year)
    ]
    return max(used, default=0) + 1


def _save_numbered(instance, *, field: str, allocate) -> None:
    """Save a new `instance` with the number `allocate()` computes in its unique `field`.
    When a concurrent save took that number first, the constraint refuses this one, and
    it takes the next (the savepoint keeps the outer transaction usable)."""
    for attempt in range(_NUMBER_ATTEMPTS):
        setattr(instance, field, allocate())
        try:
            with transaction.atomic():
                instance.save()
            return
        except IntegrityError:
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise


def next_notice_number(on: date) -> str:
    """The next document number (文号) for a notice of `on`'s year, e.g.
    辽市科公示〔2026〕3号: the prefix in force on that day, then a running number per year
    (whatever prefix earlier notices of the year carried)."""
    prefix = PolicyVersion.in_force(on).notice_number_prefix
    marker = f"〔{on.year}〕"
    numbers = PublicNotice.objects.filter(number__contains=marker).values_list("number", flat=True)
    return f"{prefix}{marker}{_next_serial(numbers, _NUMBER, on.year)}号"


def next_receipt_number(on: date) -> str:
    """The next objection receipt number (受理编号) of `on`'s year, e.g. YY2026-0007."""
    start = f"{RECEIPT_PREFIX}{on.year}-"
    numbers = Objection.objects.filter(receipt_number__startswith=start).values_list(
        "receipt_number", flat=True
    )
    return f"{start}{_next_serial(numbers, _RECEIPT, on.year):04d}"


def normalize_receipt_number(value: str) -> str:
    """What a person types (yy2026-7, ＹＹ2026－0007, spaces) as the stored form."""
    text = unicodedata.normalize("NFKC", value or "").strip().upper().replace(" ", "")
    match = re.fullmatch(r"YY(\d{4})[-—–]?(\d{1,6})", text)
    if not match:
        return text
    return f"{RECEIPT_PREFIX}{match.group(1)}-{int(match.group(2)):04d}"


def phone_digits(value: str) -> str:
    """A phone number as its digits only, for comparing what the objector typed twice."""
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))


# --- Publishing --------------------------------------------------------------------------


@transaction.atomic
def publish_notice(
    *, actor, applications, start_date, business_contact, supervision_contact, title=""
) -> PublicNotice:
    """Publish one notice for the given applications (objects or ids), all or nothing:
    every one must have passed the review, and every one moves to public_notice."""
    _require_city(actor)
    ids = sorted({getattr(a, "pk", a) for a in applications})
    if not ids:
        raise ValidationError(_("请至少选择一个申请。"))
    business_contact, supervision_contact = _contacts(business_contact, supervision_contact)
    # Locked in id order, so two clerks publishing overlapping lists cannot deadlock.
    locked = list(Application.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(locked) != len(ids):
        raise ValidationError(_("所选申请不存在，请刷新后重试。"))
    not_ready = [a for a in locked if a.state != State.REVIEW_PASSED]
    if not_ready:
        raise ValidationError(
            _("以下申请不处于“评审通过，待公示”状态，不能发布公示：%(names)s。")
            % {"names": "、".join(a.display_name for a in not_ready)}
        )
    notice = _new_notice(
        actor=actor,
        title=notice_title(title, len(locked)),
        start_date=start_date,
        business_contact=business_contact,
        supervision_contact=supervision_contact,
    )
    notice.applications.set(locked)
    for application in locked:
        workflow.perform(
            actor=actor,
            application_id=application.pk,
            transition="publish_notice",
            notice=notice,
        )
    return notice


def _contacts(business_contact, supervision_contact) -> tuple[str, str]:
    business_contact = (business_contact or "").strip()
    supervision_contact = (supervision_contact or "").strip()
    if not business_contact or not supervision_contact:
        raise ValidationError(_("请填写业务联系人及电话和监督电话。"))
    return business_contact, supervision_contact


def _new_notice(
    *, actor, title, start_date, business_contact, supervision_contact, number=None
) -> PublicNotice:
    """Save a notice (not yet listing anything) for `start_date`'s working days, under the
    next number of the year, or under `number` when city staff gave one."""
    days, end_date = notice_period(start_date)
    notice = PublicNotice(
        title=title,
        start_date=start_date,
        end_date=end_date,
        working_days=days,
        business_contact=business_contact,
        supervision_contact=supervision_contact,
        published_by=actor,
    )
    number = (number or "").strip()
    if not number:
        _save_numbered(notice, field="number", allocate=lambda: next_notice_number(start_date))
        return notice
    notice.number = number
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"number": _("文号“%(number)s”已被使用，请更换或留空自动编号。") % {"number": number}}
        ) from exc
    return notice


def result_notice_problems(assessments) -> list[str]:
    """Why a round's results may not be noticed yet ([] when they may): an assessment
    still before its score holds the whole round back, and there must be a result."""
    unfinished = [a for a in assessments if a.state in BEFORE_SCORING]
    if unfinished:
        return [
            _("以下创新联合体的考核尚未完成评审，暂不能发布结果公示：%(names)s。")
            % {"names": "、".join(a.consortium.name for a in unfinished)}
        ]
    if not any(a.state in NOTICEABLE for a in assessments):
        return [_("本批次没有待公示的考核结果。")]
    return []


def result_notice_title(title: str, round) -> str:
    if (title or "").strip():
        return title.strip()
    if round.kind == RoundKind.TRIENNIAL:
        return _("辽阳市创新联合体%(year)d年三年评估结果公示") % {"year": round.year}
    return _("辽阳市创新联合体%(year)d年度考核结果公示") % {"year": round.year}


def _round_assessments(round):
    return Assessment.objects.filter(round=round).select_related("consortium").order_by("pk")


@transaction.atomic
def publish_result_notice(
    *,
    actor,
    round,
    title,
    start_date,
    business_contact,
    supervision_contact,
    number=None,
) -> PublicNotice:
    """Publish a round's result notice (考核结果公示), all or nothing: it lists every
    assessment of the round that has a result, each of which moves to result_notice."""
    from reporting.assessments import workflow as assessment_workflow

    _require_city(actor)
    business_contact, supervision_contact = _contacts(business_contact, supervision_contact)
    # Locked in id order (as publish_notice): the consortia's rows are only read.
    locked = list(_round_assessments(round).select_for_update(of=("self",)))
    problems = result_notice_problems(locked)
    if problems:
        raise ValidationError(problems)
    listed = [a for a in locked if a.state in NOTICEABLE]
    notice = _new_notice(
        actor=actor,
        title=result_notice_title(title, round),
        start_date=start_date,
        business_contact=business_contact,
        supervision_contact=supervision_contact,
        number=number,
    )
    notice.assessments.set(listed)
    for assessment in listed:
        assessment_workflow.perform(
            actor=actor,
            assessment_id=assessment.pk,
            transition="publish_notice",
            notice=notice,
        )
    return notice


def notice_title(title: str, count: int) -> str:
    return (title or "").strip() or _("关于拟认定%(count)d家辽阳市创新联合体的公示") % {
        "count": count
    }


def notice_period(start_date: date) -> tuple[int, date]:
    """The statutory working days of a notice starting on `start_date`, and its last day."""
    days = PolicyVersion.in_force(start_date).notice_working_days
    return days, add_working_days(start_date, days)


@dataclass(frozen=True)
class NoticeDraft:
    """A notice as it will be published, before it is (发布公示's preview): what the public
    pages read of a PublicNotice, with no number yet (it is given on publishing)."""

    title: str
    start_date: date
    end_date: date
    working_days: int
    business_contact: str
    supervision_contact: str
    applications: QuerySet  # the templates read notice.applications.all
    expected_number: str
    # A result notice's assessments, and why it cannot be published yet (if so).
    assessments: QuerySet | None = None
    problems: tuple[str, ...] = ()


def _draft(
    *, title, start_date, business_contact, supervision_contact, applications, **extra
) -> NoticeDraft:
    days, end_date = notice_period(start_date)
    return NoticeDraft(
        title=title,
        start_date=start_date,
        end_date=end_date,
        working_days=days,
        business_contact=(business_contact or "").strip(),
        supervision_contact=(supervision_contact or "").strip(),
        applications=applications,
        expected_number=next_notice_number(start_date),
        **extra,
    )


def draft_notice(
    *, actor, applications, start_date, business_contact, supervision_contact, title=""
) -> NoticeDraft:
    """What publish_notice would publish with the same input (nothing is written). The
    number is only a forecast: another clerk may publish first."""
    _require_city(actor)
    ids = sorted({getattr(a, "pk", a) for a in applications})
    return _draft(
        title=notice_title(title, len(ids)),
        start_date=start_date,
        business_contact=business_contact,
        supervision_contact=supervision_contact,
        applications=Application.objects.filter(pk__in=ids)
        .select_related("lead__county", "industry_field")
        .order_by("pk"),
    )


def draft_result_notice(
    *, actor, round, title, start_date, business_contact, supervision_contact, number=None
) -> NoticeDraft:
    """What publish_result_notice would publish (nothing is written), with the reasons it
    would refuse, if any."""
    _require_city(actor)
    assessments = list(_round_assessments(round))
    draft = _draft(
        title=result_notice_title(title, round),
        start_date=start_date,
        business_contact=business_contact,
        supervision_contact=supervision_contact,
        applications=Application.objects.none(),
        assessments=Assessment.objects.filter(
            pk__in=[a.pk for a in assessments if a.state in NOTICEABLE]
        ),
        problems=tuple(result_notice_problems(assessments)),
    )
    number = (number or "").strip()
    return replace(draft, expected_number=number) if number else draft


# --- Objections --------------------------------------------------------------------------


def notice_is_open(notice: PublicNotice, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return notice.start_date <= today <= notice.end_date


def check_notice_open(notice: PublicNotice, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if today < notice.start_date:
        raise ValidationError(_("公示尚未开始。"), code="not_started")
    if today > notice.end_date:
        raise ValidationError(
            _("公示期已于%(date)s结束，不再受理异议。") % {"date": _date(notice.end_date)},
            code="ended",
        )


@transaction.atomic
def file_objection(
    *,
    notice,
    application=None,
    assessment=None,
    name,
    unit,
    phone,
    email="",
    reasons,
    evidence=None,
    today=None,
) -> Objection:
    """A member of the public objects to an application under notice, or to a consortium's
    assessment result on a result notice (exactly one of the two; no actor: the public
    files without an account). Real name, unit and phone are required; anonymous
    objections and objections outside the notice period are refused."""
    check_notice_open(notice, today)
    name, unit, phone = (name or "").strip(), (unit or "").strip(), (phone or "").strip()
    reasons = (reasons or "").strip()
    if not (name and unit and phone):
        raise ValidationError(
            _("匿名异议不予受理：请填写真实姓名、工作单位和联系电话。"), code="anonymous"
        )
    if not reasons:
        raise ValidationError({"reasons": _("请写明异议理由。")})
    kind, subject = _kind_of(application=application, assessment=assessment)
    if not getattr(notice, f"{kind.field}s").filter(pk=subject.pk).exists():
        raise ValidationError(str(kind.not_listed), code="not_listed")
    filed_on = today or timezone.localdate()
    # Re-read under a lock: the state on the caller's copy may be stale.
    subject = kind.model.objects.select_for_update().get(pk=subject.pk)
    if subject.state not in kind.under_notice:
        raise ValidationError(str(kind.gone), code="not_under_notice")
    objection = Objection(
        notice=notice,
        **{kind.field: subject},
        objector_name=name,
        objector_unit=unit,
        objector_phone=phone,
        objector_email=(email or "").strip(),
        reasons=reasons,
    )
    if evidence:
        try:
            info = inspect_upload(evidence)
        except ValidationError as exc:
            raise ValidationError({"evidence": exc.messages}) from exc
        objection.evidence_name = (evidence.name or "")[:255]
        objection.evidence_type = info.content_type
        objection.evidence_sha256 = info.sha256
        # The stored name is random (objection_evidence_path); the original is kept above.
        objection.evidence.save("upload", evidence, save=False)
    _save_numbered(
        objection, field="receipt_number", allocate=lambda: next_receipt_number(filed_on)
    )
    # City staff learn that an objection arrived, but not from whom: e-mail bodies travel
    # and are forwarded; the identity stays on the staff page.
    notify(
        recipients=workflow.recipients_for("city", subject),
        event="objection_filed",
        subject=_("【异议】%(name)s收到实名异议") % {"name": subject.display_name},
        body=_(
            "公示（%(number)s）期间，%(name)s（牵头单位：%(lead)s）收到一件实名异议，"
            "请及时登记核查。"
        )
        % {
            "number": notice.number,
            "name": subject.display_name,
            "lead": kind.lead_name(subject),
        },
        url=reverse("notices:objection", args=[objection.pk]),
    )
    return objection


@transaction.atomic
def register_objection(
    *, actor, notice, application=None, assessment=None, received_on, **fields
) -> Objection:
    """City staff register a written objection that came by post or by hand. The same
    rules apply as online, judged on the day it was received (a letter received within
    the notice period but registered later is still in time)."""
    _require_city(actor)
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("收到日期不能晚于今天。")})
    objection = file_objection(
        notice=notice, application=application, assessment=assessment, today=received_on, **fields
    )
    if received_on < timezone.localdate(timezone.now()):
        # received_at is set on insert; the day the letter came is what counts.
        received_at = timezone.make_aware(datetime.combine(received_on, time.min))
        Objection.objects.filter(pk=objection.pk).update(received_at=received_at)
        objection.received_at = received_at
    return objection


def _lock(objection) -> tuple[Application | Assessment, Objection]:
    # The subject first, then the objection: the order every objection write takes.
    kind = APPLICATION if objection.application_id else ASSESSMENT
    subject = kind.model.objects.select_for_update().get(pk=getattr(objection, f"{kind.field}_id"))
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    return subject, objection


@transaction.atomic
def verify_objection(*, actor, objection, note="") -> Objection:
    """City staff accept an objection for verification. The first one interrupts an
    application's notice (open_objection); later ones join the verification already under
    way. An assessment stays in result_notice: its pending objection holds back the
    publication (close_ended_notices)."""
    _require_city(actor)
    subject, objection = _lock(objection)
    if objection.status != Objection.Status.RECEIVED:
        raise ValidationError(_("该异议已受理核查，无需重复操作。"), code="already")
    if objection.application_id:
        _open_objection(actor=actor, application=subject, note=note)
    elif subject.state not in ASSESSMENT.under_notice:
        raise ValidationError(
            _("该考核结果当前状态为“%(state)s”，不能受理异议核查。")
            % {"state": subject.get_state_display()},
            code="state",
        )
    objection.status = Objection.Status.VERIFYING
    objection.handled_by = actor
    objection.save(update_fields=["status", "handled_by"])
    return objection


def _open_objection(*, actor, application, note) -> None:
    if application.state == State.PUBLIC_NOTICE:
        workflow.perform(
            actor=actor,
            application_id=application.pk,
            transition="open_objection",
            comment=note,
        )
    elif application.state != State.OBJECTION_REVIEW:
        raise ValidationError(
            _("该申请当前状态为“%(state)s”，不能受理异议核查。")
            % {"state": application.get_state_display()},
            code="state",
        )


@transaction.atomic
def record_finding(*, actor, objection, outcome, finding, today=None) -> Objection:
    """Record the finding on one objection. When the application has no objection left
    unresolved, the verification ends (resolve_objection): rejected if any objection was
    upheld, otherwise back to the notice while it runs, or on to the Party-group meeting
    once it has ended. An assessment's result is published by the daily job once its
    notice has ended with every objection resolved; an upheld one is shown to city staff
    on the notice page, who correct the result."""
    _require_city(actor)
    today = today or timezone.localdate()
    finding = (finding or "").strip()
    if outcome not in Objection.Outcome.values:
        raise ValidationError({"outcome": _("请选择核查结论。")})
    if not finding:
        raise ValidationError({"finding": _("请填写核查意见。")})
    application, objection = _lock(objection)  # or the assessment
    if objection.status == Objection.Status.RESOLVED:
        raise ValidationError(_("该异议已办结。"), code="resolved")
    if objection.status != Objection.Status.VERIFYING:
        raise ValidationError(_("请先受理核查该异议，再记录核查结论。"), code="not_verifying")
    objection.outcome = outcome
    objection.finding = finding
    objection.status = Objection.Status.RESOLVED
    objection.handled_by = actor
    objection.resolved_at = timezone.now()
    objection.save(update_fields=["outcome", "finding", "status", "handled_by", "resolved_at"])

    if objection.assessment_id or application.state != State.OBJECTION_REVIEW:
        return objection
    if application.objections.filter(status__in=UNRESOLVED).exists():
        return objection  # the verification goes on until every objection has a finding
    notice = application.notices.order_by("-end_date", "-pk").first()
    if application.objections.filter(outcome=Objection.Outcome.UPHELD).exists():
        target = State.REJECTED
    elif notice is not None and today <= notice.end_date:
        target = State.PUBLIC_NOTICE
    else:
        target = State.PARTY_GROUP_REVIEW
    workflow.perform(
        actor=actor,
        application_id=application.pk,
        transition="resolve_objection",
        comment=_round_summary(application),
        outcome=target,
    )
    if notice is not None and target != State.PUBLIC_NOTICE:
        _close_if_done(notice, today)
    return objection


def _round_summary(application) -> str:
    """The findings of this verification round, as the resolve_objection comment the
    applicant reads: outcome and finding only, never who objected."""
    since = application.state_since
    resolved = application.objections.filter(status=Objection.Status.RESOLVED)
    if since is not None:
        resolved = resolved.filter(resolved_at__gte=since)
    return "\n".join(
        f"{o.get_outcome_display()}：{o.finding}" for o in resolved.order_by("received_at", "pk")
    )


# --- The daily job -----------------------------------------------------------------------


def close_ended_notices(*, today: date) -> list[Application]:
    """Close the notices that ended before `today`: each application still in
    public_notice with no unresolved objection goes on to the Party-group meeting
    (close_notice, by the system). Idempotent: a second run finds nothing to do. Each
    application is its own transaction, so one failure does not hold back the rest.
    Result notices are closed too (publish_ended_results); the list returned holds the
    applications only, as the daily report counts them."""
    moved = _by_the_system(
        _ended_without_pending(Application, State.PUBLIC_NOTICE, today),
        perform=workflow.perform,
        id_field="application_id",
        transition="close_notice",
        stale=workflow.StaleApplication,
        today=today,
    )
    publish_ended_results(today=today)
    for notice in PublicNotice.objects.filter(closed_at__isnull=True, end_date__lt=today):
        _close_if_done(notice, today)
    return moved


def publish_ended_results(*, today: date) -> list[Assessment]:
    """Publish each assessment still in result_notice whose notice ended before `today`
    with no objection pending (publish_result, by the system). Exactly once: a published
    assessment is no longer in result_notice, and the transition locks the row."""
    from reporting.assessments import workflow as assessment_workflow

    ended = _ended_without_pending(Assessment, AssessmentState.RESULT_NOTICE, today)
    # An upheld objection means the result must be corrected: a person publishes it then
    # (publish_result on the assessment page, with a note), never the job.
    contested = set(
        Objection.objects.filter(
            assessment_id__in=ended, outcome=Objection.Outcome.UPHELD
        ).values_list("assessment_id", flat=True)
    )
    return _by_the_system(
        [pk for pk in ended if pk not in contested],
        perform=assessment_workflow.perform,
        id_field="assessment_id",
        transition="publish_result",
        stale=assessment_workflow.StaleAssessment,
        today=today,
    )


def _ended_without_pending(model, state, today) -> list[int]:
    """The ids of `model`'s rows in `state` whose last notice ended before `today` and
    that have no objection pending."""
    return list(
        model.objects.filter(state=state)
        .annotate(last_end=Max("notices__end_date"))
        .filter(last_end__lt=today)
        .exclude(objections__status__in=UNRESOLVED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _by_the_system(ids, *, perform, id_field, transition, stale, today) -> list:
    done = []
    for pk in ids:
        try:
            done.append(
                perform(
                    actor=None, system=True, transition=transition, today=today, **{id_field: pk}
                )
            )
        except (ValidationError, stale) as exc:
            # Changed since we looked (an objection arrived, someone acted): next run.
            logger.info("%s %s not done (%s): %s", id_field, pk, transition, exc)
    return done


def _close_if_done(notice: PublicNotice, today: date) -> None:
    """A notice is over once it has ended and none of its applications is still under
    notice (in public_notice, or in objection_review, which may still send it back), nor
    any of its assessments (in result_notice)."""
    if notice.closed_at is not None or today <= notice.end_date:
        return
    if notice.applications.filter(state__in=UNDER_NOTICE).exists():
        return
    if notice.assessments.filter(state__in=ASSESSMENT.under_notice).exists():
        return
    PublicNotice.objects.filter(pk=notice.pk, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )

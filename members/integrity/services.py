"""Writes for integrity records (DESIGN.md §12): keyword-only, an explicit actor, the
change and its audit row in one transaction."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liaoyang_consortia.audit import record as audit
from liaoyang_consortia.models import AuditEvent
from members.integrity import rules
from members.integrity.selectors import is_city
from members.models import IntegrityRecord


def _require_city(actor) -> None:
    if actor is None or not is_city(actor):
        raise PermissionDenied(_("您无权执行该操作。"))


def _audit(*, actor, action, record, **detail) -> None:
    audit(
        kind=AuditEvent.Kind.CHANGE,
        actor=actor,
        path="/integrity/",
        detail={
            "model": IntegrityRecord._meta.label,
            "object_id": str(record.pk),
            "object": str(record),
            "action": action,
            **{k: str(v) for k, v in detail.items()},
        },
    )


@transaction.atomic
def add_record(
    *,
    actor,
    organization,
    kind: str,
    start_date: date,
    end_date: date | None,
    reason: str,
    decision_number: str = "",
) -> IntegrityRecord:
    """Put a unit on the blacklist or bar it from leading (article 24), from start_date
    to end_date inclusive (a lead ban must end; a blacklist entry may stay open)."""
    _require_city(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写事由。")})
    record = IntegrityRecord(
        organization=organization,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        reason=reason,
        decision_number=(decision_number or "").strip(),
        created_by=actor,
    )
    record.full_clean()
    record.save()
    _audit(
        actor=actor,
        action="add",
        record=record,
        kind=kind,
        start_date=start_date,
        end_date=end_date or "",
        decision_number=record.decision_number,
    )
    return record


@transaction.atomic
def end_record(*, actor, record_id: int, end_date: date, reason: str) -> IntegrityRecord:
    """End a record early: `end_date` becomes its last day in force. The reason is kept
    on the record and in the audit trail."""
    _require_city(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写终止原因。")})
    record = IntegrityRecord.objects.select_for_update().get(pk=record_id)
    status = rules.record_status(
        start_date=record.start_date,
        end_date=record.end_date,
        revoked=record.revoked_at is not None or record.ended_at is not None,
        today=timezone.localdate(),
    )
    if status == rules.ENDED:
        raise ValidationError(_("该记录已终止或已到期，无需再终止。"), code="ended")
    problem = rules.end_date_problem(
        start_date=record.start_date, current_end=record.end_date, new_end=end_date
    )
    if problem == "before_start":
        raise ValidationError({"end_date": _("终止日期不能早于起始日期。")})
    if problem == "after_end":
        raise ValidationError(
            {"end_date": _("终止日期不能晚于原截止日期（%(date)s）。") % {"date": record.end_date}}
        )
    previous_end = record.end_date
    record.end_date = end_date
    record.ended_reason = reason
    record.ended_by = actor
    record.ended_at = timezone.now()
    record.save(update_fields=["end_date", "ended_reason", "ended_by", "ended_at"])
    _audit(
        actor=actor,
        action="end",
        record=record,
        end_date=end_date,
        previous_end_date=previous_end or "",
        reason=reason,
    )
    return record


# --- The research-integrity pledge (科研诚信承诺) --------------------------------------------
# The unit's own act, as its confirmation of participation is (members.services): from one
# of its accounts, or through the signed link the lead passes on to a unit without one.


def pledge_token(*, subject, organization) -> str:
    """The signed link token for this unit and subject. Nothing is stored: the signature is
    the proof, and a pledge once given makes the link a read-only receipt."""
    from django.core import signing

    from members.integrity import selectors

    payload = rules.pledge_payload(
        kind=selectors.subject_kind(subject),
        subject_id=subject.pk,
        organization_id=organization.pk,
    )
    return signing.dumps(payload, salt=rules.PLEDGE_SALT, compress=True)


def _locked_subject(subject):
    # Lock the subject row so a pledge and a submission (or a unit's removal) cannot cross.
    return type(subject).objects.select_for_update(of=("self",)).get(pk=subject.pk)


def _already_pledged(pledge) -> ValidationError:
    return ValidationError(
        _("%(unit)s已于%(day)s作出科研诚信承诺（承诺人：%(who)s），承诺作出后不能修改。")
        % {
            "unit": pledge.organization.name,
            "day": f"{pledge.pledged_on:%Y年%-m月%-d日}",
            "who": pledge.person,
        },
        code="already",
    )


def _give(*, subject, organization, person, person_title, via, given_by):
    from members.integrity import selectors
    from members.integrity.models import IntegrityPledge

    person = (person or "").strip()
    person_title = (person_title or "").strip()
    errors = {}
    if not person:
        errors["person"] = _("请填写承诺人姓名。")
    elif len(person) > 50:
        errors["person"] = _("承诺人姓名不能超过50个字。")
    if len(person_title) > 50:
        errors["person_title"] = _("职务不能超过50个字。")
    if errors:
        raise ValidationError(errors)
    subject = _locked_subject(subject)
    kind = selectors.subject_kind(subject)
    existing = (
        IntegrityPledge.objects.filter(**{f"{kind}_id": subject.pk}, organization=organization)
        .select_related("organization")
        .first()
    )
    refusal = rules.pledge_refusal(
        organization_id=organization.pk,
        current_unit_ids=[u.pk for u in selectors.current_units(subject)],
        already_pledged=existing is not None,
        open_=selectors.subject_is_open(subject),
    )
    if refusal == rules.NOT_A_UNIT:
        raise PermissionDenied(_("只能为本单位参与的联合体作出承诺。"))
    if refusal == rules.ALREADY:
        raise _already_pledged(existing)
    if refusal == rules.CLOSED:
        raise ValidationError(_("该申报或考核评估已提交或已结束，不能再作出承诺。"), code="closed")
    pledge = IntegrityPledge.objects.create(
        **{kind: subject},
        organization=organization,
        person=person,
        person_title=person_title,
        pledged_on=timezone.localdate(),
        statement=rules.PLEDGE_STATEMENT,
        via=via,
        given_by=given_by,
    )
    audit(
        kind=AuditEvent.Kind.CHANGE,
        actor=given_by,
        path="/integrity/pledge/",
        detail={
            "model": IntegrityPledge._meta.label,
            "object_id": str(pledge.pk),
            "object": str(pledge),
            "action": "pledge",
            "subject": f"{kind}:{subject.pk}",
            "via": via,
        },
    )
    return pledge


@transaction.atomic
def give_pledge(*, actor, subject, organization, person: str, person_title: str = ""):
    """A user of the unit gives the unit's pledge from their own account: only an applicant
    user whose unit is `organization`, and only for a subject the unit is a current unit of."""
    from members.integrity.models import IntegrityPledge
    from members.selectors import unit_of

    unit = unit_of(actor) if actor is not None else None
    if unit is None or unit.pk != organization.pk:
        raise PermissionDenied(_("只能为本单位参与的联合体作出承诺。"))
    return _give(
        subject=subject,
        organization=organization,
        person=person,
        person_title=person_title,
        via=IntegrityPledge.Via.ACCOUNT,
        given_by=actor,
    )


@transaction.atomic
def give_pledge_by_link(*, token: str, person: str, person_title: str = "", confirmed: bool):
    """The unit's contact pledges through the signed link the lead passed on."""
    from members.integrity import selectors
    from members.integrity.models import IntegrityPledge

    if not confirmed:
        raise ValidationError({"confirmed": _("请勾选“本单位已阅读并作出上述承诺”。")})
    try:
        _kind, subject, organization = selectors.subject_by_token(token)
    except selectors.BadPledgeLink as exc:
        raise ValidationError(exc.reason, code="bad_link") from exc
    try:
        return _give(
            subject=subject,
            organization=organization,
            person=person,
            person_title=person_title,
            via=IntegrityPledge.Via.LINK,
            given_by=None,
        )
    except PermissionDenied as exc:  # removed between the page load and the click
        raise ValidationError(str(exc), code="bad_link") from exc

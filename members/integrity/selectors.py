"""Reads for the integrity pages: city staff only (anyone else gets 404); and for the
research-integrity pledges (科研诚信承诺) of an application's or an assessment's units."""

from datetime import date

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from applications.policy import is_city  # who counts as city staff: the one policy module
from members.integrity import rules
from members.models import IntegrityRecord, Organization
from members.validators import normalize_uscc


def require_city(user) -> None:
    if user is None or not is_city(user):
        raise Http404


def records(user, *, kind="", status="", q="", today: date | None = None):
    """The records, filtered by kind, by status on `today` (rules.IN_FORCE / ENDED /
    NOT_STARTED) and by unit name or credit code; newest first, one query."""
    require_city(user)
    today = today or timezone.localdate()
    rows = IntegrityRecord.objects.select_related(
        "organization", "expert", "created_by", "ended_by"
    )
    if kind in IntegrityRecord.Kind.values:
        rows = rows.filter(kind=kind)
    in_force = IntegrityRecord.in_force_q(today)
    if status == rules.IN_FORCE:
        rows = rows.filter(in_force)
    elif status == rules.ENDED:
        rows = rows.filter(Q(revoked_at__isnull=False) | Q(end_date__lt=today))
    elif status == rules.NOT_STARTED:
        rows = rows.filter(revoked_at__isnull=True, start_date__gt=today)
    q = (q or "").strip()
    if q:
        code = normalize_uscc(q)
        rows = rows.filter(
            Q(organization__name__icontains=q) | Q(organization__uscc=code) | Q(expert__name=q)
        )
    return rows.order_by("-start_date", "-pk")


def with_status(rows, today: date | None = None) -> list[IntegrityRecord]:
    """The rows, each with .status (rules.IN_FORCE / ENDED / NOT_STARTED)."""
    today = today or timezone.localdate()
    listed = list(rows)
    for record in listed:
        record.status = rules.record_status(
            start_date=record.start_date,
            end_date=record.end_date,
            revoked=record.revoked_at is not None,
            today=today,
        )
    return listed


def record_for_staff(user, pk) -> IntegrityRecord:
    require_city(user)
    try:
        return IntegrityRecord.objects.select_related("organization", "expert").get(pk=pk)
    except (IntegrityRecord.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def find_units(text: str) -> list[Organization]:
    """The units a clerk means by `text`: the one with that credit code, else the one of
    that exact name, else those whose name contains it (at most 6, to choose from)."""
    text = (text or "").strip()
    if not text:
        return []
    code = normalize_uscc(text)
    by_code = list(Organization.objects.filter(uscc=code)[:1])
    if by_code:
        return by_code
    exact = list(Organization.objects.filter(name=text)[:2])
    if len(exact) == 1:
        return exact
    return list(Organization.objects.filter(name__icontains=text).order_by("name")[:6])


# --- The research-integrity pledge (科研诚信承诺) --------------------------------------------
# Who counts is always the subject's *current* units: a unit removed from an application (or
# gone from the consortium's roster) is not asked, and a pledge it gave no longer counts.


def subject_kind(subject) -> str:
    from applications.models import Application

    return rules.APPLICATION if isinstance(subject, Application) else rules.ASSESSMENT


def subject_is_open(subject) -> bool:
    """Still in preparation: an application being edited, an assessment not yet submitted."""
    from reporting.assessments.models import AssessmentState

    if subject_kind(subject) == rules.APPLICATION:
        return subject.is_editable
    return subject.state in (AssessmentState.ISSUED, AssessmentState.SELF_ASSESSMENT)


def current_units(subject) -> list[Organization]:
    """The subject's current units, lead first; two queries at most.
    An application: its memberships. An assessment: the consortium's current roster, or
    before the roster was first started the naming-time memberships it starts from (as
    reporting.assessments.review reads them), and always the lead."""
    from applications.models import ConsortiumMember, Membership

    if subject_kind(subject) == rules.APPLICATION:
        rows = (
            Membership.objects.filter(application_id=subject.pk)
            .select_related("organization")
            .order_by("sort_order", "pk")
        )
        units = [m.organization for m in rows]
        lead_id = subject.lead_id
    else:
        consortium = subject.consortium
        lead_id = consortium.lead_id
        rows = list(
            ConsortiumMember.objects.filter(consortium_id=consortium.pk, left_on__isnull=True)
            .select_related("organization")
            .order_by("sort_order", "pk")
        )
        if not rows and not ConsortiumMember.objects.filter(consortium_id=consortium.pk).exists():
            rows = list(
                Membership.objects.filter(application_id=consortium.application_id)
                .select_related("organization")
                .order_by("sort_order", "pk")
            )
        units = [r.organization for r in rows]
        if lead_id not in {u.pk for u in units}:
            units.insert(0, consortium.lead)
    return sorted(units, key=lambda u: u.pk != lead_id)


def pledges_of(subject) -> dict[int, object]:
    """The subject's pledges by organization id (one query)."""
    from members.integrity.models import IntegrityPledge

    field = subject_kind(subject)
    rows = IntegrityPledge.objects.filter(**{f"{field}_id": subject.pk}).select_related("given_by")
    return {p.organization_id: p for p in rows}


def pledge_status(subject) -> list[tuple[Organization, object]]:
    """(unit, its pledge or None) for every current unit, lead first (three queries)."""
    pledges = pledges_of(subject)
    return [(unit, pledges.get(unit.pk)) for unit in current_units(subject)]


def missing_pledge_names(subject) -> list[str]:
    return rules.missing_pledges(
        {u.pk: u.name for u in current_units(subject)}, pledges_of(subject).keys()
    )


def subject_for_pledge(user, kind: str, pk) -> tuple[object, Organization]:
    """(subject, the user's unit) when the user's unit is a current unit of the subject;
    404 otherwise (any other user must not learn that the subject exists)."""
    from applications.models import Application
    from members.selectors import unit_of
    from reporting.assessments.models import Assessment

    organization = unit_of(user)
    if organization is None or kind not in rules.SUBJECT_KINDS:
        raise Http404
    model = Application if kind == rules.APPLICATION else Assessment
    related = ("lead",) if kind == rules.APPLICATION else ("consortium__lead", "round")
    try:
        subject = model.objects.select_related(*related).get(pk=int(pk))
    except (model.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc
    if organization.pk not in {u.pk for u in current_units(subject)}:
        raise Http404
    return subject, organization


def awaited_pledges(organization) -> list[tuple[str, object]]:
    """(kind, subject) for every application being prepared and every assessment not yet
    submitted that this unit is a current unit of and has not pledged for; a fixed number
    of queries whatever their number."""
    from django.db.models import Exists, OuterRef

    from applications.models import EDITABLE_STATES, Application, ConsortiumMember, Membership
    from members.integrity.models import IntegrityPledge
    from reporting.assessments.models import Assessment, AssessmentState

    if organization is None:
        return []
    applications = (
        Application.objects.filter(
            state__in=EDITABLE_STATES,
            pk__in=Membership.objects.filter(organization=organization).values("application_id"),
        )
        .exclude(pledges__organization=organization)
        .select_related("lead")
        .order_by("-updated_at", "pk")
    )
    on_roster = ConsortiumMember.objects.filter(
        consortium_id=OuterRef("consortium_id"), organization=organization, left_on__isnull=True
    )
    any_roster = ConsortiumMember.objects.filter(consortium_id=OuterRef("consortium_id"))
    named_with = Membership.objects.filter(
        application_id=OuterRef("consortium__application_id"), organization=organization
    )
    assessments = (
        Assessment.objects.filter(
            state__in=(AssessmentState.ISSUED, AssessmentState.SELF_ASSESSMENT)
        )
        .filter(
            Q(consortium__lead=organization)
            | Exists(on_roster)
            | (~Exists(any_roster) & Exists(named_with))
        )
        .exclude(
            Exists(
                IntegrityPledge.objects.filter(
                    assessment_id=OuterRef("pk"), organization=organization
                )
            )
        )
        .select_related("consortium__lead", "round")
        .order_by("round__closes_on", "pk")
    )
    return [(rules.APPLICATION, a) for a in applications] + [
        (rules.ASSESSMENT, a) for a in assessments
    ]


class BadPledgeLink(Exception):
    """A pledge link that cannot be used; `reason` is the Chinese text the page shows."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def subject_by_token(token: str) -> tuple[str, object, Organization]:
    """(kind, subject, unit) a signed pledge link names, or BadPledgeLink (tampered,
    expired, or naming something that is gone or a unit no longer of it)."""
    from datetime import timedelta

    from django.core import signing
    from django.utils.translation import gettext as _

    from applications.models import Application
    from reporting.assessments.models import Assessment

    try:
        data = signing.loads(
            token,
            salt=rules.PLEDGE_SALT,
            max_age=timedelta(days=rules.PLEDGE_LINK_MAX_AGE_DAYS),
        )
    except signing.SignatureExpired as exc:
        raise BadPledgeLink(_("该承诺链接已过期，请联系牵头单位重新获取链接。")) from exc
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
        raise BadPledgeLink(
            _("承诺链接无效，请核对链接是否完整，或联系牵头单位重新获取。")
        ) from exc
    parsed = rules.parse_pledge_payload(data)
    if parsed is None:
        raise BadPledgeLink(_("承诺链接无效，请核对链接是否完整，或联系牵头单位重新获取。"))
    kind, subject_id, organization_id = parsed
    model = Application if kind == rules.APPLICATION else Assessment
    related = ("lead",) if kind == rules.APPLICATION else ("consortium__lead", "round")
    subject = model.objects.select_related(*related).filter(pk=subject_id).first()
    units = {u.pk: u for u in current_units(subject)} if subject is not None else {}
    if organization_id not in units:
        raise BadPledgeLink(_("本单位已不在该联合体中，无需再作承诺。请联系牵头单位。"))
    return kind, subject, units[organization_id]


def subject_name(subject) -> str:
    return subject.display_name


def subject_lead(subject) -> Organization:
    if subject_kind(subject) == rules.APPLICATION:
        return subject.lead
    return subject.consortium.lead

"""A named consortium's life after naming (articles 23-24; DESIGN.md §2, §4 "Consortium").

Every write here is a service: keyword-only, an explicit actor, never a request; each checks
who acts itself (views check too, to choose what to show). The pure rules come first, with
no ORM, so they are tested without a database.

- Lifecycle: city staff disqualify (article 24: a 3-year ban on the lead unit, written as an
  IntegrityRecord in the same transaction, which the application rules already honour) or
  dissolve (refused while a confirmed city-level or higher project is running).
- Projects: entered by the lead unit's users, confirmed by city staff; only confirmed ones
  count.
- Member changes: the lead unit records every current member's consent and uploads the
  supplementary agreement, then files; the roster changes only when city staff acknowledge.
- Lead change: filed with a reason; needs city staff's approval while a project runs,
  otherwise acknowledged for the record.

The roster (ConsortiumMember) is started lazily from the application's memberships by
`roster`, so naming (reviews.decisions.services) does not need to know about it. Roster history: a
row is one unit's period in one role; leaving sets left_on; a lead change closes the two
units' rows and opens new ones in their new roles.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from applications import policy
from applications.models import (
    Consortium,
    ConsortiumMember,
    ConsortiumProject,
    LeadChange,
    MemberChange,
    MemberChangeConsent,
    Membership,
)
from applications.uploads import inspect_upload
from liaoyang_consortia.notifications import notify
from members.integrity.services import add_record as add_integrity_record
from members.models import IntegrityRecord, Organization, PolicyVersion
from members.services import unit_group
from members.validators import normalize_uscc

# --- pure rules ------------------------------------------------------------------------

# Article 23 speaks of "city-level or higher" projects: every level the portal records.
MAJOR_LEVELS = (
    ConsortiumProject.Level.CITY,
    ConsortiumProject.Level.PROVINCE,
    ConsortiumProject.Level.NATIONAL,
)


def running_major_project(projects: Iterable, today: date):
    """The first confirmed city-level or higher project running on `today` (start and end
    inclusive), or None. A project is anything with level, start_date, end_date and
    confirmed_at; an unconfirmed one is only the lead unit's word and does not count."""
    for project in sorted(projects, key=lambda p: (p.start_date, p.end_date)):
        if (
            project.confirmed_at is not None
            and project.level in MAJOR_LEVELS
            and project.start_date <= today <= project.end_date
        ):
            return project
    return None


def ban_end(start: date, years: int) -> date:
    """The last day of a ban of `years` years that begins on `start` (3 years from
    2026-05-10 end on 2029-05-09). A ban starting on 29 February ends on 28 February."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February into a common year
        anniversary = start.replace(year=start.year + years, day=28) + timedelta(days=1)
    return anniversary - timedelta(days=1)


def missing_consents(current_unit_ids: Iterable[int], consented_unit_ids: Iterable[int]):
    """The current members that have not consented, in roster order."""
    consented = set(consented_unit_ids)
    return [pk for pk in current_unit_ids if pk not in consented]


@dataclass(frozen=True)
class LeadChangeRoute:
    needs_approval: bool
    project: object | None


def lead_change_route(projects: Iterable, today: date) -> LeadChangeRoute:
    """Article 23: while a city-level or higher project runs, the lead may not change on
    the consortium's own say: city staff must approve. Otherwise it is filed for record."""
    project = running_major_project(projects, today)
    return LeadChangeRoute(needs_approval=project is not None, project=project)


# --- who may do what ----------------------------------------------------------------------


def is_lead_user(user, consortium) -> bool:
    """A user of the consortium's current lead unit (the unit's group)."""
    if not user.is_authenticated:
        return False
    return user.groups.filter(name=unit_group_name(consortium.lead)).exists()


def unit_group_name(organization) -> str:
    # The name members.services.unit_group gives a unit's group; read without creating it.
    return f"unit:{organization.uscc}"


def can_view(user, consortium) -> bool:
    return user.is_authenticated and (policy.is_city(user) or is_lead_user(user, consortium))


def _require_lead(actor, consortium):
    if not is_lead_user(actor, consortium):
        raise PermissionDenied(_("只有牵头单位的用户可以办理该事项。"))


def _require_city(actor):
    if not policy.is_city(actor):
        raise PermissionDenied(_("只有市科技局工作人员可以办理该事项。"))


def _require_active(consortium):
    if consortium.status != Consortium.Status.ACTIVE:
        raise ValidationError(
            _("%(name)s 已%(status)s，不能再办理该事项。")
            % {"name": consortium.name, "status": consortium.get_status_display()}
        )


def _locked(consortium_id) -> Consortium:
    return Consortium.objects.select_for_update().select_related("lead").get(pk=consortium_id)


# --- notifications ----------------------------------------------------------------------


def lead_users(consortium):
    User = get_user_model()
    return list(User.objects.filter(is_active=True, groups=unit_group(consortium.lead)))


def city_staff():
    from applications.workflow import recipients_for

    return recipients_for("city", None)


def _tell(recipients, consortium, event, subject, body):
    notify(
        recipients=recipients,
        event=event,
        subject=_("【%(name)s】%(subject)s") % {"name": consortium.name, "subject": subject},
        body=body,
        url=reverse("consortia:detail", args=[consortium.pk]),
    )


# --- roster -----------------------------------------------------------------------------


@transaction.atomic
def roster(consortium) -> list[ConsortiumMember]:
    """The current roster, lead first. On first use it is started from the application's
    memberships as they were at naming, dated the naming day."""
    rows = _current_rows(consortium)
    if rows:
        return rows
    # Lock, then look again: two first page views at once must not both start it.
    Consortium.objects.select_for_update().filter(pk=consortium.pk).first()
    if ConsortiumMember.objects.filter(consortium=consortium).exists():
        return _current_rows(consortium)
    memberships = Membership.objects.filter(application_id=consortium.application_id).order_by(
        "sort_order", "id"
    )
    ConsortiumMember.objects.bulk_create(
        ConsortiumMember(
            consortium=consortium,
            organization_id=m.organization_id,
            role=(
                ConsortiumMember.Role.LEAD
                if m.organization_id == consortium.lead_id
                else ConsortiumMember.Role.MEMBER
            ),
            joined_on=consortium.named_on,
            sort_order=n,
        )
        for n, m in enumerate(memberships)
    )
    return _current_rows(consortium)


def _current_rows(consortium) -> list[ConsortiumMember]:
    rows = list(
        ConsortiumMember.objects.filter(consortium=consortium, left_on__isnull=True)
        .select_related("organization")
        .order_by("sort_order", "id")
    )
    # The lead first, whatever its place in the agreement.
    return sorted(rows, key=lambda r: r.role != ConsortiumMember.Role.LEAD)


def _next_sort_order(consortium) -> int:
    last = (
        ConsortiumMember.objects.filter(consortium=consortium)
        .order_by("-sort_order")
        .values_list("sort_order", flat=True)
        .first()
    )
    return (last or 0) + 1


# --- lifecycle ----------------------------------------------------------------------------


def _status_inputs(reason, decision_number, decided_on, *, number_required: bool):
    reason = (reason or "").strip()
    decision_number = (decision_number or "").strip()
    problems = []
    if not reason:
        problems.append(_("请填写事由。"))
    if number_required and not decision_number:
        problems.append(_("请填写决定文号。"))
    if decided_on is None:
        problems.append(_("请填写决定日期。"))
    elif decided_on > timezone.localdate():
        problems.append(_("决定日期不能晚于今天。"))
    if problems:
        raise ValidationError(problems)
    return reason, decision_number


def _run(consortium, transition, *, actor, reason, **kwargs):
    try:
        getattr(consortium, transition)(by=actor, description=reason, reason=reason, **kwargs)
        consortium.save()
    except (TransitionNotAllowed, ConcurrentTransition) as exc:
        raise ValidationError(_("该联合体的状态已被他人变更，请刷新后查看。")) from exc


@transaction.atomic
def disqualify(
    *, actor, consortium_id, reason: str, decision_number: str, decided_on: date
) -> Consortium:
    """Article 24: the consortium loses its status and its lead unit may not lead another
    consortium for the years the policy in force sets (3). The ban is an IntegrityRecord,
    written with the change, which the application rules read (lead_not_banned)."""
    _require_city(actor)
    reason, decision_number = _status_inputs(
        reason, decision_number, decided_on, number_required=True
    )
    consortium = _locked(consortium_id)
    _require_active(consortium)
    _run(
        consortium,
        "disqualify",
        actor=actor,
        reason=reason,
        decision_number=decision_number,
        decided_on=decided_on,
    )
    years = PolicyVersion.in_force(decided_on).lead_ban_years
    # The one way a record is written (members.integrity.services): validated and audited
    # like one city staff enter on /integrity/.
    add_integrity_record(
        actor=actor,
        organization=consortium.lead,
        kind=IntegrityRecord.Kind.LEAD_BAN,
        start_date=decided_on,
        end_date=ban_end(decided_on, years),
        reason=_("%(name)s被取消创新联合体资格：%(reason)s")
        % {"name": consortium.name, "reason": reason},
        decision_number=decision_number,
    )
    _tell(
        lead_users(consortium),
        consortium,
        "consortium_disqualified",
        _("取消创新联合体资格"),
        _(
            "依据%(number)s，%(name)s自%(on)s起被取消创新联合体资格。事由：%(reason)s\n"
            "牵头单位%(lead)s %(years)d年内不得牵头组建创新联合体。"
        )
        % {
            "number": decision_number,
            "name": consortium.name,
            "on": f"{decided_on.year}年{decided_on.month}月{decided_on.day}日",
            "reason": reason,
            "lead": consortium.lead.name,
            "years": years,
        },
    )
    return consortium


@transaction.atomic
def dissolve(
    *, actor, consortium_id, reason: str, decision_number: str = "", decided_on: date
) -> Consortium:
    """Article 23: no dissolution while the consortium undertakes a city-level or higher
    project that is running today."""
    _require_city(actor)
    reason, decision_number = _status_inputs(
        reason, decision_number, decided_on, number_required=False
    )
    consortium = _locked(consortium_id)
    _require_active(consortium)
    project = running_major_project(consortium.projects.all(), timezone.localdate())
    if project is not None:
        raise ValidationError(
            _(
                "该联合体正在承担%(level)s科技项目“%(project)s”（%(number)s，至%(end)s），"
                "项目执行期间不得解散。"
            )
            % {
                "level": project.get_level_display(),
                "project": project.name,
                "number": project.number,
                "end": f"{project.end_date.year}年{project.end_date.month}月{project.end_date.day}日",
            },
            code="running_project",
        )
    _run(
        consortium,
        "dissolve",
        actor=actor,
        reason=reason,
        decision_number=decision_number,
        decided_on=decided_on,
    )
    _tell(
        lead_users(consortium),
        consortium,
        "consortium_dissolved",
        _("创新联合体解散"),
        _("%(name)s已于%(on)s解散。事由：%(reason)s")
        % {
            "name": consortium.name,
            "on": f"{decided_on.year}年{decided_on.month}月{decided_on.day}日",
            "reason": reason,
        },
    )
    return consortium


# --- projects -----------------------------------------------------------------------------


@transaction.atomic
def add_project(
    *, actor, consortium, name: str, level: str, number: str, start_date: date, end_date: date
) -> ConsortiumProject:
    _require_lead(actor, consortium)
    _require_active(consortium)
    project = ConsortiumProject(
        consortium=consortium,
        name=(name or "").strip(),
        level=level,
        number=(number or "").strip(),
        start_date=start_date,
        end_date=end_date,
        entered_by=actor,
    )
    project.full_clean()
    if end_date < start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})
    project.save()
    _tell(
        city_staff(),
        consortium,
        "consortium_project_entered",
        _("科技项目待确认"),
        _("牵头单位填报了承担的%(level)s科技项目“%(project)s”（%(number)s），请核实确认。")
        % {"level": project.get_level_display(), "project": project.name, "number": project.number},
    )
    return project


@transaction.atomic
def remove_project(*, actor, project) -> None:
    """The lead unit may take back a project entered by mistake, until it is confirmed."""
    _require_lead(actor, project.consortium)
    project = ConsortiumProject.objects.select_for_update().get(pk=project.pk)
    if project.is_confirmed:
        raise ValidationError(_("该项目已由市科技局确认，不能删除。"))
    project.delete()


@transaction.atomic
def confirm_project(*, actor, project) -> ConsortiumProject:
    _require_city(actor)
    project = ConsortiumProject.objects.select_for_update().get(pk=project.pk)
    if project.is_confirmed:
        return project
    project.confirmed_by = actor
    project.confirmed_at = timezone.now()
    project.save(update_fields=["confirmed_by", "confirmed_at"])
    return project


# --- member changes -------------------------------------------------------------------------


def _open_change_for(consortium, organization):
    return (
        MemberChange.objects.filter(consortium=consortium, organization=organization)
        .exclude(status=MemberChange.Status.ACKNOWLEDGED)
        .first()
    )


def _check_change_fits(change_kind, consortium, organization, current):
    """Raise when the change no longer fits the roster (checked on filing and again on
    acknowledgement: another change may have been acknowledged in between)."""
    on_roster = {row.organization_id: row for row in current}
    if change_kind == MemberChange.Kind.ADD and organization.pk in on_roster:
        raise ValidationError(
            _("%(unit)s 已是本联合体成员单位。") % {"unit": organization.name}, code="member"
        )
    if change_kind == MemberChange.Kind.REMOVE:
        row = on_roster.get(organization.pk)
        if row is None:
            raise ValidationError(
                _("%(unit)s 不是本联合体的现有成员单位。") % {"unit": organization.name},
                code="not_member",
            )
        if row.role == ConsortiumMember.Role.LEAD:
            raise ValidationError(
                _("牵头单位不能通过成员变更退出，请先办理牵头单位变更。"), code="lead"
            )


@transaction.atomic
def create_member_change(
    *,
    actor,
    consortium,
    kind: str,
    reason: str,
    organization=None,
    uscc: str = "",
    name: str = "",
    unit_kind: str = "",
    county=None,
) -> MemberChange:
    """Start a member change. An addition names its unit by code, as on the application: a
    unit the portal knows is reused; an unknown one is registered with the name, kind and
    county given. A removal names a current member."""
    _require_lead(actor, consortium)
    consortium = _locked(consortium.pk)
    _require_active(consortium)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写变更理由。")})
    if kind == MemberChange.Kind.ADD:
        code = normalize_uscc(uscc)
        organization = Organization.objects.filter(uscc=code).first()
        if organization is None:
            if not (name or "").strip() or not unit_kind:
                raise ValidationError(_("平台中还没有该单位，请填写单位名称和单位类型。"))
            organization = Organization(uscc=code, name=name.strip(), kind=unit_kind, county=county)
            organization.full_clean()
            organization.save()
    elif kind == MemberChange.Kind.REMOVE:
        if organization is None:
            raise ValidationError({"organization": _("请选择退出的成员单位。")})
    else:
        raise ValidationError(_("未知的变更类型。"))
    _check_change_fits(kind, consortium, organization, roster(consortium))
    if _open_change_for(consortium, organization) is not None:
        raise ValidationError(
            _("%(unit)s 已有一项未办结的成员变更，请在该项中继续办理。")
            % {"unit": organization.name}
        )
    return MemberChange.objects.create(
        consortium=consortium,
        kind=kind,
        organization=organization,
        reason=reason,
        created_by=actor,
    )


def _editable_change(actor, change) -> MemberChange:
    _require_lead(actor, change.consortium)
    change = MemberChange.objects.select_for_update().select_related("consortium").get(pk=change.pk)
    if not change.is_open:
        raise ValidationError(
            _("该成员变更%(status)s，不能再修改。") % {"status": change.get_status_display()}
        )
    _require_active(change.consortium)
    return change


@transaction.atomic
def record_consent(
    *, actor, change, organization, consented_by: str, consented_on: date
) -> MemberChangeConsent:
    """Record (or correct) a current member's consent: the signatory and the date, as on
    the signed supplementary agreement."""
    change = _editable_change(actor, change)
    current = {row.organization_id for row in roster(change.consortium)}
    if organization.pk not in current:
        raise ValidationError(
            _("%(unit)s 不是本联合体的现有成员单位，无需其同意。") % {"unit": organization.name}
        )
    consented_by = (consented_by or "").strip()
    if not consented_by:
        raise ValidationError({"consented_by": _("请填写签字人。")})
    if consented_on is None or consented_on > timezone.localdate():
        raise ValidationError({"consented_on": _("同意日期不能晚于今天。")})
    consent, _created = MemberChangeConsent.objects.update_or_create(
        change=change,
        organization=organization,
        defaults={
            "consented_by": consented_by[:50],
            "consented_on": consented_on,
            "recorded_by": actor,
        },
    )
    return consent


@transaction.atomic
def upload_agreement(*, actor, change, uploaded_file) -> MemberChange:
    """Store the supplementary agreement scan after checking its content (not its name)."""
    change = _editable_change(actor, change)
    info = inspect_upload(uploaded_file)
    previous = change.agreement.name if change.agreement else ""
    change.agreement_name = (uploaded_file.name or "")[:255]
    change.agreement_type = info.content_type
    change.agreement_sha256 = info.sha256
    change.agreement.save("upload", uploaded_file, save=False)
    change.save(update_fields=["agreement", "agreement_name", "agreement_type", "agreement_sha256"])
    if previous:
        storage = change.agreement.storage
        # The old scan goes only once the new one is committed.
        transaction.on_commit(lambda: storage.delete(previous))
    return change


def consent_status(change, current) -> list[tuple]:
    """(roster row, consent or None) for each current member."""
    consents = {c.organization_id: c for c in change.consents.all()}
    return [(row, consents.get(row.organization_id)) for row in current]


@transaction.atomic
def file_member_change(*, actor, change) -> MemberChange:
    """Send the change to the bureau: only with the scan and every current member's consent
    (the roster as it is now)."""
    change = _editable_change(actor, change)
    current = roster(change.consortium)
    _check_change_fits(change.kind, change.consortium, change.organization, current)
    problems = []
    if not change.agreement:
        problems.append(_("请上传经各成员单位签章的补充协议扫描件。"))
    missing = missing_consents(
        [row.organization_id for row in current],
        change.consents.values_list("organization_id", flat=True),
    )
    if missing:
        names = {row.organization_id: row.organization.name for row in current}
        problems.append(
            _("以下成员单位尚未登记同意：%(units)s。全体现有成员单位同意后方可报备。")
            % {"units": "、".join(names[pk] for pk in missing)}
        )
    if problems:
        raise ValidationError(problems, code="incomplete")
    change.status = MemberChange.Status.FILED
    change.filed_at = timezone.now()
    change.return_reason = ""
    change.save(update_fields=["status", "filed_at", "return_reason"])
    _tell(
        city_staff(),
        change.consortium,
        "member_change_filed",
        _("成员变更待备案"),
        _("%(kind)s：%(unit)s。理由：%(reason)s")
        % {
            "kind": change.get_kind_display(),
            "unit": change.organization.name,
            "reason": change.reason,
        },
    )
    return change


def _filed_change(actor, change) -> MemberChange:
    _require_city(actor)
    change = (
        MemberChange.objects.select_for_update()
        .select_related("consortium", "organization")
        .get(pk=change.pk)
    )
    if change.status != MemberChange.Status.FILED:
        raise ValidationError(
            _("该成员变更当前为“%(status)s”，不在待备案状态。")
            % {"status": change.get_status_display()}
        )
    return change


@transaction.atomic
def acknowledge_member_change(*, actor, change) -> MemberChange:
    """备案: the roster changes now, and only now. A removed unit's row is closed, not
    deleted; an added unit gets a row that names this change."""
    change = _filed_change(actor, change)
    consortium = _locked(change.consortium_id)
    _require_active(consortium)
    current = roster(consortium)
    _check_change_fits(change.kind, consortium, change.organization, current)
    today = timezone.localdate()
    if change.kind == MemberChange.Kind.ADD:
        ConsortiumMember.objects.create(
            consortium=consortium,
            organization=change.organization,
            role=ConsortiumMember.Role.MEMBER,
            joined_on=today,
            via_change=change,
            sort_order=_next_sort_order(consortium),
        )
    else:
        ConsortiumMember.objects.filter(
            consortium=consortium, organization=change.organization, left_on__isnull=True
        ).update(left_on=today)
    change.status = MemberChange.Status.ACKNOWLEDGED
    change.acknowledged_by = actor
    change.acknowledged_at = timezone.now()
    change.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    _tell(
        lead_users(consortium),
        consortium,
        "member_change_acknowledged",
        _("成员变更已备案"),
        _("%(kind)s：%(unit)s，市科技局已备案，成员名单已更新。")
        % {"kind": change.get_kind_display(), "unit": change.organization.name},
    )
    return change


@transaction.atomic
def return_member_change(*, actor, change, reason: str) -> MemberChange:
    change = _filed_change(actor, change)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回原因。")})
    change.status = MemberChange.Status.RETURNED
    change.return_reason = reason
    change.save(update_fields=["status", "return_reason"])
    _tell(
        lead_users(change.consortium),
        change.consortium,
        "member_change_returned",
        _("成员变更被退回"),
        _("%(kind)s：%(unit)s。退回原因：%(reason)s")
        % {
            "kind": change.get_kind_display(),
            "unit": change.organization.name,
            "reason": reason,
        },
    )
    return change


# --- lead change --------------------------------------------------------------------------


@transaction.atomic
def file_lead_change(*, actor, consortium, new_lead, reason: str) -> LeadChange:
    """The lead unit files a change of lead with its reason. The new lead must be a current
    member (a new unit joins by a member change first) and not itself barred from leading."""
    _require_lead(actor, consortium)
    consortium = _locked(consortium.pk)
    _require_active(consortium)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写变更理由。")})
    current = {row.organization_id: row for row in roster(consortium)}
    row = current.get(new_lead.pk)
    if row is None:
        raise ValidationError(
            {"new_lead": _("新牵头单位须为本联合体的现有成员单位。")}, code="not_member"
        )
    if row.role == ConsortiumMember.Role.LEAD:
        raise ValidationError({"new_lead": _("该单位已是牵头单位。")})
    banned = IntegrityRecord.objects.filter(
        IntegrityRecord.in_force_q(timezone.localdate()), organization=new_lead
    ).first()
    if banned is not None:
        raise ValidationError(
            {
                "new_lead": _("%(unit)s 在%(kind)s期内，不能担任牵头单位。")
                % {"unit": new_lead.name, "kind": banned.get_kind_display()}
            }
        )
    if consortium.lead_changes.filter(status=LeadChange.Status.FILED).exists():
        raise ValidationError(_("已有一项牵头单位变更待市科技局办理。"))
    route = lead_change_route(consortium.projects.all(), timezone.localdate())
    change = LeadChange.objects.create(
        consortium=consortium,
        old_lead_id=consortium.lead_id,
        new_lead=new_lead,
        reason=reason,
        needs_approval=route.needs_approval,
        running_project=route.project,
        filed_by=actor,
    )
    _tell(
        city_staff(),
        consortium,
        "lead_change_filed",
        _("牵头单位变更待审批") if route.needs_approval else _("牵头单位变更待备案"),
        _("拟由%(old)s变更为%(new)s。理由：%(reason)s")
        % {"old": consortium.lead.name, "new": new_lead.name, "reason": reason},
    )
    return change


DECISIONS = {
    "approve": LeadChange.Status.APPROVED,
    "refuse": LeadChange.Status.REFUSED,
    "acknowledge": LeadChange.Status.ACKNOWLEDGED,
}


def lead_change_needs_approval(change, *, today=None) -> bool:
    """Approval is needed if it was when filed, or if a project has started running since
    (a change filed for the record cannot slip through once a project runs)."""
    if change.needs_approval:
        return True
    today = today or timezone.localdate()
    return running_major_project(change.consortium.projects.all(), today) is not None


@transaction.atomic
def decide_lead_change(*, actor, change, decision: str, note: str = "") -> LeadChange:
    """City staff approve or refuse a change that needs approval, or acknowledge (备案) one
    that does not. Approved and acknowledged changes take effect at once."""
    _require_city(actor)
    if decision not in DECISIONS:
        raise ValidationError(_("未知的办理结果。"))
    change = (
        LeadChange.objects.select_for_update()
        .select_related("consortium", "new_lead", "old_lead")
        .get(pk=change.pk)
    )
    if change.status != LeadChange.Status.FILED:
        raise ValidationError(
            _("该牵头单位变更已办理（%(status)s）。") % {"status": change.get_status_display()}
        )
    consortium = _locked(change.consortium_id)
    _require_active(consortium)
    note = (note or "").strip()
    needs_approval = lead_change_needs_approval(change)
    if needs_approval and decision == "acknowledge":
        raise ValidationError(
            _(
                "该联合体正在承担市级以上科技项目，牵头单位变更须审批（批准或不予批准），不能仅备案。"
            )
        )
    if not needs_approval and decision != "acknowledge":
        raise ValidationError(
            _("该联合体当前没有在研的市级以上科技项目，牵头单位变更报市科技局备案即可。")
        )
    if decision == "refuse" and not note:
        raise ValidationError({"note": _("请填写不予批准的理由。")})
    if decision != "refuse":
        _apply_lead_change(change, consortium)
    change.status = DECISIONS[decision]
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    # Both units' users hear of it: the old lead filed it, the new one now answers for it.
    recipients = [*lead_users(consortium)]
    if decision != "refuse":
        recipients += list(
            # By the group's name: unit_group here would read (and maybe create) a second
            # group row after lead_users' one, a repeated read on every decision.
            get_user_model().objects.filter(
                is_active=True, groups__name=unit_group_name(change.old_lead)
            )
        )
    _tell(
        recipients,
        consortium,
        f"lead_change_{decision}",
        _("牵头单位变更%(status)s") % {"status": change.get_status_display()},
        _("由%(old)s变更为%(new)s：%(status)s。%(note)s")
        % {
            "old": change.old_lead.name,
            "new": change.new_lead.name,
            "status": change.get_status_display(),
            "note": note,
        },
    )
    return change


def _apply_lead_change(change, consortium):
    current = {row.organization_id: row for row in roster(consortium)}
    new_row = current.get(change.new_lead_id)
    if new_row is None:
        raise ValidationError(_("新牵头单位已不在成员名单中，不能变更。"))
    banned = IntegrityRecord.objects.filter(
        IntegrityRecord.in_force_q(timezone.localdate()), organization_id=change.new_lead_id
    ).exists()
    if banned:
        raise ValidationError(_("新牵头单位现有诚信记录在效，不能担任牵头单位。"))
    today = timezone.localdate()
    old_row = current.get(consortium.lead_id)
    closing = [r for r in (old_row, new_row) if r is not None]
    ConsortiumMember.objects.filter(pk__in=[r.pk for r in closing]).update(left_on=today)
    if old_row is not None:
        ConsortiumMember.objects.create(
            consortium=consortium,
            organization_id=old_row.organization_id,
            role=ConsortiumMember.Role.MEMBER,
            joined_on=today,
            via_lead_change=change,
            sort_order=new_row.sort_order,
        )
    ConsortiumMember.objects.create(
        consortium=consortium,
        organization_id=change.new_lead_id,
        role=ConsortiumMember.Role.LEAD,
        joined_on=today,
        via_lead_change=change,
        sort_order=old_row.sort_order if old_row is not None else 0,
    )
    consortium.lead_id = change.new_lead_id
    consortium.save(update_fields=["lead"])

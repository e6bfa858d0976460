"""Every write to an application. Keyword-only, an explicit actor, never a request.

Each service checks the policy itself (views check it too, to choose what to show), so a
caller that forgets cannot write what the actor may not.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import policy, workflow
from applications.models import (
    Agreement,
    Application,
    ApplicationGroupObjectPermission,
    Attachment,
    ChiefExpert,
    Justification,
    Membership,
    State,
)
from applications.uploads import inspect_upload
from members.models import Organization, PolicyVersion
from members.services import unit_group
from members.validators import normalize_uscc

# Kept here too so callers of the applicant's services need one import.
StaleApplication = workflow.StaleApplication


def _require_edit(actor, application):
    if not policy.can_edit(actor, application):
        raise PermissionDenied(_("该申请当前不可修改。"))


@transaction.atomic
def create_application(*, actor) -> Application:
    """A new draft led by the actor's unit; the unit's users own it."""
    if not policy.can_create(actor):
        raise PermissionDenied(_("只有申报单位的用户可以新建申报。"))
    lead = actor.profile.organization
    application = Application.objects.create(lead=lead, created_by=actor)
    Membership.objects.create(application=application, organization=lead, role=Membership.Role.LEAD)
    # The unit's group owns it: guardian's two object permissions, written in one insert
    # to its direct table (assign_perm would read and get_or_create per permission).
    group = unit_group(lead)
    ApplicationGroupObjectPermission.objects.bulk_create(
        ApplicationGroupObjectPermission(group=group, permission=perm, content_object=application)
        for perm in policy.owner_permissions()
    )
    return application


@transaction.atomic
def save_fields(*, actor, application, values: dict) -> Application:
    """Save some of the application's own fields (a section, or the valid part of one)."""
    _require_edit(actor, application)
    allowed = {f.name for f in Application._meta.concrete_fields} - {
        "id",
        "state",
        "lead",
        "policy_version",
        "submitted_at",
        "created_by",
        "created_at",
        "updated_at",
    }
    for name, value in values.items():
        if name not in allowed:
            raise ValueError(f"{name} is not an editable application field")
        setattr(application, name, value)
    application.save(update_fields=[*values, "updated_at"])
    return application


def _touch(application):
    application.save(update_fields=["updated_at"])


@transaction.atomic
def add_member(*, actor, application, uscc, name="", kind="", county=None) -> Membership:
    """Add a unit by its code: a unit the portal knows is reused as it is; an unknown one
    is registered with the name, kind and county given."""
    _require_edit(actor, application)
    code = normalize_uscc(uscc)
    organization = Organization.objects.filter(uscc=code).first()
    if organization is None:
        if not name.strip() or not kind:
            raise ValidationError(_("平台中还没有该单位，请填写单位名称和单位类型。"))
        organization = Organization(uscc=code, name=name.strip(), kind=kind, county=county)
        organization.full_clean()
        organization.save()
    if application.memberships.filter(organization=organization).exists():
        raise ValidationError(
            _("%(name)s 已在成员名单中。") % {"name": organization.name}, code="duplicate"
        )
    last = application.memberships.order_by("-sort_order").values_list("sort_order", flat=True)
    membership = Membership.objects.create(
        application=application,
        organization=organization,
        role=Membership.Role.MEMBER,
        sort_order=(last.first() or 0) + 1,
    )
    _touch(application)
    return membership


@transaction.atomic
def update_member(*, actor, membership, values: dict) -> Membership:
    _require_edit(actor, membership.application)
    editable = {
        "task_share",
        "contribution_funds",
        "contribution_technology",
        "contribution_people",
        "contribution_equipment",
        "contribution_space",
        "signatory",
        "signed_on",
        "sealed",
    }
    changed = set(values) - editable
    if changed:
        raise ValueError(f"not editable: {sorted(changed)}")
    share_changed = values.get("task_share", membership.task_share) != membership.task_share
    for name, value in values.items():
        setattr(membership, name, value)
    fields = list(values)
    if share_changed and membership.confirmed_at:
        # The unit confirmed another share: it must confirm the new one.
        membership.confirmed_at, membership.confirmed_by = None, ""
        fields += ["confirmed_at", "confirmed_by"]
    membership.save(update_fields=fields)
    _touch(membership.application)
    return membership


@transaction.atomic
def remove_member(*, actor, membership) -> None:
    _require_edit(actor, membership.application)
    if membership.role == Membership.Role.LEAD:
        raise ValidationError(_("牵头单位不能从名单中移除。"))
    application = membership.application
    membership.delete()
    _touch(application)


@transaction.atomic
def confirm_membership(*, membership, confirmed_by: str) -> Membership:
    """The member unit confirms its participation and task share (from its own account or
    the one-time link sent to its contact)."""
    if membership.application.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError(_("该申请已提交，无需再确认。"))
    membership.confirmed_at = timezone.now()
    membership.confirmed_by = confirmed_by[:100]
    membership.save(update_fields=["confirmed_at", "confirmed_by"])
    return membership


@transaction.atomic
def save_agreement(*, actor, application, duration_years, signed_on, clauses: dict) -> Agreement:
    _require_edit(actor, application)
    agreement, _ = Agreement.objects.update_or_create(
        application=application,
        defaults={
            "duration_years": duration_years,
            "signed_on": signed_on,
            "clauses": {code: (ref or "").strip() for code, ref in clauses.items()},
        },
    )
    _touch(application)
    return agreement


@transaction.atomic
def add_chief_expert(*, actor, application, values: dict) -> ChiefExpert:
    _require_edit(actor, application)
    expert = ChiefExpert(application=application, **values)
    expert.full_clean()
    expert.save()
    _touch(application)
    return expert


@transaction.atomic
def remove_chief_expert(*, actor, expert) -> None:
    _require_edit(actor, expert.application)
    application = expert.application
    expert.delete()
    _touch(application)


@transaction.atomic
def add_attachment(*, actor, application, kind, uploaded_file) -> Attachment:
    """Store an upload after checking its content (not its name or the browser's type)."""
    _require_edit(actor, application)
    info = inspect_upload(uploaded_file)
    attachment = Attachment(
        application=application,
        kind=kind,
        original_name=uploaded_file.name[:255],
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=actor,
    )
    attachment.file.save("upload", uploaded_file, save=False)
    attachment.save()
    _touch(application)
    return attachment


@transaction.atomic
def remove_attachment(*, actor, attachment) -> None:
    _require_edit(actor, attachment.application)
    application = attachment.application
    stored = attachment.file
    attachment.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: stored.storage.delete(stored.name))
    _touch(application)


@transaction.atomic
def save_justification(*, actor, application, code: str, text: str) -> Justification | None:
    """Keep (or, when emptied, drop) the written reason for departing from a 原则上 rule."""
    _require_edit(actor, application)
    text = text.strip()
    if not text:
        application.justifications.filter(code=code).delete()
        return None
    justification, _ = Justification.objects.update_or_create(
        application=application, code=code, defaults={"text": text, "updated_by": actor}
    )
    return justification


def submit(*, actor, application_id, change_note: str = "") -> Application:
    """Submit to the county bureau: the rules are checked again on the locked row, and the
    thresholds in force today are kept on the application. After a return the applicant
    says what was changed (`change_note`, the 修改说明): it is kept as the submission's
    comment, which the county reads beside the changes."""
    today = timezone.localdate()
    version = PolicyVersion.in_force(today)
    if version.pk is None:
        version.save()  # keep the thresholds this application is judged by
    return workflow.perform(
        actor=actor,
        application_id=application_id,
        transition="submit",
        comment=change_note,
        policy_version=version,
        at=timezone.now(),
    )

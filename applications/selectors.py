"""Reads of applications. Every list is one query whatever its length (DESIGN.md §11)."""

from datetime import date

from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from applications import rules
from applications.models import (
    AGREEMENT_CLAUSES,
    MECHANISMS,
    Agreement,
    Application,
    Attachment,
    Membership,
)
from applications.policy import VIEW
from members.models import IntegrityRecord, PolicyVersion
from members.roles import Role, roles_of


def visible_applications(user):
    """The applications this user may open (guardian object permissions)."""
    return get_objects_for_user(user, VIEW, klass=Application, accept_global_perms=True)


def work_list_for(user):
    """The applications waiting for this user, by role, newest first."""
    roles = roles_of(user)
    if Role.APPLICANT in roles or Role.ADMIN in roles:
        return list(
            visible_applications(user)
            .select_related("lead__county", "industry_field")
            .order_by("-updated_at")[:200]
        )
    return []


def application_for(user, pk, *, for_update=False) -> Application:
    """The application, or 404 if it does not exist or this user may not see it."""
    qs = visible_applications(user).select_related("lead__county", "industry_field")
    try:
        return qs.get(pk=pk)
    except (Application.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def application_page(application):
    """Everything the application page shows, in a fixed number of queries."""
    memberships = list(
        application.memberships.select_related("organization__county").order_by("sort_order", "id")
    )
    return {
        "memberships": memberships,
        "agreement": agreement_of(application),
        "experts": list(application.chief_experts.all()),
        "attachments": list(application.attachments.select_related("uploaded_by")),
        "justifications": {j.code: j for j in application.justifications.all()},
    }


def agreement_of(application) -> Agreement | None:
    try:
        return application.agreement
    except Agreement.DoesNotExist:
        return None


def policy_for(application, on=None) -> rules.Policy:
    """The thresholds that judge this application: those kept at submission, else today's."""
    version = application.policy_version or PolicyVersion.in_force(on or timezone.localdate())
    return rules.Policy(min_units=version.min_units, min_rd_ratio=version.min_rd_ratio)


def application_facts(application, *, on=None, page=None) -> rules.Facts:
    """The facts the rules judge, read in a fixed number of queries."""
    on = on or timezone.localdate()
    page = page or application_page(application)
    memberships = page["memberships"]
    unit_ids = [m.organization_id for m in memberships]
    records = IntegrityRecord.objects.filter(
        IntegrityRecord.in_force_q(on), organization_id__in=unit_ids
    )
    blacklisted, lead_banned_until = set(), None
    for record in records:
        if record.kind == IntegrityRecord.Kind.BLACKLIST:
            blacklisted.add(record.organization_id)
        elif record.organization_id == application.lead_id:
            # A ban without an end date lasts until revoked.
            until = record.end_date or date.max
            lead_banned_until = max(until, lead_banned_until or until)
    agreement = page["agreement"]
    return rules.Facts(
        name_core=application.name_core,
        industry_chosen=application.industry_field_id is not None,
        industry_in_scope=bool(
            application.industry_field_id
            and application.industry_field.in_scope
            and application.industry_field.is_active
        ),
        units=tuple(
            rules.Unit(
                name=m.organization.name,
                uscc=m.organization.uscc,
                kind=m.organization.kind,
                is_lead=m.role == Membership.Role.LEAD,
                in_liaoyang=m.organization.in_liaoyang,
                signed=m.is_signed,
                confirmed=m.confirmed_at is not None,
                blacklisted=m.organization_id in blacklisted,
            )
            for m in memberships
        ),
        lead_sales_revenue=application.lead_sales_revenue,
        lead_rd_spend=application.lead_rd_spend,
        lead_platforms=application.lead_platforms,
        lead_projects=application.lead_projects,
        plan=plan_parts(application),
        council=application.council,
        research_team=application.research_team,
        has_agreement=agreement is not None,
        agreement_duration_years=agreement.duration_years if agreement else None,
        agreement_signed_on=agreement.signed_on if agreement else None,
        agreement_clauses={
            str(label): agreement.clause_reference(code) if agreement else ""
            for code, label in AGREEMENT_CLAUSES
        },
        agreement_scan_uploaded=any(
            a.kind == Attachment.Kind.AGREEMENT_SCAN for a in page["attachments"]
        ),
        chief_experts=len(page["experts"]),
        lead_banned_until=lead_banned_until,
    )


PLAN_FIELDS = [
    "goals",
    "key_technologies",
    "roadmap",
    "tasks",
    *[n for n, _ in MECHANISMS],
    "resources",
    "fund_supervision",
]


def plan_parts(application) -> dict[str, str]:
    return {
        str(Application._meta.get_field(name).verbose_name): getattr(application, name)
        for name in PLAN_FIELDS
    }


def findings_for(application, *, page=None) -> list[rules.Finding]:
    return rules.check(application_facts(application, page=page), policy_for(application))

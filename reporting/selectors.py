"""Every read of annual reports, and who may do what with them (DESIGN.md §5).

Who sees a report:
- the users of the consortium's lead unit (the unit's group, members.services.unit_group),
  who fill it in and submit it;
- city staff and admins, who accept or return it.
Everyone else gets 404.
"""

from django.contrib.auth import get_user_model
from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Concat
from django.http import Http404

from applications.models import Consortium
from applications.policy import is_city
from members.models import Organization
from members.roles import UNIT_GROUP_PREFIX, Role, has_role
from reporting.models import OPEN_STATUSES, AnnualReport, ReportStatus


def unit_group_name(organization) -> str:
    # The name members.services.unit_group gives a unit's group (read without creating it).
    return f"{UNIT_GROUP_PREFIX}{organization.uscc}"


def led_units_q(user) -> Q:
    """The organizations whose unit group the user belongs to, as a filter on
    Organization (a subquery: no extra round trip)."""
    names = user.groups.filter(name__startswith=UNIT_GROUP_PREFIX).values("name")
    ids = (
        Organization.objects.annotate(
            group_name=Concat(Value(UNIT_GROUP_PREFIX), "uscc", output_field=CharField())
        )
        .filter(group_name__in=names)
        .values("pk")
    )
    return Q(pk__in=ids)


def visible_q(user) -> Q:
    """The reports a user may open, as one filter on AnnualReport."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if is_city(user):
        return Q()
    led = Organization.objects.filter(led_units_q(user)).values("pk")
    return Q(consortium__lead__in=led)


def may_open_list(user) -> bool:
    """City staff, and applicants (their unit may lead a consortium; the list says so if
    not). County reviewers and experts have no business with the reports: 404."""
    return is_city(user) or has_role(user, Role.APPLICANT)


def is_lead_user(user, report) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.groups.filter(name=unit_group_name(report.consortium.lead)).exists()


def can_edit(user, report) -> bool:
    return report.status in OPEN_STATUSES and is_lead_user(user, report)


def can_decide(user, report) -> bool:
    return report.status == ReportStatus.SUBMITTED and is_city(user)


def report_for(user, pk) -> AnnualReport:
    """The report if the user may see it, else 404 (no existence leak)."""
    report = (
        AnnualReport.objects.filter(visible_q(user), pk=pk)
        .select_related(
            "consortium",
            "consortium__lead",
            "consortium__industry_field",
            "submitted_by",
            "decided_by",
        )
        .first()
    )
    if report is None:
        raise Http404
    return report


def report_list(user, *, status: str = "", overdue: bool = False, year: int | None = None):
    """The reports the user may open, newest year first, filtered; a fixed number of
    queries whatever the number of rows."""
    qs = (
        AnnualReport.objects.filter(visible_q(user))
        .select_related("consortium", "consortium__lead")
        .annotate(attachment_count=Count("attachments"))
        .order_by("-year", "consortium__number")
    )
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(is_overdue=True)
    if year:
        qs = qs.filter(year=year)
    return qs


def status_counts(user) -> dict[str, int]:
    rows = (
        AnnualReport.objects.filter(visible_q(user))
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["status"]: row["n"] for row in rows}
    counts["overdue"] = AnnualReport.objects.filter(visible_q(user), is_overdue=True).count()
    return counts


def led_consortia(user):
    """The active consortia the user's unit leads (to explain an empty list)."""
    return Consortium.objects.filter(
        lead__in=Organization.objects.filter(led_units_q(user)).values("pk")
    ).order_by("number")


def lead_users(consortium) -> list:
    """The active users of the consortium's lead unit: whom its reports concern."""
    User = get_user_model()
    return list(User.objects.filter(is_active=True, groups__name=unit_group_name(consortium.lead)))


def city_users() -> list:
    User = get_user_model()
    return list(User.objects.filter(is_active=True, groups__name=Role.CITY_STAFF.value))


def timeline(report) -> list:
    """The report's transitions (django-fsm-log), oldest first."""
    from django.contrib.contenttypes.models import ContentType
    from django_fsm_log.models import StateLog

    return list(
        StateLog.objects.filter(
            content_type=ContentType.objects.get_for_model(AnnualReport), object_id=report.pk
        )
        .select_related("by")
        .order_by("timestamp", "pk")
    )

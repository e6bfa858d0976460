"""The application form as a PDF (《辽阳市创新联合体组建申请表》, DESIGN.md §7).

WeasyPrint renders templates/pdf/application_form.html with the Noto CJK fonts of Debian's
fonts-noto-cjk; it subsets them, so a form stays small. The data is loaded in a fixed number
of queries whatever the number of units, and no request is needed (a Celery task can call it).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.models import AGREEMENT_CLAUSES, MECHANISMS, Application, Membership
from members.integrity.models import IntegrityPledge
from members.integrity.rules import PLEDGE_STATEMENT

TEMPLATE = "pdf/application_form.html"


def format_money(value: Decimal | None) -> str:
    """万元 with thousands separators and two decimals: "52,000.00"; "—" when unknown.

    Done here rather than with floatformat:"2g", which follows the zh-hans locale: it has no
    thousands separator (and groups by four digits)."""
    if value is None:
        return "—"
    return f"{value:,.2f}"


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.1f} KB"


def contributions(membership: Membership) -> str:
    parts = []
    if membership.contribution_funds is not None:
        parts.append(
            _("资金 %(amount)s 万元") % {"amount": format_money(membership.contribution_funds)}
        )
    if membership.contribution_technology:
        parts.append(_("技术：%(text)s") % {"text": membership.contribution_technology})
    if membership.contribution_people is not None:
        parts.append(_("人员 %(count)s 人") % {"count": membership.contribution_people})
    if membership.contribution_equipment:
        parts.append(_("设备：%(text)s") % {"text": membership.contribution_equipment})
    if membership.contribution_space:
        parts.append(_("场地：%(text)s") % {"text": membership.contribution_space})
    return "；".join(parts)


def load_application(pk) -> Application:
    """The application with all the form shows, in five queries."""
    return (
        Application.objects.select_related("lead", "lead__county", "industry_field", "agreement")
        .prefetch_related(
            Prefetch(
                "memberships",
                # "lead" sorts before "member": the lead first, then the members.
                queryset=Membership.objects.select_related("organization").order_by(
                    "role", "sort_order", "id"
                ),
            ),
            "chief_experts",
            "attachments",
            Prefetch("pledges", queryset=IntegrityPledge.objects.select_related("organization")),
        )
        .get(pk=pk)
    )


def build_context(application: Application) -> dict:
    try:
        agreement = application.agreement
    except ObjectDoesNotExist:
        agreement = None
    memberships = [
        {
            "membership": m,
            "organization": m.organization,
            "is_lead": m.role == Membership.Role.LEAD,
            "contributions": contributions(m),
        }
        for m in application.memberships.all()
    ]
    clauses = [
        {
            "label": label,
            "reference": agreement.clause_reference(code) if agreement else "",
        }
        for code, label in AGREEMENT_CLAUSES
    ]
    plan = [
        (_("建设目标"), application.goals),
        (_("拟攻克的关键核心技术"), application.key_technologies),
        (_("技术路线图"), application.roadmap),
        (_("主要任务"), application.tasks),
        *[(label, getattr(application, field)) for field, label in MECHANISMS],
        (_("资源保障"), application.resources),
        (_("资金监管"), application.fund_supervision),
        (_("理事会组成"), application.council),
        (_("研发团队"), application.research_team),
        (
            _("计划建设期"),
            _("%(years)s 年") % {"years": application.duration_years}
            if application.duration_years
            else "",
        ),
    ]
    attachments = [
        {
            "attachment": a,
            "size": format_size(a.size),
            "digest": a.sha256[:12],
        }
        for a in application.attachments.all()
    ]
    # The research-integrity pledges of the current units only, in the units' order; the
    # statement is printed once per distinct wording (one, unless the text changed between
    # two units' pledges).
    pledge_by_unit = {p.organization_id: p for p in application.pledges.all()}
    pledges = [
        {"organization": row["organization"], "pledge": pledge_by_unit.get(row["organization"].pk)}
        for row in memberships
    ]
    statements = list(dict.fromkeys(r["pledge"].statement for r in pledges if r["pledge"]))
    filled_on = (
        timezone.localdate(application.submitted_at)
        if application.submitted_at
        else timezone.localdate()
    )
    return {
        "application": application,
        "lead": application.lead,
        "agreement": agreement,
        "memberships": memberships,
        "clauses": clauses,
        "experts": list(application.chief_experts.all()),
        "plan": plan,
        "attachments": attachments,
        "pledges": pledges,
        "pledge_statements": statements or [PLEDGE_STATEMENT],
        "filled_on": filled_on,
        "sales_revenue": format_money(application.lead_sales_revenue),
        "rd_spend": format_money(application.lead_rd_spend),
        "rd_ratio": application.rd_ratio,
    }


def render_application_html(application: Application) -> str:
    application = load_application(application.pk)
    # Fixed locale: a worker may run with another language active.
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, build_context(application))


def render_application_pdf(application: Application) -> bytes:
    import weasyprint  # heavy import: only where a PDF is made

    html = render_application_html(application)
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()

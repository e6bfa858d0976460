"""The annual report as a PDF: 《辽阳市××创新联合体N年度建设运行情况报告》 (DESIGN.md §7).

WeasyPrint renders templates/pdf/annual_report.html, A4 with page numbers, with two Noto
CJK faces only (serif regular for the text, sans regular for the headings): every further
CJK face costs 120-190 KB even subset. Loaded in a fixed number of queries and without a
request, so a Celery task can render it too.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.pdf import format_money, format_size
from reporting.models import AnnualReport

TEMPLATE = "pdf/annual_report.html"


def load_report(pk) -> AnnualReport:
    return (
        AnnualReport.objects.select_related(
            "consortium",
            "consortium__lead",
            "consortium__lead__county",
            "consortium__industry_field",
        )
        .prefetch_related("attachments")
        .get(pk=pk)
    )


def build_context(report: AnnualReport) -> dict:
    results = [
        (_("承担科技项目"), report.results_projects, _("项"), report.results_projects_text),
        (_("专利"), report.results_patents, _("件"), report.results_patents_text),
        (_("标准"), report.results_standards, _("项"), report.results_standards_text),
        (_("成果转化"), report.results_transfers, _("项"), report.results_transfers_text),
    ]
    return {
        "report": report,
        "consortium": report.consortium,
        "lead": report.consortium.lead,
        "results": results,
        "funds_amount": format_money(report.funds_amount),
        "attachments": [
            {"attachment": a, "size": format_size(a.size), "digest": a.sha256[:12]}
            for a in report.attachments.all()
        ],
        "filled_on": timezone.localdate(report.submitted_at or timezone.now()),
    }


def render_report_html(report: AnnualReport) -> str:
    report = load_report(report.pk)
    # Fixed locale: a worker may run with another language active.
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, build_context(report))


def render_report_pdf(report: AnnualReport) -> bytes:
    import weasyprint  # heavy import: only where a PDF is made

    html = render_report_html(report)
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()

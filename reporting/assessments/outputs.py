"""The assessment's outputs (issue 12 point 8): one consortium's assessment as a PDF, and a
round's result table as an Excel workbook.

The PDF is WeasyPrint with the two Noto CJK faces of the other PDFs (reporting/pdf.py),
the workbook is openpyxl through the statistics' sheet writer (reporting/stats.py), so the
bureau's exports look alike. Both load in a fixed number of queries whatever the number of
indicators or consortia, and need no request (a Celery task can make them too). Who may
have them is the views' business (reporting/assessments/policy.py).
"""

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications import policy as application_policy
from reporting.assessments import selectors
from reporting.assessments.models import (
    Assessment,
    AssessmentState,
    Category,
    Evidence,
    Indicator,
    IndicatorValue,
    Rectification,
    Round,
)

TEMPLATE = "pdf/assessment.html"

# The states in which an assessment has a score (scored by the experts, or 不合格 for not
# submitting). City staff see it from then on.
SCORED = (
    AssessmentState.SCORED,
    AssessmentState.RESULT_NOTICE,
    AssessmentState.PUBLISHED,
    AssessmentState.NOT_SUBMITTED,
)
# Everyone else from the result notice on: before it the score is the bureau's draft.
# (逾期未提交 is no judgment of the experts: the lead is told at once, DESIGN.md §14.)
ANNOUNCED = (
    AssessmentState.RESULT_NOTICE,
    AssessmentState.PUBLISHED,
    AssessmentState.NOT_SUBMITTED,
)


def score_visible(user, assessment: Assessment) -> bool:
    """Whether `user` may read the score and grade of an assessment they may view."""
    if user is not None and user.is_authenticated and application_policy.is_city(user):
        return assessment.state in SCORED
    return assessment.state in ANNOUNCED


def format_points(value) -> str:
    """Points with two decimals ("12.50"), "—" when there are none."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value):.2f}"


def cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


# --- PDF ------------------------------------------------------------------------------------


@dataclass
class Section:
    category: str
    label: str
    rows: list = field(default_factory=list)
    weight: int = 0
    subtotal: str = "—"


def load_assessment(pk) -> Assessment:
    """The assessment with all the PDF shows: four queries for any number of indicators."""
    return (
        Assessment.objects.select_related(
            "round",
            "round__template",
            "consortium",
            "consortium__lead",
            "consortium__lead__county",
            "consortium__industry_field",
        )
        .prefetch_related(
            Prefetch("values", queryset=IndicatorValue.objects.order_by()),
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "id")),
            "round__template__indicators",
        )
        .get(pk=pk)
    )


def rectification_of(assessment: Assessment) -> Rectification | None:
    try:
        return assessment.rectification
    except Rectification.DoesNotExist:
        return None


def sections(assessment: Assessment, *, with_score: bool) -> list[Section]:
    """The template's indicators by category (in the order of the articles), each with what
    the lead reported; points and subtotals only `with_score`."""
    values = {v.indicator_id: v for v in assessment.values.all()}
    evidence: dict[int, list[str]] = {}
    for e in assessment.evidence.all():
        evidence.setdefault(e.indicator_id, []).append(e.original_name)
    by_category: dict[str, Section] = {}
    indicators = sorted(assessment.round.template.indicators.all(), key=lambda i: (i.order, i.pk))
    order = list(Category.values)
    for indicator in sorted(indicators, key=lambda i: order.index(i.category)):
        section = by_category.setdefault(
            indicator.category,
            Section(category=indicator.category, label=str(Category(indicator.category).label)),
        )
        value = values.get(indicator.pk)
        section.weight += indicator.weight
        section.rows.append(
            {
                "indicator": indicator,
                "text": value.text if value else "",
                "basis": value.computed_basis if value else "",
                "points": format_points(value.points if value else None) if with_score else "",
                "evidence": evidence.get(indicator.pk, []),
            }
        )
    if with_score:
        for section in by_category.values():
            section.subtotal = format_points(assessment.subtotals.get(section.category))
    return list(by_category.values())


def build_context(assessment: Assessment, *, with_score: bool) -> dict:
    return {
        "assessment": assessment,
        "round": assessment.round,
        "consortium": assessment.consortium,
        "lead": assessment.consortium.lead,
        "sections": sections(assessment, with_score=with_score),
        "with_score": with_score,
        "score": format_points(assessment.score),
        "total_weight": sum(i.weight for i in assessment.round.template.indicators.all()),
        "rectification": rectification_of(assessment),
        "printed_on": timezone.localdate(),
    }


def render_assessment_html(assessment: Assessment, *, user=None) -> str:
    if "values" not in getattr(assessment, "_prefetched_objects_cache", {}):
        assessment = load_assessment(assessment.pk)
    with_score = score_visible(user, assessment) if user is not None else assessment.state in SCORED
    # Fixed locale: a worker may run with another language active.
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, build_context(assessment, with_score=with_score))


def assessment_pdf(assessment: Assessment, *, user=None) -> bytes:
    """The assessment as an A4 PDF. With `user`, the score shows only if they may read it
    (score_visible); without, whenever there is one (the bureau's copy)."""
    import weasyprint  # heavy import: only where a PDF is made

    html = render_assessment_html(assessment, user=user)
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def pdf_filename(assessment: Assessment) -> str:
    return f"{assessment.consortium.name}{assessment.round.title}.pdf"


# --- Excel ----------------------------------------------------------------------------------


def round_categories(round_: Round) -> list[str]:
    """The categories of the round's template, in the order of the articles (one query)."""
    present = set(
        Indicator.objects.filter(template_id=round_.template_id).values_list("category", flat=True)
    )
    return [c for c in Category.values if c in present]


def result_table(round_: Round):
    """The result table as a statistics Table (reporting/stats.py), for its sheet writer."""
    from reporting.stats import Table

    categories = round_categories(round_)
    rows = []
    for n, a in enumerate(selectors.result_rows(round_), start=1):
        scored = a.state in SCORED
        county = a.consortium.lead.county
        rows.append(
            [
                n,
                a.consortium.number,
                a.consortium.name,
                a.consortium.lead.name,
                county.name if county else _("辽阳市外"),
                str(a.get_state_display()),
                float(a.score) if scored and a.score is not None else None,
                str(a.get_grade_display()) if scored and a.grade else "",
                *(
                    float(a.subtotals[c]) if scored and a.subtotals.get(c) is not None else None
                    for c in categories
                ),
                _("是") if a.priority_recommendation else "",
            ]
        )
    return Table(
        key="assessment-results",
        title=_("%(title)s结果") % {"title": round_.title},
        sheet=_("考核结果"),
        headers=[
            _("序号"),
            _("编号"),
            _("创新联合体"),
            _("牵头单位"),
            _("所在县区"),
            _("状态"),
            _("总分"),
            _("等次"),
            *(str(Category(c).label) for c in categories),
            _("优先推荐"),
        ],
        rows=rows,
        note=_(
            "自评时间：%(opens)s至%(closes)s。总分、等次和分类得分在评审完成后填列；"
            "优先推荐指考核优秀、依《辽阳市创新联合体建设管理办法》第十八条优先推荐申报"
            "国家、省级科技项目和创新平台。"
        )
        % {"opens": cn_date(round_.opens_on), "closes": cn_date(round_.closes_on)},
    )


# The columns of points (总分 and the subtotals), 1-based; the statistics writer formats
# floats with one decimal, points have two.
_FIRST_POINTS_COLUMN = 7


def result_workbook(round: Round, *, today: date | None = None) -> bytes:
    """The round's result table as an .xlsx workbook of one sheet (考核结果)."""
    round_ = round
    from openpyxl import Workbook

    from reporting.stats import export_subtitle, write_sheet

    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        table = result_table(round_)
        wb = Workbook()
        ws = wb.active
        write_sheet(ws, table, subtitle=export_subtitle(year=None, today=today))
        last_points = len(table.headers) - 1  # the last column is 优先推荐
        for row in ws.iter_rows(
            min_row=3,
            max_row=2 + len(table.rows),
            min_col=_FIRST_POINTS_COLUMN,
            max_col=last_points,
        ):
            for cell in row:
                if isinstance(cell.value, float):
                    cell.number_format = "0.00"
        wb.properties.title = table.title
        wb.properties.creator = _("辽阳市创新联合体管理平台")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook_filename(round: Round, *, today: date | None = None) -> str:
    """E.g. 2026年度创新联合体考核结果（2026年11月26日）.xlsx."""
    today = today or timezone.localdate()
    return f"{round.title}结果（{cn_date(today)}）.xlsx"


# --- On the consortium pages ----------------------------------------------------------------


def history(consortium, *, public: bool) -> list[Assessment]:
    """The consortium's assessments, newest round first, in one query. `public` (the
    directory's page, anyone): published results only. Otherwise (the lead unit and city
    staff) every round it has been opened in; assessments of a round not yet opened are the
    bureau's planning. Each row knows whether it has a score yet (`scored`) and whether that
    is announced (`announced`): the template shows the score to city staff once scored and
    to the lead once announced (score_visible)."""
    rows = selectors.history_for(consortium)
    if public:
        rows = rows.filter(state=AssessmentState.PUBLISHED)
    else:
        rows = rows.exclude(state=AssessmentState.ISSUED)
    rows = list(rows)
    for a in rows:
        a.scored = a.state in SCORED
        a.announced = a.state in ANNOUNCED
    return rows


def latest_published(rows: list[Assessment]) -> Assessment | None:
    """Of history() rows, the latest published result: its 优秀 is what the pages mark."""
    published = [a for a in rows if a.state == AssessmentState.PUBLISHED]
    return max(published, key=lambda a: (a.published_at, a.pk), default=None)


def priority_annotation():
    """For a Consortium queryset: whether its latest published result is 优秀 (优先推荐,
    art. 18), as one subquery rather than a query per row. None when it has none."""
    return Subquery(
        Assessment.objects.filter(consortium=OuterRef("pk"), state=AssessmentState.PUBLISHED)
        .order_by("-published_at", "-pk")
        .values("priority_recommendation")[:1]
    )

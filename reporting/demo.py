"""Demo annual reports for seed_demo: made through the services a lead unit's and city
staff's clicks call, so the demo shows only states a real user could reach.

Every state (pending, draft, submitted, returned, accepted) appears at least once: one
report per active consortium on the latest reporting year when there are five consortia or
more; with fewer, earlier years are used too (newest year pending, then draft, submitted,
returned, accepted going back), so even a single demo consortium shows them all.
Idempotent: a report that exists is left alone. The reporting cycle then runs as of today,
so outstanding reports past their deadline are marked overdue as the daily job would.
"""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from applications.models import Consortium
from reporting import rules, selectors, services
from reporting.cycle import run_reporting_cycle
from reporting.models import AnnualReport, ReportStatus

# Newest year first: the report most recently due is the one still to fill in.
STATES = [
    ReportStatus.PENDING,
    ReportStatus.DRAFT,
    ReportStatus.SUBMITTED,
    ReportStatus.RETURNED,
    ReportStatus.ACCEPTED,
]

CONTENT = {
    "rd_progress": "围绕年度攻关任务，完成高选择性加氢催化剂中试，连续流微反应工艺通过专家验收；"
    "联合体中试基地建成并向成员单位开放共享。",
    "results_projects": 2,
    "results_projects_text": "辽阳市重大科技专项：产业链关键共性技术协同攻关（市级）\n"
    "辽宁省科技计划项目：高纯电子化学品分离提纯（省级）",
    "results_patents": 3,
    "results_patents_text": "一种加氢催化剂的制备方法（发明专利，已授权）\n"
    "连续流微反应装置（实用新型，已授权）\n高纯芳烃分离工艺（发明专利，已受理）",
    "results_standards": 1,
    "results_standards_text": "《精细化学品连续流生产技术规范》（团体标准，已发布）",
    "results_transfers": 1,
    "results_transfers_text": "加氢催化剂技术在成员企业实施转化，合同金额320万元",
    "team": "研发人员126人，其中高级职称38人、博士21人；本年度引进博士3名，联合培养研究生8名。",
    "funds": "成员单位合计投入研发资金1,860万元，其中牵头单位1,120万元；争取省市科技项目资金300万元。",
    "funds_amount": Decimal("2160.00"),
    "plan_this_year": "完成示范线建设并投产；新申请发明专利5件；牵头制定团体标准2项；推进2项成果转化。",
    "problems": "中试放大所需专业人才不足；部分成员单位资金投入到位较慢。",
    # Numbered, as leads write them: each matter becomes a coordination item on acceptance.
    "coordination_needed": (
        "1. 希望协调示范线建设用地手续办理；\n"
        "2. 希望在人才引进政策方面给予支持，解决中试放大所需专业人才不足问题；\n"
        "3. 希望协调供电部门加快示范线专用变电站增容审批。"
    ),
}
DRAFT_CONTENT = {
    "rd_progress": "完成催化剂小试，中试方案已通过理事会审议。",
    "results_patents": 1,
    "results_patents_text": "一种加氢催化剂的制备方法（发明专利，已受理）",
}
RETURN_REASON = "资金投入情况请按成员单位分别列明，并附财务佐证材料。"
# The smallest PDF every reader accepts, as a demo attachment.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def latest_year(today) -> int:
    """The year of the latest reporting cycle that has opened by `today`."""
    year = rules.reporting_year(today)
    return year if rules.is_open_season(today) else year - 1


def plan(consortia: list, year: int) -> list[tuple]:
    """(consortium, year, state) for the demo: every state at least once."""
    per_consortium = max(1, -(-len(STATES) // max(1, len(consortia))))
    pairs = [(c, year - k) for k in range(per_consortium) for c in consortia]
    return [
        (c, y, STATES[i] if i < len(STATES) else ReportStatus.ACCEPTED)
        for i, (c, y) in enumerate(pairs)
    ]


def _bring_to(report, state, *, lead, city):
    if state == ReportStatus.PENDING:
        return
    if state == ReportStatus.DRAFT:
        services.save_report(actor=lead, report_id=report.pk, values=DRAFT_CONTENT)
        return
    services.save_report(actor=lead, report_id=report.pk, values=CONTENT)
    services.add_attachment(
        actor=lead,
        report_id=report.pk,
        uploaded_file=SimpleUploadedFile(
            f"{report.year}年度财务报表.pdf", DEMO_PDF, content_type="application/pdf"
        ),
        description="年度研发投入专项审计报告",
    )
    services.submit_report(actor=lead, report_id=report.pk)
    if state == ReportStatus.RETURNED:
        services.return_report(actor=city, report_id=report.pk, reason=RETURN_REASON)
    elif state == ReportStatus.ACCEPTED:
        services.accept_report(actor=city, report_id=report.pk, comment="内容完整，同意通过。")


@transaction.atomic
def seed_reports(users) -> list[AnnualReport]:
    city = users["city_staff"]
    today = timezone.localdate()
    # With the lead unit: lead_users reads it for each consortium.
    consortia = list(
        Consortium.objects.filter(status=Consortium.Status.ACTIVE)
        .select_related("lead")
        .order_by("number")
    )
    made = []
    for consortium, year, state in plan(consortia, latest_year(today)):
        lead_users = sorted(selectors.lead_users(consortium), key=lambda u: u.pk)
        if not lead_users:
            continue
        report, created = AnnualReport.objects.get_or_create(consortium=consortium, year=year)
        made.append(report)
        if created:
            _bring_to(report, state, lead=lead_users[0], city=city)
    run_reporting_cycle(today=today)
    return made

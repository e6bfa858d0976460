"""The assessment's outputs (issue 12 point 8, and 优秀's mark of point 6): the PDF per
consortium, the round's result workbook, the grade statistics, the history on the
consortium pages and the 优先推荐 mark in the directory."""

import io
import re
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from members.roles import Role
from reporting import stats
from reporting.assessments import outputs
from reporting.assessments.models import (
    Assessment,
    Evidence,
    Indicator,
    IndicatorTemplate,
    IndicatorValue,
    Rectification,
    Round,
)
from tests.factories import make_user
from tests.reporting import make_consortium

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    template = IndicatorTemplate.objects.create(
        name="测试考核指标", version="T1", in_force_from=date(2026, 1, 1)
    )
    for order, (category, name, weight, method, source) in enumerate(
        [
            ("joint_research", "关键核心技术联合攻关", 40, "expert", ""),
            ("transfer", "科技成果转化应用", 50, "expert", ""),
            ("operation", "年度报告按期报送", 10, "computed", "report_on_time"),
        ],
        start=1,
    ):
        Indicator.objects.create(
            template=template,
            order=order,
            category=category,
            name=name,
            weight=weight,
            method=method,
            source=source,
        )
    return template


def make_round(template, charlie, *, year=2026, kind="annual", title=None):
    return Round.objects.create(
        kind=kind,
        year=year,
        title=title or f"{year}年度创新联合体考核",
        template=template,
        opens_on=date(year + 1, 3, 1),
        closes_on=date(year + 1, 4, 30),
        created_by=charlie,
    )


@pytest.fixture
def round_(template, charlie):
    return make_round(template, charlie)


@pytest.fixture
def consortium(alice):
    return make_consortium(lead=alice.profile.organization, named_on=date(2025, 5, 20))


@pytest.fixture
def mallory(db):
    """A stranger: another unit's applicant."""
    return make_user("mallory", Role.APPLICANT, county_code="211002")


def set_state(assessment, state, **fields):
    # The FSM field is protected: the workflow has its own tests.
    Assessment.objects.filter(pk=assessment.pk).update(state=state, **fields)
    assessment.refresh_from_db()
    return assessment


EXCELLENT = {
    "score": Decimal("92.50"),
    "grade": "excellent",
    "subtotals": {"joint_research": "36.00", "transfer": "46.50", "operation": "10.00"},
    "priority_recommendation": True,
}


def assess(round_, consortium, state="published", *, texts=True, **fields):
    assessment = Assessment.objects.create(round=round_, consortium=consortium)
    if texts:
        points = {"joint_research": "36.00", "transfer": "46.50", "operation": "10.00"}
        for indicator in Indicator.objects.filter(template_id=round_.template_id):
            IndicatorValue.objects.create(
                assessment=assessment,
                indicator=indicator,
                text=f"{indicator.name}：完成高选择性加氢催化剂中试。"
                if indicator.method == "expert"
                else "",
                computed_basis="2026年度报告于2027年3月20日报送，按期。"
                if indicator.method == "computed"
                else "",
                points=Decimal(points[indicator.category]),
            )
    if state == "published" and "published_at" not in fields:
        fields["published_at"] = timezone.now()
    return set_state(assessment, state, **fields)


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "assessment.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r"\s+", "", text)


# --- PDF ------------------------------------------------------------------------------------


def test_it_prints_the_assessment_with_its_indicators_score_and_grade(round_, consortium, tmp_path):
    assessment = assess(round_, consortium, **EXCELLENT)
    Evidence.objects.create(
        assessment=assessment,
        indicator=round_.template.indicators.get(order=1),
        file="assessments/x",
        original_name="中试报告.pdf",
        content_type="application/pdf",
        size=1000,
        sha256="0" * 64,
        uploaded_by=consortium.application.created_by,
    )
    pdf = outputs.assessment_pdf(assessment)
    assert pdf.startswith(b"%PDF")
    flat = pdf_text(pdf, tmp_path)
    # Short pieces: the text of a table cell wraps, and pdftotext reads across the row.
    assert consortium.name in flat and "2026年度创新联合体考核" in flat
    assert consortium.lead.name in flat and "结果已发布" in flat
    assert "中试报告.pdf" in flat and "联合攻关小计36.00" in flat
    assert "92.50分（满分100分）" in flat and "等次优秀" in flat and "第十八条" in flat
    assert re.search(r"第1页/共\d+页", flat)
    html = outputs.render_assessment_html(assessment)
    assert "关键核心技术联合攻关：完成高选择性加氢催化剂中试。" in html
    assert "系统计算：2026年度报告于2027年3月20日报送，按期。" in html
    assert "佐证材料：中试报告.pdf" in html and "成果转化小计" in html
    assert "2027年3月1日 — 2027年4月30日" in html and "白塔区" in html

    path = tmp_path / "assessment.pdf"
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    assert "pts (A4)" in info.stdout
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    names = {line.split()[0].split("+")[-1] for line in fonts.stdout.splitlines()[2:]}
    assert names == {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC"}


def test_it_leaves_the_score_out_of_the_leads_pdf_until_it_is_announced(
    round_, consortium, alice, charlie, tmp_path
):
    assessment = assess(
        round_, consortium, "scored", **{**EXCELLENT, "priority_recommendation": False}
    )
    for_lead = pdf_text(outputs.assessment_pdf(assessment, user=alice), tmp_path)
    assert "考核结果尚未公布" in for_lead and "92.50" not in for_lead and "小计" not in for_lead
    assert "36.00" not in for_lead and "中试" in for_lead
    for_city = pdf_text(outputs.assessment_pdf(assessment, user=charlie), tmp_path)
    assert "92.50分（满分100分）" in for_city
    # The bureau's copy (no user) has it too.
    assert "92.50分" in pdf_text(outputs.assessment_pdf(assessment), tmp_path)


def test_it_prints_the_rectification_of_a_failed_assessment(round_, consortium, tmp_path):
    assessment = assess(
        round_,
        consortium,
        score=Decimal("52.00"),
        grade="fail",
        subtotals={"joint_research": "20.00", "transfer": "22.00", "operation": "10.00"},
    )
    Rectification.objects.create(
        assessment=assessment,
        deadline=date(2027, 12, 31),
        status=Rectification.Status.SUBMITTED,
        report="已补齐联合攻关任务。",
        reported_at=datetime(2027, 9, 1, 2, tzinfo=UTC),
    )
    flat = pdf_text(outputs.assessment_pdf(assessment), tmp_path)
    assert "不合格" in flat and "52.00分" in flat
    assert "整改期限" in flat and "2027年12月31日" in flat and "已报送整改情况，待复核" in flat
    assert "已补齐联合攻关任务。" in flat and "报送日期：2027年9月1日" in flat
    assert "第十八条" not in flat


def test_it_prints_an_assessment_not_yet_filled_in(round_, consortium, tmp_path):
    assessment = assess(round_, consortium, "self_assessment", texts=False)
    flat = pdf_text(outputs.assessment_pdf(assessment), tmp_path)
    assert "自评中" in flat and "（未填写）" in flat and "考核结果尚未公布" in flat


def test_it_renders_the_pdf_in_a_fixed_number_of_queries(
    round_, consortium, django_assert_max_num_queries
):
    assessment = assess(round_, consortium, **EXCELLENT)
    with django_assert_max_num_queries(5):
        outputs.render_assessment_html(assessment)
    for n in range(6):
        indicator = Indicator.objects.create(
            template=round_.template,
            order=10 + n,
            category="platform",
            name=f"平台指标{n}",
            weight=1,
            method="expert",
        )
        IndicatorValue.objects.create(assessment=assessment, indicator=indicator, text="完成")
    with django_assert_max_num_queries(5):
        html = outputs.render_assessment_html(assessment)
    assert "平台指标5" in html


# --- The round's result workbook --------------------------------------------------------------


def _workbook(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def test_it_exports_the_rounds_result_table(round_, consortium, charlie):
    assess(round_, consortium, **EXCELLENT)
    other = make_consortium(named_on=date(2025, 1, 1))
    assess(round_, other, "self_assessment", texts=False)
    content = outputs.result_workbook(round_, today=date(2027, 6, 5))
    wb = _workbook(content)
    assert wb.sheetnames == ["考核结果"]
    ws = wb["考核结果"]
    assert ws["A1"].value == "2026年度创新联合体考核结果（2027年6月5日导出）"
    headers = [c.value for c in ws[2]]
    assert headers == [
        "序号",
        "编号",
        "创新联合体",
        "牵头单位",
        "所在县区",
        "状态",
        "总分",
        "等次",
        "联合攻关",
        "成果转化",
        "运行管理",
        "优先推荐",
    ]
    assert all(c.font.bold for c in ws[2])
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_row=4)]
    first, second = sorted(rows, key=lambda r: r[0])
    assert first[1:] == [
        consortium.number,
        consortium.name,
        consortium.lead.name,
        "白塔区",
        "结果已发布",
        92.5,
        "优秀",
        36.0,
        46.5,
        10.0,
        "是",
    ]
    assert ws["G3"].number_format == "0.00"
    # Not scored yet: no score, grade or subtotals.
    assert second[1:3] == [other.number, other.name] and second[5] == "自评中"
    assert second[6:] == [None, None, None, None, None, None]
    notes = [c.value for c in ws["A"] if c.value and str(c.value).startswith("注：")]
    assert notes and "2027年3月1日至2027年4月30日" in notes[0] and "第十八条" in notes[0]
    assert (
        outputs.workbook_filename(round_, today=date(2027, 6, 5))
        == "2026年度创新联合体考核结果（2027年6月5日）.xlsx"
    )


def test_it_exports_the_result_table_in_a_fixed_number_of_queries(
    round_, django_assert_max_num_queries
):
    for _ in range(2):
        assess(round_, make_consortium(), **EXCELLENT)
    fresh = Round.objects.get(pk=round_.pk)  # as a request would load it
    with django_assert_max_num_queries(3):
        small = outputs.result_workbook(fresh)
    for _ in range(6):
        assess(round_, make_consortium(), "self_assessment", texts=False)
    fresh = Round.objects.get(pk=round_.pk)  # as a request would load it
    with django_assert_max_num_queries(3):
        large = outputs.result_workbook(fresh)
    assert _workbook(small)["考核结果"].max_row < _workbook(large)["考核结果"].max_row


# --- Grade statistics -----------------------------------------------------------------------


@pytest.fixture
def graded(template, charlie):
    """Two rounds: 2025 (4 published: 优秀, 良好, 合格, 不合格 in rectification; one still in
    the notice) and 2026 (one published 不合格 whose rectification passed, one self-assessing)."""
    r2025 = make_round(template, charlie, year=2025)
    r2026 = make_round(template, charlie, year=2026)
    for grade in ("excellent", "good", "pass", "fail"):
        a = assess(r2025, make_consortium(), score=Decimal("70"), grade=grade, texts=False)
        if grade == "fail":
            Rectification.objects.create(assessment=a, deadline=date(2026, 12, 31))
    assess(r2025, make_consortium(), "result_notice", grade="good", texts=False)
    failed = assess(r2026, make_consortium(), grade="fail", texts=False)
    Rectification.objects.create(
        assessment=failed, deadline=date(2027, 12, 31), status=Rectification.Status.PASSED
    )
    assess(r2026, make_consortium(), "self_assessment", texts=False)
    return r2025, r2026


def test_it_counts_the_published_grades_and_rectifications_per_round(graded):
    table = stats.grades_table()
    assert table.headers == [
        "考核批次",
        "纳入考核（个）",
        "优秀（个）",
        "良好（个）",
        "合格（个）",
        "不合格（个）",
        "整改中（个）",
    ]
    assert table.rows == [
        ["2025年度创新联合体考核", 5, 1, 1, 1, 1, 1],
        ["2026年度创新联合体考核", 2, 0, 0, 0, 1, 0],
    ]
    assert table.footer == [["合计", 7, 1, 1, 1, 2, 1]]
    only_2026 = stats.grades_table(2026)
    assert only_2026.rows == [["2026年度创新联合体考核", 2, 0, 0, 0, 1, 0]]
    assert only_2026.footer == []


def test_it_shows_the_grade_table_on_the_statistics_page_and_in_the_export(client, charlie, graded):
    client.force_login(charlie)
    body = client.get("/statistics/").content.decode()
    section = body.split('data-testid="stats-grades"')[1].split("</section>")[0]
    assert "考核评估等次统计" in section and "2025年度创新联合体考核" in section
    assert 'href="/statistics/export/grades.xlsx"' in section
    wb = _workbook(client.get("/statistics/export/all.xlsx").content)
    ws = wb["考核等次"]
    assert [c.value for c in ws[3]] == ["2025年度创新联合体考核", 5, 1, 1, 1, 1, 1]
    one = _workbook(client.get("/statistics/export/grades.xlsx?year=2026").content)
    assert one.sheetnames == ["考核等次"]
    assert [c.value for c in one["考核等次"][3]] == ["2026年度创新联合体考核", 2, 0, 0, 0, 1, 0]


def test_it_counts_the_grades_in_one_query_for_any_number_of_rounds(
    template, charlie, django_assert_num_queries
):
    for year in (2024, 2025):
        r = make_round(template, charlie, year=year)
        assess(r, make_consortium(), grade="good", texts=False)
    with django_assert_num_queries(1):
        assert len(stats.grades_table().rows) == 2
    for year in (2026, 2027, 2028):
        r = make_round(template, charlie, year=year)
        for grade in ("fail", "excellent"):
            a = assess(r, make_consortium(), grade=grade, texts=False)
        Rectification.objects.create(assessment=a, deadline=date(2030, 1, 1))
    with django_assert_num_queries(1):
        assert len(stats.grades_table().rows) == 5


# --- The consortium pages -------------------------------------------------------------------


@pytest.fixture
def history(template, charlie, consortium):
    """2024: published 良好; 2025: published 优秀 (the latest result); 2026: scored, not yet
    announced; the 2026 three-year evaluation: self-assessing."""
    good = assess(
        make_round(template, charlie, year=2024),
        consortium,
        score=Decimal("78.00"),
        grade="good",
        published_at=datetime(2025, 5, 1, tzinfo=UTC),
        texts=False,
    )
    excellent = assess(
        make_round(template, charlie, year=2025),
        consortium,
        **{**EXCELLENT, "score": Decimal("91.25")},
        published_at=datetime(2026, 5, 1, tzinfo=UTC),
        texts=False,
    )
    scored = assess(
        make_round(template, charlie, year=2026),
        consortium,
        "scored",
        score=Decimal("66.75"),
        grade="pass",
        texts=False,
    )
    open_ = assess(
        make_round(template, charlie, year=2026, kind="triennial", title="2024—2026年三年评估"),
        consortium,
        "self_assessment",
        texts=False,
    )
    return {"good": good, "excellent": excellent, "scored": scored, "open": open_}


def _row(body, assessment):
    return body.split(f'data-testid="assessment-{assessment.pk}"')[1].split("</tr>")[0]


def test_it_shows_the_lead_every_assessment_and_the_scores_announced(client, alice, history):
    client.force_login(alice)
    body = client.get(reverse("consortia:detail", args=[history["good"].consortium_id])).content
    body = body.decode()
    section = body.split('data-testid="assessment-history"')[1].split("</section>")[0]
    for a in history.values():
        assert f'href="{reverse("assessments:detail", args=[a.pk])}"' in _row(section, a)
    assert "78.00" in _row(section, history["good"]) and "良好" in _row(section, history["good"])
    assert "91.25" in _row(section, history["excellent"])
    # Scored but not announced: the lead sees the state, not the score.
    scored = _row(section, history["scored"])
    assert "66.75" not in scored and "尚未公布" in scored and "评审完成，待公示" in scored
    assert "三年评估" in _row(section, history["open"]) and "自评中" in _row(
        section, history["open"]
    )
    # Newest round first.
    table = section.split("<tbody>")[1]
    assert table.index("2026年度") < table.index("2025年度") < table.index("2024年度")
    assert 'data-testid="priority-badge"' in body
    assert "优先推荐（考核优秀）" in section and "第十八条" in section


def test_it_shows_city_staff_the_score_once_scored(client, charlie, history):
    client.force_login(charlie)
    body = client.get(reverse("consortia:detail", args=[history["good"].consortium_id]))
    assert "66.75" in _row(body.content.decode(), history["scored"])


@pytest.mark.parametrize("who", ["anonymous", "mallory"])
def test_it_shows_strangers_only_the_published_results(client, mallory, history, who):
    if who == "mallory":
        client.force_login(mallory)
    consortium_id = history["good"].consortium_id
    # The lead's page is not theirs (anonymous: to the sign-in page).
    assert client.get(reverse("consortia:detail", args=[consortium_id])).status_code in (302, 404)
    body = client.get(reverse("decisions:consortium", args=[consortium_id])).content.decode()
    section = body.split('data-testid="assessment-history"')[1].split("</section>")[0]
    assert "78.00" in _row(section, history["good"]) and "91.25" in section
    for unpublished in (history["scored"], history["open"]):
        assert f'data-testid="assessment-{unpublished.pk}"' not in section
    assert "66.75" not in body and "三年评估" not in body
    assert "/assessments/" not in section
    assert 'data-testid="priority-badge"' in body and "第十八条" in section


def test_it_links_the_lead_to_its_assessments_from_the_public_page(client, alice, history):
    client.force_login(alice)
    body = client.get(reverse("decisions:consortium", args=[history["good"].consortium_id]))
    link = reverse("assessments:detail", args=[history["excellent"].pk])
    assert f'href="{link}"' in body.content.decode()


def test_it_marks_only_a_latest_result_of_excellent(client, template, charlie, history):
    consortium_id = history["good"].consortium_id
    assess(
        make_round(template, charlie, year=2023),
        history["good"].consortium,
        score=Decimal("95"),
        grade="excellent",
        priority_recommendation=True,
        published_at=datetime(2027, 6, 1, tzinfo=UTC),
        texts=False,
    )
    # The latest publication is what counts: here 2023's, published last, is 优秀 too.
    assert (
        'data-testid="priority-badge"'
        in client.get(reverse("decisions:consortium", args=[consortium_id])).content.decode()
    )
    Assessment.objects.filter(pk=history["excellent"].pk).update(
        published_at=datetime(2024, 1, 1, tzinfo=UTC)
    )
    Assessment.objects.filter(consortium_id=consortium_id, round__year=2023).update(
        grade="good", priority_recommendation=False
    )
    body = client.get(reverse("decisions:consortium", args=[consortium_id])).content.decode()
    assert 'data-testid="priority-badge"' not in body and "优先推荐（考核优秀）" not in body


def test_it_says_when_there_is_no_published_result(client, consortium):
    body = client.get(reverse("decisions:consortium", args=[consortium.pk])).content.decode()
    assert 'data-testid="no-assessments"' in body and "暂无已发布的考核评估结果" in body


# --- The directory --------------------------------------------------------------------------


def test_it_marks_excellent_consortia_in_the_directory(client, round_, template, charlie):
    excellent = make_consortium()
    assess(round_, excellent, **EXCELLENT, texts=False)
    good = make_consortium()
    assess(round_, good, score=Decimal("80"), grade="good", texts=False)
    # 优秀 once, but the latest published result is 良好: no mark.
    formerly = make_consortium()
    assess(
        make_round(template, charlie, year=2024),
        formerly,
        **EXCELLENT,
        published_at=datetime(2025, 5, 1, tzinfo=UTC),
        texts=False,
    )
    assess(round_, formerly, score=Decimal("80"), grade="good", texts=False)
    # Scored 优秀 but not published yet: no mark.
    unpublished = make_consortium()
    assess(round_, unpublished, "result_notice", **EXCELLENT, texts=False)
    body = client.get("/consortia/").content.decode()
    assert f'data-testid="priority-{excellent.pk}"' in body
    row = body.split(f'data-testid="priority-{excellent.pk}"')[1].split("</td>")[0]
    assert "优先推荐（考核优秀）" in row
    for other in (good, formerly, unpublished):
        assert f'data-testid="priority-{other.pk}"' not in body
    assert 'data-testid="priority-note"' in body and "第十八条" in body


def test_it_reads_the_directory_marks_in_a_fixed_number_of_queries(
    client, round_, django_assert_max_num_queries
):
    def grow(n):
        for _ in range(n):
            assess(round_, make_consortium(), **EXCELLENT, texts=False)

    grow(2)
    client.get("/consortia/")
    with django_assert_max_num_queries(6) as small:
        body = client.get("/consortia/").content.decode()
    assert body.count("优先推荐（考核优秀）<sup") == 2
    grow(5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get("/consortia/").content.decode()
    assert body.count("优先推荐（考核优秀）<sup") == 7

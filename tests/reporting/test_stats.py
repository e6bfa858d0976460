"""The statistics page for city staff and its Excel export (issue 5 §6, §8)."""

import io
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

import openpyxl
import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications import services, workflow
from applications.models import Application, Consortium, State
from members.models import County, IndustryField
from members.roles import Role
from reporting import stats
from reporting.charts import Series, bar_chart
from tests.factories import OrganizationFactory, make_complete_application

pytestmark = pytest.mark.django_db

ALL_SHEETS = [
    "按状态",
    "按县区",
    "按产业领域",
    "按年度",
    "办理环节",
    "联合体状态",
    "年度报告",
    "考核等次",
    "支持情况",
    "协调事项",
]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # The factory stores attachment files: keep them out of the project folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city(client, charlie):
    client.force_login(charlie)
    return client


def _at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=UTC)


def _application(*, lead, field="芳烃及精细化工", state=State.COUNTY_REVIEW, submitted_at=None):
    """An application in a given state, for counting only (the state is set directly)."""
    app = make_complete_application(
        lead=lead, units=2, industry_field=IndustryField.objects.get(name=field)
    )
    Application.objects.filter(pk=app.pk).update(state=state, submitted_at=submitted_at)
    app.refresh_from_db()
    return app


def _consortium(app, n, status=Consortium.Status.ACTIVE, named_on=date(2026, 3, 1)):
    consortium = Consortium.objects.create(
        application=app,
        name=f"辽阳市测试{n}创新联合体",
        number=f"LYCX-{n:03d}",
        decision_number=f"辽市科发〔2026〕{n}号",
        named_on=named_on,
        lead_id=app.lead_id,
        industry_field_id=app.industry_field_id,
    )
    Consortium.objects.filter(pk=consortium.pk).update(status=status)
    return consortium


def _log(app, source, target, at, transition="t"):
    return StateLog.objects.create(
        content_type=ContentType.objects.get_for_model(Application),
        object_id=app.pk,
        source_state=source,
        state=target,
        transition=transition,
        timestamp=at,
    )


def _rows(table):
    return {row[0]: row[1:] for row in table.rows}


@pytest.fixture
def known(alice):
    """Four submitted applications and a draft:
    - 白塔区, 芳烃, submitted 2025, approved (and named, an active consortium);
    - 灯塔市, 新材料, submitted 2026, at the county;
    - outside Liaoyang, 芳烃, submitted 2026, rejected;
    - 白塔区, 新材料, submitted on 31 Dec 2025 20:00 UTC = 1 Jan 2026 in Liaoyang, at the city;
    - 白塔区 draft, never submitted: not counted."""
    dengta = OrganizationFactory(county=County.objects.get(code="211081"))
    outside = OrganizationFactory(county=None)
    own = alice.profile.organization
    apps = {
        "approved": _application(lead=own, state=State.APPROVED, submitted_at=_at(2025, 3, 1)),
        "county": _application(lead=dengta, field="新材料", submitted_at=_at(2026, 5, 1)),
        "rejected": _application(lead=outside, state=State.REJECTED, submitted_at=_at(2026, 6, 1)),
        "new_year": _application(
            lead=own, field="新材料", state=State.CITY_INTAKE, submitted_at=_at(2025, 12, 31, 20)
        ),
        "draft": _application(lead=own, state=State.DRAFT, submitted_at=None),
    }
    _consortium(apps["approved"], 1, named_on=date(2025, 9, 1))
    return apps


# --- Counting -------------------------------------------------------------------------


def test_it_counts_submitted_applications_by_state(known):
    rows = _rows(stats.states_table())
    assert "草稿" not in rows
    assert rows["已认定"] == [1]
    assert rows["县区审核中"] == [1]
    assert rows["未通过"] == [1]
    assert rows["市局形式审查"] == [1]
    assert rows["专家评审中"] == [0]
    assert stats.states_table().footer == [["合计", 4]]


def test_it_counts_by_the_lead_units_county_with_outside_liaoyang(known):
    table = stats.counties_table()
    rows = _rows(table)
    assert rows["白塔区"] == [2]
    assert rows["灯塔市"] == [1]
    assert rows["辽阳市外"] == [1]
    assert rows["文圣区"] == [0]
    assert table.rows[-1][0] == "辽阳市外"
    assert table.footer == [["合计", 4]]


def test_it_counts_by_industry_field(known):
    rows = _rows(stats.fields_table())
    assert rows["芳烃及精细化工"] == [2]
    assert rows["新材料"] == [2]
    assert rows["双碳"] == [0]


def test_it_counts_by_year_of_submission_in_local_time(known):
    table = stats.years_table()
    # columns: applications, approved, rejected, withdrawn, still open
    assert _rows(table) == {2025: [1, 1, 0, 0, 0], 2026: [3, 0, 1, 0, 2]}
    assert table.footer == [["合计", 4, 1, 1, 0, 2]]
    assert table.chart_labels == ["2025年", "2026年"]


def test_it_filters_every_application_table_by_year(known):
    assert stats.states_table(2026).footer == [["合计", 3]]
    assert _rows(stats.states_table(2026))["已认定"] == [0]
    assert _rows(stats.counties_table(2025))["白塔区"] == [1]
    assert list(_rows(stats.years_table(2025))) == [2025]
    consortia = _rows(stats.consortia_table(2025))
    assert consortia["存续"] == [1]
    assert _rows(stats.consortia_table(2026))["存续"] == [0]


def test_it_counts_consortia_by_status(alice):
    own = alice.profile.organization
    for n, status in enumerate(
        [Consortium.Status.ACTIVE, Consortium.Status.ACTIVE, Consortium.Status.DISSOLVED], start=1
    ):
        app = _application(lead=own, state=State.APPROVED, submitted_at=_at(2026, 1, n))
        _consortium(app, n, status=status)
    table = stats.consortia_table()
    assert _rows(table) == {"存续": [2], "已取消资格": [0], "已解散": [1]}
    assert table.footer == [["合计", 3]]


def test_it_counts_annual_reports_by_year(alice):
    from reporting.models import AnnualReport, ReportStatus

    own = alice.profile.organization
    consortia = [
        _consortium(_application(lead=own, state=State.APPROVED, submitted_at=_at(2025, 1, n)), n)
        for n in range(1, 6)
    ]

    def report(consortium, year, status, *, overdue=False, late=False):
        r = AnnualReport.objects.create(consortium=consortium, year=year)
        AnnualReport.objects.filter(pk=r.pk).update(
            status=status, is_overdue=overdue, overdue_since=date(2026, 4, 1) if late else None
        )

    report(consortia[0], 2024, ReportStatus.ACCEPTED)
    report(consortia[0], 2025, ReportStatus.ACCEPTED)
    report(consortia[1], 2025, ReportStatus.SUBMITTED, late=True)
    report(consortia[2], 2025, ReportStatus.RETURNED, overdue=True, late=True)
    report(consortia[3], 2025, ReportStatus.PENDING, overdue=True, late=True)
    report(consortia[4], 2025, ReportStatus.DRAFT)

    table = stats.reports_table()
    # due, submitted (in hand), of which accepted, returned, not submitted, overdue, late
    assert _rows(table) == {2024: [1, 1, 1, 0, 0, 0, 0], 2025: [5, 2, 1, 1, 2, 2, 1]}
    assert table.footer == [["合计", 6, 3, 2, 1, 2, 2, 1]]
    assert table.chart_labels == ["2024年度", "2025年度"]
    filtered = stats.reports_table(2025)
    assert list(_rows(filtered)) == [2025]
    assert filtered.footer == []


@pytest.mark.parametrize("value", ["abc", "", "1899", "20260", "2026年", None])
def test_it_ignores_an_invalid_year(value):
    assert stats.parse_year(value) is None


def test_it_ignores_an_invalid_year_on_the_page(city, known):
    body = city.get("/statistics/?year=abc").content.decode()
    assert "全部年度" in body
    assert 'data-testid="stats-title">创新联合体统计</h1>' in body


# --- Pipeline -------------------------------------------------------------------------


def test_it_folds_the_log_into_stays_without_a_database():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    d = timedelta(days=1)
    rows = [
        (1, "draft", "county_review", t0),
        (1, "county_review", "returned", t0 + 4 * d),
        (1, "returned", "county_review", t0 + 6 * d),
        (1, "county_review", "city_intake", t0 + 7 * d),
        # A stay whose entry is missing from the log is skipped, not guessed.
        (2, "expert_review", "review_passed", t0),
        (2, "review_passed", "public_notice", t0 + d),
        (2, "public_notice", "party_group_review", t0 + 6 * d),
        (2, "party_group_review", "approved", t0 + 9 * d),
    ]
    result = stats.pipeline_from_logs(rows)
    assert sorted(result.stays["county_review"]) == [1.0, 4.0]
    assert result.stays["returned"] == [2.0]
    assert "expert_review" not in result.stays
    assert result.stays["review_passed"] == [1.0]
    assert result.entered["county_review"] == {1}
    assert result.entered["approved"] == {2}
    # Application 2's first submission is not in the log: no total for it.
    assert result.totals == []
    assert stats.mean_median([1.0, 2.0, 6.0]) == (3.0, 2.0)
    assert stats.mean_median([]) == (None, None)


def test_it_measures_the_time_spent_in_each_state_from_the_log(alice):
    own = alice.profile.organization
    t0 = _at(2026, 2, 2)
    d = timedelta(days=1)
    named = _application(lead=own, state=State.APPROVED, submitted_at=t0)
    for source, target, day in [
        ("draft", "county_review", 0),
        ("county_review", "city_intake", 2),
        ("city_intake", "expert_review", 5),
        ("expert_review", "review_passed", 15),
        ("review_passed", "public_notice", 16),
        ("public_notice", "party_group_review", 21),
        ("party_group_review", "approved", 30),
    ]:
        _log(named, source, target, t0 + day * d)
    revised = _application(lead=own, state=State.CITY_INTAKE, submitted_at=t0 + 6 * d)
    for source, target, day in [
        ("draft", "county_review", 0),
        ("county_review", "returned", 4),
        ("returned", "county_review", 6),
        ("county_review", "city_intake", 7),
    ]:
        _log(revised, source, target, t0 + day * d)
    # A draft withdrawn before it was ever submitted has a log row but is not in the pipeline.
    withdrawn = _application(lead=own, state=State.WITHDRAWN, submitted_at=None)
    _log(withdrawn, "draft", "withdrawn", t0)

    table = stats.pipeline_table()
    rows = _rows(table)
    # (applications that entered, finished stays, mean days, median days)
    assert rows["县区审核中"] == [2, 3, 2.3, 2.0]
    assert rows["退回修改"] == [1, 1, 2.0, 2.0]
    assert rows["市局形式审查"] == [2, 1, 3.0, 3.0]
    assert rows["专家评审中"] == [1, 1, 10.0, 10.0]
    assert rows["公示中"] == [1, 1, 5.0, 5.0]
    assert rows["异议核查中"] == [0, 0, None, None]
    assert rows["待党组会议审议"] == [1, 1, 9.0, 9.0]
    assert rows["已认定"] == [1, 0, None, None]
    assert table.footer == [["从首次提交到认定（合计）", 1, None, 30.0, 30.0]]
    # The year filter keeps the applications submitted that year only.
    assert _rows(stats.pipeline_table(2025))["县区审核中"] == [0, 0, None, None]


def test_it_follows_real_transitions(alice, bob):
    app = make_complete_application(lead=alice.profile.organization, creator=alice)
    services.submit(actor=alice, application_id=app.pk)
    workflow.perform(
        actor=bob, application_id=app.pk, transition="county_recommend", comment="同意推荐"
    )
    rows = _rows(stats.pipeline_table())
    assert rows["县区审核中"][:2] == [1, 1]
    assert rows["市局形式审查"][:2] == [1, 0]
    assert _rows(stats.states_table())["市局形式审查"] == [1]


# --- Page, charts, access -------------------------------------------------------------


def test_it_shows_every_table_with_its_chart(city, known):
    response = city.get("/statistics/")
    assert response.status_code == 200
    body = response.content.decode()
    for table in stats.all_tables():
        section = body.split(f'data-testid="stats-{table.key}"')[1].split("</section>")[0]
        assert f'<caption class="visually-hidden">{table.title}</caption>' in section
        svg = section.split("<svg")[1].split("</svg>")[0]
        assert 'role="img"' in svg
        assert f'aria-labelledby="chart-{table.key}-title chart-{table.key}-desc"' in svg
        assert f'<title id="chart-{table.key}-title">{table.title}</title>' in svg
        assert "<script" not in svg
        assert f'href="/statistics/export/{table.key}.xlsx"' in section
    counties = body.split('data-testid="chart-counties"')[1].split("</svg>")[0]
    for label in ("白塔区", "灯塔市", "辽阳市外"):
        assert f">{label}</text>" in counties
    states = body.split('data-testid="chart-states"')[1].split("</svg>")[0]
    assert "<title>已认定 申请数（件）：1件</title>" in states
    assert 'href="/statistics/export/all.xlsx"' in body


def test_it_keeps_the_pages_figures_for_five_minutes_and_says_as_of_when(city, known, alice):
    cache.clear()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        first = city.get("/statistics/").content.decode()
        assert "数据截至" in first and "每5分钟更新" in first
        before = _rows(stats.states_table())["已认定"]
        _application(
            lead=alice.profile.organization, state=State.APPROVED, submitted_at=_at(2026, 2, 1)
        )
        assert _rows(stats.states_table())["已认定"] == [before[0] + 1]
        # Within the five minutes the page shows what it computed; the export is fresh.
        states = city.get("/statistics/").content.decode().split('data-testid="chart-states"')[1]
        assert f"<title>已认定 申请数（件）：{before[0]}件</title>" in states
        traveller.shift(timedelta(seconds=stats.PAGE_CACHE_SECONDS + 1))
        states = city.get("/statistics/").content.decode().split('data-testid="chart-states"')[1]
        assert f"<title>已认定 申请数（件）：{before[0] + 1}件</title>" in states


def test_it_keeps_the_year_filter_on_the_export_links(city, known):
    body = city.get("/statistics/?year=2026").content.decode()
    assert '<option value="2026" selected>' in body
    assert 'href="/statistics/export/all.xlsx?year=2026"' in body
    assert 'href="/statistics/export/states.xlsx?year=2026"' in body


def test_it_escapes_chart_labels():
    svg = bar_chart(
        chart_id="x", title="<b>标题</b>", labels=["<script>"], series=[Series("数", [3])]
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&lt;b&gt;标题&lt;/b&gt;" in svg


PAGES = [
    "/statistics/",
    "/statistics/export/all.xlsx",
    "/statistics/export/states.xlsx",
    "/statistics/export/pipeline.xlsx",
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", [Role.APPLICANT, Role.COUNTY_REVIEWER, Role.EXPERT])
def test_it_answers_404_to_anyone_but_city_staff(client, role_users, role, path):
    client.force_login(role_users[role])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_it_sends_anonymous_visitors_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_lets_admins_read_the_statistics(client, erin):
    client.force_login(erin)
    assert client.get("/statistics/").status_code == 200


def test_it_answers_404_to_an_unknown_table(city):
    assert city.get("/statistics/export/nope.xlsx").status_code == 404
    assert city.get("/statistics/export/.xlsx").status_code == 404


def test_it_refuses_to_write(city):
    assert city.post("/statistics/").status_code == 405


# --- Excel ----------------------------------------------------------------------------


def _workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _filename(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    return unquote(disposition.split("filename*=UTF-8''")[1])


def _sheet_rows(ws):
    return [list(r) for r in ws.iter_rows(min_row=3, values_only=True) if r[0] is not None]


def test_it_exports_one_table_with_chinese_headers_and_numbers(city, known, time_machine):
    time_machine.move_to(datetime(2026, 11, 26, 9, tzinfo=UTC))
    response = city.get("/statistics/export/counties.xlsx")
    wb = _workbook(response)
    assert wb.sheetnames == ["按县区"]
    ws = wb["按县区"]
    assert ws["A1"].value == "申请按县（市、区）统计（2026年11月26日导出）"
    assert [c.value for c in ws[2]] == ["牵头单位所在地", "申请数（件）"]
    rows = _sheet_rows(ws)
    assert rows[0] == ["白塔区", 2]
    assert ["灯塔市", 1] in rows
    assert ["辽阳市外", 1] in rows
    assert rows[-2] == ["合计", 4]
    assert rows[-1][0].startswith("注：仅统计已提交的申请")
    assert isinstance(ws["B3"].value, int)
    assert ws.column_dimensions["A"].width >= 14
    assert _filename(response) == "辽阳市创新联合体统计-按县区（2026年11月26日）.xlsx"


def test_it_exports_the_pipeline_days_as_numbers(city, alice):
    app = _application(lead=alice.profile.organization, submitted_at=_at(2026, 1, 1))
    _log(app, "draft", "county_review", _at(2026, 1, 1))
    _log(app, "county_review", "city_intake", _at(2026, 1, 4, 22))
    ws = _workbook(city.get("/statistics/export/pipeline.xlsx"))["办理环节"]
    assert [c.value for c in ws[2]] == [
        "环节",
        "经过的申请（件）",
        "已结束的停留（次）",
        "平均停留（天）",
        "停留中位数（天）",
    ]
    rows = {r[0]: r[1:] for r in _sheet_rows(ws)}
    assert rows["县区审核中"] == [1, 1, 3.5, 3.5]
    assert ws["D3"].number_format == "0.0"
    assert rows["专家评审中"] == [0, 0, None, None]


def test_it_exports_every_table_as_a_sheet_of_one_workbook(city, known, time_machine):
    time_machine.move_to(datetime(2026, 11, 26, 9, tzinfo=UTC))
    response = city.get("/statistics/export/all.xlsx?year=2026")
    wb = _workbook(response)
    assert wb.sheetnames == ALL_SHEETS
    assert wb["按状态"]["A1"].value == "申请按状态统计（2026年，2026年11月26日导出）"
    assert ["合计", 3] in _sheet_rows(wb["按状态"])
    assert [c.value for c in wb["年度报告"][2]][:2] == ["报告年度", "应报（份）"]
    for name in ALL_SHEETS:
        assert wb[name]["A2"].value
    assert _filename(response) == "辽阳市创新联合体统计-2026年（2026年11月26日）.xlsx"
    assert "2026" in wb["按年度"]["A1"].value
    assert _sheet_rows(wb["按年度"])[0] == [2026, 3, 0, 1, 0, 2]


def test_it_names_the_whole_export_after_the_date(city, time_machine):
    time_machine.move_to(datetime(2026, 11, 26, 9, tzinfo=UTC))
    response = city.get("/statistics/export/all.xlsx")
    assert _filename(response) == "辽阳市创新联合体统计（2026年11月26日）.xlsx"
    assert 'filename="liaoyang-statistics.xlsx"' in response["Content-Disposition"]


# --- Query counts ---------------------------------------------------------------------


def _grow_to(n, lead, start):
    """Submitted applications with a log, some named with a report, until there are n."""
    from reporting.models import AnnualReport

    t0 = _at(2026, 1, 1)
    for i in range(start, n):
        app = _application(
            lead=lead,
            field=["新材料", "双碳", "芳烃及精细化工"][i % 3],
            state=State.APPROVED if i % 2 else State.CITY_INTAKE,
            submitted_at=t0 + timedelta(days=i * 40),
        )
        _log(app, "draft", "county_review", t0)
        _log(app, "county_review", "city_intake", t0 + timedelta(days=3))
        if i % 2:
            _log(app, "city_intake", "approved", t0 + timedelta(days=20))
            AnnualReport.objects.create(consortium=_consortium(app, i), year=2025 + i % 3)


def _queries(client, path):
    cache.clear()  # the page keeps its tables for a few minutes: measure computing them
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/statistics/", "/statistics/export/all.xlsx"])
def test_it_runs_as_many_queries_for_12_applications_as_for_3(city, alice, path):
    own, outside = alice.profile.organization, OrganizationFactory(county=None)
    _grow_to(3, own, 0)
    city.get(path)  # warm the caches (content types, session)
    few = _queries(city, path)
    _grow_to(12, outside, 3)
    assert Application.objects.filter(submitted_at__isnull=False).count() == 12
    assert _queries(city, path) == few

"""The work list page as a clerk uses it (issue 11): search, order and tile in the URL, the
tiles as links, deadlines in the rows, the Excel export of the filtered list, the expert
sent to their tasks; the public directory's and 联合体监管's search."""

import io
import re
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest
from django.utils import timezone

from applications.models import Application, State
from liaoyang_consortia.templatetags.portal import STATE_BADGES, state_badge
from members.models import County
from reviews.models import ExpertAssignment, ExpertProfile, ScoreSheet
from tests.factories import OrganizationFactory
from tests.reporting import make_consortium

pytestmark = pytest.mark.django_db


def _make(lead, creator, name, state, since=None, **fields):
    since = since or timezone.now()
    return Application.objects.create(
        lead=lead,
        created_by=creator,
        name_core=name,
        state=state,
        submitted_at=since,
        state_since=since,
        **fields,
    )


def _long_ago(days):
    day = timezone.localdate() - timedelta(days=days)
    return datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone())


def test_the_url_keeps_search_order_and_tile_and_every_link_keeps_them(client, alice, bob):
    north = OrganizationFactory(name="辽阳北方石化有限公司")
    for i in range(23):
        _make(north, alice, f"石化{i:02d}", State.COUNTY_REVIEW)
    _make(alice.profile.organization, alice, "其他", State.COUNTY_REVIEW)
    client.force_login(bob)
    body = client.get("/applications/", {"q": "北方", "sort": "due", "page": "1"}).content.decode()
    # The box keeps what was typed, the order is selected, the count says what matched.
    assert 'name="q" value="北方"' in body
    assert '<option value="due" selected>' in body
    assert "共23件符合条件" in body
    assert "辽阳市其他创新联合体" not in body
    # Tiles are links that keep the search and the order and start at page one.
    assert 'href="?q=%E5%8C%97%E6%96%B9&amp;only=waiting&amp;sort=due"' in body
    assert 'href="?q=%E5%8C%97%E6%96%B9&amp;sort=due&amp;state=county_review"' in body
    # The pager keeps all three.
    assert 'href="?q=%E5%8C%97%E6%96%B9&amp;sort=due&amp;page=2"' in body
    # The column header of the current order reverses it, and says how it sorts.
    assert 'aria-sort="ascending"><a href="?q=%E5%8C%97%E6%96%B9&amp;sort=-due"' in body
    # The export link carries the same filter.
    assert 'href="/applications/export.xlsx?q=%E5%8C%97%E6%96%B9&amp;sort=due"' in body


def test_the_waiting_and_overdue_tiles_are_links_marked_when_chosen(client, alice, bob):
    _make(alice.profile.organization, alice, "超期甲", State.COUNTY_REVIEW, _long_ago(60))
    _make(alice.profile.organization, alice, "按期乙", State.COUNTY_REVIEW)
    client.force_login(bob)
    body = client.get("/applications/", {"only": "overdue"}).content.decode()
    tile = re.search(r'<a class="work-tile[^"]*"[^>]*data-testid="filter-overdue"', body).group(0)
    assert 'aria-current="true"' in tile and 'href="?only=overdue"' in tile
    assert "辽阳市超期甲创新联合体" in body and "辽阳市按期乙创新联合体" not in body
    all_tile = re.search(r'<a class="work-tile[^"]*"[^>]*data-testid="filter-all"', body).group(0)
    assert "aria-current" not in all_tile
    # The row says by when, and how late, in words.
    assert "已超期" in body and "deadline-late" in body
    body = client.get("/applications/", {"only": "waiting"}).content.decode()
    assert "辽阳市超期甲创新联合体" in body and "辽阳市按期乙创新联合体" in body
    assert "剩余" in body


def test_nonsense_in_the_query_string_is_ignored_not_an_error(client, alice, bob):
    _make(alice.profile.organization, alice, "一号", State.COUNTY_REVIEW)
    client.force_login(bob)
    response = client.get(
        "/applications/",
        {"q": "x" * 5000, "sort": "<script>", "state": "nope", "only": "all", "page": "-1"},
    )
    assert response.status_code == 200
    assert "没有符合条件的申报" in response.content.decode()


def test_every_state_has_a_badge_colour_and_a_name():
    assert set(STATE_BADGES) == set(State.values)
    assert state_badge(State.APPROVED).endswith("text-bg-success")
    assert state_badge(State.RETURNED).endswith("text-bg-warning")
    assert state_badge("unknown").endswith("text-bg-secondary")


def test_the_badges_on_the_work_list_are_coloured_by_state(client, alice, bob):
    _make(alice.profile.organization, alice, "退回", State.RETURNED)
    client.force_login(bob)
    body = client.get("/applications/").content.decode()
    assert (
        '<span class="badge state-badge text-bg-warning" data-testid="state-badge">退回修改<'
        in body
    )


# --- the export --------------------------------------------------------------------------


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = wb.active
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


def test_the_export_has_exactly_the_filtered_rows_in_order(client, alice, bob):
    dengta = OrganizationFactory(name="灯塔某公司", county=County.objects.get(code="211081"))
    _make(dengta, alice, "灯塔", State.COUNTY_REVIEW)  # another county: not bob's
    north = OrganizationFactory(name="辽阳北方石化有限公司")
    late = _make(north, alice, "北方超期", State.COUNTY_REVIEW, _long_ago(60))
    _make(north, alice, "北方按期", State.COUNTY_REVIEW)
    _make(north, alice, "北方在市局", State.CITY_INTAKE)
    _make(alice.profile.organization, alice, "其他", State.COUNTY_REVIEW)
    client.force_login(bob)
    rows = _sheet(client.get("/applications/export.xlsx", {"q": "北方", "sort": "due"}))
    header, data = rows[0], [r for r in rows[1:] if r[0] and r[0].startswith("辽阳市")]
    assert header == [
        "联合体名称",
        "牵头单位",
        "统一社会信用代码",
        "所在县区",
        "状态",
        "提交时间",
        "更新时间",
        "办理期限",
        "剩余/超期工作日",
    ]
    assert [r[0] for r in data][:1] == ["辽阳市北方超期创新联合体"]  # earliest due first
    assert {r[0] for r in data} == {
        "辽阳市北方超期创新联合体",
        "辽阳市北方按期创新联合体",
        "辽阳市北方在市局创新联合体",
    }
    first = data[0]
    assert first[1:5] == ["辽阳北方石化有限公司", north.uscc, "白塔区", "县区审核中"]
    submitted = timezone.localdate(late.submitted_at)
    assert first[5] == f"{submitted.year}年{submitted.month}月{submitted.day}日"
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", first[7])
    assert re.fullmatch(r"已超期\d+个工作日", first[8])
    # With the state filter too, and every page (not only the first 20).
    rows = _sheet(client.get("/applications/export.xlsx", {"q": "北方", "state": "city_intake"}))
    assert [r[0] for r in rows[1:] if r[0] and r[0].startswith("辽阳市")] == [
        "辽阳市北方在市局创新联合体"
    ]


def test_the_export_is_all_pages_in_a_fixed_number_of_queries(
    client, alice, bob, django_assert_max_num_queries
):
    client.force_login(bob)
    for i in range(3):
        _make(alice.profile.organization, alice, f"导出{i:02d}", State.COUNTY_REVIEW)
    client.get("/applications/export.xlsx")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        _sheet(client.get("/applications/export.xlsx", {"sort": "-due"}))
    for i in range(3, 25):
        _make(alice.profile.organization, alice, f"导出{i:02d}", State.COUNTY_REVIEW)
    with CaptureQueriesContext(connection) as large:
        rows = _sheet(client.get("/applications/export.xlsx", {"sort": "-due"}))
    assert len([r for r in rows[1:] if r[0] and r[0].startswith("辽阳市导出")]) == 25
    assert len(large.captured_queries) == len(small.captured_queries)


def test_an_expert_is_sent_from_the_work_list_to_their_tasks(client, dora):
    client.force_login(dora)
    response = client.get("/applications/")
    assert response.status_code == 302 and response["Location"] == "/reviews/experts/"
    body = client.get("/reviews/experts/").content.decode()
    # One menu entry for it, named as the work list.
    assert body.count('href="/reviews/experts/"') == 1
    assert 'href="/reviews/experts/">我的评审任务<' in body


def test_the_expert_sees_by_when_to_score(client, alice, charlie, dora):
    expert = ExpertProfile.objects.create(
        user=dora, name="王评审", employer=dora.profile.organization
    )
    sheet = ScoreSheet.objects.get(is_default=True)
    for name, since in (("按期", timezone.now()), ("超期", _long_ago(90))):
        application = _make(alice.profile.organization, alice, name, State.EXPERT_REVIEW, since)
        ExpertAssignment.objects.create(
            application=application,
            expert=expert,
            method=ExpertAssignment.Method.DRAW,
            sheet=sheet,
            assigned_by=charlie,
            status=ExpertAssignment.Status.ACCEPTED,
        )
    client.force_login(dora)
    body = client.get("/reviews/experts/").content.decode()
    assert body.count('data-testid="task-deadline"') == 2
    assert "请于以下日期前完成评分" in body and "剩余" in body
    assert re.search(
        r'class="deadline-late[^"]*" data-testid="task-overdue">已超期\d+个工作日', body
    )


# --- the directory and 联合体监管 ----------------------------------------------------------


def test_the_directory_searches_by_name_and_lead_unit(client, alice, django_assert_max_num_queries):
    north = OrganizationFactory(name="辽阳北方石化有限公司")
    found = make_consortium(lead=north, creator=alice)
    other = make_consortium(creator=alice)
    body = client.get("/consortia/", {"q": "北方石化"}).content.decode()
    assert found.name in body and other.name not in body
    assert 'name="q" value="北方石化"' in body and "共1个" in body
    core = found.name.removeprefix("辽阳市").removesuffix("创新联合体")
    body = client.get("/consortia/", {"q": core}).content.decode()
    assert found.name in body and other.name not in body
    body = client.get("/consortia/", {"q": "没有这个"}).content.decode()
    assert "共0个" in body and "没有符合条件的创新联合体" in body
    assert "共2个" in client.get("/consortia/").content.decode()
    with django_assert_max_num_queries(6):
        client.get("/consortia/", {"q": "辽阳"})


def test_the_directory_pager_keeps_the_search(client, alice):
    from reviews.decisions.selectors import DIRECTORY_PAGE_SIZE

    for _ in range(DIRECTORY_PAGE_SIZE + 1):
        make_consortium(creator=alice)
    body = client.get("/consortia/", {"q": "测试"}).content.decode()
    assert 'href="?q=%E6%B5%8B%E8%AF%95&amp;page=2"' in body


def test_city_staff_search_the_consortia_they_supervise(client, alice, charlie):
    north = OrganizationFactory(name="辽阳北方石化有限公司")
    found = make_consortium(lead=north, creator=alice)
    other = make_consortium(creator=alice)
    client.force_login(charlie)
    body = client.get("/my-consortia/", {"q": "北方"}).content.decode()
    assert found.name in body and other.name not in body
    assert 'name="q" value="北方"' in body and "共1个" in body
    body = client.get("/my-consortia/").content.decode()
    assert found.name in body and other.name in body


def test_the_due_date_is_shown_as_a_bureau_date(client, alice, bob):
    app = _make(alice.profile.organization, alice, "期限", State.COUNTY_REVIEW)
    from applications.selectors import deadline_of

    due = deadline_of(app, today=timezone.localdate()).due
    client.force_login(bob)
    body = client.get("/applications/").content.decode()
    assert f"{due.year}年{due.month}月{due.day}日" in body
    assert isinstance(due, date)


def test_a_user_with_no_role_exports_an_empty_sheet_not_an_error(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="norole"))
    response = client.get("/applications/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("工作台")
    assert rows[1][0] == "联合体名称" and rows[2][0] is None
    assert rows[-1][0] == "注：共0件。"

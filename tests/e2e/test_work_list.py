"""A county reviewer with more applications than one page holds pages through the work
list and narrows it to one state, in a real browser."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Application, State
from applications.selectors import WORK_LIST_PAGE_SIZE
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_pages_through_the_work_list_and_filters_it_by_state(live_server, page, alice, bob):
    now = timezone.now()
    Application.objects.bulk_create(
        Application(
            lead=alice.profile.organization,
            created_by=alice,
            name_core=f"分页测试{i:02d}",
            state=State.COUNTY_REVIEW if i < 22 else State.CITY_INTAKE,
            submitted_at=now,
            state_since=now,
        )
        for i in range(25)
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("bob")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/applications/$"))

    rows = page.get_by_test_id("work-row")
    expect(rows).to_have_count(WORK_LIST_PAGE_SIZE)
    expect(page.get_by_test_id("count-all")).to_have_text("25")
    expect(page.get_by_test_id("count-waiting")).to_have_text("22")
    expect(page.get_by_test_id("pager")).to_contain_text("共25件，第1–20件")
    # Waiting work first: every row of page one is the county's to review.
    expect(rows.filter(has_text="待我办理")).to_have_count(WORK_LIST_PAGE_SIZE)

    page.get_by_test_id("next-page").click()
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    expect(rows).to_have_count(25 - WORK_LIST_PAGE_SIZE)
    expect(page.get_by_test_id("pager")).to_contain_text("共25件，第21–25件")

    page.get_by_test_id(f"filter-{State.CITY_INTAKE}").click()
    expect(page).to_have_url(re.compile(rf"\?state={State.CITY_INTAKE}$"))
    expect(rows).to_have_count(3)
    expect(page.get_by_test_id("pager")).to_have_count(0)  # one page: no pager
    for i in (22, 23, 24):
        expect(rows.filter(has_text=f"分页测试{i}")).to_have_count(1)

    page.get_by_test_id("filter-all").click()
    expect(rows).to_have_count(WORK_LIST_PAGE_SIZE)


def test_it_searches_sorts_exports_and_shows_cards_on_a_phone(live_server, page, alice, charlie):
    from datetime import timedelta

    from tests.factories import OrganizationFactory

    north = OrganizationFactory(name="辽阳北方石化有限公司")
    now = timezone.now()
    for i, (lead, days) in enumerate([(north, 1), (north, 40), (alice.profile.organization, 3)]):
        Application.objects.create(
            lead=lead,
            created_by=alice,
            name_core=f"检索{i}",
            state=State.CITY_INTAKE,
            submitted_at=now,
            state_since=now - timedelta(days=days),
        )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("charlie")
    page.get_by_label(re.compile("^密码")).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    rows = page.get_by_test_id("work-row")
    expect(rows).to_have_count(3)

    # The search narrows the list and stays in the box and the URL.
    page.get_by_label("检索", exact=True).fill("北方石化")
    page.get_by_test_id("search-button").click()
    expect(page).to_have_url(re.compile(r"q=%E5%8C%97"))
    expect(rows).to_have_count(2)
    expect(page.get_by_label("检索", exact=True)).to_have_value("北方石化")
    expect(page.get_by_test_id("result-count")).to_contain_text("共2件")

    # Sorted by the due date: the one that arrived 40 days ago is due first, and is late.
    page.get_by_test_id("sort-due").click()
    expect(page).to_have_url(re.compile(r"sort=due"))
    expect(rows.first).to_contain_text("检索1")
    expect(rows.first.get_by_test_id("overdue")).to_contain_text("已超期")
    page.get_by_test_id("sort-due").click()  # the other way round
    expect(page).to_have_url(re.compile(r"sort=-due"))
    expect(rows.first).to_contain_text("检索0")
    expect(rows.first.get_by_test_id("due")).to_contain_text("剩余")

    # The export link downloads the filtered list as an xlsx.
    with page.expect_download() as info:
        page.get_by_test_id("export").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")

    import io
    from pathlib import Path

    import openpyxl

    # The download is saved without its name's extension, which openpyxl insists on.
    wb = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    names = [r[0].value for r in wb.active.iter_rows(min_row=3) if r[0].value]
    assert set(names[:2]) == {"辽阳市检索0创新联合体", "辽阳市检索1创新联合体"}

    # On a phone: cards (one block per application), no sideways scrolling, small tiles.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(rows).to_have_count(2)
    assert rows.first.evaluate("r => getComputedStyle(r).display") == "block"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tiles = page.get_by_test_id("state-counts").bounding_box()
    assert tiles["height"] < 200, tiles

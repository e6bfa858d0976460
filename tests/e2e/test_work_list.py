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

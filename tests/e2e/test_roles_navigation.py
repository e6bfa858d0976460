"""A real browser signs in as each demo role and sees that role's navigation."""

import re

import pytest
from playwright.sync_api import expect

from liaoyang_consortia import demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-demo-pass-2026"

# username: (what the work list is called for that role, sees 系统管理, where it lands). An
# expert's work list is their review tasks: one menu entry, and the sign-in lands there.
EXPECTED = {
    "admin": ("全部申报", True, "/applications/"),
    "city_staff": ("市局办理", False, "/applications/"),
    "county_baita": ("待本县区审核", False, "/applications/"),
    "applicant_a": ("我的申报", False, "/applications/"),
    "expert1": ("我的评审任务", False, "/reviews/experts/"),
}


def test_it_shows_each_demo_role_its_navigation(live_server, page):
    demo.seed_users(password=PASSWORD)
    for username, (work_list, sees_admin, lands_on) in EXPECTED.items():
        page.goto(f"{live_server.url}/")
        page.get_by_role("link", name="登录", exact=True).first.click()
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()

        expect(page).to_have_url(re.compile(rf"{lands_on}$"))
        nav = page.get_by_test_id("nav")
        expect(nav.get_by_role("link", name=work_list)).to_be_visible()
        expect(nav.get_by_role("link", name=work_list)).to_have_attribute("href", lands_on)
        expect(nav.get_by_role("link", name="系统管理")).to_have_count(1 if sees_admin else 0)
        expect(nav.get_by_role("link", name="评审任务", exact=True)).to_have_count(0)
        if lands_on == "/reviews/experts/":
            expect(page.get_by_test_id("expert-tasks-title")).to_have_text(work_list)
            expect(page.get_by_test_id("empty-tasks")).to_be_visible()
        else:
            expect(page.get_by_test_id("work-list-title")).to_have_text(work_list)
            expect(page.get_by_test_id("empty-work-list")).to_be_visible()

        page.get_by_test_id("user-menu").click()
        page.get_by_role("button", name="退出登录").click()
        expect(page.get_by_role("link", name="登录", exact=True).first).to_be_visible()


def test_it_works_on_a_phone_sized_screen_by_keyboard(live_server, page):
    demo.seed_users(password=PASSWORD)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="跳到正文")).to_be_focused()
    page.get_by_role("link", name="登录申报").press("Enter")
    # The login form puts the cursor in the username field itself.
    expect(page.get_by_label("用户名")).to_be_focused()
    page.keyboard.type("applicant_a")
    page.keyboard.press("Tab")
    expect(page.get_by_label("密码")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/applications/$"))
    # The menu collapses behind the toggler on a phone.
    toggler = page.get_by_role("button", name="展开导航")
    expect(toggler).to_be_visible()
    toggler.click()
    expect(page.get_by_test_id("nav").get_by_role("link", name="我的申报")).to_be_visible()


def test_it_loads_the_vendored_styles_and_scripts(live_server, page):
    page.goto(f"{live_server.url}/")
    # The portal's CSS gives the navbar its colour (static/css/portal.css, after Bootstrap's);
    # htmx and Bootstrap's JS define globals.
    color = page.locator("nav.navbar").evaluate("n => getComputedStyle(n).backgroundColor")
    assert color == "rgb(10, 88, 202)"
    assert page.evaluate("typeof htmx === 'object' && typeof bootstrap === 'object'")

"""The application page as a county reviewer works on it, in a real browser: the 办理 panel
beside the material on a laptop (and still in view after scrolling down), after it on a
phone; an empty reason refused at the field; the applicant reads the reason at the top and
resubmits with a 修改说明, which the county then reads beside the changes."""

import re

import pytest
from playwright.sync_api import expect

from applications import services
from liaoyang_consortia import demo
from tests.factories import make_complete_application

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-demo-pass-2026"
CONSORTIUM = "辽阳市精细化工创新联合体"
REASON = "第八家成员单位的盖章页不清晰，请重新上传。"
NOTE = "已重新扫描并上传第八家成员单位的盖章页。"


def login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label(re.compile("^密码")).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/applications/$"))


def logout(page):
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("link", name="登录", exact=True).first).to_be_visible()


def box(page, selector):
    found = page.locator(selector).bounding_box()
    assert found, selector
    return found


def test_it_lets_the_county_return_an_application_and_read_the_change_note(live_server, page):
    names = demo.seed_users(password=PASSWORD)
    assert "applicant_a" in names
    from django.contrib.auth import get_user_model

    applicant = get_user_model().objects.get(username="applicant_a")
    application = make_complete_application(lead=applicant.profile.organization, creator=applicant)
    services.submit(actor=applicant, application_id=application.pk)
    detail = f"{live_server.url}/applications/{application.pk}/"

    # A laptop: the panel is the right-hand column and stays in view as the reviewer reads.
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, "county_baita")
    page.goto(detail)
    expect(page.get_by_test_id("application-title")).to_have_text(CONSORTIUM)
    expect(page.get_by_test_id("breadcrumb")).to_contain_text("待本县区审核")
    expect(page.locator('[aria-current="step"]')).to_contain_text("县区审核")
    expect(page.get_by_test_id("deadline")).to_contain_text(re.compile(r"剩余\d+个工作日"))
    material, panel = box(page, "#material"), box(page, "#actions")
    assert panel["x"] >= material["x"] + material["width"], (material, panel)
    assert panel["y"] < 900
    page.evaluate("window.scrollTo(0, 3000)")
    page.wait_for_function("window.scrollY > 2000")
    panel = box(page, "#actions")
    assert panel["y"] >= 0 and panel["y"] + panel["height"] <= 900, panel
    expect(page.get_by_test_id("action-county_return")).to_be_in_viewport()

    # A phone: the panel comes after the material.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    material, panel = box(page, "#material"), box(page, "#actions")
    assert panel["y"] >= material["y"] + material["height"], (material, panel)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Returning with an empty reason: refused at the field, on a laptop again.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.reload()
    form = page.get_by_test_id("action-county_return")
    form.get_by_role("button", name="退回修改").click()
    form = page.get_by_test_id("action-county_return")
    reason = form.get_by_label("退回原因")
    expect(reason).to_have_class(re.compile("is-invalid"))
    expect(form.get_by_role("alert")).to_have_text("请填写退回原因。")
    expect(page.get_by_test_id("state")).to_have_text("县区审核中")
    reason.fill(REASON)
    form.get_by_role("button", name="退回修改").click()
    expect(page.get_by_test_id("state")).to_have_text("退回修改")
    logout(page)

    # The applicant reads the reason at the top and resubmits with a 修改说明.
    login(page, live_server, "applicant_a")
    page.goto(detail)
    top = page.get_by_test_id("return-reason")
    expect(top).to_contain_text(REASON)
    assert box(page, '[data-testid="return-reason"]')["y"] < box(page, "#material")["y"]
    expect(page.locator('[aria-current="step"]')).to_contain_text("退回修改")
    page.get_by_test_id("main-action").click()
    page.get_by_role("button", name="确认提交").click()
    note = page.get_by_label("修改说明")
    expect(note).to_have_class(re.compile("is-invalid"))
    expect(page.get_by_test_id("submit-form").get_by_role("alert")).to_contain_text(
        "请填写修改说明。"
    )
    note.fill(NOTE)
    page.get_by_role("button", name="确认提交").click()
    expect(page.get_by_test_id("state")).to_have_text("县区审核中")
    logout(page)

    # The county reads the note beside what changed.
    login(page, live_server, "county_baita")
    page.goto(detail)
    expect(page.get_by_test_id("change-note")).to_contain_text(NOTE)
    expect(page.get_by_test_id("submission-diff")).to_be_visible()

"""An expert gets into the library on their own (issue 14, points 1-2), in a real browser: a
person registers as an expert from the home page (a unit not in the register is refused,
what was typed kept), confirms the e-mail from the link in the outbox, city staff verify
them in the queue after opening the CV, and the expert signs in and sees 在库 on their
profile page, where the yearly confirmation is one click."""

import re

import pytest
from playwright.sync_api import expect

from liaoyang_consortia import demo
from liaoyang_consortia.models import Notification
from members.models import IndustryField
from reviews.models import ExpertProfile
from tests.e2e.test_registration import sign_in, solve_captcha
from tests.factories import MINIMAL_PDF, OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "e2e-demo-pass-2026"
PASSWORD = "Zhuanjia-first-2026"
EMAIL = "sun.lei@ldlg.example.cn"
CV = [{"name": "孙磊简历.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]


def test_a_person_registers_as_an_expert_and_city_staff_take_them_in(
    live_server, page, browser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    demo.seed_users(password=DEMO_PASSWORD)
    employer = OrganizationFactory(name="辽东理工大学（测试）")
    field = IndustryField.objects.filter(is_active=True).order_by("sort_order", "name").first()
    base = live_server.url

    page.goto(f"{base}/")
    page.get_by_test_id("home-expert-register").click()
    expect(page.get_by_role("heading", name="专家注册")).to_be_visible()
    page.get_by_label("姓名").fill("孙磊")
    page.get_by_label("手机号码").fill("13904191234")
    page.get_by_label("电子邮箱").fill(EMAIL)
    page.get_by_label(re.compile("^密码")).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label(field.name, exact=True).check()
    page.get_by_label("研究方向关键词").fill("精细化工、催化剂")
    page.get_by_label(re.compile("^职称 ")).fill("教授")
    page.get_by_label("职称级别").select_option(label="正高级")
    page.get_by_label("工作单位").fill("辽阳某未注册大学")
    page.get_by_label("个人简历").set_input_files(files=CV)
    page.get_by_label(re.compile("本人承诺")).check()
    solve_captcha(page)
    page.get_by_role("button", name="提交注册").click()
    # A unit not in the register: told to register it first, what was typed kept.
    expect(page.get_by_text(re.compile("请先由该单位在本平台完成单位注册"))).to_be_visible()
    expect(page.get_by_label("研究方向关键词")).to_have_value("精细化工、催化剂")
    page.get_by_label("工作单位").fill(employer.uscc)
    page.get_by_label(re.compile("^密码")).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label("个人简历").set_input_files(files=CV)
    solve_captcha(page)
    page.get_by_role("button", name="提交注册").click()
    expect(page.get_by_test_id("register-done")).to_contain_text(EMAIL)

    # The confirmation link, as the outbox mails it.
    profile = ExpertProfile.objects.get(user__username=EMAIL)
    link = Notification.objects.get(recipient=profile.user, event="expert_registration_email")
    page.goto(base + link.url)
    page.get_by_test_id("confirm-email").click()
    expect(page.get_by_test_id("expert-status")).to_have_text("待核验")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()

    # City staff verify it in the queue, having opened the CV.
    city = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    clerk = city.new_page()
    sign_in(clerk, base, "city_staff", DEMO_PASSWORD)
    clerk.get_by_role("link", name="专家库").click()
    clerk.get_by_test_id("registrations-link").click()
    clerk.get_by_role("link", name="孙磊").click()
    expect(clerk.get_by_test_id("expert-facts")).to_contain_text(employer.name)
    with clerk.expect_download() as download:
        clerk.get_by_test_id("cv-link").click()
    assert download.value.suggested_filename == "孙磊简历.pdf"
    clerk.get_by_role("button", name="核验通过").click()
    expect(clerk.get_by_text("请先核对个人简历")).to_be_visible()  # the tick is required
    clerk.get_by_label(re.compile("已核对个人简历")).check()
    clerk.get_by_role("button", name="核验通过").click()
    expect(clerk.get_by_text("已进入专家库")).to_be_visible()
    city.close()

    # The expert signs in and sees 在库 on their own page; the yearly confirmation.
    sign_in(page, base, EMAIL, PASSWORD)
    page.get_by_role("link", name="我的专家信息").click()
    expect(page.get_by_test_id("expert-status")).to_have_text("在库")
    page.get_by_test_id("confirm-unchanged").click()
    expect(page.get_by_text("本年度信息更新已完成")).to_be_visible()

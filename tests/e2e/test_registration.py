"""Day one in a real browser (issue 10): a unit registers itself, confirms its e-mail from
the link in the outbox, 白塔区's reviewer verifies it, its user drafts an application that
cannot be submitted before verification and can after, then resets the password from the
e-mailed link and signs in with the new one."""

import re

import pytest
from captcha.models import CaptchaStore
from playwright.sync_api import expect

from applications.models import Application, State
from liaoyang_consortia import demo
from liaoyang_consortia.models import Notification
from members.models import UnitRegistration
from tests.factories import MINIMAL_PDF, make_complete_application, valid_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "e2e-demo-pass-2026"
PASSWORD = "Baita-first-2026"
NEW_PASSWORD = "Baita-second-2026"
EMAIL = "chen.li@xincai.example.cn"
UNIT = "辽阳新材智造科技有限公司"


def solve_captcha(page):
    """Read the captcha as a person reads its image: here, from the store behind it."""
    key = page.locator("input[name=captcha_0]").input_value()
    page.get_by_label("验证码").fill(CaptchaStore.objects.get(hashkey=key).response)


def sign_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_it_takes_a_new_unit_from_registration_to_a_submitted_application(
    live_server, page, browser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    demo.seed_users(password=DEMO_PASSWORD)
    base = live_server.url

    # The home page and the login page lead to registration.
    page.goto(f"{base}/")
    page.get_by_test_id("home-register").click()
    expect(page.get_by_role("heading", name="单位注册")).to_be_visible()

    uscc = valid_uscc("91211002", 77001)
    page.get_by_label("单位名称").fill(UNIT)
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("单位类型").select_option(label="企业")
    page.get_by_label("所在县（市、区）").select_option(label="白塔区")
    page.get_by_label("注册地址").fill("辽阳市白塔区中华大街100号")
    page.get_by_label("法定代表人").fill("陈立")
    page.get_by_label("营业执照扫描件").set_input_files(
        files=[{"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    page.get_by_label("注册人姓名").fill("陈丽")
    page.get_by_label("手机号").fill("13904197788")
    page.get_by_label("电子邮箱").fill(EMAIL)
    page.get_by_label(re.compile("^密码")).fill(PASSWORD)
    page.get_by_label("确认密码").fill("not-the-same-2026")
    page.get_by_label(re.compile("本人承诺")).check()
    solve_captcha(page)
    page.get_by_role("button", name="提交注册").click()
    # A mistake: told in Chinese, what was typed kept.
    expect(page.get_by_text("两次输入的密码不一致")).to_be_visible()
    expect(page.get_by_label("单位名称")).to_have_value(UNIT)
    page.get_by_label(re.compile("^密码")).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label("营业执照扫描件").set_input_files(
        files=[{"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    solve_captcha(page)
    page.get_by_role("button", name="提交注册").click()
    expect(page.get_by_test_id("register-done")).to_contain_text(EMAIL)

    # The confirmation link, as the outbox mails it.
    registration = UnitRegistration.objects.get(uscc=uscc)
    link = Notification.objects.get(recipient=registration.registrant, event="registration_email")
    page.goto(base + link.url)
    page.get_by_test_id("confirm-email").click()
    expect(page.get_by_test_id("reg-pending")).to_contain_text("白塔区")

    # Signed in already: a draft can be made before verification...
    page.goto(f"{base}/applications/")
    page.get_by_role("link", name="新建申报").click()
    page.get_by_role("button", name="新建草稿").click()
    expect(page.get_by_test_id("display-name")).to_be_visible()
    assert Application.objects.filter(lead=registration.organization).count() == 1
    # ...but not submitted: a complete one is refused, and the page says why.
    complete = make_complete_application(
        lead=registration.organization, creator=registration.registrant
    )
    page.goto(f"{base}/applications/{complete.pk}/submit/")
    expect(page.get_by_test_id("submit-findings")).to_contain_text("尚未核验通过")
    expect(page.get_by_role("button", name="确认提交")).to_have_count(0)

    # 白塔区's reviewer verifies it, having opened the licence.
    county = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    clerk = county.new_page()
    sign_in(clerk, base, "county_baita", DEMO_PASSWORD)
    clerk.get_by_role("link", name="单位核验").click()
    clerk.get_by_role("link", name=UNIT).click()
    with clerk.expect_download() as download:
        clerk.get_by_test_id("licence-link").click()
    assert download.value.suggested_filename == "营业执照.pdf"
    clerk.get_by_role("button", name="核验通过").click()
    expect(clerk.get_by_text("请先核对营业执照")).to_be_visible()  # the tick is required
    clerk.get_by_label(re.compile("已核对营业执照")).check()
    clerk.get_by_role("button", name="核验通过").click()
    expect(clerk.get_by_text("已核验通过")).to_be_visible()
    county.close()

    # Now it can be submitted.
    page.goto(f"{base}/applications/{complete.pk}/submit/")
    page.get_by_role("button", name="确认提交").click()
    expect(page.get_by_text("已提交，等待所在县（市、区）科技管理部门审核")).to_be_visible()
    assert Application.objects.get(pk=complete.pk).state == State.COUNTY_REVIEW

    # Forgotten password: reset from the e-mailed link, sign in with the new one.
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    page.goto(f"{base}/accounts/login/")
    page.get_by_test_id("forgot-password").click()
    page.get_by_label("账号登记的电子邮箱").fill(EMAIL.upper())
    solve_captcha(page)
    page.get_by_role("button", name="发送重设链接").click()
    expect(page.get_by_test_id("reset-done")).to_be_visible()
    mail = Notification.objects.get(event="password_reset")
    reset_url = re.search(r"https?://\S+/accounts/reset/\S+/", mail.body).group(0)
    page.goto(reset_url)
    page.get_by_label(re.compile("^新密码$|^新密码 ")).fill(NEW_PASSWORD)
    page.get_by_label("新密码确认").fill(NEW_PASSWORD)
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_test_id("reset-complete")).to_be_visible()
    sign_in(page, base, EMAIL, NEW_PASSWORD)
    expect(page.get_by_test_id("work-list-title")).to_have_text("我的申报")
    # The link worked once.
    page.goto(reset_url)
    expect(page.get_by_test_id("reset-link-invalid")).to_be_visible()

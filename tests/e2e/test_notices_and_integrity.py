"""Issue 11 in a real browser: city staff preview and publish a notice; the public sees it
marked 公示中, files an objection, is given its 受理编号 and looks it up by number and phone;
city staff add an integrity record in the portal's own pages and end it."""

import re
from datetime import timedelta

import pytest
from captcha.models import CaptchaStore
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import State
from members.models import IntegrityRecord
from reviews.models import Objection, PublicNotice
from tests.factories import PASSWORD, OrganizationFactory, make_complete_application, valid_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUSINESS = "市科技局成果转化科 王科长，0419-2222222"
SUPERVISION = "市科技局机关纪委，0419-3333333"
PHONE = "13904191234"


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/applications/$"))


def sign_out(page):
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("link", name="登录", exact=True).first).to_be_visible()


def solve_captcha(page):
    """Read the captcha as a person reads its image: here, from the store behind it."""
    key = page.locator("input[name=captcha_0]").input_value()
    page.get_by_label(re.compile("^验证码")).fill(CaptchaStore.objects.get(hashkey=key).response)


def test_the_public_follows_an_objection_to_a_previewed_notice(live_server, page, charlie, alice):
    application = make_complete_application(
        lead=alice.profile.organization, creator=alice, state=State.REVIEW_PASSED
    )
    name = application.display_name
    today = timezone.localdate()

    # City staff fill in 发布公示, preview it, go back, and publish.
    sign_in(page, live_server, "charlie")
    page.goto(f"{live_server.url}/notices/manage/")
    form = page.get_by_test_id("publish-form")
    form.get_by_role("checkbox", name=re.compile(name)).check()
    form.get_by_label(re.compile("^公示开始日期")).fill(today.isoformat())
    form.get_by_label(re.compile("^业务联系人及电话")).fill(BUSINESS)
    form.get_by_label(re.compile("^监督电话")).fill(SUPERVISION)
    form.get_by_role("button", name="预览").click()
    preview = page.get_by_test_id("notice-preview")
    expect(preview).to_contain_text(name)
    expect(preview).to_contain_text("发布时编号")
    expect(preview).to_contain_text("个工作日")
    expect(preview).to_contain_text(BUSINESS)
    assert not PublicNotice.objects.exists()
    page.get_by_role("button", name="返回修改").click()
    form = page.get_by_test_id("publish-form")
    expect(form.get_by_label(re.compile("^业务联系人及电话"))).to_have_value(BUSINESS)
    expect(form.get_by_role("checkbox", name=re.compile(name))).to_be_checked()
    form.get_by_role("button", name="预览").click()
    page.get_by_role("button", name="确认发布").click()
    expect(page.get_by_role("status").filter(has_text="已发布公示")).to_be_visible()
    notice = PublicNotice.objects.get()
    # The next notice starts from these contact lines.
    expect(page.get_by_label(re.compile("^监督电话"))).to_have_value(SUPERVISION)
    sign_out(page)

    # The public finds it marked 公示中 and objects.
    page.goto(f"{live_server.url}/notices/")
    listed = page.get_by_test_id("notice").filter(has_text=notice.number)
    expect(listed.get_by_test_id("notice-running")).to_have_text("公示中")
    listed.get_by_role("link", name=notice.title).click()
    expect(page.get_by_test_id("notice-status")).to_contain_text("公示中")
    objection = page.get_by_test_id("objection-form")
    objection.get_by_label(re.compile("^异议对象")).select_option(
        label=f"{name}（牵头单位：{application.lead.name}）"
    )
    objection.get_by_label(re.compile("^异议人姓名")).fill("李明远")
    objection.get_by_label(re.compile("^工作单位")).fill("辽阳某某设备制造有限公司")
    objection.get_by_label(re.compile("^联系电话")).fill(PHONE)
    objection.get_by_label(re.compile("^异议理由")).fill("牵头单位研发投入数据与年报不符。")
    objection.get_by_label(re.compile("^本人承诺")).check()
    objection.get_by_role("button", name="提交异议").click()
    expect(page.get_by_test_id("objection-thanks")).to_be_visible()
    number = Objection.objects.get().receipt_number
    expect(page.get_by_test_id("receipt-number")).to_have_text(number)

    # Later, the objector looks it up: a wrong phone is told nothing, the right one the status.
    page.get_by_role("link", name="查询办理进度").click()
    lookup = page.get_by_test_id("lookup-form")
    lookup.get_by_label(re.compile("^受理编号")).fill(number)
    lookup.get_by_label(re.compile("^联系电话")).fill("13800000000")
    solve_captcha(page)
    lookup.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("lookup-not-found")).to_be_visible()
    lookup = page.get_by_test_id("lookup-form")
    lookup.get_by_label(re.compile("^受理编号")).fill(number.lower())
    lookup.get_by_label(re.compile("^联系电话")).fill(PHONE)
    solve_captcha(page)
    lookup.get_by_role("button", name="查询").click()
    result = page.get_by_test_id("lookup-result")
    expect(result).to_contain_text(number)
    expect(page.get_by_test_id("lookup-status")).to_have_text("已受理")
    expect(result).not_to_contain_text("李明远")

    # City staff see the number among the objections to handle.
    sign_in(page, live_server, "charlie")
    page.goto(f"{live_server.url}/notices/manage/")
    expect(page.get_by_test_id("pending-objection")).to_contain_text(number)


def test_city_staff_add_and_end_an_integrity_record(live_server, page, charlie):
    unit = OrganizationFactory(name="辽阳市诚信测试化工有限公司", uscc=valid_uscc("91211002"))
    today = timezone.localdate()
    sign_in(page, live_server, "charlie")
    page.get_by_role("link", name="诚信记录").first.click()
    expect(page).to_have_url(re.compile(r"/integrity/$"))
    page.get_by_test_id("add-record").click()

    form = page.get_by_test_id("record-form")
    form.get_by_label(re.compile("^单位")).fill("辽阳市不存在的公司")
    form.get_by_label("诚信黑名单").check()
    form.get_by_label(re.compile("^事由")).fill("申报材料弄虚作假。")
    form.get_by_label(re.compile("^起始日期")).fill((today - timedelta(days=10)).isoformat())
    form.get_by_role("button", name="登记").click()
    form = page.get_by_test_id("record-form")
    expect(form.locator("#id_unit_error")).to_contain_text("未找到该单位")
    expect(form.get_by_label(re.compile("^事由"))).to_have_value("申报材料弄虚作假。")
    form.get_by_label(re.compile("^单位")).fill(unit.uscc)
    form.get_by_role("button", name="登记").click()
    expect(page.get_by_role("status").filter(has_text="已登记")).to_be_visible()
    row = page.get_by_test_id("integrity-record").filter(has_text=unit.name)
    expect(row).to_contain_text("生效中")

    row.get_by_role("link", name="终止").click()
    end = page.get_by_test_id("end-form")
    end.get_by_label(re.compile("^终止日期")).fill((today - timedelta(days=1)).isoformat())
    end.get_by_label(re.compile("^终止原因")).fill("经复核，原认定事实不成立。")
    end.get_by_role("button", name="终止该记录").click()
    expect(page.get_by_role("status").filter(has_text="已终止")).to_be_visible()
    row = page.get_by_test_id("integrity-record").filter(has_text=unit.name)
    expect(row).to_contain_text("已结束")
    expect(row).to_contain_text("经复核，原认定事实不成立。")
    record = IntegrityRecord.objects.get()
    assert record.end_date == today - timedelta(days=1) and record.ended_by == charlie

    # The filter finds it among the ended ones, by its credit code.
    page.get_by_label("状态").select_option(label="已结束")
    page.get_by_label("单位名称或信用代码").fill(unit.uscc)
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("integrity-record")).to_have_count(1)
    page.get_by_label("状态").select_option(label="生效中")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("no-records")).to_be_visible()

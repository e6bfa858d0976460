"""A lead unit files its annual report in a real browser after the March reminder, and city
staff accept it (article 22, DESIGN.md §6)."""

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from liaoyang_consortia import demo
from liaoyang_consortia.models import Notification
from reporting.cycle import run_reporting_cycle
from reporting.models import AnnualReport, ReportStatus
from tests.factories import MINIMAL_PDF
from tests.reporting import make_consortium

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-demo-pass-2026"

# label on the form → what the lead types
TEXTS = {
    "研发进展": "完成高选择性加氢催化剂中试，连续流微反应工艺通过验收。",
    "科技项目情况": "辽阳市重大科技专项：产业链关键共性技术协同攻关（市级）",
    "专利情况": "一种加氢催化剂的制备方法（发明专利，已授权）\n连续流微反应装置（实用新型）",
    "团队建设": "研发人员126人，其中高级职称38人。",
    "资金投入情况": "成员单位合计投入1,860万元。",
    "本年度工作计划": "建成示范线并投产。",
    "存在的问题": "中试放大人才不足。",
    "需政府协调解决的事项": "无",
}
NUMBERS = {"承担科技项目（项）": "1", "专利（件）": "2", "资金投入总额（万元）": "1860"}


def login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("user-menu")).to_be_visible()


def logout(page):
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("link", name="登录", exact=True).first).to_be_visible()


def test_it_files_the_annual_report_after_the_reminder_and_city_staff_accept_it(
    live_server, page, tmp_path
):
    demo.seed_users(password=PASSWORD)
    users = {u.username: u for u in get_user_model().objects.all()}
    lead_user = users["applicant_a"]
    consortium = make_consortium(
        lead=lead_user.profile.organization, named_on=date(2026, 5, 20), creator=lead_user
    )
    # The daily cycle of 15 March 2027: the report exists, the lead was told and reminded.
    run_reporting_cycle(today=date(2027, 3, 15))
    report = AnnualReport.objects.get(consortium=consortium, year=2026)
    assert Notification.objects.filter(recipient=lead_user, event="report_reminder-15").exists()

    # 1. The lead opens the reminder from its notifications.
    login(page, live_server, "applicant_a")
    expect(page.get_by_test_id("unread-count")).to_contain_text("2")
    page.get_by_test_id("nav-notifications").click()
    page.get_by_role("link", name=re.compile("年度报告提醒")).click()
    expect(page).to_have_url(re.compile(rf"/reports/{report.pk}/edit/$"))
    expect(page.get_by_test_id("report-title")).to_have_text(
        f"{consortium.name}2026年度建设运行情况报告"
    )
    expect(page.get_by_test_id("report-status")).to_have_text("待填报")

    # 2. A wrong amount: the page says so and keeps what was typed.
    form = page.get_by_test_id("report-form")
    form.get_by_label("研发进展").fill(TEXTS["研发进展"])
    form.get_by_label("资金投入总额（万元）").fill("-5")
    form.get_by_role("button", name="暂存", exact=True).click()
    expect(page.get_by_test_id("report-form")).to_contain_text("金额不能为负数。")
    expect(page.get_by_test_id("report-form").get_by_label("研发进展")).to_have_value(
        TEXTS["研发进展"]
    )

    # 3. Everything filled in, an attachment uploaded.
    form = page.get_by_test_id("report-form")
    for label, text in TEXTS.items():
        form.get_by_label(label, exact=True).fill(text)
    for label, number in NUMBERS.items():
        form.get_by_label(label, exact=True).fill(number)
    form.get_by_role("button", name="暂存", exact=True).click()
    expect(page.get_by_test_id("report-status")).to_have_text("填报中")
    scan = tmp_path / "2026年度审计报告.pdf"
    scan.write_bytes(MINIMAL_PDF)
    upload = page.get_by_test_id("attachment-form")
    upload.get_by_label("文件").set_input_files(str(scan))
    upload.get_by_label("说明（可不填）").fill("研发投入专项审计")
    upload.get_by_role("button", name="上传").click()
    expect(page.get_by_test_id("attachments")).to_contain_text("2026年度审计报告.pdf")

    # 4. Check and submit, with a confirmation.
    page.get_by_test_id("report-form").get_by_role("button", name="暂存并检查报送").click()
    expect(page.get_by_test_id("report-content")).to_contain_text(TEXTS["团队建设"])
    page.get_by_role("button", name="确认报送").click()
    expect(page.get_by_test_id("report-status")).to_have_text("已报送，待审核")
    pdf = page.request.get(f"{live_server.url}/reports/{report.pk}/pdf/")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
    logout(page)

    # 5. City staff find it among the reports and accept it.
    login(page, live_server, "city_staff")
    page.goto(f"{live_server.url}/reports/?status=submitted")
    row = page.get_by_test_id("report-row").filter(has_text=consortium.name)
    expect(row).to_contain_text("已报送，待审核")
    row.get_by_role("link", name="审核").click()
    expect(page.get_by_test_id("report-content")).to_contain_text(TEXTS["研发进展"])
    expect(page.get_by_test_id("attachments")).to_contain_text("2026年度审计报告.pdf")
    actions = page.get_by_test_id("action-accept")
    actions.get_by_label("审核意见（可不填）").fill("内容完整，同意通过。")
    actions.get_by_role("button", name="审核通过").click()
    expect(page.get_by_test_id("report-status")).to_have_text("已通过")
    expect(page.get_by_test_id("timeline")).to_contain_text("内容完整，同意通过。")

    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    assert report.funds_amount == 1860 and report.results_patents == 2
    assert Notification.objects.filter(recipient=lead_user, event="report_accepted").count() == 1

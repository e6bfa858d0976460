"""A lead enterprise fills in a complete application in a real browser, from an empty draft
to submission, guided by the findings, and prints its form."""

import re

import pytest
from playwright.sync_api import expect

from applications import services
from applications.models import AGREEMENT_CLAUSES, Application, Membership
from liaoyang_consortia import demo
from tests.factories import MINIMAL_PDF, pledge_all, valid_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-demo-pass-2026"

# Seven member units typed in by hand: (code, name, kind value); the first is a university.
MEMBERS = [
    (valid_uscc("12210000", 9101), "辽东理工大学（测试）", "university"),
    *[
        (valid_uscc("91211002", 9200 + i), f"辽阳测试成员{i}号有限公司", "enterprise")
        for i in range(6)
    ],
]

PLAN_FIELDS = [
    "goals",
    "key_technologies",
    "roadmap",
    "tasks",
    "mechanism_decision",
    "mechanism_collaboration",
    "mechanism_benefit",
    "mechanism_ip",
    "mechanism_standards",
    "mechanism_promotion",
    "mechanism_iteration",
    "mechanism_funding",
    "resources",
    "fund_supervision",
    "council",
    "research_team",
]


def _save(page, form_scope, url_part):
    with page.expect_response(lambda r: url_part in r.url and r.request.method == "POST") as info:
        form_scope.get_by_role("button").last.click()
    assert info.value.status == 200, info.value.status


def test_it_takes_an_empty_draft_to_a_submitted_application(live_server, page, tmp_path):
    demo.seed_users(password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("applicant_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.get_by_role("link", name="新建申报").click()
    page.get_by_role("button", name="新建草稿").click()
    expect(page.get_by_test_id("progress-basic")).to_have_text(re.compile("待完善"))

    # 基本信息
    basic = page.locator("#basic")
    basic.get_by_label("联合体名称（××部分）").fill("精细化工测试")
    basic.get_by_label("所属产业领域").select_option(label="芳烃及精细化工")
    basic.get_by_label("计划建设期（年）").fill("3")
    _save(page, basic, "/sections/basic/")
    expect(page.get_by_test_id("display-name")).to_have_text("辽阳市精细化工测试创新联合体")
    expect(page.get_by_test_id("progress-basic")).to_have_text(re.compile("已完成|待完善"))

    # 牵头单位: first below 3 %, the findings say so; then corrected.
    lead = page.locator("#lead")
    lead.get_by_label("上年度销售收入（万元）").fill("50000")
    lead.get_by_label("上年度研发投入（万元）").fill("1000")
    lead.get_by_label("省级及以上技术创新平台").fill("辽宁省精细化工技术创新中心")
    lead.get_by_label("承担的市级以上重大科技项目").fill("辽阳市重大科技专项（2023—2025）")
    _save(page, lead, "/sections/lead/")
    expect(page.get_by_test_id("findings")).to_contain_text("当前为2.00%")
    page.locator("#lead").get_by_label("上年度研发投入（万元）").fill("2000")
    _save(page, page.locator("#lead"), "/sections/lead/")
    expect(page.get_by_test_id("progress-lead")).to_have_text("已完成")
    expect(page.get_by_test_id("rd-ratio")).to_have_text("4.00%")

    # 成员单位: seven members typed in, the code checked as it is typed.
    for code, name, kind in MEMBERS:
        members = page.locator("#members")
        members.get_by_label("统一社会信用代码").fill(code)
        expect(page.locator("#uscc-feedback")).to_contain_text("代码有效")
        members.get_by_label("单位名称").fill(name)
        members.get_by_label("单位类型").select_option(kind)
        _save(page, members.locator("form").last, "/members/add/")
        expect(page.locator("#members")).to_contain_text(name)
    expect(page.get_by_test_id("member-row")).to_have_count(8)

    # Every unit signs and seals (recorded by the applicant from the signed agreement).
    for i in range(8):
        details = page.locator("#members details").nth(i)
        details.locator("summary").click()
        details.locator("[name$='-task_share']").fill(f"子课题{i + 1}")
        details.locator("[name$='-signatory']").fill("法定代表人")
        details.locator("[name$='-signed_on']").fill("2026-10-08")
        details.locator("[name$='-sealed']").check()
        _save(page, details, "/members/")

    # 组建协议
    agreement = page.locator("#agreement")
    agreement.get_by_label("协议期限（年）").fill("3")
    agreement.get_by_label("签署日期").fill("2026-10-08")
    for n, (_code, label) in enumerate(AGREEMENT_CLAUSES, start=1):
        agreement.get_by_label(str(label), exact=True).fill(f"第{n}条")
    _save(page, agreement, "/agreement/")

    # 首席专家
    experts = page.locator("#experts")
    experts.get_by_label("姓名").fill("杨振华")
    experts.get_by_label("职称/职务").fill("教授")
    experts.get_by_label("工作单位").fill("辽东理工大学（测试）")
    _save(page, experts, "/experts/add/")
    expect(page.get_by_test_id("experts")).to_contain_text("杨振华")

    # 建设方案
    plan = page.locator("#plan")
    for name in PLAN_FIELDS:
        plan.locator(f"[name='plan-{name}']").fill("已按《管理办法》要求制定并写入章程。")
    _save(page, plan, "/sections/plan/")
    expect(page.get_by_test_id("progress-plan")).to_have_text("已完成")

    # 附件: the signed and sealed agreement.
    scan = tmp_path / "组建协议签章版.pdf"
    scan.write_bytes(MINIMAL_PDF)
    attachments = page.locator("#attachments")
    attachments.get_by_label("附件类型").select_option("agreement_scan")
    attachments.get_by_label("文件").set_input_files(str(scan))
    _save(page, attachments, "/attachments/add/")
    expect(page.get_by_test_id("attachments")).to_contain_text("组建协议签章版.pdf")

    # The member units confirm from their own side (the one-time link or their account).
    application = Application.objects.get(name_core="精细化工测试")
    for membership in Membership.objects.filter(application=application).select_related(
        "application"
    ):
        services.confirm_membership(membership=membership, confirmed_by="联系人")
    # And each gives its research-integrity pledge (tests/e2e/test_pledge.py: in the browser).
    pledge_all(application)
    page.reload()
    expect(page.get_by_test_id("no-findings")).to_be_visible()

    # Print the form.
    pdf = page.request.get(f"{live_server.url}/applications/{application.pk}/pdf/")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")

    # Submit.
    page.get_by_role("link", name="检查并提交").click()
    page.get_by_role("button", name="确认提交").click()
    expect(page.get_by_test_id("state")).to_have_text("县区审核中")
    application.refresh_from_db()
    assert application.state == "county_review"
    assert application.memberships.count() == 8

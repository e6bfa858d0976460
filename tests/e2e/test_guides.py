"""The layout guide and intents in a real browser (issue 13's path): city staff write and
publish a guide → a unit registers an intent under it → city staff encourage it → the unit
turns it into a draft application, which opens prefilled."""

import re

import pytest
from playwright.sync_api import expect

from applications.guides.models import Guide, Intent
from applications.models import Application
from tests.e2e.test_accessibility import sign_in
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_guide_then_intent_then_encouragement_then_the_prefilled_draft(
    live_server, page, browser, alice, charlie
):
    partner = OrganizationFactory(name="辽东理工大学（测试）", kind="university")

    # 1. City staff write the guide and publish it.
    sign_in(page, live_server, "charlie")
    page.goto(f"{live_server.url}/guides/")
    page.get_by_role("link", name="起草指南").click()
    page.get_by_label(re.compile("^标题")).fill("2026年辽阳市创新联合体布局指南")
    page.get_by_label(re.compile("^文号")).fill("辽市科发〔2026〕5号")
    page.get_by_label(re.compile("^正文")).fill("一、布局方向。\n二、组建要求。")
    page.get_by_label("芳烃及精细化工").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("草稿")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("有效")
    guide = Guide.objects.get()
    assert guide.published_on is not None

    # 2. The unit finds it from the home page and registers an intent under it.
    unit = alice.profile.organization.name
    other = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    applicant = other.new_page()
    sign_in(applicant, live_server, "alice")
    applicant.goto(f"{live_server.url}/")
    applicant.get_by_test_id("guide-in-force").get_by_role("link").click()
    applicant.get_by_role("link", name="依据本指南登记组建意向").click()
    expect(applicant.get_by_label(re.compile("^依据指南"))).to_have_value(str(guide.pk))
    applicant.get_by_label(re.compile("^产业领域")).select_option(label="芳烃及精细化工")
    applicant.get_by_label(re.compile("^拟组建联合体名称")).fill("芳烃新材料")
    applicant.get_by_label(re.compile("^拟合作单位")).fill(f"{partner.uscc}\n尚未注册的检测中心")
    applicant.get_by_label(re.compile("^建设目标")).fill("攻克芳烃下游关键工艺。")
    applicant.get_by_label(re.compile("^联系人")).fill("张明")
    applicant.get_by_label(re.compile("^联系电话")).fill("0419-2100000")
    applicant.get_by_role("button", name="提交意向").click()
    expect(applicant.get_by_role("heading", level=1)).to_contain_text("待答复")
    intent = Intent.objects.get()

    # 3. City staff see it in their work list and encourage it.
    page.goto(f"{live_server.url}/applications/")
    page.get_by_test_id("intents-waiting").get_by_role("link").click()
    page.get_by_role("link", name="辽阳市芳烃新材料创新联合体").click()
    expect(page.get_by_test_id("partners")).to_contain_text(partner.name)
    form = page.get_by_test_id("answer-form")
    form.get_by_label("鼓励组建").check()
    form.get_by_label(re.compile("^答复说明")).fill("方向符合指南，请尽快组织签订协议。")
    form.get_by_role("button", name="答复").click()
    expect(page.get_by_test_id("answer-note")).to_contain_text("方向符合指南")

    # 4. The unit turns it into a draft: the application page opens prefilled.
    applicant.goto(f"{live_server.url}/intents/{intent.pk}/")
    expect(applicant.get_by_test_id("answer-note")).to_contain_text("方向符合指南")
    applicant.get_by_role("button", name="转为申请草稿").click()
    intent.refresh_from_db()
    expect(applicant).to_have_url(re.compile(rf"/applications/{intent.application_id}/$"))
    expect(applicant.locator("main")).to_contain_text("芳烃新材料")
    expect(applicant.locator("main")).to_contain_text(partner.name)
    application = Application.objects.get(pk=intent.application_id)
    assert application.guide == guide and application.goals == "攻克芳烃下游关键工艺。"
    assert unit in application.lead.name
    other.close()

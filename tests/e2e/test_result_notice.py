"""Issue 12 point 5 in a real browser: city staff open a round ready for its result
notice from 公示管理, preview it and publish it; the public reads the scores and grades
and objects to one consortium by real name, and is given its 受理编号."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reporting.assessments.models import AssessmentState
from reviews.models import Objection, PublicNotice
from tests.e2e.test_notices_and_integrity import PHONE, sign_in, sign_out
from tests.reviews.test_assessment_notices import assess, make_round

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUSINESS = "市科技局成果转化科 王科长，0419-2222222"
SUPERVISION = "市科技局机关纪委，0419-3333333"


def test_city_staff_publish_a_rounds_results_and_the_public_objects(live_server, page, charlie):
    round_ = make_round(charlie, year=2025)
    best = assess(round_, score="91.5", grade="excellent")
    assess(round_, state=AssessmentState.NOT_SUBMITTED)
    today = timezone.localdate()

    sign_in(page, live_server, "charlie")
    page.goto(f"{live_server.url}/notices/manage/")
    page.get_by_test_id("result-round").get_by_role("link", name="预览并发布结果公示").click()
    form = page.get_by_test_id("round-publish-form")
    expect(form.get_by_label(re.compile("^公示标题"))).to_have_value(
        "辽阳市创新联合体2025年度考核结果公示"
    )
    preview = page.get_by_test_id("notice-preview")
    expect(preview).to_contain_text(best.consortium.name)
    expect(preview).to_contain_text("91.50")
    expect(preview).to_contain_text("逾期未提交")
    form.get_by_label(re.compile("^公示开始日期")).fill(today.isoformat())
    form.get_by_label(re.compile("^业务联系人及电话")).fill(BUSINESS)
    form.get_by_label(re.compile("^监督电话")).fill(SUPERVISION)
    form.get_by_role("button", name="更新预览").click()
    expect(page.get_by_test_id("notice-preview")).to_contain_text(BUSINESS)
    assert not PublicNotice.objects.exists()
    page.get_by_role("button", name="确认发布").click()
    expect(page.get_by_role("status").filter(has_text="已发布公示")).to_be_visible()
    notice = PublicNotice.objects.get()
    expect(page).to_have_url(re.compile(rf"/notices/{notice.pk}/$"))
    sign_out(page)

    page.goto(f"{live_server.url}/notices/")
    page.get_by_test_id("notice").get_by_role("link", name=notice.title).click()
    results = page.get_by_test_id("notice-results")
    expect(results).to_contain_text("总分")
    expect(results.get_by_test_id("notice-result").first).to_contain_text("优秀")
    objection = page.get_by_test_id("objection-form")
    objection.get_by_label(re.compile("^异议对象")).select_option(
        label=f"{best.consortium.name}（牵头单位：{best.consortium.lead.name}）"
    )
    objection.get_by_label(re.compile("^异议人姓名")).fill("李明远")
    objection.get_by_label(re.compile("^工作单位")).fill("辽阳某某设备制造有限公司")
    objection.get_by_label(re.compile("^联系电话")).fill(PHONE)
    objection.get_by_label(re.compile("^异议理由")).fill("平台载体得分与实际不符。")
    objection.get_by_label(re.compile("^本人承诺")).check()
    objection.get_by_role("button", name="提交异议").click()
    expect(page.get_by_test_id("objection-thanks")).to_be_visible()
    filed = Objection.objects.get()
    assert filed.assessment_id == best.pk
    expect(page.get_by_test_id("receipt-number")).to_have_text(filed.receipt_number)

"""Issue 12 "Done when" in a real browser: one consortium through a whole assessment round,
every role on its own pages. City staff create the round and open it; the lead fills in
the self-assessment section by section and submits; the county passes it; city staff draw
the experts on the expert panel and pass the intake; three experts declare and score on
their task list; city staff conclude the review. Another consortium of the round never
submits: the daily job after the closing date makes it 不合格 with a rectification. City
staff publish the round's result notice; the day after it ends the daily job publishes the
results: the lead's page shows 结果已发布 with the score and grade, the other's 整改."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from liaoyang_consortia.daily import run_daily_jobs
from members.models import IndustryField
from members.roles import Role
from reporting.assessments.models import Assessment, IndicatorValue, Rectification, Round
from reviews.models import Criterion, ExpertProfile, PublicNotice
from tests.factories import PASSWORD, arranging, make_user, pledge_all
from tests.reporting.assessment_world import consortium_of, default_template

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "2026年度创新联合体考核"
BUSINESS = "市科技局成果转化科 王科长，0419-2222222"
SUPERVISION = "市科技局机关纪委，0419-3333333"
# The three experts: username → the name every page shows. None works at a unit of either
# consortium (make_user gives each a university of its own), so none must recuse.
EXPERTS = {"expert_a": "孙立群", "expert_b": "周海燕", "expert_c": "钱振东"}


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label(re.compile("^密码")).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("user-menu")).to_be_visible()


def sign_out(page):
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("link", name="登录", exact=True).first).to_be_visible()


def open_assessment(page, live_server, assessment):
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    expect(page.get_by_test_id("assessment-title")).to_have_text(assessment.consortium.name)


def act(page, transition, button, comment=None, comment_label=None):
    """One step of the 办理 panel: its comment, then its button."""
    form = page.get_by_test_id(f"action-{transition}")
    if comment is not None:
        form.get_by_label(re.compile(f"^{comment_label}")).fill(comment)
    form.get_by_role("button", name=button, exact=True).click()


@arranging
def _experts():
    field = IndustryField.objects.get(name="芳烃及精细化工")
    for username, name in EXPERTS.items():
        user = make_user(username, Role.EXPERT)
        profile = ExpertProfile.objects.create(
            user=user, name=name, title="教授", employer=user.profile.organization
        )
        profile.fields.set([field])


def test_a_consortium_goes_through_a_round_and_another_ends_in_rectification(
    live_server, page, alice, bob, charlie
):
    today = timezone.localdate()
    closes_on = today + timedelta(days=14)
    # Two consortia of 白塔区 named over a year ago: the round's default scope takes both.
    consortium = consortium_of(alice)
    absent_lead = make_user("amy", Role.APPLICANT, county_code="211002")
    absent = consortium_of(absent_lead)
    _experts()

    # 1. City staff create the round and open it.
    sign_in(page, live_server, "charlie")
    page.goto(f"{live_server.url}/assessments/rounds/new/")
    form = page.get_by_test_id("round-form")
    form.get_by_label(re.compile("^类型")).select_option(label="年度考核")
    form.get_by_label(re.compile("^考核年度")).fill("2026")
    form.get_by_label(re.compile("^名称")).fill(TITLE)
    form.get_by_label(re.compile("^自评开始日期")).fill(today.isoformat())
    form.get_by_label(re.compile("^自评截止日期")).fill(closes_on.isoformat())
    form.get_by_role("button", name="新建考核批次").click()
    expect(page.get_by_test_id("round-title")).to_have_text(TITLE)
    scope = page.get_by_test_id("scope")
    expect(scope).to_contain_text(consortium.name)
    expect(scope).to_contain_text(absent.name)
    page.get_by_test_id("open-round").get_by_role("button", name="启动考核").click()
    expect(page.get_by_role("status").filter(has_text="考核已启动")).to_be_visible()
    expect(page.get_by_test_id("round-status")).to_have_text("自评中")
    sign_out(page)
    round_ = Round.objects.get(year=2026, kind="annual")
    assessment = Assessment.objects.select_related("consortium").get(
        round=round_, consortium=consortium
    )
    missing = Assessment.objects.select_related("consortium").get(round=round_, consortium=absent)

    # 2. The lead fills in each section and the summary, and submits.
    sign_in(page, live_server, "alice")
    open_assessment(page, live_server, assessment)
    expect(page.get_by_test_id("state")).to_have_text("自评中")
    expert_indicators = list(default_template().indicators.filter(method="expert"))
    for category in sorted({i.category for i in expert_indicators}):
        section = page.locator(f"#section-{category}")
        for indicator in (i for i in expert_indicators if i.category == category):
            section.get_by_label(f"完成情况：{indicator.name}").fill(
                f"{indicator.name}：按协议完成年度任务。"
            )
        section.get_by_role("button", name="保存本部分").click()
        expect(page.get_by_role("status").filter(has_text="部分")).to_be_visible()
    summary = page.get_by_test_id("summary-form")
    summary.get_by_label(re.compile("^自评总结")).fill("全年运行平稳，完成协议约定任务。")
    summary.get_by_role("button", name="保存自评总结").click()
    expect(page.get_by_role("status").filter(has_text="已保存自评总结")).to_be_visible()
    # Every unit's research-integrity pledge (tests/e2e/test_pledge.py: in the browser).
    pledge_all(assessment)
    page.reload()
    act(page, "submit", "提交自评")
    expect(page.get_by_test_id("state")).to_have_text("已提交，县区审核中")
    sign_out(page)

    # 3. The county passes it.
    sign_in(page, live_server, "bob")
    open_assessment(page, live_server, assessment)
    act(page, "county_pass", "县区审核通过", "自评材料齐全，同意上报。", "审核意见")
    expect(page.get_by_test_id("state")).to_have_text("市局审核中")
    sign_out(page)

    # 4. City staff draw three experts on the expert panel and pass the intake.
    sign_in(page, live_server, "charlie")
    open_assessment(page, live_server, assessment)
    panel = page.get_by_test_id("expert-review-panel")
    panel.get_by_label(re.compile("^抽取人数")).fill("3")
    panel.get_by_role("button", name="随机抽取专家").click()
    drawn = page.get_by_test_id("expert-assignments")
    for name in EXPERTS.values():
        expect(drawn).to_contain_text(name)
    act(page, "city_pass", "市局审核通过，开始专家评审")
    expect(page.get_by_test_id("state")).to_have_text("专家评审中")
    sign_out(page)

    # 5. Each expert declares no conflict and scores every indicator in full.
    criteria = list(
        Criterion.objects.filter(sheet=round_.template.score_sheet).order_by("order", "id")
    )
    assert len(criteria) == len(expert_indicators)
    for username, name in EXPERTS.items():
        sign_in(page, live_server, username)
        page.goto(f"{live_server.url}/reviews/experts/")
        task = page.get_by_test_id("task").filter(has_text=consortium.name)
        task.get_by_role("radio", name="无利害关系").check()
        task.get_by_role("button", name="提交答复").click()
        expect(page.get_by_role("status").filter(has_text="已声明无利害关系")).to_be_visible()
        # The declaration opens the score page, with the lead's self-assessment on it.
        expect(page.get_by_role("heading", name=re.compile("^评分表："))).to_contain_text(
            consortium.name
        )
        expect(page.locator("body")).to_contain_text("按协议完成年度任务")
        for c in criteria:
            page.get_by_label(f"{c.order}. {c.name}（满分{c.max_points}分）").fill(
                str(c.max_points)
            )
        page.get_by_label(re.compile("^评审意见")).fill(f"{name}：任务完成良好，佐证充分。")
        page.get_by_role("button", name="提交评分").click()
        expect(page.get_by_test_id("score-final")).to_contain_text("评分已提交，不能修改。")
        sign_out(page)

    # 6. City staff conclude the review: the score is computed.
    sign_in(page, live_server, "charlie")
    open_assessment(page, live_server, assessment)
    expect(page.get_by_test_id("expert-progress")).to_contain_text("已提交 3/3")
    act(page, "conclude_review", "评审结束，计算得分")
    expect(page.get_by_test_id("state")).to_have_text("评审完成，待公示")
    sign_out(page)

    # 7. The day after the closing date the daily job fails the one that never submitted.
    report = run_daily_jobs(today=closes_on + timedelta(days=1))
    assert "考核逾期未提交认定不合格：1个" in report, report
    assert Rectification.objects.get(assessment=missing).status == "open"

    # 8. City staff publish the round's result notice.
    sign_in(page, live_server, "charlie")
    page.goto(f"{live_server.url}/notices/rounds/{round_.pk}/publish/")
    form = page.get_by_test_id("round-publish-form")
    form.get_by_label(re.compile("^公示开始日期")).fill(today.isoformat())
    form.get_by_label(re.compile("^业务联系人及电话")).fill(BUSINESS)
    form.get_by_label(re.compile("^监督电话")).fill(SUPERVISION)
    form.get_by_role("button", name="更新预览").click()
    preview = page.get_by_test_id("notice-preview")
    expect(preview).to_contain_text(consortium.name)
    expect(preview).to_contain_text("逾期未提交")
    page.get_by_role("button", name="确认发布").click()
    expect(page.get_by_role("status").filter(has_text="已发布公示")).to_be_visible()
    notice = PublicNotice.objects.get(assessments=assessment)
    open_assessment(page, live_server, assessment)
    expect(page.get_by_test_id("state")).to_have_text("结果公示中")
    sign_out(page)

    # 9. The notice runs its working days; the day after, the daily job publishes.
    run_daily_jobs(today=notice.end_date + timedelta(days=1))

    # Full expert marks (82) plus what the portal computed for the year.
    computed = sum(
        IndicatorValue.objects.filter(
            assessment=assessment, indicator__method="computed"
        ).values_list("computed_points", flat=True),
        Decimal("0"),
    )
    expected = Decimal("82") + computed
    assessment = Assessment.objects.select_related("consortium").get(pk=assessment.pk)
    assert assessment.score == expected
    grade = "优秀" if expected >= 85 else "良好"
    sign_in(page, live_server, "alice")
    open_assessment(page, live_server, assessment)
    expect(page.get_by_test_id("state")).to_have_text("结果已发布")
    result = page.get_by_test_id("result")
    expect(result.get_by_test_id("score")).to_have_text(f"{expected:.2f}")
    expect(result.get_by_test_id("grade")).to_have_text(grade)
    sign_out(page)

    # The one that never submitted: 不合格, with its rectification on the page.
    sign_in(page, live_server, "amy")
    open_assessment(page, live_server, missing)
    expect(page.get_by_test_id("state")).to_have_text("结果已发布")
    expect(page.get_by_test_id("grade")).to_have_text("不合格")
    rectification = page.get_by_test_id("rectification")
    expect(rectification.get_by_role("heading", name="整改")).to_be_visible()
    expect(rectification).to_contain_text("整改中")
    expect(rectification.get_by_role("button", name="报送整改情况")).to_be_visible()

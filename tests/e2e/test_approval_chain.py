"""The whole approval chain in a real browser, every role acting through its own pages:
the applicant submits, the county recommends, the city assigns experts, three experts
declare and score, the city concludes, publishes the notice, the daily job closes it, the
Party-group meeting names the consortium, and it appears in the public directory."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Application
from liaoyang_consortia import demo
from liaoyang_consortia.daily import run_daily_jobs
from reviews.experts.demo import seed_experts
from reviews.experts.services import member_unit_ids
from reviews.models import Criterion, ExpertAssignment, ExpertProfile, PublicNotice
from tests import nplusone
from tests.factories import make_complete_application

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-demo-pass-2026"
CONSORTIUM = "辽阳市精细化工创新联合体"
LEAD = "辽阳华晟精细化工有限公司"
# The three experts the city assigns: username → the name every page shows.
EXPERTS = {"expert1": "杨文涛", "expert2": "吴雅琴", "expert3": "郑永刚"}
# Points each expert takes off the first criterion, so the totals differ.
DEDUCTIONS = {"expert1": 0, "expert2": 5, "expert3": 10}


def login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # Experts land on their review tasks, everyone else on the work list.
    expect(page).to_have_url(re.compile(r"/(applications|reviews/experts)/$"))


def logout(page):
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("link", name="登录", exact=True).first).to_be_visible()


def open_application(page, live_server, application):
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    expect(page.get_by_test_id("application-title")).to_have_text(CONSORTIUM)


def act(page, transition, button, comment=None, comment_label=None):
    """Run one step of the 办理 panel: its comment, then its button."""
    form = page.get_by_test_id(f"action-{transition}")
    if comment is not None:
        form.get_by_label(comment_label).fill(comment)
    form.get_by_role("button", name=button, exact=True).click()


def assert_no_other_expert(page, own):
    body = page.locator("body").inner_text()
    for name in EXPERTS.values():
        if name != own:
            assert name not in body, f"{own} sees {name} on {page.url}"


@pytest.mark.zeal_allow(*nplusone.DEMO_SEEDING)
def test_it_takes_an_application_from_submission_to_the_directory(live_server, page):
    today = timezone.localdate()

    # 1. Setup: the demo people, the expert pool and a complete draft of applicant_a's unit.
    names = demo.seed_users(password=PASSWORD)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    seed_experts(users)
    applicant = users["applicant_a"]
    application = make_complete_application(lead=applicant.profile.organization, creator=applicant)
    assert application.lead.name == LEAD and application.display_name == CONSORTIUM
    # The factory's 辽东理工大学 is another organisation than the demo one the experts work
    # for, so none of the three must be recused.
    members = member_unit_ids(application)
    for username in EXPERTS:
        employer = ExpertProfile.objects.get(user__username=username).employer_id
        assert employer is None or employer not in members, username

    # 2. The applicant submits.
    login(page, live_server, "applicant_a")
    page.get_by_role("link", name=CONSORTIUM).click()
    expect(page.get_by_test_id("state")).to_have_text("草稿")
    page.get_by_role("link", name="检查并提交").click()
    page.get_by_role("button", name="确认提交").click()
    expect(page.get_by_test_id("state")).to_have_text("县区审核中")
    logout(page)

    # 3. The county recommends it.
    login(page, live_server, "county_baita")
    row = page.get_by_test_id("work-row").filter(has_text=CONSORTIUM)
    expect(row).to_contain_text("待我办理")
    row.get_by_role("link", name=CONSORTIUM).click()
    expect(page.get_by_test_id("state")).to_have_text("县区审核中")
    act(
        page,
        "county_recommend",
        "审核通过并推荐",
        "材料齐全，符合《管理办法》条件，同意推荐。",
        "推荐意见",
    )
    expect(page.get_by_test_id("state")).to_have_text("市局形式审查")
    logout(page)

    # 4. The city assigns three experts by name and starts the review.
    login(page, live_server, "city_staff")
    open_application(page, live_server, application)
    panel = page.get_by_test_id("expert-review-panel")
    expect(panel.get_by_test_id("expert-minimum")).to_contain_text("当前0名")
    for username, name in EXPERTS.items():
        panel = page.get_by_test_id("expert-review-panel")
        select = panel.get_by_label("指定专家")
        option = select.locator("option", has_text=name)
        select.select_option(label=option.inner_text())
        panel.get_by_role("button", name="指定", exact=True).click()
        expect(page.get_by_role("status").filter(has_text=f"已指派专家{name}")).to_be_visible()
        expect(page.get_by_test_id("expert-assignments")).to_contain_text(name)
    expect(page.get_by_test_id("expert-minimum")).to_contain_text("当前3名")
    act(page, "start_expert_review", "形式审查通过，开始专家评审")
    expect(page.get_by_test_id("state")).to_have_text("专家评审中")
    logout(page)

    # 5. Each expert declares no conflict and scores.
    criteria = list(
        Criterion.objects.filter(
            sheet_id=ExpertAssignment.objects.filter(application=application)
            .values_list("sheet_id", flat=True)
            .first()
        ).order_by("order", "id")
    )
    assert criteria
    totals = []
    for username, name in EXPERTS.items():
        login(page, live_server, username)
        page.goto(f"{live_server.url}/reviews/experts/")
        expect(page.get_by_test_id("expert-tasks-title")).to_have_text("我的评审任务")
        task = page.get_by_test_id("task").filter(has_text=CONSORTIUM)
        expect(task).to_contain_text("待答复邀请")
        assert_no_other_expert(page, name)
        task.get_by_role("radio", name="无利害关系").check()
        task.get_by_role("button", name="提交答复").click()
        expect(page.get_by_role("status").filter(has_text="已声明无利害关系")).to_be_visible()
        assert_no_other_expert(page, name)

        # The application opens to them now; still nothing of the other experts.
        task = page.get_by_test_id("task").filter(has_text=CONSORTIUM)
        task.get_by_role("link", name="查看申请材料").click()
        expect(page.get_by_test_id("application-title")).to_have_text(CONSORTIUM)
        expect(page.get_by_test_id("expert-review-panel")).to_contain_text("您是本申请的评审专家")
        assert_no_other_expert(page, name)
        page.get_by_test_id("expert-review-panel").get_by_role("link", name="填写评分表").click()

        expect(page.get_by_role("heading", name=f"评分表：{CONSORTIUM}")).to_be_visible()
        assert_no_other_expert(page, name)
        total = Decimal(0)
        for n, c in enumerate(criteria):
            points = c.max_points - (DEDUCTIONS[username] if n == 0 else 0)
            total += points
            page.get_by_label(f"{c.order}. {c.name}（满分{c.max_points}分）").fill(str(points))
        totals.append(total)
        page.get_by_role("radio", name="推荐", exact=True).check()
        page.get_by_label("评审意见").fill(f"{name}：建设目标明确，成员结构合理，建议推荐。")
        page.get_by_role("button", name="提交评分").click()
        expect(page.get_by_test_id("score-final")).to_contain_text("评分已提交，不能修改。")
        expect(page.get_by_test_id("own-scores")).to_contain_text(str(total))
        assert_no_other_expert(page, name)
        logout(page)

    # 6. The city sees the scores and concludes the review.
    login(page, live_server, "city_staff")
    open_application(page, live_server, application)
    mean = (sum(totals) / len(totals)).quantize(Decimal("0.01"))
    figures = page.get_by_test_id("expert-figures")
    expect(figures).to_contain_text("已提交 3/3，其中推荐 3（过半数）")  # all three recommend
    expect(page.get_by_test_id("mean")).to_have_text(str(mean))
    sheets = page.get_by_test_id("expert-sheets")
    for name in EXPERTS.values():
        expect(sheets).to_contain_text(name)
    act(
        page,
        "pass_review",
        "评审通过",
        f"3名专家均推荐，平均分{mean}分，评审通过。",
        "评审通过的结论",
    )
    # The clerk is pointed to the next step from the application page.
    expect(page.get_by_test_id("next-step")).to_contain_text("公示管理")
    expect(page.get_by_test_id("state")).to_have_text("评审通过，待公示")

    # 7. The city publishes the notice; the public reads it.
    page.goto(f"{live_server.url}/notices/manage/")
    form = page.get_by_test_id("publish-form")
    form.get_by_role("checkbox", name=CONSORTIUM).check()
    form.get_by_label("公示开始日期").fill(today.isoformat())
    form.get_by_label("业务联系人及电话").fill("市科技局成果转化科 王科长，0419-2222222")
    form.get_by_label("监督电话").fill("市科技局机关纪委，0419-3333333")
    form.get_by_role("button", name="预览").click()
    expect(page.get_by_test_id("notice-preview")).to_contain_text(CONSORTIUM)
    page.get_by_role("button", name="确认发布").click()
    expect(page.get_by_role("status").filter(has_text="已发布公示")).to_be_visible()
    notice = PublicNotice.objects.get(applications=application)
    expect(page.get_by_test_id("staff-notice").filter(has_text=notice.number)).to_contain_text(
        "公示中"
    )
    open_application(page, live_server, application)
    expect(page.get_by_test_id("state")).to_have_text("公示中")
    logout(page)

    page.goto(f"{live_server.url}/notices/")
    listed = page.get_by_test_id("notice").filter(has_text=notice.number)
    expect(listed).to_contain_text(CONSORTIUM)
    expect(listed).to_contain_text(LEAD)
    listed.get_by_role("link", name=notice.title).click()
    expect(page.get_by_test_id("notice-number")).to_have_text(notice.number)
    row = page.get_by_test_id("notice-application")
    expect(row).to_contain_text(CONSORTIUM)
    expect(row).to_contain_text(LEAD)

    # 8. The day after the notice ends the daily job sends it to the Party-group meeting.
    report = run_daily_jobs(today=notice.end_date + timedelta(days=1))
    assert "公示期满转党组会议审议：1件" in report, report
    application.refresh_from_db()
    assert application.state == "party_group_review"

    # 9. The city records the meeting's decision.
    login(page, live_server, "city_staff")
    open_application(page, live_server, application)
    expect(page.get_by_test_id("state")).to_have_text("待党组会议审议")
    expect(page.get_by_test_id("decision-panel")).to_contain_text("公示已结束，待局党组会议审议")
    page.get_by_test_id("decision-panel").get_by_role("link", name="登记党组会议决定").click()
    expect(page.get_by_test_id("meetings-title")).to_have_text("党组会议审议")
    meeting = page.get_by_test_id("meeting-form")
    meeting.get_by_label("会议日期").fill(today.isoformat())
    minutes = f"局党组会议纪要〔{today.year}〕12号"
    meeting.get_by_label("会议纪要编号").fill(minutes)
    decision = meeting.get_by_test_id("decision-row").filter(has_text=CONSORTIUM)
    decision.get_by_role("radio", name="同意认定").check()
    meeting.get_by_role("button", name="登记会议决定").click()
    expect(
        page.get_by_role("status").filter(has_text=f"已登记党组会议（{minutes}）")
    ).to_be_visible()
    decided = page.get_by_test_id("meeting-decisions")
    expect(decided).to_contain_text("同意认定")
    decided.get_by_role("link", name=CONSORTIUM).click()
    expect(page.get_by_test_id("state")).to_have_text("已认定")
    named = page.get_by_test_id("decision-panel")
    expect(named).to_contain_text("同意认定")
    expect(named).to_contain_text(CONSORTIUM)
    expect(named).to_contain_text(minutes)
    logout(page)

    # 10. The public directory lists it; the applicant is told.
    page.goto(f"{live_server.url}/consortia/")
    entry = page.get_by_test_id("directory").get_by_role("row").filter(has_text=CONSORTIUM)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(LEAD)
    expect(entry.get_by_role("link", name=CONSORTIUM)).to_be_visible()

    login(page, live_server, "applicant_a")
    expect(page.get_by_test_id("unread-count")).to_be_visible()
    page.get_by_test_id("nav-notifications").click()
    notes = page.get_by_test_id("notifications")
    expect(notes).to_contain_text(f"【{CONSORTIUM}】党组会议同意认定")
    expect(notes).to_contain_text("已认定")
    assert Application.objects.get(pk=application.pk).state == "approved"

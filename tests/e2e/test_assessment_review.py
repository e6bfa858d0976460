"""An assessment's expert review in a real browser: city staff draw the experts from the
assessment's panel, an expert finds the task beside their application tasks, declares no
conflict, reads the self-assessment and submits the sheet."""

import re

import pytest
from playwright.sync_api import expect

from reporting.assessments import workflow
from reviews.models import Criterion, ExpertAssignment
from tests.factories import PASSWORD
from tests.reviews.test_assessment_review import make_assessment
from tests.reviews.test_experts import make_experts

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label(re.compile("^密码")).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/(applications|reviews/experts)/$"))


def logout(page):
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("link", name="登录", exact=True).first).to_be_visible()


def test_city_staff_draw_and_an_expert_scores_an_assessment(live_server, page, alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    make_experts(3, prefix="web")

    login(page, live_server, "charlie")
    page.goto(f"{live_server.url}/reviews/experts/assessments/{assessment.pk}/")
    page.get_by_label(re.compile("^抽取人数")).fill("3")
    page.get_by_role("button", name="随机抽取专家").click()
    expect(page).to_have_url(re.compile(rf"/assessments/{assessment.pk}/#expert-review$"))
    panel = page.get_by_test_id("expert-review-panel")
    expect(panel.get_by_test_id("expert-assignments").get_by_test_id("invitation")).to_have_count(3)
    logout(page)

    workflow.perform(actor=charlie, assessment_id=assessment.pk, transition="city_pass")
    assignment = ExpertAssignment.objects.select_related("expert__user").filter(
        assessment=assessment
    )[0]
    criteria = list(Criterion.objects.filter(sheet_id=assignment.sheet_id).order_by("order"))

    login(page, live_server, assignment.expert.user.username)
    task = page.get_by_test_id("task").filter(has_text=assessment.display_name)
    expect(task.get_by_test_id("task-kind")).to_have_text("考核评估")
    expect(task).to_contain_text(assessment.consortium.lead.name)
    task.get_by_role("radio", name="无利害关系").check()
    task.get_by_role("button", name="提交答复").click()
    expect(page.get_by_role("heading", name=f"评分表：{assessment.display_name}")).to_be_visible()
    expect(page.get_by_test_id("self-assessment")).to_contain_text(
        "关键核心技术协同攻关：年度任务全部完成。"
    )
    expect(page.get_by_role("radio", name="推荐", exact=True)).to_have_count(0)
    for c in criteria:
        page.get_by_label(f"{c.order}. {c.name}（满分{c.max_points}分）").fill(
            str(c.max_points - 1)
        )
    page.get_by_label(re.compile("^评审意见")).fill("协同攻关成效明显，运行管理规范。")
    page.get_by_role("button", name="提交评分").click()
    expect(page.get_by_test_id("score-final")).to_contain_text("评分已提交，不能修改。")
    total = sum(c.max_points - 1 for c in criteria)
    expect(page.get_by_test_id("own-scores")).to_contain_text(f"{total}.0")
    others = ExpertAssignment.objects.filter(assessment=assessment).exclude(pk=assignment.pk)
    for name in others.values_list("expert__name", flat=True):
        expect(page.locator("body")).not_to_contain_text(name)

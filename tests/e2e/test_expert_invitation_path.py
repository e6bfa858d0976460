"""Issue 14's main path in a real browser, every person on their own pages: a person
registers as an expert → city staff verify them → a draw for an application picks them →
they decline with a reason → the replacement the portal draws accepts and scores → city
staff rate that review from the application's invitation history."""

import re

import pytest
from playwright.sync_api import expect

from liaoyang_consortia.models import Notification
from members.models import IndustryField
from reviews.models import Criterion, ExpertAssignment, ExpertProfile
from tests.e2e.test_accessibility import sign_in as sign_in_fixture_user
from tests.e2e.test_registration import sign_in, solve_captcha
from tests.factories import MINIMAL_PDF, OrganizationFactory
from tests.reviews.test_experts import FIELD, in_city_intake, make_expert

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "qian.hui@lnhg.example.cn"
PASSWORD = "Zhuanjia-path-2026"
CV = [{"name": "钱慧简历.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]


def sign_out(page):
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()


def register(page, base, employer):
    page.goto(f"{base}/")
    page.get_by_test_id("home-expert-register").click()
    page.get_by_label("姓名").fill("钱慧")
    page.get_by_label("手机号码").fill("13904195678")
    page.get_by_label("电子邮箱").fill(EMAIL)
    page.get_by_label(re.compile("^密码")).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label(FIELD, exact=True).check()
    page.get_by_label("研究方向关键词").fill("精细化工、分离工程")
    page.get_by_label(re.compile("^职称 ")).fill("教授")
    page.get_by_label("职称级别").select_option(label="正高级")
    page.get_by_label("工作单位").fill(employer.uscc)
    page.get_by_label("个人简历").set_input_files(files=CV)
    page.get_by_label(re.compile("本人承诺")).check()
    solve_captcha(page)
    page.get_by_role("button", name="提交注册").click()
    expect(page.get_by_test_id("register-done")).to_contain_text(EMAIL)


def test_a_registered_expert_declines_and_the_replacement_scores_and_is_rated(
    live_server, page, browser, settings, tmp_path, alice, bob, charlie
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    assert IndustryField.objects.filter(name=FIELD, is_active=True).exists()
    application = in_city_intake(alice, bob)
    make_expert("other1", name="周立")
    make_expert("other2", name="陈静")

    # 1. The person registers and confirms the e-mail.
    register(page, base, OrganizationFactory(name="辽宁化工学院（测试）"))
    qian = ExpertProfile.objects.get(user__username=EMAIL)
    link = Notification.objects.get(recipient=qian.user, event="expert_registration_email")
    page.goto(base + link.url)
    page.get_by_test_id("confirm-email").click()
    expect(page.get_by_test_id("expert-status")).to_have_text("待核验")
    sign_out(page)

    # 2. City staff verify them; 3. and draw the application's three experts.
    city = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    clerk = city.new_page()
    sign_in_fixture_user(clerk, live_server, "charlie")
    clerk.goto(f"{base}/reviews/experts/registrations/")
    clerk.get_by_role("link", name="钱慧").click()
    clerk.get_by_label(re.compile("已核对个人简历")).check()
    clerk.get_by_role("button", name="核验通过").click()
    expect(clerk.get_by_text("已进入专家库")).to_be_visible()
    clerk.goto(f"{base}/applications/{application.pk}/")
    panel = clerk.locator("#expert-review")
    panel.get_by_label("抽取人数").fill("3")
    panel.get_by_role("button", name="随机抽取专家").click()
    expect(clerk.get_by_role("status").filter(has_text="已随机抽取3名专家")).to_contain_text("钱慧")
    # Another expert joins the library meanwhile: the pool the replacement comes from.
    spare = make_expert("spare", name="刘洋")

    # 4. 钱慧 signs in and declines, with the reason.
    sign_in(page, base, EMAIL, PASSWORD)
    page.goto(f"{base}/reviews/experts/")
    task = page.get_by_test_id("task")
    expect(task.get_by_test_id("task-respond-by")).to_contain_text("请于以下日期前答复邀请")
    task.get_by_role("radio", name=re.compile("谢绝邀请")).check()
    task.get_by_role("button", name="提交答复").click()
    expect(page.get_by_text("请填写谢绝原因。")).to_be_visible()  # a reason is required
    task = page.get_by_test_id("task")
    task.get_by_role("radio", name=re.compile("谢绝邀请")).check()
    task.get_by_label("回避说明或谢绝原因").fill("评审期间在外地出差，无法参加。")
    task.get_by_role("button", name="提交答复").click()
    expect(page.get_by_role("status").filter(has_text="已谢绝该评审邀请")).to_be_visible()
    expect(page.get_by_test_id("task-declined")).to_contain_text("评审期间在外地出差")
    sign_out(page)

    # The portal drew 刘洋 in her place; city staff see why, and start the review.
    replacement = ExpertAssignment.objects.get(application=application, expert=spare)
    assert replacement.replaces.expert == qian
    clerk.goto(f"{base}/applications/{application.pk}/")
    history = clerk.get_by_test_id("expert-assignments")
    declined = history.locator("[data-status=declined]")
    expect(declined).to_contain_text("钱慧")
    expect(declined.get_by_test_id("decline-reason")).to_have_text("评审期间在外地出差，无法参加。")
    expect(history.locator("[data-status=pending]").filter(has_text="刘洋")).to_contain_text(
        "替补：钱慧"
    )
    for other in ExpertAssignment.objects.filter(application=application).exclude(
        expert__in=[qian, spare]
    ):
        assert other.status == ExpertAssignment.Status.PENDING
    clerk.get_by_test_id("action-start_expert_review").get_by_role(
        "button", name="形式审查通过，开始专家评审"
    ).click()
    expect(clerk.get_by_test_id("state")).to_have_text("专家评审中")

    # 5. 刘洋 accepts and scores.
    sign_in_fixture_user(page, live_server, "spare")
    task = page.get_by_test_id("task")
    task.get_by_role("radio", name="接受邀请，声明无利害关系").check()
    task.get_by_role("button", name="提交答复").click()
    expect(page.get_by_role("status").filter(has_text="已声明无利害关系")).to_be_visible()
    page.get_by_test_id("task").get_by_role("link", name="填写评分表").click()
    for c in Criterion.objects.filter(sheet_id=replacement.sheet_id).order_by("order"):
        page.get_by_label(f"{c.order}. {c.name}（满分{c.max_points}分）").fill(str(c.max_points))
    page.get_by_role("radio", name="推荐", exact=True).check()
    page.get_by_label("评审意见").fill("目标明确，成员分工合理，建议推荐。")
    page.get_by_role("button", name="提交评分").click()
    expect(page.get_by_test_id("score-final")).to_contain_text("评分已提交")

    # 6. City staff rate the review from the application's invitation history.
    clerk.goto(f"{base}/applications/{application.pk}/")
    row = clerk.get_by_test_id("expert-assignments").locator("[data-status=submitted]")
    row.get_by_role("link", name=re.compile("^评价")).click()
    clerk.get_by_label("5分").check()
    clerk.get_by_label("评价说明").fill("意见具体，按时提交。")
    clerk.get_by_role("button", name="保存评价").click()
    expect(clerk).to_have_url(re.compile(rf"/applications/{application.pk}/$"))
    expect(
        clerk.get_by_test_id("expert-assignments").locator("[data-status=submitted]")
    ).to_contain_text("5/5")
    replacement.refresh_from_db()
    assert (replacement.rating, replacement.rated_by_id) == (5, charlie.pk)
    city.close()

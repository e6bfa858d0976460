"""The expert library in a real browser (issue 14, point 6): city staff filter the library
by field and by 已达上限, open an expert's page and rate a submitted review from it; the
rating then shows in the expert's history."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reviews.models import ExpertAssignment
from tests.e2e.test_accessibility import sign_in
from tests.factories import OrganizationFactory
from tests.reviews.test_expert_library import OTHER_FIELD, A, applications, invite
from tests.reviews.test_experts import make_expert

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_city_staff_filter_the_library_open_an_expert_and_rate_a_review(
    live_server, page, alice, charlie
):
    today = timezone.localdate()
    apps = applications(alice, 10)
    wang = make_expert("wang", name="王建国", employer=OrganizationFactory(name="辽宁石油化工大学"))
    li = make_expert("li", name="李明")
    make_expert("zhao", name="赵强", fields=(OTHER_FIELD,))
    review = invite(apps[0], wang, charlie, status=A.SUBMITTED, on=today, submitted=today)
    for app in apps:
        invite(app, li, charlie, status=A.ACCEPTED, on=today)

    sign_in(page, live_server, "charlie")
    page.goto(f"{live_server.url}/reviews/experts/pool/")
    rows = page.get_by_test_id("expert-row")
    expect(rows).to_have_count(3)

    # By field: only 赵强 knows 新材料.
    page.get_by_label("熟悉领域").select_option(label=OTHER_FIELD)
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("赵强")

    # By the cap: 李明 has ten reviews this year.
    page.get_by_label("熟悉领域").select_option(label="全部")
    page.get_by_label("本年度上限").select_option(label="已达上限")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("李明")
    expect(rows.first.get_by_test_id("at-cap")).to_be_visible()

    # Open 王建国 and rate his submitted review.
    page.get_by_label("本年度上限").select_option(label="全部")
    page.get_by_role("button", name="筛选").click()
    rows.filter(has_text="王建国").get_by_test_id("expert-link").click()
    expect(page).to_have_url(re.compile(rf"/reviews/experts/pool/{wang.pk}/$"))
    expect(page.get_by_test_id("history-row")).to_have_count(1)
    page.get_by_test_id("history").get_by_role("link", name=re.compile("^评价")).click()
    expect(page).to_have_url(re.compile(rf"/reviews/experts/assignments/{review.pk}/rate/$"))

    # A low rating without a note is refused next to the field.
    page.get_by_label("2分").check()
    page.get_by_role("button", name="保存评价").click()
    expect(page.get_by_text("评价为2分及以下时，请填写评价说明。")).to_be_visible()
    page.get_by_label("4分").check()
    page.get_by_label("评价说明").fill("意见具体，按时提交")
    page.get_by_role("button", name="保存评价").click()
    expect(page).to_have_url(re.compile(rf"/applications/{apps[0].pk}/$"))
    expect(page.get_by_text("已保存对王建国评审的评价。")).to_be_visible()
    review = ExpertAssignment.objects.get(pk=review.pk)
    assert (review.rating, review.rating_note, review.rated_by_id) == (
        4,
        "意见具体，按时提交",
        charlie.pk,
    )

    page.goto(f"{live_server.url}/reviews/experts/pool/{wang.pk}/")
    expect(page.get_by_test_id("history-rating")).to_have_text("4分")
    expect(page.get_by_test_id("rating")).to_contain_text("4.0")

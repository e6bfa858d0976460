"""The research-integrity pledge (科研诚信承诺) in a real browser: the lead copies a member
unit's pledge link from the application page, an anonymous browser opens it and pledges,
and the lead's page then shows the unit as 已承诺; the lead pledges its own from its account."""

import re

import pytest
from playwright.sync_api import expect

from members.integrity.models import IntegrityPledge
from tests.e2e.test_accessibility import sign_in
from tests.factories import make_complete_application

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_lead_passes_on_a_link_and_the_member_pledges_through_it(
    live_server, page, browser, alice, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    application = make_complete_application(
        lead=alice.profile.organization, creator=alice, pledged=False
    )
    member = (
        application.memberships.exclude(role="lead").order_by("sort_order").first().organization
    )

    # 1. The lead sees every unit awaiting and copies the member's link.
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    panel = page.get_by_test_id("pledge-panel")
    expect(panel).to_contain_text("8 家单位待承诺")
    row = panel.get_by_test_id("pledge-row").filter(has_text=member.name)
    expect(row).to_contain_text("待承诺")
    link = row.get_by_test_id("pledge-link").input_value()
    assert "/integrity/pledge/" in link
    expect(page.get_by_test_id("findings")).to_contain_text("以下单位尚未作出科研诚信承诺")

    # 2. Someone without an account opens it and pledges for the member unit.
    anonymous = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    anonymous.goto(link)
    expect(anonymous.get_by_test_id("pledge-unit")).to_have_text(member.name)
    expect(anonymous.get_by_test_id("pledge-statement")).to_contain_text("不编造、篡改数据")
    anonymous.get_by_label(re.compile("^承诺人姓名")).fill("钱联系")
    anonymous.get_by_label(re.compile("^职务")).fill("副总经理")
    anonymous.get_by_role("button", name="作出承诺").click()
    # The required checkbox: the browser's own check stops the post, so do the form.
    expect(anonymous.get_by_test_id("pledged")).to_have_count(0)
    anonymous.get_by_label("本单位已阅读并作出上述承诺").check()
    anonymous.get_by_role("button", name="作出承诺").click()
    expect(anonymous.get_by_test_id("pledged")).to_contain_text("钱联系")
    assert IntegrityPledge.objects.get(organization=member).via == "link"

    # 3. The lead's page shows the unit as pledged; the lead pledges its own.
    page.reload()
    row = (
        page.get_by_test_id("pledge-panel")
        .get_by_test_id("pledge-row")
        .filter(has_text=member.name)
    )
    expect(row).to_contain_text("已承诺：钱联系")
    page.get_by_test_id("own-pledge").click()
    page.get_by_label(re.compile("^承诺人姓名")).fill("赵志刚")
    page.get_by_label("本单位已阅读并作出上述承诺").check()
    page.get_by_role("button", name="作出承诺").click()
    expect(page.get_by_test_id("pledged")).to_contain_text("赵志刚")
    assert IntegrityPledge.objects.count() == 2

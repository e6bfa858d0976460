"""Coordination items (art. 22, issue 13 point 4) in a real browser: city staff open the
list, assign an item to a department with a due date (a date before the item's creation
is refused next to the field), record progress and answer; the lead sees the reply on its
consortium page and was notified."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from liaoyang_consortia.models import Notification
from reporting import services as report_services
from reporting.coordination.models import CoordinationItem
from reporting.models import AnnualReport
from tests.e2e.test_accessibility import sign_in
from tests.reporting import COMPLETE, make_consortium

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def seed_departments():
    """Put back the departments migrating gives (reporting 0005): a transactional test
    before this one may have flushed them."""
    import importlib

    from django.apps import apps

    importlib.import_module("reporting.migrations.0005_coordination_items").seed_departments(
        apps, None
    )


def test_city_staff_assign_progress_and_answer_and_the_lead_reads_the_reply(
    live_server, page, alice, charlie
):
    seed_departments()
    consortium = make_consortium(lead=alice.profile.organization)
    report = AnnualReport.objects.create(consortium=consortium, year=2026)
    report_services.save_report(
        actor=alice,
        report_id=report.pk,
        values={**COMPLETE, "coordination_needed": "1. 协调示范线建设用地；2. 人才引进政策支持"},
    )
    report_services.submit_report(actor=alice, report_id=report.pk)
    report_services.accept_report(actor=charlie, report_id=report.pk)
    item = CoordinationItem.objects.get(report=report, sequence=1)
    created = timezone.localdate(item.created_at)

    # 1. City staff open the list from the menu's address and the item from its row.
    sign_in(page, live_server, "charlie")
    page.goto(f"{live_server.url}/coordination/")
    rows = page.get_by_test_id("item-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("count-pending")).to_have_text("2")
    rows.filter(has_text="协调示范线建设用地").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/coordination/{item.pk}/$"))
    expect(page.get_by_test_id("item-text")).to_have_text("协调示范线建设用地")

    # 2. A due date before the item was made: refused next to the field, the input kept.
    form = page.get_by_test_id("assign-form")
    form.get_by_label(re.compile("^承办部门")).select_option(label="市自然资源局")
    early = (created - timedelta(days=1)).isoformat()
    form.get_by_label(re.compile("^办理期限")).fill(early)
    form.get_by_role("button", name="分办").click()
    form = page.get_by_test_id("assign-form")
    expect(form).to_contain_text("办理期限不能早于该事项的生成日期")
    expect(form.get_by_label(re.compile("^办理期限"))).to_have_value(early)

    # 3. A good date: 办理中.
    due = created + timedelta(days=30)
    form.get_by_label(re.compile("^办理期限")).fill(due.isoformat())
    form.get_by_role("button", name="分办").click()
    expect(page.get_by_test_id(f"status-{item.pk}")).to_have_text("办理中")
    expect(page.get_by_test_id("department")).to_have_text("市自然资源局")

    # 4. Progress, then an empty answer (refused), then the answer.
    progress = page.get_by_test_id("progress-form")
    progress.get_by_label(re.compile("^办理进展")).fill("已转市自然资源局核查用地条件。")
    progress.get_by_role("button", name="登记进展").click()
    expect(page.get_by_test_id("progress")).to_contain_text("已转市自然资源局核查用地条件。")
    answer = page.get_by_test_id("answer-form")
    answer.get_by_role("button", name="登记答复").click()
    expect(page.get_by_test_id("answer-form")).to_contain_text("请填写答复意见")
    answer = page.get_by_test_id("answer-form")
    answer.get_by_label(re.compile("^答复意见")).fill("用地预审已办结，可进入规划许可环节。")
    answer.get_by_role("button", name="登记答复").click()
    expect(page.get_by_test_id(f"status-{item.pk}")).to_have_text("已答复")
    expect(page.get_by_test_id("reply")).to_have_text("用地预审已办结，可进入规划许可环节。")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()

    # 5. The lead reads it on its consortium page, and was notified.
    assert Notification.objects.filter(recipient=alice, event="coordination_answered").exists()
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/my-consortia/{consortium.pk}/")
    row = page.get_by_test_id(f"coordination-{item.pk}")
    expect(row).to_contain_text("已答复")
    expect(row).to_contain_text("市自然资源局")
    expect(row).to_contain_text("用地预审已办结，可进入规划许可环节。")
    expect(page.get_by_test_id("coordination-items")).to_contain_text("待分办")

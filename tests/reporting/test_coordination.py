"""Coordination items (art. 22, issue 13 point 4): made when the annual report is accepted,
assigned, progressed and answered by city staff, read by the lead on its consortium page,
flagged when overdue and counted on /statistics/."""

import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liaoyang_consortia.models import Notification
from members.roles import Role
from reporting import services as report_services
from reporting import stats
from reporting.coordination import selectors, services
from reporting.coordination.models import CoordinationItem, CoordinationProgress, Department
from reporting.models import AnnualReport
from tests import nplusone
from tests.factories import make_user
from tests.reporting import COMPLETE, make_consortium

pytestmark = pytest.mark.django_db
Status = CoordinationItem.Status
MATTERS = "1. 协调示范线建设用地；\n2. 人才引进政策支持；\n3. 变电站增容审批。"


def accepted_report(lead_user, charlie, *, consortium=None, year=2026, text=MATTERS):
    consortium = consortium or make_consortium(
        lead=lead_user.profile.organization, named_on=date(2025, 5, 20)
    )
    report = AnnualReport.objects.create(consortium=consortium, year=year)
    report_services.save_report(
        actor=lead_user, report_id=report.pk, values={**COMPLETE, "coordination_needed": text}
    )
    report_services.submit_report(actor=lead_user, report_id=report.pk)
    report_services.accept_report(actor=charlie, report_id=report.pk)
    return report


@pytest.fixture
def report(alice, charlie):
    return accepted_report(alice, charlie)


@pytest.fixture
def items(report):
    return list(report.coordination_items.order_by("sequence"))


@pytest.fixture
def department():
    return Department.objects.get(name="市自然资源局")


@pytest.fixture
def mallory(db):
    return make_user("mallory", Role.APPLICANT, county_code="211002")


def _backdate(item, days):
    CoordinationItem.objects.filter(pk=item.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    item.refresh_from_db()
    return item


# --- services ---------------------------------------------------------------------------


def test_accepting_a_report_makes_one_item_per_listed_matter(report, items):
    assert [(i.sequence, i.text, i.status) for i in items] == [
        (1, "协调示范线建设用地", Status.PENDING),
        (2, "人才引进政策支持", Status.PENDING),
        (3, "变电站增容审批。", Status.PENDING),
    ]
    assert {i.consortium_id for i in items} == {report.consortium_id}
    # Idempotent: running it again (a retried acceptance) makes none.
    assert services.create_from_report(report=report) == []
    assert report.coordination_items.count() == 3


def test_a_report_with_nothing_to_coordinate_makes_no_item(alice, charlie):
    report = accepted_report(alice, charlie, text="暂无。")
    assert not report.coordination_items.exists()


def test_it_goes_pending_in_progress_answered_and_tells_the_lead(items, charlie, alice, department):
    item = items[0]
    due = timezone.localdate() + timedelta(days=30)
    services.assign(actor=charlie, item=item, department=department, due_on=due)
    item.refresh_from_db()
    assert (item.status, item.department, item.due_on, item.assigned_by) == (
        Status.IN_PROGRESS,
        department,
        due,
        charlie,
    )
    services.record_progress(actor=charlie, item=item, note="  已转市自然资源局。 ")
    assert list(item.progress.values_list("note", flat=True)) == ["已转市自然资源局。"]
    services.answer(actor=charlie, item=item, reply="用地手续已办结。")
    item.refresh_from_db()
    assert (item.status, item.reply, item.replied_by) == (
        Status.ANSWERED,
        "用地手续已办结。",
        charlie,
    )
    note = Notification.objects.get(recipient=alice, event="coordination_answered")
    assert "用地手续已办结。" in note.body and "市自然资源局" in note.body
    assert note.url == f"/my-consortia/{item.consortium_id}/#coordination" or note.url.endswith(
        "#coordination"
    )


def test_an_answered_item_is_not_reopened_reassigned_or_progressed(items, charlie, department):
    item = items[0]
    services.assign(actor=charlie, item=item, department=department, due_on=timezone.localdate())
    services.answer(actor=charlie, item=item, reply="已答复。")
    for call in (
        lambda: services.assign(
            actor=charlie, item=item, department=department, due_on=timezone.localdate()
        ),
        lambda: services.record_progress(actor=charlie, item=item, note="再看看"),
        lambda: services.answer(actor=charlie, item=item, reply="再答复"),
    ):
        with pytest.raises(ValidationError):
            call()
    item.refresh_from_db()
    assert item.reply == "已答复。"


def test_a_pending_item_is_neither_progressed_nor_answered(items, charlie):
    with pytest.raises(ValidationError):
        services.record_progress(actor=charlie, item=items[0], note="进展")
    with pytest.raises(ValidationError):
        services.answer(actor=charlie, item=items[0], reply="答复")
    assert not CoordinationProgress.objects.exists()


def test_it_refuses_an_answer_without_reply_text(items, charlie, department):
    item = items[0]
    services.assign(actor=charlie, item=item, department=department, due_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        services.answer(actor=charlie, item=item, reply=" \n ")
    assert exc.value.message_dict["reply"] == [
        "请填写答复意见：没有答复内容的事项不能登记为已答复。"
    ]
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS


def test_it_refuses_a_due_date_before_the_items_creation(items, charlie, department):
    item = _backdate(items[0], 5)
    created = timezone.localdate(item.created_at)
    with pytest.raises(ValidationError) as exc:
        services.assign(
            actor=charlie, item=item, department=department, due_on=created - timedelta(days=1)
        )
    assert exc.value.message_dict["due_on"][0].startswith("办理期限不能早于该事项的生成日期")
    # The creation day itself (in the past) is accepted, and the item is then overdue.
    services.assign(actor=charlie, item=item, department=department, due_on=created)
    assert selectors.overdue_count() == 1


def test_it_may_reassign_while_in_progress(items, charlie, department):
    other = Department.objects.get(name="市财政局")
    today = timezone.localdate()
    services.assign(actor=charlie, item=items[0], department=department, due_on=today)
    services.assign(actor=charlie, item=items[0], department=other, due_on=today)
    items[0].refresh_from_db()
    assert items[0].department == other and items[0].status == Status.IN_PROGRESS


def test_an_inactive_department_is_refused(items, charlie, department):
    Department.objects.filter(pk=department.pk).update(active=False)
    department.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.assign(
            actor=charlie, item=items[0], department=department, due_on=timezone.localdate()
        )
    assert "department" in exc.value.message_dict


@pytest.mark.parametrize("who", ["alice", "bob", "dora", "mallory"])
def test_only_city_staff_work_on_items(request, items, department, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.assign(
            actor=user, item=items[0], department=department, due_on=timezone.localdate()
        )
    with pytest.raises(PermissionDenied):
        services.answer(actor=user, item=items[0], reply="答复")


# --- pages ------------------------------------------------------------------------------


def test_city_staff_assign_progress_and_answer_through_the_item_page(
    client, charlie, items, department
):
    client.force_login(charlie)
    item = items[1]
    url = reverse("coordination:detail", args=[item.pk])
    body = client.get(url).content.decode()
    assert "人才引进政策支持" in body and 'data-testid="assign-form"' in body
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    r = client.post(
        reverse("coordination:assign", args=[item.pk]),
        {"assign-department": department.pk, "assign-due_on": due},
    )
    assert r.status_code == 302 and r.url == url
    r = client.post(reverse("coordination:progress", args=[item.pk]), {"progress-note": "已转办。"})
    assert r.status_code == 302
    r = client.post(reverse("coordination:answer", args=[item.pk]), {"answer-reply": "已支持。"})
    assert r.status_code == 302
    body = client.get(url).content.decode()
    assert "已转办。" in body and "已支持。" in body and 'data-testid="assign-form"' not in body


def test_bad_input_is_answered_next_to_the_field_with_the_input_kept(
    client, charlie, items, department
):
    client.force_login(charlie)
    item = _backdate(items[0], 3)
    early = (timezone.localdate(item.created_at) - timedelta(days=1)).isoformat()
    r = client.post(
        reverse("coordination:assign", args=[item.pk]),
        {"assign-department": department.pk, "assign-due_on": early},
    )
    body = r.content.decode()
    assert r.status_code == 422
    assert "办理期限不能早于该事项的生成日期" in body and f'value="{early}"' in body
    r = client.post(
        reverse("coordination:assign", args=[item.pk]),
        {"assign-department": "x", "assign-due_on": "明天"},
    )
    body = r.content.decode()
    assert r.status_code == 422 and "请从列表中选择承办部门。" in body and 'value="明天"' in body
    services.assign(actor=charlie, item=item, department=department, due_on=timezone.localdate())
    r = client.post(reverse("coordination:answer", args=[item.pk]), {"answer-reply": "   "})
    assert r.status_code == 422
    assert "请填写答复意见：没有答复内容的事项不能登记为已答复。" in r.content.decode()
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS


def test_answering_a_pending_item_is_refused_not_a_500(client, charlie, items):
    client.force_login(charlie)
    r = client.post(reverse("coordination:answer", args=[items[0].pk]), {"answer-reply": "答复"})
    assert r.status_code == 422 and "该协调事项已被他人办理" in r.content.decode()


@pytest.mark.parametrize("who", ["alice", "bob", "dora", "mallory"])
def test_others_get_404_on_the_coordination_pages(request, client, items, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("coordination:list")).status_code == 404
    assert client.get(reverse("coordination:detail", args=[items[0].pk])).status_code == 404
    assert client.get(reverse("coordination:export")).status_code == 404
    r = client.post(reverse("coordination:answer", args=[items[0].pk]), {"answer-reply": "x"})
    assert r.status_code == 404


def test_the_list_filters_and_flags_overdue_items_in_a_fixed_number_of_queries(
    client, charlie, alice, items, department, django_assert_max_num_queries
):
    client.force_login(charlie)
    url = reverse("coordination:list")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    # More items, of another consortium: the same number of queries.
    accepted_report(make_user("lead2", Role.APPLICANT), charlie, year=2025)
    late = _backdate(items[0], 10)
    services.assign(
        actor=charlie,
        item=late,
        department=department,
        due_on=timezone.localdate() - timedelta(days=4),
    )
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(url).content.decode()
    assert body.count('data-testid="item-row"') == 6
    assert "已超期4天" in body
    body = client.get(url + "?overdue=on").content.decode()
    assert body.count('data-testid="item-row"') == 1 and "协调示范线建设用地" in body
    body = client.get(url + f"?status=pending&department={department.pk}").content.decode()
    assert body.count('data-testid="item-row"') == 0
    body = client.get(url + "?status=pending").content.decode()
    assert body.count('data-testid="item-row"') == 5
    # Unknown values are dropped, not a 500.
    assert client.get(url + "?status=zzz&department=abc&overdue=1").status_code == 200


def test_the_list_exports_the_filtered_items(client, charlie, items, department):
    services.assign(
        actor=charlie, item=items[0], department=department, due_on=timezone.localdate()
    )
    client.force_login(charlie)
    r = client.get(reverse("coordination:export") + "?status=in_progress")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content))["协调事项"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_row=ws.max_row)]
    data = [row for row in rows if row[3]]
    assert len(data) == 1 and data[0][3] == "协调示范线建设用地" and data[0][5] == "市自然资源局"


def test_the_lead_sees_status_department_and_reply_on_its_consortium_page(
    client, alice, charlie, items, department, django_assert_max_num_queries
):
    services.assign(actor=charlie, item=items[0], department=department, due_on=date(2027, 1, 31))
    services.answer(actor=charlie, item=items[0], reply="用地手续已办结。")
    client.force_login(alice)
    url = reverse("consortia:detail", args=[items[0].consortium_id])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    accepted_report(alice, charlie, consortium=items[0].consortium, year=2025)
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(url).content.decode()
    section = body.split('id="coordination"')[1].split("</section>")[0]
    assert len(re.findall(r'data-testid="coordination-\d+"', section)) == 6
    assert "用地手续已办结。" in section and "市自然资源局" in section
    assert "2027年1月31日" in section and "已答复" in section and "待分办" in section
    # The lead reads; it has no link to city staff's item page.
    assert "/coordination/" not in section


def test_the_work_list_flags_overdue_items_outside_the_cached_body(
    client, charlie, items, department
):
    client.force_login(charlie)
    assert 'data-testid="coordination-overdue"' not in client.get("/applications/").content.decode()
    late = _backdate(items[0], 10)
    services.assign(
        actor=charlie, item=late, department=department, due_on=timezone.localdate() - timedelta(1)
    )
    body = client.get("/applications/").content.decode()
    line = body.split('data-testid="coordination-overdue"')[1].split("</div>")[0]
    assert "协调事项已超期 1 件" in line and 'href="/coordination/?overdue=on"' in line


# --- statistics -------------------------------------------------------------------------


def test_the_statistics_table_counts_per_department_with_a_total(
    charlie, alice, items, department, django_assert_num_queries
):
    finance = Department.objects.get(name="市财政局")
    today = timezone.localdate()
    services.assign(actor=charlie, item=items[0], department=department, due_on=today)
    services.answer(actor=charlie, item=items[0], reply="已办结。")
    late = _backdate(items[1], 10)
    services.assign(actor=charlie, item=late, department=finance, due_on=today - timedelta(days=2))
    with django_assert_num_queries(2):
        table = stats.coordination_table()
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["市自然资源局"] == [1, 0, 1, 0, 0]
    assert rows["市财政局"] == [1, 1, 0, 1, 0]
    assert rows["（尚未分办）"] == [0, 0, 0, 0, 1]
    assert table.footer == [["合计", 2, 1, 1, 1, 1]]
    assert stats.coordination_table(2025).footer == [["合计", 0, 0, 0, 0, 0]]


def test_the_statistics_page_and_export_show_the_coordination_table(client, charlie, items):
    client.force_login(charlie)
    body = client.get("/statistics/").content.decode()
    section = body.split('data-testid="stats-coordination"')[1].split("</section>")[0]
    assert "协调事项办理情况" in section and "（尚未分办）" in section
    wb = openpyxl.load_workbook(
        io.BytesIO(client.get("/statistics/export/coordination.xlsx").content)
    )
    assert wb.sheetnames == ["协调事项"]
    last = [c.value for c in wb["协调事项"][wb["协调事项"].max_row - 2]]
    assert last[0] == "合计" and last[5] == 3


@pytest.mark.django_db
@pytest.mark.zeal_allow(*nplusone.DEMO_SEEDING)
def test_the_demo_shows_items_in_each_state_once():
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    first = list(CoordinationItem.objects.order_by("pk").values_list("pk", "status", "due_on"))
    call_command("seed_demo", stdout=io.StringIO())
    again = list(CoordinationItem.objects.order_by("pk").values_list("pk", "status", "due_on"))
    assert first == again
    statuses = {status for _pk, status, _due in first}
    assert statuses == {Status.PENDING, Status.IN_PROGRESS, Status.ANSWERED}
    assert selectors.overdue_count() >= 1
    assert CoordinationProgress.objects.exists()

"""诚信记录 in the portal's own pages (issue 11): city staff list, add and end integrity
records (blacklist, lead bans); each write audited; everyone else gets 404."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaoyang_consortia.models import AuditEvent
from members.integrity import rules, selectors, services
from members.models import IntegrityRecord
from tests.factories import OrganizationFactory, valid_uscc

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to("2026-03-02 10:00 +08:00", tick=False)


@pytest.fixture
def unit(db):
    return OrganizationFactory(name="辽阳市诚信测试化工有限公司", uscc=valid_uscc("91211002"))


def add(actor, unit, **overrides):
    values = {
        "kind": IntegrityRecord.Kind.BLACKLIST,
        "start_date": TODAY,
        "end_date": None,
        "reason": "申报材料弄虚作假。",
        "decision_number": "辽市科发〔2026〕12号",
        **overrides,
    }
    return services.add_record(actor=actor, organization=unit, **values)


# --- Rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "revoked", "status"),
    [
        (TODAY, None, False, rules.IN_FORCE),
        (TODAY - timedelta(days=9), TODAY, False, rules.IN_FORCE),  # the last day counts
        (TODAY - timedelta(days=9), TODAY - timedelta(days=1), False, rules.ENDED),
        (TODAY + timedelta(days=1), None, False, rules.NOT_STARTED),
        (TODAY, None, True, rules.ENDED),
    ],
)
def test_it_tells_whether_a_record_is_in_force(start, end, revoked, status):
    assert (
        rules.record_status(start_date=start, end_date=end, revoked=revoked, today=TODAY) == status
    )


def test_it_refuses_to_end_a_record_before_it_starts_or_after_it_ends():
    start, end = date(2026, 1, 1), date(2028, 12, 31)
    assert rules.end_date_problem(start_date=start, current_end=end, new_end=start) is None
    assert rules.end_date_problem(start_date=start, current_end=None, new_end=end) is None
    assert rules.end_date_problem(
        start_date=start, current_end=end, new_end=date(2025, 12, 31)
    ) == ("before_start")
    assert rules.end_date_problem(start_date=start, current_end=end, new_end=date(2029, 1, 1)) == (
        "after_end"
    )


# --- Services ----------------------------------------------------------------------------


def test_city_staff_add_a_record_and_it_is_audited(charlie, unit):
    record = add(charlie, unit)
    assert record.created_by == charlie
    assert IntegrityRecord.objects.filter(IntegrityRecord.in_force_q(TODAY)).get() == record
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.CHANGE, actor=charlie)
    assert event.detail["action"] == "add"
    assert event.detail["object_id"] == str(record.pk)
    assert event.detail["model"] == "members.IntegrityRecord"


def test_only_city_staff_add_or_end_records(alice, bob, charlie, unit):
    for user in (alice, bob):
        with pytest.raises(PermissionDenied):
            add(user, unit)
    record = add(charlie, unit)
    with pytest.raises(PermissionDenied):
        services.end_record(actor=bob, record_id=record.pk, end_date=TODAY, reason="x")


def test_a_lead_ban_must_have_an_end_date(charlie, unit):
    with pytest.raises(ValidationError) as caught:
        add(charlie, unit, kind=IntegrityRecord.Kind.LEAD_BAN, end_date=None)
    assert "end_date" in caught.value.message_dict
    assert not IntegrityRecord.objects.exists()


def test_city_staff_end_a_record_with_a_date_and_a_reason(charlie, unit):
    record = add(charlie, unit, start_date=TODAY - timedelta(days=30))
    ended = services.end_record(
        actor=charlie,
        record_id=record.pk,
        end_date=TODAY - timedelta(days=1),
        reason="经复核，原认定事实不成立，予以撤销。",
    )
    assert ended.end_date == TODAY - timedelta(days=1)
    assert ended.ended_by == charlie and ended.ended_at is not None
    assert not IntegrityRecord.objects.filter(IntegrityRecord.in_force_q(TODAY)).exists()
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.CHANGE).latest("pk")
    assert event.detail["action"] == "end"
    assert event.detail["reason"] == "经复核，原认定事实不成立，予以撤销。"
    assert event.detail["previous_end_date"] == ""
    with pytest.raises(ValidationError):
        services.end_record(actor=charlie, record_id=record.pk, end_date=TODAY, reason="再次")


def test_it_refuses_an_end_date_outside_the_record(charlie, unit):
    record = add(charlie, unit, kind=IntegrityRecord.Kind.LEAD_BAN, end_date=date(2029, 3, 1))
    for day, message in ((TODAY - timedelta(days=1), "早于起始日期"), (date(2030, 1, 1), "晚于")):
        with pytest.raises(ValidationError) as caught:
            services.end_record(actor=charlie, record_id=record.pk, end_date=day, reason="x")
        assert message in caught.value.message_dict["end_date"][0]
    with pytest.raises(ValidationError):
        services.end_record(actor=charlie, record_id=record.pk, end_date=TODAY, reason=" ")


# --- The pages ---------------------------------------------------------------------------


def test_the_list_filters_by_kind_status_and_unit(client, charlie, unit):
    other = OrganizationFactory(name="辽阳市另一家装备有限公司", uscc=valid_uscc("91211002"))
    blacklisted = add(charlie, unit)
    banned = add(
        charlie,
        other,
        kind=IntegrityRecord.Kind.LEAD_BAN,
        start_date=date(2022, 1, 1),
        end_date=date(2024, 12, 31),
    )
    client.force_login(charlie)

    def listed(query=""):
        body = client.get(f"/integrity/{query}").content.decode()
        return {name for name in (unit.name, other.name) if name in body}

    assert listed() == {unit.name, other.name}
    assert listed("?kind=lead_ban") == {other.name}
    assert listed("?status=in_force") == {unit.name}
    assert listed("?status=ended") == {other.name}
    assert listed("?q=另一家") == {other.name}
    assert listed(f"?q={unit.uscc.lower()}") == {unit.name}
    assert listed("?kind=nonsense&status=\x00") == {unit.name, other.name}
    body = client.get("/integrity/").content.decode()
    assert "生效中" in body and "已结束" in body
    assert f"/integrity/{blacklisted.pk}/end/" in body
    assert f"/integrity/{banned.pk}/end/" not in body  # over already


def test_the_list_reads_in_a_fixed_number_of_queries(client, charlie, unit):
    client.force_login(charlie)
    add(charlie, unit)
    client.get("/integrity/")
    with CaptureQueriesContext(connection) as few:
        client.get("/integrity/")
    for i in range(5):
        add(charlie, OrganizationFactory(name=f"辽阳市列表{i}有限公司"))
    with CaptureQueriesContext(connection) as many:
        body = client.get("/integrity/").content.decode()
    assert body.count('data-testid="integrity-record"') == 6
    assert len(few.captured_queries) == len(many.captured_queries)


def test_city_staff_add_a_record_by_credit_code_or_name(client, charlie, unit):
    client.force_login(charlie)
    assert client.get("/integrity/new/").status_code == 200
    response = client.post(
        "/integrity/new/",
        {
            "unit": unit.uscc.lower(),
            "kind": "lead_ban",
            "reason": "被取消创新联合体资格。",
            "decision_number": "辽市科发〔2026〕3号",
            "start_date": "2026-03-02",
            "end_date": "2029-03-01",
        },
    )
    assert response.status_code == 302
    record = IntegrityRecord.objects.get()
    assert (record.organization, record.kind, record.end_date) == (
        unit,
        "lead_ban",
        date(2029, 3, 1),
    )
    client.post(
        "/integrity/new/",
        {
            "unit": unit.name,
            "kind": "blacklist",
            "reason": "虚假申报。",
            "start_date": "2026-03-02",
        },
    )
    assert IntegrityRecord.objects.filter(kind="blacklist", organization=unit).exists()


def _field_error(body, name):
    match = re.search(rf'id="id_{name}_error"[^>]*>(.*?)</div>\s*</div>', body, re.S)
    return match.group(1) if match else ""


def test_bad_input_keeps_the_values_with_a_chinese_message_at_the_field(client, charlie, unit):
    client.force_login(charlie)
    response = client.post(
        "/integrity/new/",
        {
            "unit": "不存在的单位",
            "kind": "lead_ban",
            "reason": "事由照填。",
            "start_date": "2026-03-02",
            "end_date": "",
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "未找到该单位" in _field_error(body, "unit")
    assert 'value="不存在的单位"' in body
    assert "事由照填。" in body
    response = client.post(
        "/integrity/new/",
        {
            "unit": unit.name,
            "kind": "lead_ban",
            "reason": "x",
            "start_date": "2026-03-02",
            "end_date": "2026-01-01",
        },
    )
    assert "截止日期不能早于起始日期" in _field_error(response.content.decode(), "end_date")
    response = client.post(
        "/integrity/new/",
        {"unit": unit.name, "kind": "lead_ban", "reason": "x", "start_date": "2026-03-02"},
    )
    assert "取消牵头资格须有截止日期" in _field_error(response.content.decode(), "end_date")
    assert not IntegrityRecord.objects.exists()


def test_a_name_shared_by_several_units_asks_for_the_code(client, charlie):
    OrganizationFactory(name="辽阳市同名甲有限公司")
    OrganizationFactory(name="辽阳市同名乙有限公司")
    client.force_login(charlie)
    response = client.post(
        "/integrity/new/",
        {"unit": "同名", "kind": "blacklist", "reason": "x", "start_date": "2026-03-02"},
    )
    assert response.status_code == 422
    assert "请填写统一社会信用代码" in _field_error(response.content.decode(), "unit")


def test_city_staff_end_a_record_from_its_page(client, charlie, unit):
    record = add(charlie, unit)
    client.force_login(charlie)
    page = client.get(f"/integrity/{record.pk}/end/")
    assert page.status_code == 200
    assert unit.uscc in page.content.decode()
    response = client.post(f"/integrity/{record.pk}/end/", {"end_date": "2026-03-02", "reason": ""})
    assert response.status_code == 422
    assert "请填写终止原因" in _field_error(response.content.decode(), "reason")
    response = client.post(
        f"/integrity/{record.pk}/end/", {"end_date": "2026-03-02", "reason": "整改到位，提前解除。"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.end_date == TODAY and record.ended_reason == "整改到位，提前解除。"
    again = client.get(f"/integrity/{record.pk}/end/").content.decode()
    assert 'data-testid="already-ended"' in again


@pytest.mark.parametrize("who", ["alice", "bob", "dora"])
def test_everyone_but_city_staff_gets_404(client, role_users, charlie, unit, who):
    from members.roles import Role

    record = add(charlie, unit)
    users = {"alice": Role.APPLICANT, "bob": Role.COUNTY_REVIEWER, "dora": Role.EXPERT}
    client.force_login(role_users[users[who]])
    for path in ("/integrity/", "/integrity/new/", f"/integrity/{record.pk}/end/"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/integrity/{record.pk}/end/", {"reason": "x"}).status_code == 404
    assert IntegrityRecord.objects.get().ended_at is None


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/integrity/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_menu_points_city_staff_at_the_portal_page(client, charlie):
    client.force_login(charlie)
    body = client.get("/integrity/").content.decode()
    assert 'href="/integrity/"' in body
    assert "/admin/members/integrityrecord/" not in body


def test_admins_see_the_pages_too(client, erin, unit):
    client.force_login(erin)
    assert client.get("/integrity/").status_code == 200
    assert selectors.is_city(erin)
    assert timezone.localdate() == TODAY

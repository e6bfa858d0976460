"""The support ledger (支持情况台账), article 18 (issue 13, point 3; DESIGN.md §15)."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from members.roles import Role
from reporting import stats
from reporting.models import SupportKind, SupportRecord
from reporting.support import rules, services
from tests import nplusone
from tests.factories import make_user
from tests.reporting import make_consortium

# --- rules (no database) --------------------------------------------------------------------


def test_it_takes_a_missing_amount_and_non_negative_amounts_to_the_cent_of_a_wan():
    assert rules.amount_errors(None) == []
    assert rules.amount_errors(Decimal("0")) == []
    assert rules.amount_errors("12.5") == []
    assert rules.amount_errors("12.500") == []
    assert rules.amount_errors("999999999999.99") == []


def test_it_refuses_a_negative_amount_with_a_chinese_message():
    assert rules.amount_errors("-1") == ["金额不能为负数（单位：万元）。"]


def test_it_refuses_more_than_two_decimals():
    assert rules.amount_errors("12.345") == ["金额最多保留两位小数（单位：万元）。"]
    assert rules.amount_errors("0.1" + "0" * 30 + "1") == ["金额最多保留两位小数（单位：万元）。"]


def test_it_refuses_what_is_not_a_number_or_too_large():
    assert rules.amount_errors("十万") == ["金额须为数字（单位：万元）。"]
    assert rules.amount_errors("NaN") == ["金额须为数字（单位：万元）。"]
    assert rules.amount_errors("1000000000000") == ["金额过大，请核对（单位：万元）。"]


@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_it_answers_any_decimal_with_a_verdict_never_an_exception(value):
    errors = rules.amount_errors(value)
    # In this order: rounding a huge number would overflow the decimal context.
    ok = value.is_finite() and 0 <= value < 10**12 and value == round(value, 2)
    assert (errors == []) == ok


def test_it_refuses_a_support_date_in_the_future():
    today = date(2026, 12, 1)
    assert rules.date_errors(today, today=today) == []
    assert rules.date_errors(date(2026, 12, 2), today=today) == ["支持日期不能晚于今天。"]


def test_it_writes_amounts_the_chinese_way():
    assert rules.amount_text(Decimal("12.5")) == "12.50万元"
    assert rules.amount_text(Decimal("1234.5")) == "1,234.50万元"
    assert rules.amount_text(None) == ""


# --- services -------------------------------------------------------------------------------


@pytest.fixture
def consortium(alice):
    return make_consortium(lead=alice.profile.organization, named_on=date(2026, 5, 20))


@pytest.fixture
def mallory(db):
    return make_user("mallory", Role.APPLICANT, county_code="211002")


def _add(actor, consortium, **overrides):
    data = {
        "kind": SupportKind.CITY_PROGRAMME,
        "on": timezone.localdate(),
        "description": "立项支持辽阳市重大科技专项。",
        "amount": Decimal("200.00"),
        "document_number": "辽市科发〔2026〕8号",
        **overrides,
    }
    return services.add_record(actor=actor, consortium=consortium, **data)


def test_it_lets_city_staff_add_and_remove_a_record(charlie, consortium):
    record = _add(charlie, consortium)
    assert record.entered_by == charlie and record.amount_text == "200.00万元"
    assert list(consortium.support_records.all()) == [record]
    services.remove_record(actor=charlie, record=record)
    assert not SupportRecord.objects.exists()


def test_it_refuses_anyone_but_city_staff(alice, bob, consortium, charlie):
    for user in (alice, bob):
        with pytest.raises(PermissionDenied):
            _add(user, consortium)
    record = _add(charlie, consortium)
    with pytest.raises(PermissionDenied):
        services.remove_record(actor=alice, record=record)
    assert SupportRecord.objects.count() == 1


def test_it_refuses_a_bad_amount_and_a_future_date_with_the_message(charlie, consortium):
    with pytest.raises(ValidationError) as exc:
        _add(charlie, consortium, amount=Decimal("-5"), on=timezone.localdate() + timedelta(1))
    assert exc.value.message_dict == {
        "amount": ["金额不能为负数（单位：万元）。"],
        "date": ["支持日期不能晚于今天。"],
    }
    assert not SupportRecord.objects.exists()


def test_it_takes_a_record_without_an_amount_or_document_number(charlie, consortium):
    record = _add(charlie, consortium, kind=SupportKind.THINK_TANK, amount=None, document_number="")
    assert record.amount is None and record.amount_text == ""


# --- views ----------------------------------------------------------------------------------


def _post(client, consortium, **overrides):
    data = {
        "support-kind": "finance",
        "support-on": "2026-03-01",
        "support-description": "科技贷款贴息。",
        "support-amount": "12.5",
        "support-document_number": "辽市科发〔2026〕9号",
        **{f"support-{k}": v for k, v in overrides.items()},
    }
    return client.post(reverse("support:add", args=[consortium.pk]), data)


def test_it_lets_city_staff_enter_a_record_on_the_consortium_page(client, charlie, consortium):
    client.force_login(charlie)
    page = client.get(reverse("consortia:detail", args=[consortium.pk])).content.decode()
    assert 'data-testid="support-form"' in page and 'data-testid="support-empty"' in page
    response = _post(client, consortium)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{consortium.pk}/#support")
    record = SupportRecord.objects.get()
    assert record.amount == Decimal("12.50") and record.kind == "finance"
    page = client.get(response["Location"]).content.decode()
    row = page.split(f'data-testid="support-{record.pk}"')[1].split("</tr>")[0]
    assert "（六）科技金融支持" in row and "12.50万元" in row and "2026年3月1日" in row
    assert "辽市科发〔2026〕9号" in row and reverse("support:remove", args=[record.pk]) in row
    assert client.post(reverse("support:remove", args=[record.pk])).status_code == 302
    assert not SupportRecord.objects.exists()


def test_it_shows_the_lead_its_ledger_read_only(client, alice, charlie, consortium):
    record = _add(charlie, consortium)
    client.force_login(alice)
    page = client.get(reverse("consortia:detail", args=[consortium.pk])).content.decode()
    assert f'data-testid="support-{record.pk}"' in page and "200.00万元" in page
    assert 'data-testid="support-form"' not in page
    assert reverse("support:remove", args=[record.pk]) not in page
    assert _post(client, consortium).status_code == 403
    assert client.post(reverse("support:remove", args=[record.pk])).status_code == 403
    assert SupportRecord.objects.count() == 1


def test_it_gives_a_stranger_404(client, mallory, charlie, consortium):
    record = _add(charlie, consortium)
    client.force_login(mallory)
    assert _post(client, consortium).status_code == 404
    assert client.post(reverse("support:remove", args=[record.pk])).status_code == 404
    assert SupportRecord.objects.count() == 1


def test_it_keeps_what_was_typed_when_the_input_is_bad(client, charlie, consortium):
    client.force_login(charlie)
    response = _post(client, consortium, amount="12.345", description="保留的说明文字")
    assert response.status_code == 422
    body = response.content.decode()
    assert "金额最多保留两位小数（单位：万元）。" in body
    assert 'value="12.345"' in body and "保留的说明文字" in body
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = _post(client, consortium, on=future, amount="-1")
    assert response.status_code == 422
    body = response.content.decode()
    assert "支持日期不能晚于今天。" in body and "金额不能为负数（单位：万元）。" in body
    response = _post(client, consortium, on=future)
    assert response.status_code == 422
    assert "支持日期不能晚于今天。" in response.content.decode()
    assert not SupportRecord.objects.exists()


def test_it_keeps_the_consortium_page_queries_fixed(
    client, charlie, consortium, django_assert_max_num_queries
):
    client.force_login(charlie)
    url = reverse("consortia:detail", args=[consortium.pk])
    client.get(url)  # warm the session and the user's groups
    _add(charlie, consortium)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(5):
        _add(charlie, consortium, kind=SupportKind.values[n], amount=None)
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(url).content.decode()
    assert len(re.findall(r'data-testid="support-\d+"', body)) == 6


# --- statistics -----------------------------------------------------------------------------


@pytest.fixture
def ledger(charlie, consortium):
    other = make_consortium()
    _add(charlie, consortium, on=date(2025, 6, 1), amount=Decimal("100.5"))
    _add(charlie, other, on=date(2026, 2, 1), amount=Decimal("20.25"))
    _add(charlie, other, kind=SupportKind.THINK_TANK, on=date(2026, 3, 1), amount=None)


def test_it_counts_records_and_amounts_per_kind_in_one_query(ledger, django_assert_num_queries):
    with django_assert_num_queries(1):
        table = stats.support_table()
    assert table.headers == ["支持类别", "记录数（条）", "金额合计（万元）"]
    assert [row[0] for row in table.rows] == [str(label) for label in SupportKind.labels]
    assert table.rows[2] == ["（三）市级科技计划项目支持", 2, Decimal("120.75")]
    assert table.rows[7] == ["（八）智库咨询服务", 1, Decimal("0.00")]
    assert table.footer == [["合计", 3, Decimal("120.75")]]
    only_2026 = stats.support_table(2026)
    assert only_2026.rows[2] == ["（三）市级科技计划项目支持", 1, Decimal("20.25")]


def test_it_shows_the_ledger_on_the_statistics_page_and_in_the_export(client, charlie, ledger):
    client.force_login(charlie)
    body = client.get("/statistics/").content.decode()
    section = body.split('data-testid="stats-support"')[1].split("</section>")[0]
    assert "支持情况台账" in section and "120.75" in section
    assert 'href="/statistics/export/support.xlsx"' in section
    wb = openpyxl.load_workbook(io.BytesIO(client.get("/statistics/export/all.xlsx").content))
    assert [c.value for c in wb["支持情况"][5]] == ["（三）市级科技计划项目支持", 2, 120.75]
    one = openpyxl.load_workbook(
        io.BytesIO(client.get("/statistics/export/support.xlsx?year=2026").content)
    )
    assert one.sheetnames == ["支持情况"]
    assert one["支持情况"]["C5"].value == 20.25
    assert one["支持情况"]["C5"].number_format == "#,##0.00"


@pytest.mark.django_db
@pytest.mark.zeal_allow(*nplusone.DEMO_SEEDING)
def test_the_demo_seeds_its_support_records_once():
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    first = list(
        SupportRecord.objects.order_by("pk").values_list("consortium_id", "kind", "amount")
    )
    call_command("seed_demo", stdout=io.StringIO())
    again = list(
        SupportRecord.objects.order_by("pk").values_list("consortium_id", "kind", "amount")
    )
    assert first == again and len(first) == 4
    assert get_user_model().objects.filter(username="city_staff").exists()

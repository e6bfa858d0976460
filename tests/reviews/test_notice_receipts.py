"""Issue 11: objection receipts (受理编号) and their public lookup, 公示中 / 已结束 on the
public notices, and the preview step of 发布公示 with the last contact lines prefilled.

The clock is pinned as in test_notices.py (Monday 2 March 2026, 10:00 in Liaoyang)."""

import importlib
import re
from datetime import date, datetime
from unittest import mock

import pytest
from captcha.models import CaptchaStore
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from applications.models import State
from reviews.models import Objection, PublicNotice
from reviews.notices import services as notices
from tests.reviews import test_notices as base

BUSINESS, SUPERVISION, OBJECTOR, TZ = base.BUSINESS, base.SUPERVISION, base.OBJECTOR, base.TZ
objection_on, publish, state_of = base.objection_on, base.publish, base.state_of
# The fixtures of test_notices.py: the pinned clock, the media root, passed applications.
_monday, _media, pool, passed = base._monday, base._media, base.pool, base.passed

pytestmark = pytest.mark.django_db


def _captcha():
    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def lookup(client, number, phone, **extra):
    return client.post(
        "/notices/objections/lookup/",
        {"receipt_number": number, "phone": phone, **_captcha(), **extra},
    )


# --- Numbers -----------------------------------------------------------------------------


def test_it_numbers_objections_per_year(charlie, passed):
    first, second = passed(), passed(name_core="新材料")
    notice = publish(charlie, [first, second])
    assert notices.next_receipt_number(date(2026, 3, 2)) == "YY2026-0001"
    a = objection_on(notice, first)
    b = objection_on(notice, second)
    assert (a.receipt_number, b.receipt_number) == ("YY2026-0001", "YY2026-0002")
    # A new year starts again at 1, whatever the last year reached.
    assert notices.next_receipt_number(date(2027, 1, 4)) == "YY2027-0001"
    assert notices.next_receipt_number(date(2026, 12, 31)) == "YY2026-0003"


def test_it_takes_the_next_number_when_a_concurrent_filing_took_it(charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    objection_on(notice, application)
    real = notices.next_receipt_number
    # The first computation is stale, as if another filing committed between the read
    # and the insert: the unique constraint refuses it and the next attempt reads again.
    stale = iter(["YY2026-0001"])
    with mock.patch.object(
        notices, "next_receipt_number", side_effect=lambda on: next(stale, None) or real(on)
    ):
        second = objection_on(notice, application, phone="13904190999")
    assert second.receipt_number == "YY2026-0002"
    assert Objection.objects.count() == 2


def test_the_database_refuses_a_receipt_number_twice(charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    first = objection_on(notice, application)
    second = objection_on(notice, application)
    with pytest.raises(IntegrityError), transaction.atomic():
        Objection.objects.filter(pk=second.pk).update(receipt_number=first.receipt_number)


def test_a_written_objection_is_numbered_in_the_year_it_was_received(charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    values = {**OBJECTOR, "reasons": "数据不实。"}
    objection = notices.register_objection(
        actor=charlie,
        notice=notice,
        application=application,
        received_on=date(2026, 3, 2),
        **values,
    )
    assert objection.receipt_number == "YY2026-0001"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("YY2026-0007", "YY2026-0007"),
        (" yy2026-7 ", "YY2026-0007"),
        ("ＹＹ２０２６－０００７", "YY2026-0007"),
        ("YY20260007", "YY2026-0007"),
        ("nonsense", "NONSENSE"),
        ("", ""),
    ],
)
def test_it_reads_a_typed_receipt_number_as_the_stored_one(typed, stored):
    assert notices.normalize_receipt_number(typed) == stored


def test_the_migration_numbers_existing_objections_by_year_of_receipt(charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    rows = [objection_on(notice, application) for _ in range(3)]
    received = [
        datetime(2025, 12, 31, 23, 30, tzinfo=TZ),  # Liaoyang time: still 2025
        datetime(2026, 1, 2, 9, 0, tzinfo=TZ),
        datetime(2025, 6, 1, 9, 0, tzinfo=TZ),
    ]
    for row, at in zip(rows, received, strict=True):
        Objection.objects.filter(pk=row.pk).update(receipt_number=None, received_at=at)
    migration = importlib.import_module("reviews.migrations.0003_objection_receipt_number")
    migration.backfill(apps, None)
    numbers = [Objection.objects.get(pk=row.pk).receipt_number for row in rows]
    assert numbers == ["YY2025-0002", "YY2026-0001", "YY2025-0001"]


# --- The thanks page and the lookup ------------------------------------------------------


def _file_online(client, notice, application, phone=OBJECTOR["phone"]):
    return client.post(
        f"/notices/{notice.pk}/objections/",
        {
            "application": application.pk,
            "name": OBJECTOR["name"],
            "unit": OBJECTOR["unit"],
            "phone": phone,
            "email": "",
            "reasons": "研发投入数据与年报不符。",
            "pledge": "on",
        },
        follow=True,
    )


def test_the_thanks_page_gives_the_filer_their_receipt_number_and_no_one_else(
    client, charlie, passed
):
    application = passed()
    notice = publish(charlie, [application])
    response = _file_online(client, notice, application)
    assert response.status_code == 200
    body = response.content.decode()
    number = Objection.objects.get().receipt_number
    assert number == "YY2026-0001"
    assert number in body
    assert "请记下或截图保存此编号" in body
    # A stranger opening the same URL learns nothing.
    stranger = Client().get(f"/notices/{notice.pk}/objections/thanks/").content.decode()
    assert "YY2026" not in stranger
    assert "已收到您的实名异议" in stranger


def test_the_lookup_shows_the_status_to_the_objector(client, charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    objection = objection_on(notice, application, phone="0419-2126 888")
    page = client.get("/notices/objections/lookup/")
    assert page.status_code == 200
    # The phone typed differently (digits are what count), the number in lower case.
    response = lookup(client, objection.receipt_number.lower(), "04192126888")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="lookup-result"' in body
    assert "已受理" in body
    assert application.display_name in body
    assert notice.number in body

    notices.verify_objection(actor=charlie, objection=objection)
    assert "核查中" in lookup(client, objection.receipt_number, "0419-2126888").content.decode()

    notices.record_finding(
        actor=charlie, objection=objection, outcome="dismissed", finding="经核查，数据属实。"
    )
    body = lookup(client, objection.receipt_number, "0419-2126888").content.decode()
    assert "已办结" in body
    assert "异议不成立" in body
    assert "经核查，数据属实。" in body
    # Never the objector's own material, nor their identity.
    for secret in (OBJECTOR["name"], OBJECTOR["unit"], "牵头单位研发投入数据与年报不符"):
        assert secret not in body


def _neutral(body, *typed):
    """The page without what differs between two requests by construction: the tokens,
    the captcha and the values typed."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r"[0-9a-f]{40}", "KEY", body)
    for value in typed:
        body = body.replace(value, "TYPED")
    return body


def test_a_wrong_phone_and_an_unknown_number_get_the_same_answer(client, charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    objection = objection_on(notice, application)
    wrong_phone = lookup(client, objection.receipt_number, "13800000000")
    unknown = lookup(client, "YY2026-0999", "13800000000")
    assert wrong_phone.status_code == unknown.status_code == 200
    assert 'data-testid="lookup-not-found"' in wrong_phone.content.decode()
    assert _neutral(wrong_phone.content.decode(), objection.receipt_number) == _neutral(
        unknown.content.decode(), "YY2026-0999"
    )


def test_the_lookup_needs_both_fields_and_the_captcha(client, charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    objection = objection_on(notice, application)
    response = client.post(
        "/notices/objections/lookup/",
        {"receipt_number": objection.receipt_number, "phone": OBJECTOR["phone"]},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_captcha_error"' in body
    assert 'data-testid="lookup-result"' not in body
    assert f'value="{objection.receipt_number}"' in body  # what was typed stays
    response = lookup(client, "", "")
    assert response.status_code == 422
    assert "请填写受理编号" in response.content.decode()
    assert "请填写提出异议时留下的联系电话" in response.content.decode()


def test_city_staff_see_the_receipt_number_in_their_lists(client, charlie, passed):
    application = passed()
    notice = publish(charlie, [application])
    objection = objection_on(notice, application)
    client.force_login(charlie)
    assert objection.receipt_number in client.get("/notices/manage/").content.decode()
    page = client.get(f"/notices/manage/objections/{objection.pk}/").content.decode()
    assert objection.receipt_number in page


# --- 公示中 / 已结束 -------------------------------------------------------------------------


# Several notices, published one after the other: publish_notice sets each one's list.
SEVERAL_NOTICES = pytest.mark.zeal_allow({"model": "reviews.PublicNotice", "field": "applications"})


@SEVERAL_NOTICES
def test_the_public_list_marks_running_notices_and_puts_them_first(client, charlie, passed):
    ended = publish(charlie, [passed(name_core="旧材料")], start=date(2026, 1, 5))
    running = publish(charlie, [passed()])
    assert ended.end_date < date(2026, 3, 2) <= running.end_date
    body = client.get("/notices/").content.decode()
    assert body.index(running.number) < body.index(ended.number)
    first, second = body.split('data-testid="notice"')[1:3]
    assert "公示中" in first and "已结束" not in first
    assert "已结束" in second and "公示中" not in second
    detail = client.get(f"/notices/{running.pk}/").content.decode()
    assert 'data-testid="notice-running"' in detail
    assert "公示期 2026年3月2日至2026年3月6日（5个工作日）" in detail
    assert 'data-testid="notice-ended"' in client.get(f"/notices/{ended.pk}/").content.decode()


@SEVERAL_NOTICES
def test_the_public_list_reads_its_marks_in_a_fixed_number_of_queries(client, charlie, passed):
    publish(charlie, [passed(name_core="甲")], start=date(2026, 1, 5))
    client.get("/notices/")
    with CaptureQueriesContext(connection) as few:
        client.get("/notices/")
    for i, start in enumerate([date(2026, 1, 12), date(2026, 2, 2), date(2026, 3, 2)]):
        publish(charlie, [passed(name_core=f"乙{i}")], start=start)
    with CaptureQueriesContext(connection) as many:
        body = client.get("/notices/").content.decode()
    assert body.count('data-testid="notice"') == 4
    assert len(few.captured_queries) == len(many.captured_queries)


# --- Preview and prefilled contacts ------------------------------------------------------


def _publish_post(application, **extra):
    return {
        "applications": [application.pk],
        "title": "",
        "start_date": "2026-03-02",
        "business_contact": BUSINESS,
        "supervision_contact": SUPERVISION,
        **extra,
    }


def test_it_previews_the_notice_before_publishing(client, charlie, passed):
    application = passed()
    client.force_login(charlie)
    response = client.post("/notices/manage/publish/", _publish_post(application, action="preview"))
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "预览公示",
        "关于拟认定1家辽阳市创新联合体的公示",
        "发布时编号",
        "辽市科公示〔2026〕1号",
        "2026年3月2日至2026年3月6日（5个工作日）",
        application.display_name,
        BUSINESS,
        SUPERVISION,
        "确认发布",
        "返回修改",
    ):
        assert text in body, text
    assert f'type="hidden" name="applications" value="{application.pk}"' in body
    assert not PublicNotice.objects.exists()
    assert state_of(application) == State.REVIEW_PASSED
    # A post without a step only previews as well.
    assert client.post("/notices/manage/publish/", _publish_post(application)).status_code == 200
    assert not PublicNotice.objects.exists()


def test_going_back_from_the_preview_keeps_what_was_filled_in(client, charlie, passed):
    application = passed()
    client.force_login(charlie)
    response = client.post(
        "/notices/manage/publish/",
        _publish_post(application, title="关于拟认定创新联合体的公示（第一批）", action="edit"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="关于拟认定创新联合体的公示（第一批）"' in body
    assert f'value="{BUSINESS}"' in body
    assert re.search(rf'value="{application.pk}"[^>]*checked', body)
    assert not PublicNotice.objects.exists()


def test_it_publishes_what_was_previewed_on_confirmation(client, charlie, passed):
    application = passed()
    client.force_login(charlie)
    response = client.post("/notices/manage/publish/", _publish_post(application, action="confirm"))
    assert response.status_code == 302
    notice = PublicNotice.objects.get()
    assert notice.number == "辽市科公示〔2026〕1号"
    assert notice.business_contact == BUSINESS
    assert state_of(application) == State.PUBLIC_NOTICE


def test_an_invalid_preview_keeps_the_values_with_the_error_at_the_field(client, charlie, passed):
    application = passed()
    client.force_login(charlie)
    response = client.post(
        "/notices/manage/publish/",
        _publish_post(application, start_date="2026-03-01", action="preview"),
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert re.search(r'id="id_start_date_error"[^>]*>\s*<div>公示开始日期不能早于今天', body)
    assert f'value="{BUSINESS}"' in body


def test_the_contact_fields_start_with_the_last_notices(client, charlie, passed):
    client.force_login(charlie)
    passed(name_core="待发布")
    empty = client.get("/notices/manage/").content.decode()
    assert BUSINESS not in empty
    publish(charlie, [passed()])
    body = client.get("/notices/manage/").content.decode()
    assert f'value="{BUSINESS}"' in body
    assert f'value="{SUPERVISION}"' in body

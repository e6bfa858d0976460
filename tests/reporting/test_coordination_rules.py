"""Coordination items' rules (art. 22, issue 13 point 4), pure: no database."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting.coordination import rules
from reporting.coordination.models import CoordinationItem

Status = CoordinationItem.Status


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("希望协调用地手续。", ["希望协调用地手续。"]),
        ("协调用地\n\n  支持人才引进  \n", ["协调用地", "支持人才引进"]),
        ("1. 协调用地；2. 支持人才", ["协调用地", "支持人才"]),
        ("1、协调用地\n2、支持人才\n3、电力增容", ["协调用地", "支持人才", "电力增容"]),
        ("(1)协调用地；(2)支持人才", ["协调用地", "支持人才"]),
        ("（1）协调用地；（2）支持人才", ["协调用地", "支持人才"]),
        ("①协调用地②支持人才", ["协调用地", "支持人才"]),
        ("一、协调用地\n二、支持人才", ["协调用地", "支持人才"]),
        ("（一）协调用地；（二）支持人才", ["协调用地", "支持人才"]),
        ("1)协调用地 2)支持人才", ["协调用地", "支持人才"]),
    ],
)
def test_it_splits_the_listed_matters_and_strips_their_markers(text, items):
    assert rules.split_items(text) == items


def test_it_keeps_decimals_and_mid_sentence_numbers_inside_a_matter():
    assert rules.split_items("1. 争取资金1.5亿元，落实第2、3项政策") == [
        "争取资金1.5亿元，落实第2、3项政策"
    ]


@pytest.mark.parametrize(
    "text", ["", None, "无", "暂无", "没有", "无。", " 无 ", "暂无。\n", "1. 无"]
)
def test_it_makes_no_item_of_nothing_to_ask(text):
    assert rules.split_items(text) == []


@given(st.text(max_size=300))
def test_any_text_gives_trimmed_non_empty_items_never_an_exception(text):
    items = rules.split_items(text)
    assert all(item and item == item.strip(rules._TRIM) for item in items)
    assert all(len(item) <= rules.TEXT_MAX_LENGTH for item in items)


def test_the_course_is_pending_then_in_progress_then_answered_and_never_reopened():
    assert rules.can_assign(Status.PENDING) and rules.can_assign(Status.IN_PROGRESS)
    assert not rules.can_assign(Status.ANSWERED)
    assert rules.can_record_progress(Status.IN_PROGRESS)
    assert not rules.can_record_progress(Status.PENDING)
    assert not rules.can_record_progress(Status.ANSWERED)
    assert rules.can_answer(Status.IN_PROGRESS)
    assert not rules.can_answer(Status.PENDING) and not rules.can_answer(Status.ANSWERED)


def test_it_refuses_an_answer_without_a_reply_text():
    assert rules.reply_errors("  \n ") == ["请填写答复意见：没有答复内容的事项不能登记为已答复。"]
    assert rules.reply_errors(None)
    assert rules.reply_errors("已办结。") == []
    assert rules.note_errors("") == ["请填写办理进展。"]


def test_a_due_date_before_the_creation_day_is_refused():
    created = date(2026, 11, 20)
    assert rules.due_date_errors(created, created=created) == []
    assert rules.due_date_errors(date(2026, 11, 19), created=created) == [
        "办理期限不能早于该事项的生成日期（2026年11月20日）。"
    ]
    assert rules.due_date_errors(None, created=created) == ["请填写办理期限。"]


def test_the_creation_day_is_the_beijing_day():
    # 20:00 UTC on the 19th is 04:00 on the 20th in Beijing.
    created = rules.created_on(datetime(2026, 11, 19, 20, 0, tzinfo=UTC), today=date(2026, 12, 1))
    assert created == date(2026, 11, 20)
    assert rules.created_on(None, today=date(2026, 12, 1)) == date(2026, 12, 1)


def test_an_item_is_overdue_after_its_due_day_until_answered():
    today = date(2026, 12, 1)
    item = SimpleNamespace(due_on=date(2026, 11, 28), status=Status.IN_PROGRESS)
    assert rules.is_overdue(item, today) and rules.overdue_days(item, today) == 3
    assert not rules.is_overdue(SimpleNamespace(due_on=today, status=Status.IN_PROGRESS), today)
    assert not rules.is_overdue(SimpleNamespace(due_on=None, status=Status.PENDING), today)
    answered = SimpleNamespace(due_on=date(2026, 11, 1), status=Status.ANSWERED)
    assert not rules.is_overdue(answered, today) and rules.overdue_days(answered, today) == 0

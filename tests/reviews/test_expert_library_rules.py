"""The expert library's pure rules (DESIGN.md §16): the yearly cap, eligibility with avoided
units, the shortfall's reasons, and the invitation's time in working days. No database:
the calendar is passed as overrides."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from reviews.experts import rules
from reviews.experts.rules import Candidate
from reviews.workdays import working_days_between

F, G = 1, 2
UNITS = {100, 101}
# 2027's Spring Festival: 2027-02-06..12 off (a Saturday 02-13 worked is not needed here).
HOLIDAYS = {date(2027, 2, d): "holiday" for d in range(8, 13)}


def test_the_cap_is_reached_at_the_cap_not_before():
    assert not rules.at_cap(9, 10)
    assert rules.at_cap(10, 10)
    assert rules.at_cap(11, 10)
    assert rules.at_cap(0, 0)


def test_eligibility_leaves_out_each_kind_of_expert_and_keeps_the_rest():
    pool = [
        Candidate(id=1, employer_id=100, field_ids=frozenset({F})),  # employer is a unit
        Candidate(id=2, employer_id=200, field_ids=frozenset({F}), avoided_ids=frozenset({101})),
        Candidate(id=3, employer_id=200, field_ids=frozenset({G})),  # other field
        Candidate(id=4, employer_id=200, field_ids=frozenset({F}), is_active=False),
        Candidate(id=5, employer_id=200, field_ids=frozenset({F}), reviews_this_year=10),
        Candidate(id=6, employer_id=200, field_ids=frozenset({F}), reviews_this_year=9),
        Candidate(id=7, employer_id=None, field_ids=frozenset({F, G})),
    ]
    assert [c.id for c in rules.eligible(pool, UNITS, F, cap=10)] == [6, 7]
    # Without a cap the one at ten reviews is back.
    assert [c.id for c in rules.eligible(pool, UNITS, F)] == [5, 6, 7]
    assert rules.shortfall(pool, UNITS, F, 10) == {
        "inactive": 1,
        "field": 1,
        "conflict": 2,
        "cap": 1,
    }


def test_an_avoided_unit_is_a_conflict_like_the_employer():
    expert = Candidate(id=1, employer_id=300, field_ids=frozenset(), avoided_ids=frozenset({5}))
    assert rules.conflicts(expert, {5, 6})
    assert not rules.conflicts(expert, {6})
    assert rules.conflicts(Candidate(id=2, employer_id=6, field_ids=frozenset()), {6})


def test_the_shortfall_message_says_why_in_chinese():
    text = rules.shortfall_message(
        needed=5,
        found=2,
        counts={"inactive": 1, "field": 0, "conflict": 2, "cap": 3},
        units="本申请成员单位",
        cap=10,
    )
    assert text.startswith("符合条件的专家不足：需要5名，仅有2名可抽取")
    assert "2名工作单位或回避单位为本申请成员单位" in text
    assert "3名本年度评审已达10次上限" in text
    assert "1名暂停或出库" in text
    assert "不熟悉" not in text


def test_the_invitation_runs_three_working_days_from_the_day_after():
    # Invited on Thursday 2027-01-07: Fri 8, Mon 11, Tue 12.
    assert rules.respond_by(date(2027, 1, 7), 3, overrides={}) == date(2027, 1, 12)
    # Half time of three is the second working day.
    assert rules.remind_on(date(2027, 1, 7), 3, overrides={}) == date(2027, 1, 11)


def test_the_invitation_skips_the_statutory_holidays():
    # Invited on Friday 2027-02-05; the week of 8-12 February is off.
    assert rules.respond_by(date(2027, 2, 5), 3, overrides=HOLIDAYS) == date(2027, 2, 17)
    assert rules.respond_by(date(2027, 2, 5), 3, overrides={}) == date(2027, 2, 10)


def test_the_reminder_is_due_once_from_half_time_to_the_deadline():
    deadline = rules.respond_by(date(2027, 1, 7), 3, overrides={})  # Tuesday 12 January
    due = {
        day: rules.reminder_due(
            respond_by_day=deadline, days=3, today=date(2027, 1, day), reminded=False, overrides={}
        )
        for day in (8, 10, 11, 12, 13)
    }
    # Sunday the 10th is not a working day; half time is Monday the 11th.
    assert due == {8: False, 10: False, 11: True, 12: True, 13: False}
    assert not rules.reminder_due(
        respond_by_day=deadline, days=3, today=date(2027, 1, 11), reminded=True, overrides={}
    )


def test_an_invitation_expires_the_day_after_its_last_day():
    assert not rules.expired(respond_by_day=date(2027, 1, 12), today=date(2027, 1, 12))
    assert rules.expired(respond_by_day=date(2027, 1, 12), today=date(2027, 1, 13))
    assert not rules.expired(respond_by_day=None, today=date(2030, 1, 1))


def test_turnaround_counts_working_days_after_the_invitation():
    assert rules.turnaround(date(2027, 1, 7), date(2027, 1, 7), overrides={}) == 0
    assert rules.turnaround(date(2027, 1, 7), date(2027, 1, 12), overrides={}) == 3
    assert rules.mean_of([1, 2]) == rules.mean_of([2, 1]) == rules._decimal("1.5")
    assert rules.mean_of([]) is None


@given(
    invited=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=1, max_value=20),
)
def test_the_deadline_is_exactly_the_working_days_after_the_invitation(invited, days):
    deadline = rules.respond_by(invited, days, overrides=HOLIDAYS)
    assert working_days_between(rules.invitation_start(invited), deadline, overrides=HOLIDAYS) == (
        days
    )
    half = rules.remind_on(invited, days, overrides=HOLIDAYS)
    assert invited < half <= deadline
    # The first day the reminder is due is half time itself.
    assert rules.reminder_due(
        respond_by_day=deadline, days=days, today=half, reminded=False, overrides=HOLIDAYS
    )


def test_the_yearly_update_is_asked_in_january_once_a_year():
    assert rules.update_ask_due(today=date(2027, 1, 4), asked_year=2026)
    assert rules.update_ask_due(today=date(2027, 1, 4), asked_year=None)
    assert not rules.update_ask_due(today=date(2027, 1, 20), asked_year=2027)
    assert not rules.update_ask_due(today=date(2027, 2, 1), asked_year=2026)


def test_an_expert_lapses_from_the_first_of_april_without_this_years_update():
    assert not rules.lapsed(today=date(2027, 3, 31), last_updated_on=date(2026, 5, 1))
    assert rules.lapsed(today=date(2027, 4, 1), last_updated_on=date(2026, 5, 1))
    assert rules.lapsed(today=date(2027, 4, 1), last_updated_on=None)
    assert not rules.lapsed(today=date(2027, 4, 1), last_updated_on=date(2027, 1, 15))


def test_only_the_jobs_own_suspension_is_lifted_by_an_update():
    assert rules.suspended_for_update("suspended", rules.YEARLY_LAPSE_REASON)
    assert not rules.suspended_for_update("suspended", "市局决定暂停")
    assert not rules.suspended_for_update("active", rules.YEARLY_LAPSE_REASON)


def test_a_rating_is_a_whole_number_from_one_to_five():
    assert [v for v in (0, 1, 3, 5, 6) if rules.valid_rating(v)] == [1, 3, 5]
    assert not rules.valid_rating(True)
    assert not rules.valid_rating("4")

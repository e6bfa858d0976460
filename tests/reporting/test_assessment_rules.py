"""The assessment's pure rules (reporting/assessments/rules.py), without a database:
weight totals, score totals, grades by bands with their boundaries, who is in scope, the
computed indicators, reminders and the consequences (DESIGN.md §14; articles 2, 24, 25)."""

from datetime import date
from decimal import Decimal

import pytest

from reporting.assessments import rules
from reporting.assessments.rules import Bands, IndicatorFacts


def ind(id, weight, method="expert", category="joint_research", source=""):
    return IndicatorFacts(
        id=id, name=f"指标{id}", category=category, weight=weight, method=method, source=source
    )


def test_it_puts_in_force_only_a_template_whose_weights_total_exactly_100():
    assert rules.template_problems([ind(1, 60), ind(2, 40)]) == []
    assert "当前为99分" in rules.template_problems([ind(1, 60), ind(2, 39)])[0]
    assert "当前为101分" in rules.template_problems([ind(1, 61), ind(2, 40)])[0]
    assert rules.template_problems([]) == ["指标体系尚无指标。"]


def test_it_requires_a_source_for_computed_indicators_only():
    assert any("计算依据" in p for p in rules.template_problems([ind(1, 100, method="computed")]))
    assert any("不应" in p for p in rules.template_problems([ind(1, 100, source="projects")]))
    assert rules.template_problems([ind(1, 100, "computed", source="projects")]) == []


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", "excellent"),
        ("85", "excellent"),
        ("84.99", "good"),
        ("75", "good"),
        ("74.99", "pass"),
        ("60", "pass"),
        ("59.99", "fail"),
        ("0", "fail"),
    ],
)
def test_it_grades_by_the_default_bands_compared_exactly(score, grade):
    assert rules.grade_for(Decimal(score)) == grade


def test_it_grades_by_a_rounds_own_bands():
    bands = Bands(Decimal("90"), Decimal("80"), Decimal("70"))
    assert rules.grade_for(Decimal("89.99"), bands) == "good"
    assert rules.grade_for(Decimal("69.99"), bands) == "fail"
    assert rules.bands_problems(Bands(Decimal("80"), Decimal("80"), Decimal("60"))) != []
    assert rules.bands_problems(bands) == []


def test_it_scopes_active_consortia_named_at_least_a_year_before_the_round_opens():
    opens = date(2027, 3, 1)
    assert rules.in_default_scope(status="active", named_on=date(2026, 3, 1), opens_on=opens)
    assert not rules.in_default_scope(status="active", named_on=date(2026, 3, 2), opens_on=opens)
    assert not rules.in_default_scope(
        status="disqualified", named_on=date(2020, 1, 1), opens_on=opens
    )
    # 29 February has no twin a year before: the 28th is "a year before".
    assert rules.one_year_before(date(2028, 2, 29)) == date(2027, 2, 28)


def test_it_totals_computed_points_and_the_experts_mean_with_category_subtotals():
    indicators = [
        ind(1, 40, category="joint_research"),
        ind(2, 10, "computed", "joint_research", "projects"),
        ind(3, 50, category="operation"),
    ]
    result = rules.total(
        indicators,
        computed={2: Decimal("5")},
        expert_scores={1: [Decimal("30"), Decimal("31")], 3: [Decimal("40")] * 3},
    )
    assert result.points == {1: Decimal("30.50"), 2: Decimal("5.00"), 3: Decimal("40.00")}
    assert result.score == Decimal("75.50")
    assert result.subtotals == {"joint_research": "35.50", "operation": "40.00"}


def test_it_trims_the_highest_and_lowest_score_from_five_experts_on():
    assert rules.expert_points([10, 20, 20, 20, 50]) == Decimal("20.00")
    assert rules.expert_points([10, 20, 30, 40]) == Decimal("25.00")
    assert rules.expert_points([]) is None


def test_it_counts_an_indicator_with_nothing_as_zero_and_caps_points_at_the_weight():
    result = rules.total([ind(1, 10), ind(2, 5, "computed", source="projects")], {2: 9}, {})
    assert result.points == {1: Decimal("0.00"), 2: Decimal("5.00")}


def test_it_gives_the_report_indicator_only_for_a_report_submitted_by_31_march():
    on_time = rules.report_on_time(
        weight=5,
        year=2026,
        status="accepted",
        submitted_on=date(2027, 3, 31),
        deadline=date(2027, 3, 31),
    )
    late = rules.report_on_time(
        weight=5,
        year=2026,
        status="accepted",
        submitted_on=date(2027, 4, 1),
        deadline=date(2027, 3, 31),
    )
    missing = rules.report_on_time(
        weight=5, year=2026, status=None, submitted_on=None, deadline=date(2027, 3, 31)
    )
    assert on_time.points == Decimal("5.00") and "按期报送" in on_time.basis
    assert late.points == 0 and "晚于截止日2027年3月31日" in late.basis
    assert missing.points == 0


def test_it_counts_confirmed_projects_by_level_up_to_the_weight():
    assert rules.projects(weight=10, counts={"city": 1}).points == Decimal("2.50")
    assert rules.projects(weight=10, counts={"province": 1, "city": 1}).points == Decimal("7.50")
    assert rules.projects(weight=10, counts={"national": 2}).points == Decimal("10.00")
    assert "国家级0项、省级0项、市级0项" in rules.projects(weight=10, counts={}).basis


def test_it_takes_half_the_weight_per_returned_member_change():
    assert rules.member_changes(weight=3, acknowledged=0, returned=0, open_=0).points == 3
    assert rules.member_changes(weight=4, acknowledged=2, returned=1, open_=0).points == 2
    assert rules.member_changes(weight=4, acknowledged=0, returned=3, open_=0).points == 0


def test_it_sends_the_nearest_reminder_once_and_never_a_missed_one_late():
    closes = date(2027, 3, 31)
    days = [7, 3, 1]
    assert (
        rules.reminders_due(today=date(2027, 3, 23), closes_on=closes, days=days, sent=set()) == []
    )
    assert rules.reminders_due(
        today=date(2027, 3, 24), closes_on=closes, days=days, sent=set()
    ) == ["before-7"]
    assert (
        rules.reminders_due(today=date(2027, 3, 25), closes_on=closes, days=days, sent={"before-7"})
        == []
    )
    # The job did not run from the 24th to the 29th: only the 3-day reminder goes out.
    assert rules.reminders_due(
        today=date(2027, 3, 29), closes_on=closes, days=days, sent=set()
    ) == ["before-3"]
    assert (
        rules.reminders_due(today=date(2027, 4, 1), closes_on=closes, days=days, sent=set()) == []
    )


def test_it_parses_reminder_days_and_refuses_nonsense():
    assert rules.parse_days("1, 7，3,3") == [7, 3, 1]
    with pytest.raises(ValueError):
        rules.parse_days("0")
    with pytest.raises(ValueError):
        rules.parse_days("七")


def test_it_adds_months_to_the_last_day_of_a_shorter_month():
    assert rules.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert rules.add_months(date(2027, 4, 15), 6) == date(2027, 10, 15)


def test_it_opens_a_rectification_for_a_fail_and_proposes_exit_on_the_second_in_a_row():
    assert rules.consequences("fail", None) == rules.Consequences(rectification=True)
    assert rules.consequences("fail", "pass") == rules.Consequences(rectification=True)
    assert rules.consequences("fail", "fail") == rules.Consequences(
        rectification=True, proposal="twice_failed"
    )
    assert rules.consequences("excellent", "fail") == rules.Consequences(priority=True)
    assert rules.consequences("good", None) == rules.Consequences()
    assert rules.recheck_consequence(False) == "recheck_failed"
    assert rules.recheck_consequence(True) == ""

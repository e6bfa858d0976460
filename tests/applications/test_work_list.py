"""The work list's selector: one page of what the user may open, its tiles counting all of
it, and the database's idea of "over its time limit" agreeing with overdue_days."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from applications import selectors
from applications.models import Application, State
from members.models import PolicyVersion
from reviews.models import CalendarDay

pytestmark = pytest.mark.django_db

WAITING_STATES = [State.COUNTY_REVIEW, State.CITY_INTAKE, State.EXPERT_REVIEW, State.RETURNED]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _applications(lead, creator, states_and_since):
    return Application.objects.bulk_create(
        Application(
            lead=lead,
            created_by=creator,
            name_core=f"时限{i}",
            state=state,
            submitted_at=since,
            state_since=since,
        )
        for i, (state, since) in enumerate(states_and_since)
    )


def test_it_agrees_with_overdue_days_on_which_applications_are_late(alice):
    # Arrivals every 7 hours over two months that hold 国庆 2026 (1-7 Oct, make-up days
    # 27 Sep and 10 Oct) and an admin's extra holiday, in four states with different
    # limits, one of them judged by a policy version of its own with shorter limits.
    CalendarDay.objects.create(date=date(2026, 10, 20), kind="holiday", note="测试")
    strict = PolicyVersion.objects.create(
        name="从严",
        effective_from=date(2020, 1, 1),
        effective_to=date(2020, 12, 31),
        limit_county_review=2,
        limit_city_intake=1,
    )
    start = _at(date(2026, 9, 1), 0)
    arrivals = [(WAITING_STATES[i % 4], start + timedelta(hours=7 * i)) for i in range(220)]
    apps = _applications(alice.profile.organization, alice, arrivals)
    Application.objects.filter(pk__in=[a.pk for a in apps[::5]]).update(policy_version=strict)
    everything = list(Application.objects.select_related("policy_version"))
    checked = 0
    for today in (date(2026, 9, 30), date(2026, 10, 9), date(2026, 10, 21), date(2026, 11, 5)):
        expected = {a.pk for a in everything if selectors.overdue_days(a, today=today) > 0}
        found = set(
            Application.objects.filter(selectors.overdue_q(today=today)).values_list(
                "pk", flat=True
            )
        )
        assert found == expected, today
        checked += len(expected)
    assert checked > 100  # the dates really put many of them over their limits


def test_it_pages_and_counts_everything_the_user_may_open(alice, bob):
    now = timezone.now()
    _applications(
        alice.profile.organization,
        alice,
        [(State.COUNTY_REVIEW, now)] * 23 + [(State.CITY_INTAKE, now)] * 4,
    )
    first = selectors.work_list_for(bob)
    assert len(first["rows"]) == selectors.WORK_LIST_PAGE_SIZE
    assert first["total"] == 27 and first["waiting"] == 23
    assert dict((s, n) for _label, n, s in first["counts"]) == {
        State.COUNTY_REVIEW: 23,
        State.CITY_INTAKE: 4,
    }
    # Waiting work first: the county's 23 fill page one and begin page two.
    assert all(row.waiting for row in first["rows"])
    second = selectors.work_list_for(bob, page="2")
    assert [row.waiting for row in second["rows"]] == [True] * 3 + [False] * 4
    seen = {row.pk for row in first["rows"]} | {row.pk for row in second["rows"]}
    assert len(seen) == 27
    # A state filter; an unknown state or a nonsense page falls back instead of failing.
    assert len(selectors.work_list_for(bob, state=State.CITY_INTAKE)["rows"]) == 4
    assert selectors.work_list_for(bob, state="nope")["state"] is None
    assert selectors.work_list_for(bob, page="abc")["page_obj"].number == 1
    assert selectors.work_list_for(bob, page="99")["page_obj"].number == 2


def test_the_deadline_agrees_with_overdue_days_and_counts_working_days_left(alice):
    # County review (limit from the policy in force) arriving on Friday 25 Sep 2026, before
    # 国庆: the make-up Sunday 27 Sep counts, 1-7 Oct do not.
    since = _at(date(2026, 9, 25), 10)
    (app,) = _applications(alice.profile.organization, alice, [(State.COUNTY_REVIEW, since)])
    app = Application.objects.select_related("policy_version").get(pk=app.pk)
    from reviews.workdays import add_working_days, working_days_between

    limit = PolicyVersion.in_force(date(2026, 9, 25)).time_limit(State.COUNTY_REVIEW)
    due = add_working_days(date(2026, 9, 26), limit)
    for offset in range(0, 40):
        today = date(2026, 9, 25) + timedelta(days=offset)
        deadline = selectors.deadline_of(app, today=today)
        assert deadline.due == due
        assert deadline.late == selectors.overdue_days(app, today=today), today
        if today < due:
            assert deadline.left == working_days_between(today + timedelta(days=1), due) > 0
            assert not deadline.due_today
        elif today == due:
            assert deadline.left == 0 and deadline.due_today and not deadline.overdue
    assert selectors.deadline_of(app, today=due + timedelta(days=20)).overdue


def test_states_without_a_time_limit_have_no_deadline(alice):
    (app,) = _applications(
        alice.profile.organization, alice, [(State.APPROVED, _at(date(2026, 9, 1), 9))]
    )
    assert selectors.deadline_of(app, today=date(2026, 10, 1)) is None


# --- search, order, the tiles as filters (issue 11) -----------------------------------------


def _all_rows(user, **kwargs):
    """Every row of the list, page after page, in its order."""
    rows, page = [], 1
    while True:
        found = selectors.work_list_for(user, page=str(page), **kwargs)
        rows += found["rows"]
        if not found["page_obj"].has_next():
            return rows, found
        page += 1


def test_it_searches_by_name_lead_unit_and_credit_code(alice, charlie):
    from tests.factories import OrganizationFactory

    north = OrganizationFactory(name="辽阳北方石化有限公司")
    south = OrganizationFactory(name="辽阳南山精工机械有限公司")
    now = timezone.now()
    a, b, c = (
        _applications(lead, alice, [(State.CITY_INTAKE, now)])[0]
        for lead in (north, south, alice.profile.organization)
    )
    Application.objects.filter(pk=a.pk).update(name_core="芳烃精细化工")
    Application.objects.filter(pk=b.pk).update(name_core="高端装备")

    def found(q, **kwargs):
        return {row.pk for row in _all_rows(charlie, q=q, **kwargs)[0]}

    assert found("芳烃") == {a.pk}
    assert found("辽阳市芳烃精细化工创新联合体") == {a.pk}  # the full name as displayed
    assert found("南山精工") == {b.pk}
    assert found(south.uscc) == {b.pk}
    assert found(north.uscc[-6:].lower()) == {a.pk}  # a part of the code, in any case
    assert found("装备 南山") == {b.pk}  # every word must match (any of the fields)
    assert found("装备 北方") == set()
    assert found("") == {a.pk, b.pk, c.pk}
    # The tiles count what the search matches.
    listing = selectors.work_list_for(charlie, q="南山")
    assert listing["total"] == 1 and listing["q"] == "南山"
    # Combined with the state filter.
    assert found("南山", state=State.CITY_INTAKE) == {b.pk}
    assert found("南山", state=State.COUNTY_REVIEW) == set()


def test_it_orders_by_the_due_date_across_states_and_policy_versions(alice, charlie):
    # Arrivals over two months that hold 国庆 2026, in states with different limits (and
    # some without one), a fifth of them judged by a policy version with its own limits.
    CalendarDay.objects.create(date=date(2026, 10, 20), kind="holiday", note="测试")
    strict = PolicyVersion.objects.create(
        name="从严",
        effective_from=date(2020, 1, 1),
        effective_to=date(2020, 12, 31),
        limit_county_review=2,
        limit_city_intake=1,
        limit_expert_review=30,
    )
    states = [
        State.COUNTY_REVIEW,
        State.CITY_INTAKE,
        State.EXPERT_REVIEW,
        State.PARTY_GROUP_REVIEW,
        State.APPROVED,  # no time limit
        State.PUBLIC_NOTICE,  # no time limit either (the notice has its own period)
    ]
    start = _at(date(2026, 9, 1), 0)
    arrivals = [(states[i % 6], start + timedelta(hours=11 * i)) for i in range(130)]
    apps = _applications(alice.profile.organization, alice, arrivals)
    Application.objects.filter(pk__in=[a.pk for a in apps[::5]]).update(policy_version=strict)
    today = date(2026, 10, 12)

    def dues(rows):
        return [d.due if (d := selectors.deadline_of(r, today=today)) else None for r in rows]

    rows, _ = _all_rows(charlie, today=today, sort="due")
    assert len(rows) == 130
    found = dues(rows)
    with_due = [d for d in found if d is not None]
    assert len(with_due) == sum(1 for i in range(130) if i % 6 < 4)  # four states in six
    # Earliest due first, rows without a time limit last.
    assert found == sorted(with_due) + [None] * (130 - len(with_due))
    assert len(set(with_due)) > 20  # many distinct dates, not one
    rows, _ = _all_rows(charlie, today=today, sort="-due")
    assert dues(rows) == sorted(with_due, reverse=True) + [None] * (130 - len(with_due))
    # Combined with a state filter: the order holds within it.
    rows, _ = _all_rows(charlie, today=today, sort="due", state=State.EXPERT_REVIEW)
    assert {r.state for r in rows} == {State.EXPERT_REVIEW}
    assert dues(rows) == sorted(dues(rows))
    # Each row carries the deadline the page shows.
    listing = selectors.work_list_for(charlie, today=today, sort="due")
    assert [r.deadline.due for r in listing["rows"]] == found[: selectors.WORK_LIST_PAGE_SIZE]


def test_it_orders_by_update_both_ways(alice, charlie):
    now = timezone.now()
    apps = _applications(alice.profile.organization, alice, [(State.CITY_INTAKE, now)] * 5)
    for i, app in enumerate(apps):
        Application.objects.filter(pk=app.pk).update(updated_at=now - timedelta(days=i * 3))
    newest_first = [a.pk for a in apps]
    assert [r.pk for r in selectors.work_list_for(charlie, sort="-updated")["rows"]] == (
        newest_first
    )
    assert [r.pk for r in selectors.work_list_for(charlie, sort="updated")["rows"]] == (
        newest_first[::-1]
    )
    # An unknown order falls back to the default rather than failing.
    assert selectors.work_list_for(charlie, sort="; drop table")["sort"] == ""


def test_the_waiting_and_overdue_tiles_filter_the_list(alice, bob):
    now = timezone.now()
    late = now - timedelta(days=60)
    _applications(
        alice.profile.organization,
        alice,
        [(State.COUNTY_REVIEW, now)] * 3
        + [(State.COUNTY_REVIEW, late)] * 2
        + [(State.CITY_INTAKE, late)] * 4,
    )
    everything = selectors.work_list_for(bob)
    # Over time counts whatever bob sees (the city's intake too), waiting only his own.
    assert (everything["total"], everything["waiting"], everything["overdue"]) == (9, 5, 6)
    waiting = selectors.work_list_for(bob, only="waiting")
    assert len(waiting["rows"]) == 5 and all(r.waiting for r in waiting["rows"])
    assert waiting["page_obj"].paginator.count == 5
    overdue = selectors.work_list_for(bob, only="overdue")
    assert len(overdue["rows"]) == 6 and all(r.deadline.overdue for r in overdue["rows"])
    # Combined with a state: the tile's counts per state give the pager its total.
    both = selectors.work_list_for(bob, only="overdue", state=State.CITY_INTAKE)
    assert len(both["rows"]) == 4 and both["page_obj"].paginator.count == 4
    none = selectors.work_list_for(bob, only="waiting", state=State.CITY_INTAKE)
    assert none["rows"] == [] and none["page_obj"].paginator.count == 0
    assert selectors.work_list_for(bob, only="nonsense")["only"] is None

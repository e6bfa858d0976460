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

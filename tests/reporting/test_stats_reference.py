"""The statistics computed the fast way (one grouped query for the application tables, the
transition log read on a plain cursor with float epochs) equal a straightforward reference:
every application and every log row loaded as objects and counted one by one in Python
(issue 15 point 4, DESIGN.md §11)."""

import random
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications.models import Application, State
from members.models import County, IndustryField, Organization
from reporting import stats
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

YEARS = [None, 2024, 2025, 2026, 2027]

# The way through the pipeline (DESIGN.md §4), with the side turns a history may take.
FORWARD = [
    State.COUNTY_REVIEW,
    State.CITY_INTAKE,
    State.EXPERT_REVIEW,
    State.REVIEW_PASSED,
    State.PUBLIC_NOTICE,
    State.PARTY_GROUP_REVIEW,
    State.APPROVED,
]


def _history(rng):
    """(source, target) pairs of one application's log: from draft, through some of the
    pipeline, with returns and objections, ending anywhere (still open, named, rejected or
    withdrawn)."""
    steps, state = [], State.DRAFT
    for target in FORWARD:
        if state == State.COUNTY_REVIEW and rng.random() < 0.3:
            steps += [(state, State.RETURNED), (State.RETURNED, State.COUNTY_REVIEW)]
        if target == State.PARTY_GROUP_REVIEW and rng.random() < 0.3:
            steps += [(state, State.OBJECTION_REVIEW)]
            state = State.OBJECTION_REVIEW
        steps.append((state, target))
        state = target
        if target != State.APPROVED and rng.random() < 0.15:
            steps.append((state, rng.choice([State.REJECTED, State.WITHDRAWN])))
            return steps
        if rng.random() < 0.12:
            return steps  # still in this state
    return steps


@pytest.fixture
def varied():
    """About forty submitted applications, seeded: leads in several counties (one county
    made inactive after it got applications, one outside Liaoyang), every industry field and
    one without, submissions in 2024–2026 (one on New Year's Eve in UTC, New Year's Day in
    Liaoyang), and transition histories of every shape: returns, objections, rejections,
    a history whose beginning is missing, two rows at the same instant, a draft withdrawn
    before it was ever submitted, and log rows of another model under the same ids."""
    rng = random.Random(20261202)
    counties = list(County.objects.all())
    leads = [OrganizationFactory(county=c) for c in counties] + [OrganizationFactory(county=None)]
    fields = [*IndustryField.objects.all(), None]
    creator = UserFactory()
    app_type = ContentType.objects.get_for_model(Application)
    other_type = ContentType.objects.get_for_model(Organization)
    states = [value for value, _ in State.choices if value != State.DRAFT]
    logs = []
    for i in range(40):
        year = rng.choice([2024, 2025, 2026])
        submitted = datetime(year, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(360 * 86400), microseconds=rng.randrange(1_000_000)
        )
        if i == 0:
            submitted = datetime(2025, 12, 31, 20, tzinfo=UTC)  # 2026-01-01 04:00 in Liaoyang
        app = Application.objects.create(
            name_core=f"测试{i}",
            # 3: a lead in the county made inactive below; 4: no industry field.
            lead=leads[1] if i == 3 else rng.choice(leads),
            industry_field=None if i == 4 else rng.choice(fields),
            created_by=creator,
        )
        history = _history(rng)
        if i == 1:
            history = history[2:] or [(State.EXPERT_REVIEW, State.REVIEW_PASSED)]  # no entry
        at = submitted
        for n, (source, target) in enumerate(history):
            if not (i == 2 and n == 1):  # i == 2: two rows at the same instant
                at += timedelta(
                    seconds=rng.randrange(3600, 40 * 86400), microseconds=rng.randrange(10**6)
                )
            logs.append(
                StateLog(
                    content_type=app_type,
                    object_id=app.pk,
                    source_state=source,
                    state=target,
                    transition="t",
                    timestamp=at,
                )
            )
        # The state the history ended in (or any, for a few: the log need not be complete).
        state = history[-1][1] if rng.random() < 0.9 else rng.choice(states)
        Application.objects.filter(pk=app.pk).update(state=state, submitted_at=submitted)
        if i % 7 == 0:
            logs.append(
                StateLog(
                    content_type=other_type,
                    object_id=app.pk,
                    source_state=State.COUNTY_REVIEW,
                    state=State.APPROVED,
                    transition="t",
                    timestamp=submitted + timedelta(days=1),
                )
            )
    draft = Application.objects.create(name_core="草稿", lead=leads[0], created_by=creator)
    logs.append(
        StateLog(
            content_type=app_type,
            object_id=draft.pk,
            source_state=State.DRAFT,
            state=State.WITHDRAWN,
            transition="t",
            timestamp=datetime(2026, 3, 1, tzinfo=UTC),
        )
    )
    StateLog.objects.bulk_create(logs)
    # An inactive county still shows while it has applications; the others hide.
    County.objects.filter(pk=leads[1].county_id).update(is_active=False)
    County.objects.create(code="219999", name="已撤销县", sort_order=99, is_active=False)
    return Application.objects.filter(submitted_at__isnull=False).count()


# --- The reference: objects, one by one ------------------------------------------------


def _submitted(year):
    apps = Application.objects.filter(submitted_at__isnull=False).select_related(
        "lead__county", "industry_field"
    )
    return [a for a in apps if year is None or timezone.localtime(a.submitted_at).year == year]


def _reference_counts(year):
    apps = _submitted(year)
    return {
        "states": Counter(str(State(a.state).label) for a in apps),
        "counties": Counter(a.lead.county.name if a.lead.county_id else "辽阳市外" for a in apps),
        "fields": Counter(a.industry_field.name if a.industry_field_id else "未填写" for a in apps),
        "years": {
            y: [
                sum(1 for a in apps if timezone.localtime(a.submitted_at).year == y),
                *(
                    sum(
                        1
                        for a in apps
                        if timezone.localtime(a.submitted_at).year == y and a.state == s
                    )
                    for s in (State.APPROVED, State.REJECTED, State.WITHDRAWN)
                ),
                sum(
                    1
                    for a in apps
                    if timezone.localtime(a.submitted_at).year == y
                    and a.state not in (State.APPROVED, State.REJECTED, State.WITHDRAWN)
                ),
            ]
            for y in sorted({timezone.localtime(a.submitted_at).year for a in apps})
        },
        "total": len(apps),
    }


def _round(values):
    if not values:
        return None, None
    return round(statistics.mean(values), 1), round(statistics.median(values), 1)


def _reference_pipeline(year):
    """Each submitted application's log rows in order; a stay is a row leaving the state
    the row before entered, measured with the datetimes themselves."""
    entered, stays, totals = defaultdict(set), defaultdict(list), []
    app_type = ContentType.objects.get_for_model(Application)
    by_app = defaultdict(list)
    for log in StateLog.objects.filter(content_type=app_type):
        by_app[log.object_id].append(log)
    for app in _submitted(year):
        logs = sorted(by_app[app.pk], key=lambda log: (log.timestamp, log.pk))
        for i, log in enumerate(logs):
            entered[log.state].add(app.pk)
            if i and logs[i - 1].state == log.source_state:
                seconds = (log.timestamp - logs[i - 1].timestamp).total_seconds()
                stays[logs[i - 1].state].append(seconds / 86400)
            if log.state == State.APPROVED:
                first = next((x for x in logs[:i] if x.state == State.COUNTY_REVIEW), None)
                if first is not None:
                    totals.append((log.timestamp - first.timestamp).total_seconds() / 86400)
    rows = {
        str(state.label): [len(entered[state]), len(stays[state]), *_round(stays[state])]
        for state in stats.PIPELINE_STATES
    }
    rows[str(State.APPROVED.label)] = [len(entered[State.APPROVED]), 0, None, None]
    return rows, [["从首次提交到认定（合计）", len(totals), None, *_round(totals)]]


def leads_county_name():
    """The county made inactive after its applications (not the one that never had any)."""
    return County.objects.filter(is_active=False).exclude(name="已撤销县").get().name


def _rows(table):
    return {row[0]: row[1:] for row in table.rows}


def _counted(table):
    """label → count of a one-count table, leaving out the zeros (the reference has none)."""
    return {label: n for label, (n,) in _rows(table).items() if n}


# --- The comparison ---------------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_it_counts_the_applications_as_the_reference_does(varied, year):
    expected = _reference_counts(year)
    # The page's way (one query for every year, the year picked in Python) and the
    # export's (one query filtered by the year in SQL).
    page = {t.key: t for t in stats.all_tables(year, counts=stats.application_counts())}
    alone = {key: stats.TABLES[key](year) for key in stats.APPLICATION_TABLES}
    for tables in (page, alone):
        for key in ("states", "counties", "fields"):
            assert _counted(tables[key]) == dict(expected[key]), key
            assert tables[key].footer == [["合计", expected["total"]]]
        assert _rows(tables["years"]) == expected["years"]
    assert "已撤销县" not in _rows(page["counties"])
    if year is None:
        assert expected["total"] == varied == 40
        assert set(expected["years"]) == {2024, 2025, 2026}
        # The inactive county with applications still shows, the inactive one without
        # does not; the application without a field is 未填写.
        assert _rows(page["counties"])[leads_county_name()][0] > 0
        assert _rows(page["fields"])["未填写"][0] > 0


@pytest.mark.parametrize("year", YEARS)
def test_it_measures_the_pipeline_as_the_reference_does(varied, year):
    rows, footer = _reference_pipeline(year)
    table = stats.pipeline_table(year)
    assert _rows(table) == rows
    assert table.footer == footer
    if year is None:
        # The data are varied enough to mean something: returns, objections, names.
        assert rows["退回修改"][1] > 0 and rows["异议核查中"][1] > 0
        assert footer[0][1] >= 5
    assert table == next(t for t in stats.all_tables(year) if t.key == "pipeline")


def test_it_offers_the_years_with_submissions_and_this_year_and_the_last(varied):
    today = datetime(2027, 5, 1).date()
    years = {timezone.localtime(a.submitted_at).year for a in _submitted(None)}
    expected = sorted(years | {2027, 2026}, reverse=True)
    assert stats.available_years(today) == expected
    assert stats.available_years(today, counts=stats.application_counts()) == expected


def test_it_sums_counts_without_a_database():
    counts = [
        (2025, "approved", 1, 10, 2),
        (2025, "county_review", None, 10, 3),
        (2026, "approved", 1, None, 4),
    ]
    assert stats.sum_counts(counts, stats.STATE) == {"approved": 6, "county_review": 3}
    assert stats.sum_counts(counts, stats.COUNTY, 2025) == {1: 2, None: 3}
    assert stats.sum_counts(counts, stats.FIELD, 2026) == {None: 4}
    assert stats.sum_counts(counts, stats.YEAR, 2027) == {}


# --- Query counts -----------------------------------------------------------------------


def test_it_sums_the_application_tables_and_the_year_filter_from_one_query(
    varied, django_assert_num_queries
):
    with django_assert_num_queries(1):
        counts = stats.application_counts()
    with django_assert_num_queries(0):
        stats.states_table(2025, counts=counts)
        stats.years_table(counts=counts)
        stats.available_years(counts=counts)
    # The counties and fields tables read their lists of names (one small query each).
    with django_assert_num_queries(2):
        stats.counties_table(counts=counts)
        stats.fields_table(counts=counts)


def test_it_computes_the_page_in_a_fixed_number_of_queries(
    client, charlie, varied, django_assert_max_num_queries
):
    client.force_login(charlie)
    client.get("/statistics/")  # the session, the content types
    cache.clear()
    # Five for the session, user, profile, roles and notification count; one for the
    # application tables and the year filter (it was five), one for the log, the lists of
    # counties and fields, and six for the other five tables.
    with django_assert_max_num_queries(15):
        response = client.get("/statistics/")
    assert response.status_code == 200
    assert f"<title>县区审核中 申请数（件）：{_rows(stats.states_table())['县区审核中'][0]}件" in (
        response.content.decode()
    )

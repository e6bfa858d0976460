"""The expert library for city staff (DESIGN.md §16, issue 14 point 6): each expert's
figures, search and filters, the Excel export, the expert page with its status change and
integrity record, and city staff's rating of a submitted review."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liaoyang_consortia.models import AuditEvent
from members.models import IndustryField, IntegrityRecord
from reviews.experts import selectors_library, services_library
from reviews.models import ExpertAssignment, ExpertProfile, ScoreSheet
from tests.factories import OrganizationFactory, arranging, make_complete_application
from tests.reviews.test_experts import make_expert

A = ExpertAssignment.Status
TODAY = date(2026, 6, 15)
OTHER_FIELD = "新材料"


def at(day: date):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


@arranging
def invite(application, expert, by, *, status, on, submitted=None, rating=None, note="", **extra):
    a = ExpertAssignment.objects.create(
        application=application,
        expert=expert,
        method=ExpertAssignment.Method.DRAW,
        status=status,
        sheet=ScoreSheet.objects.filter(is_default=True).first(),
        assigned_by=by,
        submitted_at=at(submitted) if submitted else None,
        total=Decimal("80") if status == A.SUBMITTED else None,
        rating=rating,
        rating_note=note,
        **extra,
    )
    # assigned_at is auto_now_add: the invitation day is set afterwards.
    ExpertAssignment.objects.filter(pk=a.pk).update(assigned_at=at(on))
    a.refresh_from_db()
    return a


@arranging
def applications(alice, n):
    return [
        make_complete_application(
            lead=OrganizationFactory(name=f"辽阳牵头单位{i}有限公司"), creator=alice
        )
        for i in range(n)
    ]


@pytest.fixture
def world(alice, charlie):
    """Four experts: wang with a full history, li at the cap (cap 10), zhao 暂停 in another
    field, and a registration still on its way in (never in the library)."""
    apps = applications(alice, 11)
    university = OrganizationFactory(name="辽宁石油化工大学")
    wang = make_expert("wang", name="王建国", employer=university)
    ExpertProfile.objects.filter(pk=wang.pk).update(keywords="催化、精细化工", phone="13900000001")
    li = make_expert("li", name="李明")
    zhao = make_expert("zhao", name="赵强", fields=(OTHER_FIELD,))
    ExpertProfile.objects.filter(pk=zhao.pk).update(status=ExpertProfile.Status.SUSPENDED)
    pending = make_expert("pend", name="钱未核")
    ExpertProfile.objects.filter(pk=pending.pk).update(status=ExpertProfile.Status.PENDING)
    # wang: two submitted this year (3 and 7 working days, rated 4 and 5), one declined,
    # one expired, one pending, one submitted last year (1 working day, unrated).
    invite(
        apps[0],
        wang,
        charlie,
        status=A.SUBMITTED,
        on=date(2026, 6, 1),
        submitted=date(2026, 6, 4),
        rating=4,
    )
    invite(
        apps[1],
        wang,
        charlie,
        status=A.SUBMITTED,
        on=date(2026, 6, 1),
        submitted=date(2026, 6, 10),
        rating=5,
    )
    invite(
        apps[2], wang, charlie, status=A.DECLINED, on=date(2026, 5, 6), decline_reason="出差在外"
    )
    invite(apps[3], wang, charlie, status=A.EXPIRED, on=date(2026, 5, 7))
    invite(apps[4], wang, charlie, status=A.PENDING, on=date(2026, 6, 12))
    invite(
        apps[5],
        wang,
        charlie,
        status=A.SUBMITTED,
        on=date(2025, 12, 1),
        submitted=date(2025, 12, 2),
    )
    # li: ten accepted or submitted invitations this year: at the cap.
    for app in apps[:10]:
        invite(app, li, charlie, status=A.ACCEPTED, on=date(2026, 3, 2))
    return {
        "wang": wang,
        "li": li,
        "zhao": zhao,
        "pending": pending,
        "apps": apps,
        "university": university,
    }


def rows_by_name(**filters):
    return {r.expert.name: r for r in selectors_library.library(today=TODAY, **filters)}


# --- selectors ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_computes_each_experts_figures_exactly(world):
    rows = rows_by_name()
    assert set(rows) == {"王建国", "李明", "赵强"}  # the registration is not in the library
    wang = rows["王建国"].figures
    assert wang.reviews_this_year == 3  # two submitted and one pending; not declined/expired
    assert wang.reviews_total == 3
    assert wang.declines == 1
    assert wang.mean_turnaround == Decimal("3.7")  # (3 + 7 + 1) / 3
    assert wang.mean_rating == Decimal("4.5")
    assert wang.ratings == 2
    assert wang.at_cap is False
    li = rows["李明"].figures
    assert (li.reviews_this_year, li.reviews_total, li.at_cap) == (10, 0, True)
    assert li.mean_turnaround is None and li.mean_rating is None
    assert rows["赵强"].figures.reviews_this_year == 0


@pytest.mark.django_db
def test_it_searches_name_keywords_and_employer_and_filters(world):
    assert set(rows_by_name(q="王建")) == {"王建国"}
    assert set(rows_by_name(q="催化")) == {"王建国"}
    assert set(rows_by_name(q="石油化工大学")) == {"王建国"}
    field = IndustryField.objects.get(name=OTHER_FIELD)
    assert set(rows_by_name(field_id=field.pk)) == {"赵强"}
    assert set(rows_by_name(status="suspended")) == {"赵强"}
    assert set(rows_by_name(employer_id=world["university"].pk)) == {"王建国"}
    assert set(rows_by_name(cap=True)) == {"李明"}
    assert set(rows_by_name(cap=False)) == {"王建国", "赵强"}


@pytest.mark.django_db
def test_it_reads_the_library_in_a_fixed_number_of_queries(world, charlie):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            rows = selectors_library.library(today=TODAY)
            for r in rows:
                list(r.expert.fields.all())
                _ = r.expert.employer
        return len(ctx.captured_queries), len(rows)

    few, n_few = count()
    for i in range(5):
        e = make_expert(f"more{i}", name=f"新增专家{i}")
        invite(
            world["apps"][i],
            e,
            charlie,
            status=A.SUBMITTED,
            on=date(2026, 6, 1),
            submitted=date(2026, 6, 3),
            rating=3,
        )
    many, n_many = count()
    assert n_many == n_few + 5
    assert few == many <= 6


@pytest.mark.django_db
def test_it_lists_an_experts_invitation_history(world):

    page = selectors_library.expert_page(world["wang"], today=TODAY)
    assert len(page.history) == 6
    statuses = [h.assignment.status for h in page.history]
    assert statuses[0] == A.PENDING  # newest first
    turnarounds = sorted(h.turnaround for h in page.history if h.turnaround is not None)
    assert turnarounds == [1, 3, 7]
    declined = next(h for h in page.history if h.assignment.status == A.DECLINED)
    assert declined.assignment.decline_reason == "出差在外"
    assert page.figures.reviews_this_year == 3
    assert page.cap == 10


# --- the rating service ---------------------------------------------------------------------


@pytest.fixture
def submitted(world):
    return ExpertAssignment.objects.get(expert=world["wang"], application=world["apps"][0])


@pytest.mark.django_db
def test_it_lets_city_staff_rate_and_re_rate_a_submitted_review(submitted, charlie, erin):
    services_library.rate_review(actor=charlie, assignment=submitted, rating=3, note="")
    submitted.refresh_from_db()
    assert (submitted.rating, submitted.rated_by) == (3, charlie)
    first = submitted.rated_at
    services_library.rate_review(actor=erin, assignment=submitted, rating=2, note="意见过于简略")
    submitted.refresh_from_db()
    assert (submitted.rating, submitted.rating_note, submitted.rated_by) == (
        2,
        "意见过于简略",
        erin,
    )
    assert submitted.rated_at >= first
    events = AuditEvent.objects.filter(detail__action="rate", detail__object_id=str(submitted.pk))
    assert events.count() == 2


@pytest.mark.django_db
def test_it_refuses_a_rating_from_anyone_but_city_staff(submitted, alice, bob, dora):
    for user in (alice, bob, dora, submitted.expert.user):
        with pytest.raises(PermissionDenied):
            services_library.rate_review(actor=user, assignment=submitted, rating=5, note="")
    submitted.refresh_from_db()
    assert submitted.rating == 4


@pytest.mark.django_db
def test_it_rates_only_a_submitted_review_with_a_valid_rating(world, submitted, charlie):
    declined = ExpertAssignment.objects.get(expert=world["wang"], status=A.DECLINED)
    with pytest.raises(ValidationError):
        services_library.rate_review(actor=charlie, assignment=declined, rating=4, note="")
    for bad in (0, 6, "5", True, None):
        with pytest.raises(ValidationError):
            services_library.rate_review(actor=charlie, assignment=submitted, rating=bad, note="")
    with pytest.raises(ValidationError) as exc:
        services_library.rate_review(actor=charlie, assignment=submitted, rating=1, note="  ")
    assert "note" in exc.value.error_dict
    submitted.refresh_from_db()
    assert submitted.rating == 4


# --- views ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_the_library_only_to_city_staff(client, world, alice, bob, dora):
    for user in (alice, bob, dora):
        client.force_login(user)
        assert client.get(reverse("experts:pool")).status_code == 404
        assert client.get(reverse("experts:pool_export")).status_code == 404
        assert client.get(reverse("experts:expert", args=[world["wang"].pk])).status_code == 404


@pytest.mark.django_db
def test_it_lists_the_library_with_figures_phones_and_filters(
    client, world, charlie, django_assert_max_num_queries
):
    client.force_login(charlie)
    # The page's session and menu, the library's five, the registrations waiting (the link).
    with django_assert_max_num_queries(17):
        response = client.get(reverse("experts:pool"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "王建国" in body and "13900000001" in body and "钱未核" not in body
    assert reverse("experts:expert", args=[world["wang"].pk]) in body
    response = client.get(reverse("experts:pool"), {"cap": "yes"})
    body = response.content.decode()
    assert "李明" in body and "王建国" not in body
    # An unknown filter value is dropped, not a 500.
    response = client.get(reverse("experts:pool"), {"field": "x", "status": "nope", "cap": "?"})
    assert response.status_code == 200 and "王建国" in response.content.decode()


@pytest.mark.django_db
def test_it_exports_the_filtered_library_as_excel(client, world, charlie):
    from openpyxl import load_workbook

    client.force_login(charlie)
    response = client.get(reverse("experts:pool_export"), {"cap": "no"})
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    headers = values[0]
    names = [row[0] for row in values[1:] if row[0] and not str(row[0]).startswith("注")]
    assert set(names) == {"王建国", "赵强"}
    wang = next(row for row in values if row[0] == "王建国")
    assert wang[headers.index("手机号码")] == "13900000001"
    assert wang[headers.index("谢绝次数")] == 1


@pytest.mark.django_db
def test_it_shows_an_experts_page_with_history_and_ratings(client, world, charlie):
    client.force_login(charlie)
    response = client.get(reverse("experts:expert", args=[world["wang"].pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "出差在外" in body and "13900000001" in body
    assert body.count('data-testid="history-row"') == 6
    assert (
        reverse(
            "experts:rate",
            args=[
                ExpertAssignment.objects.filter(expert=world["wang"], status=A.SUBMITTED).first().pk
            ],
        )
        in body
    )
    assert client.get(reverse("experts:expert", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_it_changes_an_experts_status_with_a_reason(client, world, charlie):
    client.force_login(charlie)
    url = reverse("experts:expert_status", args=[world["wang"].pk])
    response = client.post(url, {"status-status": "suspended", "status-reason": ""})
    assert response.status_code == 422
    assert "请填写变更原因" in response.content.decode()
    response = client.post(url, {"status-status": "suspended", "status-reason": "本人申请暂停"})
    assert response.status_code == 302
    world["wang"].refresh_from_db()
    assert world["wang"].status == ExpertProfile.Status.SUSPENDED
    assert world["wang"].status_reason == "本人申请暂停"


@pytest.mark.django_db
def test_it_records_misconduct_keeping_the_input_when_incomplete(client, world, charlie):
    client.force_login(charlie)
    url = reverse("experts:expert_misconduct", args=[world["wang"].pk])
    response = client.post(
        url, {"misconduct-reason": "泄露评审信息", "misconduct-start_date": "2026-13-01"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "泄露评审信息" in body and "请按“年-月-日”填写日期" in body
    response = client.post(
        url,
        {
            "misconduct-reason": "泄露评审信息",
            "misconduct-start_date": "2026-06-01",
            "misconduct-decision_number": "辽科发〔2026〕9号",
        },
    )
    assert response.status_code == 302
    world["wang"].refresh_from_db()
    assert world["wang"].status == ExpertProfile.Status.OUT
    assert IntegrityRecord.objects.filter(
        expert=world["wang"], decision_number="辽科发〔2026〕9号"
    ).exists()
    assert not ExpertAssignment.objects.filter(expert=world["wang"], status=A.PENDING).exists()


@pytest.mark.django_db
def test_it_rates_a_review_from_its_page_and_returns_to_the_subject(client, submitted, charlie):
    client.force_login(charlie)
    url = reverse("experts:rate", args=[submitted.pk])
    response = client.get(url)
    assert response.status_code == 200 and 'type="radio"' in response.content.decode()
    response = client.post(url, {"rating": "1", "note": ""})
    assert response.status_code == 422
    assert "请填写评价说明" in response.content.decode()
    response = client.post(url, {"rating": "5", "note": "意见详实"}, follow=True)
    assert response.redirect_chain[0][0] == reverse(
        "applications:detail", args=[submitted.application_id]
    )
    assert "已保存" in response.content.decode()
    submitted.refresh_from_db()
    assert (submitted.rating, submitted.rating_note) == (5, "意见详实")


@pytest.mark.django_db
def test_it_hides_the_rating_page_from_others_and_for_an_unsubmitted_review(
    client, world, submitted, alice, dora, charlie
):
    url = reverse("experts:rate", args=[submitted.pk])
    for user in (alice, dora, submitted.expert.user):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"rating": "5"}).status_code == 404
    client.force_login(charlie)
    pending = ExpertAssignment.objects.get(expert=world["wang"], status=A.PENDING)
    assert client.get(reverse("experts:rate", args=[pending.pk])).status_code == 404

"""A round's result notice (考核结果公示, issue 12 point 5): reviews/notices reused for
assessments — the same numbers, working days, real-name objections, receipts and daily
closing, with the assessment as the subject.

The clock is pinned as in test_notices.py (Monday 2 March 2026, 10:00 in Liaoyang): a
5-working-day notice starting that day ends on Friday 6 March."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaoyang_consortia.models import Notification
from reporting.assessments.models import (
    Assessment,
    AssessmentState,
    IndicatorTemplate,
    Rectification,
    Round,
)
from reviews.models import Objection, PublicNotice
from reviews.notices import selectors
from reviews.notices import services as notices
from tests.factories import arranging
from tests.reporting import make_consortium
from tests.reviews import test_notice_receipts as receipts
from tests.reviews import test_notices as base

BUSINESS, SUPERVISION, OBJECTOR, TZ = base.BUSINESS, base.SUPERVISION, base.OBJECTOR, base.TZ
MONDAY, FRIDAY = base.MONDAY, base.FRIDAY
NEXT_MONDAY = date(2026, 3, 9)
_monday, _media = base._monday, base._media

pytestmark = pytest.mark.django_db

SUBTOTALS = {"joint_research": "30.5", "platform": "20", "operation": "38"}


@arranging
def make_round(charlie, *, year=2025, kind="annual"):
    template, _ = IndicatorTemplate.objects.get_or_create(name="年度考核指标体系", version="1.0")
    return Round.objects.create(
        kind=kind,
        year=year,
        title=f"{year}年度创新联合体考核",
        template=template,
        opens_on=date(2026, 1, 5),
        closes_on=date(2026, 2, 6),
        status=Round.Status.CLOSED,
        created_by=charlie,
    )


@arranging
def assess(round_, *, state=AssessmentState.SCORED, score="88.5", grade="excellent", lead=None):
    """An assessment of a new consortium in `state` (the FSM field is protected, and the
    steps before the notice have their own tests)."""
    consortium = make_consortium(lead=lead, named_on=date(2024, 6, 1))
    assessment = Assessment.objects.create(round=round_, consortium=consortium)
    submitted = state not in (AssessmentState.NOT_SUBMITTED, AssessmentState.ISSUED)
    Assessment.objects.filter(pk=assessment.pk).update(
        state=state,
        score=Decimal("0") if state == AssessmentState.NOT_SUBMITTED else Decimal(score),
        grade="fail" if state == AssessmentState.NOT_SUBMITTED else grade,
        subtotals={} if state == AssessmentState.NOT_SUBMITTED else SUBTOTALS,
        submitted_at=timezone.now() if submitted else None,
    )
    return Assessment.objects.select_related("consortium__lead", "round").get(pk=assessment.pk)


def publish(charlie, round_, start=MONDAY, **kwargs):
    return notices.publish_result_notice(
        actor=charlie,
        round=round_,
        title=kwargs.pop("title", ""),
        start_date=start,
        business_contact=BUSINESS,
        supervision_contact=SUPERVISION,
        **kwargs,
    )


def state_of(assessment):
    return Assessment.objects.get(pk=assessment.pk).state


def objection_on(notice, assessment, **kwargs):
    values = {**OBJECTOR, "reasons": "该联合体年度研发投入数据与审计报告不符。", **kwargs}
    return notices.file_objection(notice=notice, assessment=assessment, **values)


@pytest.fixture
def round_(charlie):
    return make_round(charlie)


@pytest.fixture
def scored(round_):
    return [assess(round_), assess(round_, score="72.25", grade="pass")]


# --- Publishing --------------------------------------------------------------------------


def test_it_publishes_the_rounds_results_with_the_notices_numbers_and_working_days(
    alice, charlie, round_, scored
):
    missed = assess(round_, state=AssessmentState.NOT_SUBMITTED)
    published = assess(round_, state=AssessmentState.PUBLISHED)  # an earlier notice's
    PublicNotice.objects.create(
        number=notices.next_notice_number(MONDAY),
        title="关于拟认定1家辽阳市创新联合体的公示",
        start_date=MONDAY,
        end_date=FRIDAY,
        working_days=5,
        business_contact=BUSINESS,
        supervision_contact=SUPERVISION,
        published_by=charlie,
    )
    notice = publish(charlie, round_)
    assert notice.number == "辽市科公示〔2026〕2号"  # one running number for both kinds
    assert (notice.working_days, notice.end_date) == (5, FRIDAY)
    assert notice.title == "辽阳市创新联合体2025年度考核结果公示"
    assert set(notice.assessments.all()) == {*scored, missed}
    assert not notice.applications.exists()
    for assessment in [*scored, missed]:
        assert state_of(assessment) == AssessmentState.RESULT_NOTICE
    assert state_of(published) == AssessmentState.PUBLISHED


def test_it_publishes_nothing_while_an_assessment_is_before_its_score(charlie, round_, scored):
    reviewing = assess(round_, state=AssessmentState.EXPERT_REVIEW)
    with pytest.raises(ValidationError) as caught:
        publish(charlie, round_)
    assert reviewing.consortium.name in " ".join(caught.value.messages)
    assert not PublicNotice.objects.exists()
    assert {state_of(a) for a in scored} == {AssessmentState.SCORED}


def test_it_refuses_a_round_without_results(charlie, round_):
    assess(round_, state=AssessmentState.PUBLISHED)
    with pytest.raises(ValidationError) as caught:
        publish(charlie, round_)
    assert caught.value.messages == ["本批次没有待公示的考核结果。"]


def test_it_lets_only_city_staff_publish_results(alice, round_, scored):
    with pytest.raises(PermissionDenied):
        publish(alice, round_)
    assert state_of(scored[0]) == AssessmentState.SCORED


def test_it_takes_a_given_number_once(charlie, round_, scored):
    notice = publish(charlie, round_, number="辽市科考〔2026〕1号")
    assert notice.number == "辽市科考〔2026〕1号"
    other = make_round(charlie, year=2024)
    assess(other)
    with pytest.raises(ValidationError) as caught:
        publish(charlie, other, number="辽市科考〔2026〕1号")
    assert "已被使用" in caught.value.message_dict["number"][0]


# --- Objections --------------------------------------------------------------------------


def test_it_takes_a_real_name_objection_to_an_assessment_and_numbers_it(charlie, round_, scored):
    notice = publish(charlie, round_)
    objection = objection_on(notice, scored[0])
    assert objection.receipt_number == "YY2026-0001"
    assert objection.subject == scored[0] and objection.application is None
    note = Notification.objects.get(recipient=charlie, event="objection_filed")
    assert scored[0].consortium.name in note.subject
    for secret in (OBJECTOR["name"], OBJECTOR["unit"], OBJECTOR["phone"]):
        assert secret not in note.subject + note.body
    receipt = selectors.objection_receipt("yy2026-1", OBJECTOR["phone"])
    assert receipt.application_name == scored[0].display_name


def test_it_refuses_an_objection_to_a_consortium_not_on_the_notice(charlie, round_, scored):
    notice = publish(charlie, round_)
    stranger = assess(make_round(charlie, year=2024))
    with pytest.raises(ValidationError) as caught:
        objection_on(notice, stranger)
    assert caught.value.messages == ["该创新联合体不在本次公示之列。"]
    with pytest.raises(ValidationError):
        notices.file_objection(
            notice=notice, reasons="x", **{k: v for k, v in OBJECTOR.items() if k != "email"}
        )
    assert not Objection.objects.exists()


def test_it_verifies_and_finds_on_an_assessment_without_leaving_the_notice(charlie, round_, scored):
    notice = publish(charlie, round_)
    objection = objection_on(notice, scored[0])
    notices.verify_objection(actor=charlie, objection=objection, note="予以受理")
    assert Objection.objects.get().status == Objection.Status.VERIFYING
    assert state_of(scored[0]) == AssessmentState.RESULT_NOTICE
    with pytest.raises(ValidationError):
        notices.verify_objection(actor=charlie, objection=objection)
    notices.record_finding(
        actor=charlie, objection=objection, outcome="dismissed", finding="数据属实，异议不成立。"
    )
    objection.refresh_from_db()
    assert (objection.status, objection.outcome) == ("resolved", "dismissed")
    assert state_of(scored[0]) == AssessmentState.RESULT_NOTICE  # the daily job publishes


# --- The daily job -----------------------------------------------------------------------


def test_it_publishes_ended_results_exactly_once_and_holds_back_a_contested_one(
    charlie, round_, scored
):
    quiet, contested = scored
    missed = assess(round_, state=AssessmentState.NOT_SUBMITTED)
    notice = publish(charlie, round_)
    objection = objection_on(notice, contested)

    assert notices.close_ended_notices(today=FRIDAY) == []  # the last day still counts
    assert state_of(quiet) == AssessmentState.RESULT_NOTICE
    notices.close_ended_notices(today=NEXT_MONDAY)
    assert state_of(quiet) == state_of(missed) == AssessmentState.PUBLISHED
    assert state_of(contested) == AssessmentState.RESULT_NOTICE  # its objection is pending
    assert Rectification.objects.filter(assessment=missed).count() == 1
    notice.refresh_from_db()
    assert notice.closed_at is None

    # Exactly once: a second run (and a run the next day) changes nothing.
    published_at = Assessment.objects.get(pk=quiet.pk).published_at
    sent = Notification.objects.count()
    for day in (NEXT_MONDAY, date(2026, 3, 10)):
        assert notices.publish_ended_results(today=day) == []
        notices.close_ended_notices(today=day)
    assert Assessment.objects.get(pk=quiet.pk).published_at == published_at
    assert Notification.objects.count() == sent
    assert Rectification.objects.filter(assessment=missed).count() == 1

    notices.verify_objection(actor=charlie, objection=objection)
    notices.record_finding(
        actor=charlie, objection=objection, outcome="upheld", finding="分类得分计算有误。"
    )
    # Upheld: the job leaves it for city staff, who correct it and publish it with a note.
    assert notices.publish_ended_results(today=date(2026, 3, 10)) == []
    assert state_of(contested) == AssessmentState.RESULT_NOTICE
    from reporting.assessments import workflow

    with pytest.raises(ValidationError):
        workflow.perform(
            actor=charlie,
            assessment_id=contested.pk,
            transition="publish_result",
            today=date(2026, 3, 10),
        )
    workflow.perform(
        actor=charlie,
        assessment_id=contested.pk,
        transition="publish_result",
        comment="已更正分类得分。",
        today=date(2026, 3, 10),
    )
    assert state_of(contested) == AssessmentState.PUBLISHED
    notices.close_ended_notices(today=date(2026, 3, 10))
    notice.refresh_from_db()
    assert notice.closed_at is not None
    assert notices.publish_ended_results(today=date(2026, 3, 11)) == []


# --- Pages -------------------------------------------------------------------------------


def test_city_staff_preview_and_publish_a_rounds_notice(client, charlie, round_, scored):
    PublicNotice.objects.create(
        number="辽市科公示〔2026〕1号",
        title="上一次公示",
        start_date=date(2026, 1, 5),
        end_date=date(2026, 1, 9),
        working_days=5,
        business_contact=BUSINESS,
        supervision_contact=SUPERVISION,
        published_by=charlie,
    )
    client.force_login(charlie)
    url = f"/notices/rounds/{round_.pk}/publish/"
    page = client.get(url).content.decode()
    for text in (
        'value="辽阳市创新联合体2025年度考核结果公示"',
        f'value="{BUSINESS}"',
        f'value="{SUPERVISION}"',
        "预计为辽市科公示〔2026〕2号",
        scored[0].consortium.name,
        scored[0].consortium.lead.name,
        "88.50",
        "72.25",
        "优秀",
        "联合攻关",
        "30.50",
        "2026年3月2日至2026年3月6日（5个工作日）",
        "确认发布",
    ):
        assert text in page, text
    data = {
        "title": "辽阳市创新联合体2025年度考核结果公示",
        "number": "",
        "start_date": "2026-03-09",
        "business_contact": BUSINESS,
        "supervision_contact": SUPERVISION,
    }
    preview = client.post(url, {**data, "action": "preview"})
    assert preview.status_code == 200
    assert "2026年3月9日至2026年3月13日（5个工作日）" in preview.content.decode()
    assert not PublicNotice.objects.filter(assessments__isnull=False).exists()

    response = client.post(url, {**data, "action": "confirm"})
    notice = PublicNotice.objects.get(number="辽市科公示〔2026〕2号")
    assert response["Location"] == f"/notices/{notice.pk}/"
    assert state_of(scored[0]) == AssessmentState.RESULT_NOTICE


def test_the_publish_page_keeps_what_was_typed_with_the_error_at_the_field(
    client, charlie, round_, scored
):
    client.force_login(charlie)
    response = client.post(
        f"/notices/rounds/{round_.pk}/publish/",
        {"title": "结果公示", "start_date": "2026-03-01", "business_contact": "X"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "公示开始日期不能早于今天" in body
    assert 'value="X"' in body and 'value="结果公示"' in body
    assert not PublicNotice.objects.exists()


def test_the_publish_page_says_why_a_round_is_not_ready(client, charlie, round_, scored):
    unfinished = assess(round_, state=AssessmentState.CITY_INTAKE)
    client.force_login(charlie)
    url = f"/notices/rounds/{round_.pk}/publish/"
    page = client.get(url).content.decode()
    assert 'data-testid="round-problems"' in page and unfinished.consortium.name in page
    assert 'data-testid="confirm-round"' not in page
    response = client.post(
        url,
        {
            "title": "结果公示",
            "start_date": "2026-03-02",
            "business_contact": BUSINESS,
            "supervision_contact": SUPERVISION,
        },
    )
    assert response.status_code == 422
    assert "暂不能发布结果公示" in response.content.decode()
    assert not PublicNotice.objects.exists()


def test_the_public_reads_the_results_and_objects_to_a_consortium(client, charlie, round_, scored):
    notice = publish(charlie, round_)
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    for text in (
        "辽阳市创新联合体2025年度考核结果公示",
        "总分",
        "等次",
        "联合攻关",
        "平台载体",
        "运行管理",
        "88.50",
        "30.50",
        "合格",
        "2026年3月2日至2026年3月6日（5个工作日）",
        'name="assessment"',
        "请选择公示的创新联合体",
    ):
        assert text in page, text
    assert page.index("88.50") < page.index("72.25")  # best score first
    listing = client.get("/notices/").content.decode()
    assert notice.number in listing and scored[1].consortium.name in listing

    response = client.post(
        f"/notices/{notice.pk}/objections/",
        {"assessment": scored[1].pk, **OBJECTOR, "reasons": "得分有误。", "pledge": "on"},
    )
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.assessment_id == scored[1].pk
    found = receipts.lookup(client, objection.receipt_number, OBJECTOR["phone"])
    assert scored[1].display_name in found.content.decode()


def test_city_staff_see_an_upheld_objection_on_the_notice_page(
    client, alice, charlie, round_, scored
):
    notice = publish(charlie, round_)
    objection = objection_on(notice, scored[0])
    notices.verify_objection(actor=charlie, objection=objection)
    notices.record_finding(actor=charlie, objection=objection, outcome="upheld", finding="有误")
    public = client.get(f"/notices/{notice.pk}/").content.decode()
    client.force_login(alice)
    applicant = client.get(f"/notices/{notice.pk}/").content.decode()
    for html in (public, applicant):
        assert 'data-testid="staff-objections"' not in html
        assert OBJECTOR["name"] not in html
    client.force_login(charlie)
    staff = client.get(f"/notices/{notice.pk}/").content.decode()
    assert 'data-testid="upheld-objection"' in staff
    assert "异议成立，请更正该考核结果" in staff
    assert f"/notices/manage/objections/{objection.pk}/" in staff
    page = client.get(f"/notices/manage/objections/{objection.pk}/").content.decode()
    assert scored[0].display_name in page and "结果公示中" in page


def test_city_staff_register_a_letter_against_an_assessment(client, charlie, round_, scored):
    notice = publish(charlie, round_)
    client.force_login(charlie)
    url = f"/notices/manage/{notice.pk}/objections/new/"
    assert "请选择公示的创新联合体" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "assessment": scored[0].pk,
            **OBJECTOR,
            "reasons": "书面异议。",
            "received_on": "2026-03-02",
        },
    )
    objection = Objection.objects.get()
    assert response["Location"] == f"/notices/manage/objections/{objection.pk}/"
    assert objection.assessment_id == scored[0].pk
    verify = client.post(f"/notices/manage/objections/{objection.pk}/verify/", {"note": ""})
    assert verify.status_code == 302
    finding = client.post(
        f"/notices/manage/objections/{objection.pk}/finding/",
        {"outcome": "dismissed", "finding": "异议不成立。"},
    )
    assert finding.status_code == 302
    assert Objection.objects.get().status == Objection.Status.RESOLVED


def test_the_manage_page_lists_rounds_ready_for_their_notice(client, charlie, round_, scored):
    waiting = make_round(charlie, year=2024)
    assess(waiting)
    assess(waiting, state=AssessmentState.EXPERT_REVIEW)
    client.force_login(charlie)
    page = client.get("/notices/manage/").content.decode()
    assert f"/notices/rounds/{round_.pk}/publish/" in page
    assert waiting.title in page and f"/notices/rounds/{waiting.pk}/publish/" not in page
    assert "尚有1家未完成评审" in page


@pytest.mark.parametrize("who", ["alice", "bob", "dora"])
def test_it_answers_404_to_others_on_the_publish_page(client, role_users, round_, scored, who):
    users = {"alice": "applicant", "bob": "county_reviewer", "dora": "expert"}
    client.force_login(role_users[users[who]])
    url = f"/notices/rounds/{round_.pk}/publish/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "x"}).status_code == 404
    assert state_of(scored[0]) == AssessmentState.SCORED


def test_it_sends_anonymous_visitors_of_the_publish_page_to_log_in(client, round_):
    response = client.get(f"/notices/rounds/{round_.pk}/publish/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_city_staff_get_404_for_an_unknown_round(client, charlie):
    client.force_login(charlie)
    assert client.get("/notices/rounds/999999/publish/").status_code == 404


# --- Query counts ------------------------------------------------------------------------


# Several notices, published one after the other: each sets its own list.
SEVERAL_NOTICES = pytest.mark.zeal_allow({"model": "reviews.PublicNotice", "field": "assessments"})


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@SEVERAL_NOTICES
def test_the_result_pages_read_a_fixed_number_of_queries(client, charlie, round_, scored):
    notice = publish(charlie, round_)
    other = make_round(charlie, year=2024)
    assess(other)
    client.force_login(charlie)
    pages = ["/notices/", f"/notices/{notice.pk}/", "/notices/manage/"]
    publish_page = f"/notices/rounds/{other.pk}/publish/"
    for url in [*pages, publish_page]:
        _queries(client, url)  # the first request of a session fills caches
    few = [_queries(client, url) for url in [*pages, publish_page]]
    for _ in range(3):
        assess(other)
    objection_on(notice, scored[0])
    third = make_round(charlie, year=2023)
    assess(third)
    publish(charlie, third)
    many = [_queries(client, url) for url in [*pages, publish_page]]
    assert many == few


def test_the_staff_notice_count_includes_assessments(charlie, round_, scored):
    publish(charlie, round_)
    (notice,) = selectors.staff_notices(charlie)
    assert (notice.application_count, notice.assessment_count) == (0, 2)


def test_the_public_list_orders_and_hides_as_before(client, charlie, round_, scored):
    notice = publish(charlie, round_, start=NEXT_MONDAY)
    assert notice.number not in client.get("/notices/").content.decode()
    assert client.get(f"/notices/{notice.pk}/").status_code == 404

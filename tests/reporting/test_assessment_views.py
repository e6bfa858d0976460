"""The assessment pages (/assessments/, reporting/assessments/views.py): each page for the
roles that have it and 404 for the others; bad input kept with a Chinese message; the
lists in a fixed number of queries; evidence checked by its content."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Consortium
from members.roles import Role
from reporting.assessments import services, workflow
from reporting.assessments.models import (
    Assessment,
    DisqualificationProposal,
    Evidence,
    Indicator,
    IndicatorValue,
    Rectification,
    Round,
)
from reviews.models import ExpertAssignment, ExpertProfile
from tests.factories import MINIMAL_PDF, make_user
from tests.reporting import make_consortium
from tests.reporting.assessment_world import consortium_of, default_template, fill_in, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def consortium(alice):
    return consortium_of(alice)


@pytest.fixture
def opened(charlie, consortium):
    round_ = make_round(charlie)
    services.open_round(actor=charlie, round=round_)
    return Assessment.objects.get(round=round_, consortium=consortium)


@pytest.fixture
def submitted(opened, alice):
    fill_in(alice, opened)
    return workflow.perform(actor=alice, assessment_id=opened.pk, transition="submit")


@pytest.fixture
def failed(charlie, consortium):
    """An assessment whose round closed yesterday without it: 不合格, rectification open."""
    today = timezone.localdate()
    round_ = make_round(
        charlie,
        year=2025,
        opens_on=today - timedelta(days=40),
        closes_on=today - timedelta(days=1),
    )
    if not round_.assessments.filter(consortium=consortium).exists():
        services.add_to_scope(actor=charlie, round=round_, consortium=consortium)
    services.open_round(actor=charlie, round=round_)
    services.close_round(round=round_, today=today, actor=charlie)
    return Assessment.objects.get(round=round_, consortium=consortium)


def _expert_indicator(category="joint_research"):
    return Indicator.objects.filter(
        template=default_template(), category=category, method="expert"
    ).order_by("order")[0]


def _body(response):
    return response.content.decode()


# --- index ---------------------------------------------------------------------------------


def test_city_staff_see_the_rounds_with_counts_per_state(client, charlie, opened):
    client.force_login(charlie)
    body = _body(client.get("/assessments/"))
    assert "2026年度创新联合体考核" in body and "新建考核批次" in body
    assert "自评中 1" in body


def test_the_lead_sees_its_consortiums_assessment_and_the_county_only_once_submitted(
    client, alice, bob, opened
):
    client.force_login(alice)
    body = _body(client.get("/assessments/"))
    assert opened.consortium.name in body and "填写自评" in body
    client.force_login(bob)
    assert opened.consortium.name not in _body(client.get("/assessments/"))
    fill_in(alice, opened)
    workflow.perform(actor=alice, assessment_id=opened.pk, transition="submit")
    body = _body(client.get("/assessments/"))
    assert opened.consortium.name in body and "有1项考核自评待本县区审核" in body


def test_an_expert_is_pointed_to_the_task_list(client, dora, opened):
    client.force_login(dora)
    body = _body(client.get("/assessments/"))
    assert 'href="/reviews/experts/"' in body and opened.consortium.name not in body


def test_the_index_reads_the_rounds_in_a_fixed_number_of_queries(client, charlie):
    client.force_login(charlie)

    def measure():
        client.get("/assessments/")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/assessments/")
        assert response.status_code == 200
        return len(ctx.captured_queries), _body(response)

    for year in (2020, 2021):
        make_round(
            charlie, year=year, opens_on=timezone.localdate(), closes_on=timezone.localdate()
        )
        make_consortium()
    small, _ = measure()
    for year in (2022, 2023, 2024, 2025):
        make_round(
            charlie, year=year, opens_on=timezone.localdate(), closes_on=timezone.localdate()
        )
    large, body = measure()
    assert all(f"{y}年度创新联合体考核" in body for y in range(2020, 2026))
    assert small == large


def test_the_leads_list_reads_in_a_fixed_number_of_queries(client, alice, charlie):
    client.force_login(alice)
    consortium = consortium_of(alice)

    def measure():
        client.get("/assessments/")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/assessments/")
        return len(ctx.captured_queries), _body(response)

    make_round(charlie, year=2024)
    small, _ = measure()
    for year in (2021, 2022, 2023):
        make_round(charlie, year=year)
    large, body = measure()
    assert body.count(consortium.name) >= 4
    assert small == large


# --- rounds --------------------------------------------------------------------------------


def test_only_city_staff_open_the_round_pages(client, alice, bob, dora, charlie, opened):
    for user in (alice, bob, dora):
        client.force_login(user)
        for url in (
            "/assessments/rounds/new/",
            f"/assessments/rounds/{opened.round_id}/",
            f"/assessments/rounds/{opened.round_id}/export/",
            "/assessments/proposals/",
        ):
            assert client.get(url).status_code == 404, (user, url)
    client.force_login(charlie)
    for url in ("/assessments/rounds/new/", f"/assessments/rounds/{opened.round_id}/"):
        assert client.get(url).status_code == 200


def test_the_new_round_form_is_prefilled(client, charlie):
    client.force_login(charlie)
    body = _body(client.get("/assessments/rounds/new/"))
    year = timezone.localdate().year - 1
    assert f'value="{year}年度创新联合体考核"' in body
    assert 'value="85"' in body and 'value="75"' in body and 'value="60"' in body
    assert "辽阳市创新联合体考核评价指标（2026版" in body


def _round_post(**changes):
    data = {
        "round-kind": "annual",
        "round-year": "2026",
        "round-title": "二〇二六年度考核",
        "round-template": str(default_template().pk),
        "round-opens_on": "2027-03-01",
        "round-closes_on": "2027-04-30",
        "round-band_excellent": "85",
        "round-band_good": "75",
        "round-band_pass": "60",
        "round-reminder_days": "7,3,1",
        "round-rectification_months": "6",
    }
    data.update({f"round-{k}": v for k, v in changes.items()})
    return data


def test_a_bad_round_keeps_what_was_typed_with_a_chinese_message(client, charlie):
    client.force_login(charlie)
    response = client.post(
        "/assessments/rounds/new/",
        _round_post(closes_on="2027-02-01", reminder_days="7,x", band_good="90"),
    )
    body = _body(response)
    assert response.status_code == 422
    assert "截止日期不能早于开始日期" in body
    assert "请填写1至60之间的天数" in body
    assert "分数线应满足" in body
    assert 'value="二〇二六年度考核"' in body and 'value="7,x"' in body
    assert not Round.objects.exists()


def test_a_second_round_of_a_year_is_refused_at_the_year(client, charlie):
    client.force_login(charlie)
    assert client.post("/assessments/rounds/new/", _round_post()).status_code == 302
    response = client.post("/assessments/rounds/new/", _round_post(title="再来一次"))
    assert response.status_code == 422
    assert "该年度已有同类考核批次" in _body(response) and 'value="再来一次"' in _body(response)


def test_creating_a_round_takes_the_default_scope_and_shows_it(client, charlie, consortium):
    client.force_login(charlie)
    response = client.post("/assessments/rounds/new/", _round_post(title=""))
    round_ = Round.objects.get()
    assert response["Location"] == f"/assessments/rounds/{round_.pk}/"
    assert round_.title == "2026年度创新联合体考核"
    body = _body(client.get(response["Location"]))
    assert consortium.name in body and "启动考核" in body and "移出" in body


def test_city_staff_adjust_the_scope_and_open_the_round(client, charlie, consortium, alice):
    client.force_login(charlie)
    round_ = make_round(charlie)
    other = make_consortium()
    url = f"/assessments/rounds/{round_.pk}/"
    assert other.name in _body(client.get(url))  # in the add form's choices
    response = client.post(f"{url}scope/add/", {"scope-consortium": ""})
    assert response.status_code == 422 and "请选择联合体" in _body(response)
    client.post(f"{url}scope/add/", {"scope-consortium": other.pk})
    assert round_.assessments.filter(consortium=other).exists()
    mine = round_.assessments.get(consortium=consortium)
    client.post(f"/assessments/{mine.pk}/remove-from-scope/")
    assert not round_.assessments.filter(consortium=consortium).exists()
    client.post(f"{url}open/")
    round_.refresh_from_db()
    assert round_.status == "open"
    assert round_.assessments.get().state == "self_assessment"
    body = _body(client.get(url))
    assert 'data-testid="open-round"' not in body and 'data-testid="scope-add"' not in body
    assert "remove-from-scope" not in body


def test_closing_is_offered_only_after_the_closing_date(client, charlie, opened, failed):
    client.force_login(charlie)
    assert 'data-testid="close-round"' not in _body(
        client.get(f"/assessments/rounds/{opened.round_id}/")
    )
    response = client.post(f"/assessments/rounds/{opened.round_id}/close/", follow=True)
    assert "截止后方可处理" in _body(response)
    body = _body(client.get(f"/assessments/rounds/{failed.round_id}/"))
    assert "考核结果" in body and "不合格" in body and "导出考核结果" in body
    assert 'data-testid="close-round"' not in body  # closed already


def test_the_round_page_reads_its_scope_in_a_fixed_number_of_queries(client, charlie):
    client.force_login(charlie)
    round_ = make_round(charlie)

    def measure():
        client.get(f"/assessments/rounds/{round_.pk}/")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/assessments/rounds/{round_.pk}/")
        return len(ctx.captured_queries), _body(response)

    names = []
    for _ in range(2):
        names.append(make_consortium().name)
        services.add_to_scope(
            actor=charlie, round=round_, consortium=Consortium.objects.get(name=names[-1])
        )
    small, _ = measure()
    for _ in range(5):
        names.append(make_consortium().name)
        services.add_to_scope(
            actor=charlie, round=round_, consortium=Consortium.objects.get(name=names[-1])
        )
    large, body = measure()
    assert all(name in body for name in names)
    assert small == large


def test_the_result_table_exports_to_excel(client, charlie, failed):
    client.force_login(charlie)
    response = client.get(f"/assessments/rounds/{failed.round_id}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


# --- one assessment ------------------------------------------------------------------------


def test_the_page_shows_the_indicators_by_category_to_whoever_may_view_it(
    client, alice, bob, dora, charlie, opened
):
    url = f"/assessments/{opened.pk}/"
    client.force_login(alice)
    body = _body(client.get(url))
    assert "联合攻关" in body and "运行管理" in body and "保存本部分" in body
    assert "系统计算" in body and "评分标准" in body and "佐证材料要求" in body
    mallory = make_user("mallory", Role.APPLICANT, county_code="211002")
    for user in (bob, dora, mallory):  # the county sees it once submitted only
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        assert client.get(f"{url}pdf/").status_code == 404, user
    client.force_login(charlie)
    body = _body(client.get(url))
    assert client.get(url).status_code == 200 and "保存本部分" not in body


def test_an_assigned_expert_sees_the_assessment(client, dora, submitted, charlie):
    expert = ExpertProfile.objects.create(user=dora, name="王评审")
    ExpertAssignment.objects.create(
        assessment=submitted,
        expert=expert,
        method=ExpertAssignment.Method.MANUAL,
        sheet=default_template().score_sheet,
        assigned_by=charlie,
        status="accepted",
    )
    client.force_login(dora)
    assert client.get(f"/assessments/{submitted.pk}/").status_code == 200


def test_the_lead_saves_a_section(client, alice, opened):
    indicator = _expert_indicator()
    client.force_login(alice)
    response = client.post(
        f"/assessments/{opened.pk}/sections/joint_research/",
        {f"joint_research-text_{indicator.pk}": "完成攻关任务三项。"},
    )
    assert response.status_code == 302
    value = IndicatorValue.objects.get(assessment=opened, indicator=indicator)
    assert value.text == "完成攻关任务三项。"
    assert "完成攻关任务三项。" in _body(client.get(f"/assessments/{opened.pk}/"))


def test_too_long_a_text_is_refused_and_kept(client, alice, opened):
    indicator = _expert_indicator()
    client.force_login(alice)
    text = "长" * 5001
    response = client.post(
        f"/assessments/{opened.pk}/sections/joint_research/",
        {f"joint_research-text_{indicator.pk}": text},
    )
    assert response.status_code == 422
    assert "5000" in _body(response) and text in _body(response)


def test_the_summary_is_saved(client, alice, opened):
    client.force_login(alice)
    client.post(f"/assessments/{opened.pk}/summary/", {"summary-summary": "全年运行平稳。"})
    opened.refresh_from_db()
    assert opened.summary == "全年运行平稳。"


def test_others_may_not_save(client, bob, charlie, opened, submitted, alice):
    indicator = _expert_indicator()
    url = f"/assessments/{opened.pk}/sections/joint_research/"
    client.force_login(charlie)
    assert client.post(url, {}).status_code == 404
    client.force_login(alice)  # submitted: no longer editable
    assert client.post(url, {f"joint_research-text_{indicator.pk}": "改"}).status_code == 403


def test_evidence_of_a_wrong_type_is_refused_and_a_pdf_is_kept(client, alice, dora, opened):
    indicator = _expert_indicator()
    url = f"/assessments/{opened.pk}/indicators/{indicator.pk}/evidence/"
    client.force_login(alice)
    response = client.post(
        url,
        {
            f"ev{indicator.pk}-file": SimpleUploadedFile(
                "说明.exe", b"MZ\x90\x00fake", "application/pdf"
            )
        },
    )
    assert response.status_code == 422
    assert "只接受 PDF、JPEG、PNG、DOCX、XLSX 文件" in _body(response)
    assert not Evidence.objects.exists()
    response = client.post(
        url,
        {f"ev{indicator.pk}-file": SimpleUploadedFile("合同.pdf", MINIMAL_PDF, "application/pdf")},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    body = _body(client.get(f"/assessments/{opened.pk}/"))
    assert "合同.pdf" in body and f"/assessments/evidence/{evidence.pk}/" in body
    download = client.get(f"/assessments/evidence/{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == MINIMAL_PDF
    client.force_login(dora)
    assert client.get(f"/assessments/evidence/{evidence.pk}/").status_code == 404
    assert client.post(f"/assessments/evidence/{evidence.pk}/delete/").status_code == 404
    client.force_login(alice)
    client.post(f"/assessments/evidence/{evidence.pk}/delete/")
    assert not Evidence.objects.exists()


def test_submitting_is_blocked_until_complete_and_then_goes_to_the_county(
    client, alice, bob, opened
):
    client.force_login(alice)
    body = _body(client.get(f"/assessments/{opened.pk}/"))
    assert "暂不能办理“提交自评”" in body and "请填写自评总结" in body
    assert client.post(f"/assessments/{opened.pk}/transition/submit/").status_code == 422
    fill_in(alice, opened)
    response = client.post(f"/assessments/{opened.pk}/transition/submit/", {"submit-comment": ""})
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.state == "county_review"
    client.force_login(bob)
    body = _body(client.get(f"/assessments/{opened.pk}/"))
    assert "县区审核通过" in body and "退回修改" in body


def test_a_return_needs_its_reason_and_shows_it_to_the_lead(client, alice, bob, submitted):
    client.force_login(bob)
    url = f"/assessments/{submitted.pk}/transition/county_return/"
    response = client.post(url, {"county_return-comment": "  "})
    assert response.status_code == 422 and "请填写退回原因" in _body(response)
    client.post(url, {"county_return-comment": "佐证材料不全。"})
    submitted.refresh_from_db()
    assert submitted.state == "self_assessment"
    client.force_login(alice)
    body = _body(client.get(f"/assessments/{submitted.pk}/"))
    assert "佐证材料不全。" in body and "县区审核" in body
    assert "退回修改" in body  # the history


def test_a_transition_of_someone_else_is_404(client, alice, charlie, submitted):
    client.force_login(alice)
    assert client.post(f"/assessments/{submitted.pk}/transition/county_pass/").status_code == 404
    client.force_login(charlie)
    assert client.post(f"/assessments/{submitted.pk}/transition/open/").status_code == 404
    assert client.post(f"/assessments/{submitted.pk}/transition/nonsense/").status_code == 404


def test_the_pdf_is_a_pdf(client, alice, opened):
    client.force_login(alice)
    response = client.get(f"/assessments/{opened.pk}/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


# --- rectification and proposals -----------------------------------------------------------


def test_the_lead_reports_the_rectification_and_city_staff_recheck_it(
    client, alice, charlie, failed
):
    url = f"/assessments/{failed.pk}/"
    client.force_login(alice)
    body = _body(client.get(url))
    assert "整改中" in body and "报送整改情况" in body and "不合格" in body
    response = client.post(f"{url}rectification/", {"rect-report": " "})
    assert response.status_code == 422 and "请填写整改情况" in _body(response)
    client.post(f"{url}rectification/", {"rect-report": "已完成整改。"})
    assert Rectification.objects.get(assessment=failed).status == "submitted"
    assert client.post(f"{url}recheck/", {}).status_code == 404
    client.force_login(charlie)
    response = client.post(f"{url}recheck/", {"recheck-result": "failed", "recheck-note": ""})
    assert response.status_code == 422 and "请填写复核意见" in _body(response)
    client.post(f"{url}recheck/", {"recheck-result": "failed", "recheck-note": "整改未落实。"})
    assert Rectification.objects.get(assessment=failed).status == "failed"
    assert DisqualificationProposal.objects.get().reason == "recheck_failed"


def _proposal(failed, charlie):
    services.recheck(
        actor=charlie, rectification=failed.rectification, passed=False, note="整改未落实。"
    )
    return DisqualificationProposal.objects.get()


def test_city_staff_decide_a_proposal_with_a_decision_number_to_disqualify(client, charlie, failed):
    proposal = _proposal(failed, charlie)
    client.force_login(charlie)
    body = _body(client.get("/applications/"))
    assert "有1项考核取消资格建议待决定" in body and 'href="/assessments/proposals/"' in body
    body = _body(client.get("/assessments/proposals/"))
    assert failed.consortium.name in body and "整改复核未通过" in body
    prefix = f"p{proposal.pk}"
    url = f"/assessments/proposals/{proposal.pk}/decide/"
    response = client.post(url, {f"{prefix}-decision": "disqualify", f"{prefix}-note": "不合格"})
    body = _body(response)
    assert response.status_code == 422
    assert "取消资格须填写决定文号" in body and "取消资格须填写决定日期" in body
    assert "不合格</textarea>" in body
    response = client.post(
        url,
        {
            f"{prefix}-decision": "disqualify",
            f"{prefix}-note": "整改复核未通过",
            f"{prefix}-decision_number": "辽市科发〔2026〕99号",
            f"{prefix}-decided_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert Consortium.objects.get(pk=failed.consortium_id).status == "disqualified"
    assert "目前没有待决定的取消资格建议" in _body(client.get("/assessments/proposals/"))


def test_declining_a_proposal_needs_a_note(client, charlie, failed):
    proposal = _proposal(failed, charlie)
    client.force_login(charlie)
    prefix = f"p{proposal.pk}"
    url = f"/assessments/proposals/{proposal.pk}/decide/"
    response = client.post(url, {f"{prefix}-decision": "decline"})
    assert response.status_code == 422 and "请填写决定说明" in _body(response)
    client.post(url, {f"{prefix}-decision": "decline", f"{prefix}-note": "给予观察期"})
    proposal.refresh_from_db()
    assert proposal.status == "declined"
    assert Consortium.objects.get(pk=failed.consortium_id).status == "active"


def test_the_work_list_has_no_proposal_notice_without_proposals(client, charlie, alice):
    client.force_login(charlie)
    assert "取消资格建议" not in _body(client.get("/applications/"))
    client.force_login(alice)
    assert "取消资格建议" not in _body(client.get("/applications/"))


def test_the_menu_links_the_assessments_for_each_role(client, alice, bob, charlie, dora):
    for user in (alice, bob, charlie, dora):
        client.force_login(user)
        assert reverse("assessments:index") in _body(client.get("/notifications/"))

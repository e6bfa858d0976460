"""Annual reports (article 22): the state machine, who may see and do what, uploads typed by
content, the report PDF, and bad input answered with 422 and the input kept."""

import hashlib
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_fsm_log.models import StateLog

from liaoyang_consortia.models import Notification
from members.roles import Role
from reporting import rules, selectors, services
from reporting.demo import seed_reports
from reporting.models import AnnualReport, ReportAttachment, ReportStatus
from reporting.pdf import render_report_pdf
from tests.factories import MINIMAL_PDF, make_user
from tests.reporting import COMPLETE, make_consortium

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def consortium(alice):
    return make_consortium(lead=alice.profile.organization, named_on=date(2026, 5, 20))


@pytest.fixture
def report(consortium):
    return AnnualReport.objects.create(consortium=consortium, year=2026)


def _status(report):
    return AnnualReport.objects.values_list("status", flat=True).get(pk=report.pk)


def _fill_and_submit(user, report, values=COMPLETE):
    services.save_report(actor=user, report_id=report.pk, values=values)
    return services.submit_report(actor=user, report_id=report.pk)


# --- Rules (pure) -----------------------------------------------------------------------


def test_it_requires_the_articles_content_before_submitting():
    assert rules.check(COMPLETE) == []
    problems = {p.field: p.message for p in rules.check({})}
    assert set(problems) == {
        "rd_progress",
        "team",
        "funds",
        "plan_this_year",
        "problems",
        "coordination_needed",
        "funds_amount",
    }
    assert problems["team"] == "请填写“团队建设”。"
    listed = rules.check({**COMPLETE, "results_patents": 3, "results_patents_text": " "})
    assert [(p.field, p.message) for p in listed] == [
        ("results_patents_text", "已填写专利3项，请逐项列出。")
    ]
    assert rules.check({**COMPLETE, "funds_amount": Decimal("-1")})[0].field == "funds_amount"


# --- The state machine ------------------------------------------------------------------


def test_it_goes_pending_draft_submitted_returned_and_accepted(report, alice, charlie):
    services.save_report(actor=alice, report_id=report.pk, values={"rd_progress": "进展"})
    assert _status(report) == ReportStatus.DRAFT
    _fill_and_submit(alice, report)
    assert _status(report) == ReportStatus.SUBMITTED
    assert Notification.objects.filter(recipient=charlie, event="report_submitted").count() == 1

    services.return_report(actor=charlie, report_id=report.pk, reason="请补充专利清单。")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.return_reason == "请补充专利清单。"
    returned = Notification.objects.get(recipient=alice, event="report_returned")
    assert "请补充专利清单。" in returned.body

    # Returned is editable: a change makes it a draft, then it is submitted again.
    services.save_report(actor=alice, report_id=report.pk, values={"results_patents": 0})
    assert _status(report) == ReportStatus.DRAFT
    services.submit_report(actor=alice, report_id=report.pk)
    services.accept_report(actor=charlie, report_id=report.pk, comment="同意。")
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    assert report.decided_by == charlie and report.return_reason == ""
    assert Notification.objects.filter(recipient=alice, event="report_accepted").count() == 1

    logs = StateLog.objects.filter(object_id=report.pk, content_type__model="annualreport")
    assert list(logs.order_by("pk").values_list("transition", "by__username")) == [
        ("start_editing", "alice"),
        ("submit", "alice"),
        ("return_for_revision", "charlie"),
        ("start_editing", "alice"),
        ("submit", "alice"),
        ("accept", "charlie"),
    ]
    assert logs.get(transition="return_for_revision").description == "请补充专利清单。"


def test_it_resubmits_a_returned_report_as_it_is(report, alice, charlie):
    _fill_and_submit(alice, report)
    services.return_report(actor=charlie, report_id=report.pk, reason="请核实。")
    services.submit_report(actor=alice, report_id=report.pk)
    assert _status(report) == ReportStatus.SUBMITTED


def test_it_keeps_an_accepted_report_final(report, alice, charlie):
    _fill_and_submit(alice, report)
    services.accept_report(actor=charlie, report_id=report.pk)
    with pytest.raises(services.StaleReport):
        services.save_report(actor=alice, report_id=report.pk, values={"team": "改"})
    with pytest.raises(services.StaleReport):
        services.submit_report(actor=alice, report_id=report.pk)
    with pytest.raises(services.StaleReport):
        services.return_report(actor=charlie, report_id=report.pk, reason="再改")
    with pytest.raises(services.StaleReport):
        services.accept_report(actor=charlie, report_id=report.pk)
    assert _status(report) == ReportStatus.ACCEPTED


def test_it_refuses_an_incomplete_or_untouched_report(report, alice):
    with pytest.raises(ValidationError, match="请先填写年度报告内容"):
        services.submit_report(actor=alice, report_id=report.pk)
    services.save_report(actor=alice, report_id=report.pk, values={"rd_progress": "进展"})
    with pytest.raises(ValidationError) as info:
        services.submit_report(actor=alice, report_id=report.pk)
    assert "team" in info.value.message_dict
    assert _status(report) == ReportStatus.DRAFT


def test_it_lets_only_the_lead_units_users_write_and_only_city_staff_decide(
    report, alice, bob, charlie, dora
):
    other = make_user("otto", Role.APPLICANT)
    for user in (bob, charlie, dora, other):
        with pytest.raises(PermissionDenied):
            services.save_report(actor=user, report_id=report.pk, values={"team": "x"})
    _fill_and_submit(alice, report)
    for user in (alice, bob, dora, other):
        with pytest.raises(PermissionDenied):
            services.accept_report(actor=user, report_id=report.pk)
        with pytest.raises(PermissionDenied):
            services.return_report(actor=user, report_id=report.pk, reason="x")
    with pytest.raises(ValidationError):
        services.return_report(actor=charlie, report_id=report.pk, reason="  ")


def test_it_lets_a_colleague_of_the_lead_unit_file_it(report, alice):
    from members.services import attach_user_to_unit

    colleague = make_user("carol", Role.APPLICANT)
    attach_user_to_unit(user=colleague, organization=alice.profile.organization)
    _fill_and_submit(colleague, report)
    assert _status(report) == ReportStatus.SUBMITTED


# --- Pages ------------------------------------------------------------------------------


def _urls(report, attachment=None):
    urls = [
        ("get", reverse("reporting:detail", args=[report.pk])),
        ("get", reverse("reporting:edit", args=[report.pk])),
        ("get", reverse("reporting:submit", args=[report.pk])),
        ("get", reverse("reporting:pdf", args=[report.pk])),
        ("post", reverse("reporting:edit", args=[report.pk])),
        ("post", reverse("reporting:submit", args=[report.pk])),
        ("post", reverse("reporting:accept", args=[report.pk])),
        ("post", reverse("reporting:return", args=[report.pk])),
        ("post", reverse("reporting:add_attachment", args=[report.pk])),
    ]
    if attachment:
        urls += [
            ("get", reverse("reporting:attachment", args=[report.pk, attachment.pk])),
            ("post", reverse("reporting:remove_attachment", args=[report.pk, attachment.pk])),
        ]
    return urls


def _upload(name="财务报表.pdf", content=MINIMAL_PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_it_answers_404_to_everyone_but_the_lead_unit_and_city_staff(
    client, report, alice, bob, dora
):
    attachment = services.add_attachment(actor=alice, report_id=report.pk, uploaded_file=_upload())
    other = make_user("otto", Role.APPLICANT)
    for user in (bob, dora, other):
        client.force_login(user)
        for method, url in _urls(report, attachment):
            response = getattr(client, method)(url)
            assert response.status_code == 404, (user.username, method, url)
    for user in (bob, dora):
        client.force_login(user)
        assert client.get(reverse("reporting:list")).status_code == 404
    client.force_login(other)
    listing = client.get(reverse("reporting:list"))
    assert listing.status_code == 200 and report.consortium.name not in listing.text
    assert "本单位目前没有牵头的创新联合体" in listing.text
    assert ReportAttachment.objects.filter(pk=attachment.pk).exists()
    assert _status(report) == ReportStatus.DRAFT


def test_it_answers_404_to_a_report_number_out_of_range(client, charlie):
    client.force_login(charlie)
    for url in ("/reports/99999999999999999999999/", "/reports/0/pdf/"):
        assert client.get(url).status_code == 404


def test_it_sends_anonymous_visitors_to_the_login_page(client, report):
    for method, url in _urls(report):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_lets_city_staff_read_but_not_edit(client, report, charlie):
    client.force_login(charlie)
    assert client.get(reverse("reporting:detail", args=[report.pk])).status_code == 200
    assert client.get(reverse("reporting:edit", args=[report.pk])).status_code == 404
    assert client.post(reverse("reporting:submit", args=[report.pk])).status_code == 404


def test_it_files_a_report_through_the_pages(client, report, alice, charlie):
    client.force_login(alice)
    listing = client.get(reverse("reporting:list"))
    assert report.consortium.name in listing.text and "待填报" in listing.text
    edit = reverse("reporting:edit", args=[report.pk])
    assert client.get(edit).status_code == 200
    data = {f"report-{k}": v for k, v in COMPLETE.items()}
    response = client.post(edit, {**data, "submit": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:submit", args=[report.pk])
    confirm = client.get(response["Location"])
    assert "确认报送" in confirm.text and "完成中试。" in confirm.text
    response = client.post(reverse("reporting:submit", args=[report.pk]))
    assert response.status_code == 302 and _status(report) == ReportStatus.SUBMITTED
    # Submitted: the edit page sends the lead to the report's page.
    assert client.get(edit)["Location"] == reverse("reporting:detail", args=[report.pk])

    client.force_login(charlie)
    page = client.get(reverse("reporting:detail", args=[report.pk]))
    assert "审核通过" in page.text and "退回修改" in page.text
    response = client.post(reverse("reporting:accept", args=[report.pk]), {"accept-comment": ""})
    assert response.status_code == 302 and _status(report) == ReportStatus.ACCEPTED


def test_it_answers_422_and_keeps_the_input_when_a_field_is_wrong(client, report, alice):
    client.force_login(alice)
    response = client.post(
        reverse("reporting:edit", args=[report.pk]),
        {
            "report-rd_progress": "保留这段研发进展",
            "report-results_patents": "很多",
            "report-funds_amount": "-5",
        },
    )
    assert response.status_code == 422
    assert "保留这段研发进展" in response.text
    assert "金额不能为负数。" in response.text and "输入整数。" in response.text
    assert _status(report) == ReportStatus.PENDING
    report.refresh_from_db()
    assert report.rd_progress == ""


def test_it_answers_422_to_a_submission_with_gaps(client, report, alice):
    services.save_report(actor=alice, report_id=report.pk, values={"rd_progress": "进展"})
    client.force_login(alice)
    response = client.post(reverse("reporting:submit", args=[report.pk]))
    assert response.status_code == 422
    assert "请填写“团队建设”。" in response.text
    assert _status(report) == ReportStatus.DRAFT


def test_it_answers_422_to_a_return_without_reason(client, report, alice, charlie):
    _fill_and_submit(alice, report)
    client.force_login(charlie)
    response = client.post(reverse("reporting:return", args=[report.pk]), {"return-reason": " "})
    assert response.status_code == 422 and "请填写退回原因。" in response.text
    assert _status(report) == ReportStatus.SUBMITTED
    response = client.post(
        reverse("reporting:return", args=[report.pk]), {"return-reason": "请补充附件。"}
    )
    assert response.status_code == 302 and _status(report) == ReportStatus.RETURNED
    # A second click on a stale page: told so, nothing changes.
    response = client.post(reverse("reporting:accept", args=[report.pk]), follow=True)
    assert "已被他人处理" in response.text and _status(report) == ReportStatus.RETURNED


def test_it_filters_the_city_list_and_ignores_nonsense(client, charlie, alice, report):
    second = AnnualReport.objects.create(
        consortium=make_consortium(named_on=date(2025, 1, 1)), year=2025
    )
    AnnualReport.objects.filter(pk=second.pk).update(is_overdue=True)
    _fill_and_submit(alice, report)
    client.force_login(charlie)
    url = reverse("reporting:list")
    everything = client.get(url)
    assert report.consortium.name in everything.text and second.consortium.name in everything.text
    submitted = client.get(url, {"status": "submitted"})
    assert report.consortium.name in submitted.text
    assert second.consortium.name not in submitted.text
    overdue = client.get(url, {"overdue": "on"})
    assert second.consortium.name in overdue.text and report.consortium.name not in overdue.text
    by_year = client.get(url, {"year": "2025"})
    assert second.consortium.name in by_year.text and report.consortium.name not in by_year.text
    nonsense = client.get(url, {"status": "<script>", "year": "abc", "overdue": "x" * 5000})
    assert nonsense.status_code == 200


def test_its_list_queries_do_not_grow_with_the_reports(client, charlie):
    client.force_login(charlie)
    url = reverse("reporting:list")
    AnnualReport.objects.create(consortium=make_consortium(), year=2026)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(8):
        AnnualReport.objects.create(consortium=make_consortium(), year=2026)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.count(b'data-testid="report-row"') == 9
    assert len(many) == len(few)


# --- Attachments ------------------------------------------------------------------------


def test_it_stores_an_upload_by_its_content_under_a_random_name(client, report, alice, bob):
    client.force_login(alice)
    response = client.post(
        reverse("reporting:add_attachment", args=[report.pk]),
        {"attachment-file": _upload("2026年度财务报表.pdf"), "attachment-description": "审计报告"},
    )
    assert response.status_code == 302
    attachment = ReportAttachment.objects.get(report=report)
    assert attachment.original_name == "2026年度财务报表.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert attachment.size == len(MINIMAL_PDF)
    assert re.fullmatch(r"reports/[0-9a-f]{32}", attachment.file.name)
    assert _status(report) == ReportStatus.DRAFT

    download = client.get(reverse("reporting:attachment", args=[report.pk, attachment.pk]))
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == MINIMAL_PDF

    response = client.post(reverse("reporting:remove_attachment", args=[report.pk, attachment.pk]))
    assert response.status_code == 302 and not ReportAttachment.objects.exists()


def test_it_refuses_an_executable_named_like_a_pdf(client, report, alice):
    client.force_login(alice)
    response = client.post(
        reverse("reporting:add_attachment", args=[report.pk]),
        {
            "attachment-file": _upload("报表.pdf", b"MZ\x90\x00" + b"\x00" * 200),
            "attachment-description": "保留的说明",
        },
    )
    assert response.status_code == 422
    assert "只接受 PDF、JPEG、PNG、DOCX、XLSX 文件" in response.text
    assert "保留的说明" in response.text
    assert not ReportAttachment.objects.exists()
    assert _status(report) == ReportStatus.PENDING


def test_it_refuses_uploads_once_submitted(report, alice):
    _fill_and_submit(alice, report)
    with pytest.raises(services.StaleReport):
        services.add_attachment(actor=alice, report_id=report.pk, uploaded_file=_upload())


# --- PDF --------------------------------------------------------------------------------


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_it_prints_the_report_as_an_a4_pdf_with_page_numbers(client, report, alice, tmp_path):
    services.save_report(
        actor=alice,
        report_id=report.pk,
        values={**COMPLETE, "rd_progress": "完成高选择性加氢催化剂中试。"},
    )
    services.add_attachment(actor=alice, report_id=report.pk, uploaded_file=_upload("审计.pdf"))
    client.force_login(alice)
    response = client.get(reverse("reporting:pdf", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert f"{report.consortium.name}2026年度建设运行情况报告" in flat
    assert "完成高选择性加氢催化剂中试。" in flat
    assert "需政府协调解决的事项" in flat and "2027年度工作计划" in flat
    assert "审计.pdf" in flat and re.search(r"第1页/共\d+页", flat)

    path = tmp_path / "report.pdf"
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    assert "pts (A4)" in info.stdout
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    names = {line.split()[0].split("+")[-1] for line in fonts.stdout.splitlines()[2:]}
    assert names == {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC"}


def test_it_renders_the_pdf_in_a_fixed_number_of_queries(report, alice):
    render_report_pdf(report)
    for i in range(5):
        services.add_attachment(
            actor=alice, report_id=report.pk, uploaded_file=_upload(f"附件{i}.pdf")
        )
    with CaptureQueriesContext(connection) as queries:
        render_report_pdf(report)
    assert len(queries) <= 3


# --- Admin and demo ---------------------------------------------------------------------


def test_it_shows_the_reports_and_the_reminder_log_to_admins(client, report, erin):
    from reporting.cycle import run_reporting_cycle

    run_reporting_cycle(today=date(2027, 3, 1))
    client.force_login(erin)
    for name in ("reporting_annualreport", "reporting_reminderlog"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:reporting_annualreport_change", args=[report.pk])).status_code
        == 200
    )
    assert client.get(reverse("admin:reporting_annualreport_add")).status_code == 403


def test_it_seeds_demo_reports_in_every_state_idempotently(consortium, alice, charlie):
    made = seed_reports({"city_staff": charlie})
    assert {r.status for r in AnnualReport.objects.all()} == set(ReportStatus.values)
    assert len(made) == 5
    seed_reports({"city_staff": charlie})
    assert AnnualReport.objects.count() == 5
    assert selectors.report_list(alice).count() == 5

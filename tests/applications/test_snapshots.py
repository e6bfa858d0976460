import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from applications import snapshots
from applications.models import Attachment, Membership, Submission
from applications.snapshots import Change
from tests.factories import OrganizationFactory, UserFactory, make_complete_application

pytestmark = pytest.mark.django_db

AT = datetime(2026, 10, 9, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def creator():
    return UserFactory()


@pytest.fixture
def application(creator):
    return make_complete_application(creator=creator)


def unit(content, name):
    return next(u for u in content["units"] if u["name"] == name)


def value(entries, key):
    return next(e["value"] for e in entries if e["key"] == key)


def test_it_freezes_json_serialisable_content_with_the_lead_and_every_unit(application):
    content = snapshots.freeze(application)

    assert json.loads(json.dumps(content, ensure_ascii=False)) == content
    assert len(content["units"]) == 8
    lead = content["units"][0]
    assert lead["uscc"] == application.lead.uscc
    assert lead["name"] == "辽阳华晟精细化工有限公司"
    assert value(lead["values"], "role") == "牵头单位"
    assert value(lead["values"], "confirmed") is True
    assert value(lead["values"], "sealed") is True
    university = unit(content, "辽东理工大学")
    assert value(university["values"], "kind") == "高等院校"
    assert value(university["values"], "task_share") == "子课题1"


def test_it_keeps_labels_and_display_values_of_the_fields(application):
    fields = {f["key"]: f for f in snapshots.freeze(application)["fields"]}

    assert fields["name_core"]["label"] == "联合体名称（××部分）"
    assert fields["industry_field"]["value"] == "芳烃及精细化工"
    assert fields["lead_sales_revenue"]["value"] == "52000.00"
    assert fields["lead_rd_spend"]["value"] == "2080.00"
    assert fields["duration_years"]["value"] == "3"
    assert fields["mechanism_ip"]["label"] == "知识产权管理机制"
    assert {f["section"] for f in fields.values()} == {"basic", "lead", "plan"}


def test_it_freezes_the_agreement_experts_attachments_and_justifications(application, creator):
    application.justifications.create(
        code="min_units", text="第八家单位正在办理", updated_by=creator
    )
    application.justifications.create(code="lead_projects", text="  ", updated_by=creator)

    content = snapshots.freeze(application)

    clauses = {c["label"]: c["value"] for c in content["agreement"]["clauses"]}
    assert clauses["知识产权归属"] == "第5条"
    assert value(content["agreement"]["values"], "signed_on") == "2026年10月8日"
    assert content["experts"][0]["name"] == "杨振华"
    assert value(content["experts"][0]["values"], "employer") == "辽东理工大学"
    assert {a["kind"] for a in content["attachments"]} == {"组建协议签章扫描件", "营业执照"}
    assert all(len(a["sha256"]) == 64 for a in content["attachments"])
    assert content["justifications"] == {"min_units": "第八家单位正在办理"}


def test_it_freezes_labels_in_the_sites_language_whatever_the_submitters(application):
    with translation.override("en"):
        content = snapshots.freeze(application)
    assert content == snapshots.freeze(application)


def test_it_numbers_submissions_one_then_two(application, creator):
    first = snapshots.record_submission(application=application, actor=creator, at=AT)
    second = snapshots.record_submission(application=application, actor=creator, at=AT)

    assert (first.sequence, second.sequence) == (1, 2)
    assert first.submitted_by == creator
    assert first.submitted_at == AT
    stored = Submission.objects.get(pk=first.pk)
    assert stored.content == snapshots.freeze(application)


def test_it_finds_no_change_in_an_unchanged_application(application):
    assert snapshots.diff(snapshots.freeze(application), snapshots.freeze(application)) == []


def test_it_lists_exactly_what_changed_with_the_right_kinds(application, creator):
    before = snapshots.freeze(application)
    application.name_core = "高端化学品"
    application.save()
    gone = Membership.objects.filter(application=application, sort_order=7).get()
    gone_name = gone.organization.name
    gone.delete()
    newcomer = OrganizationFactory(name="辽阳新材料科技有限公司")
    Membership.objects.create(
        application=application, organization=newcomer, task_share="材料中试", sort_order=8
    )
    Membership.objects.filter(application=application, organization__name="辽东理工大学").update(
        task_share="子课题1及中试验证"
    )
    agreement = application.agreement
    agreement.clauses["ip_ownership"] = "第十条"
    agreement.save()
    content = b"%PDF-1.4\n% another file\n"
    Attachment.objects.create(
        application=application,
        kind=Attachment.Kind.FINANCIALS,
        file=ContentFile(content, name="upload"),
        original_name="2025年审计报告.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=creator,
    )

    changes = snapshots.diff(before, snapshots.freeze(application))

    assert {(c.section, c.item, c.kind) for c in changes} == {
        ("基本信息", "联合体名称（××部分）", "changed"),
        ("成员单位", "辽东理工大学 · 承担任务", "changed"),
        ("成员单位", "辽阳新材料科技有限公司", "added"),
        ("成员单位", gone_name, "removed"),
        ("组建协议", "知识产权归属", "changed"),
        ("附件", "财务报表或审计报告", "added"),
    }
    assert len(changes) == 6
    by_item = {c.item: c for c in changes}
    assert by_item["联合体名称（××部分）"].before == "精细化工"
    assert by_item["联合体名称（××部分）"].after == "高端化学品"
    assert by_item["辽东理工大学 · 承担任务"].after == "子课题1及中试验证"
    assert by_item["知识产权归属"] == Change(
        "组建协议", "知识产权归属", "changed", "第5条", "第十条"
    )
    assert "材料中试" in by_item["辽阳新材料科技有限公司"].after
    assert by_item["辽阳新材料科技有限公司"].before == ""
    assert by_item[gone_name].after == ""
    assert by_item["财务报表或审计报告"].after.startswith("2025年审计报告.pdf")


def test_it_matches_experts_by_name_and_reports_justifications(application, creator):
    before = snapshots.freeze(application)
    application.chief_experts.filter(name="杨振华").update(title="教授、博士生导师")
    application.chief_experts.create(name="林海", title="研究员", employer="辽宁省化工研究院")
    application.justifications.create(
        code="min_units", text="第八家单位正在办理", updated_by=creator
    )

    changes = snapshots.diff(before, snapshots.freeze(application))

    assert [(c.section, c.item, c.kind) for c in changes] == [
        ("首席专家", "杨振华 · 职称/职务", "changed"),
        ("首席专家", "林海", "added"),
        ("情况说明", "min_units", "added"),
    ]


def test_it_renders_an_old_snapshot_with_the_labels_it_kept():
    old = {"fields": [{"key": "goals", "section": "plan", "label": "旧的标签", "value": "甲"}]}
    new = {"fields": []}

    assert snapshots.diff(old, new) == [Change("建设方案", "旧的标签", "changed", "甲", "")]


def test_it_compares_the_latest_two_submissions(application, creator):
    assert snapshots.changes_since_last_submission(application) is None
    snapshots.record_submission(application=application, actor=creator, at=AT)
    assert snapshots.changes_since_last_submission(application) is None

    application.goals = "五年内突破关键技术8项。"
    application.save()
    snapshots.record_submission(application=application, actor=creator, at=AT)

    assert snapshots.changes_since_last_submission(application) == [
        Change(
            "建设方案",
            "建设目标",
            "changed",
            "三年内突破芳烃精深加工关键技术5项。",
            "五年内突破关键技术8项。",
        )
    ]


@pytest.mark.parametrize("units", [8, 40])
def test_it_freezes_in_a_fixed_number_of_queries(units, creator):
    application = make_complete_application(creator=creator, units=units)
    with CaptureQueriesContext(connection) as queries:
        content = snapshots.freeze(application)
    assert len(content["units"]) == units
    assert len(queries) == 5


def test_it_renders_the_changes_with_chinese_labels(application, creator):
    previous = snapshots.record_submission(application=application, actor=creator, at=AT)
    changes = [
        Change("基本信息", "联合体名称（××部分）", "changed", "精细化工", "高端化学品"),
        Change("成员单位", "辽阳新材料科技有限公司", "added", "", "承担任务：材料中试"),
        Change("成员单位", "辽阳测试单位9有限公司", "removed", "承担任务：子课题7", ""),
    ]

    html = render_to_string(
        "applications/_partials/submission_diff.html",
        {"changes": changes, "previous": previous},
    )

    for text in (
        "修改前",
        "修改后",
        "基本信息",
        "联合体名称（××部分）",
        "高端化学品",
        "辽阳新材料科技有限公司",
        "2026年10月9日 14:30",
    ):
        assert text in html
    assert 'class="table-warning"' in html
    assert 'class="table-success"' in html
    assert 'class="table-danger"' in html
    assert "没有变化" not in html


def test_it_says_so_when_nothing_changed_and_renders_nothing_without_a_comparison():
    html = render_to_string("applications/_partials/submission_diff.html", {"changes": []})
    assert "与上次提交相比没有变化。" in html
    assert "<table" not in html

    assert (
        render_to_string("applications/_partials/submission_diff.html", {"changes": None}).strip()
        == ""
    )

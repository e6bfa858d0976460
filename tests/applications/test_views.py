import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.forms import PlanForm
from applications.models import Application, State
from members.roles import Role
from tests.factories import MINIMAL_PDF, OrganizationFactory, make_complete_application, make_user

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def app(alice):
    return make_complete_application(lead=alice.profile.organization, creator=alice)


@pytest.fixture
def owner(client, alice):
    client.force_login(alice)
    return client


def url(application, tail=""):
    return f"/applications/{application.pk}/{tail}"


def test_it_creates_a_draft_from_the_new_page(owner, alice):
    assert "新建草稿" in owner.get("/applications/new/").content.decode()
    response = owner.post("/applications/new/")
    application = Application.objects.get()
    assert response["Location"] == f"/applications/{application.pk}/"
    body = owner.get(response["Location"]).content.decode()
    for section in ("基本信息", "牵头单位", "成员单位", "组建协议", "首席专家", "建设方案", "附件"):
        assert section in body
    assert 'data-testid="progress-members"' in body
    assert application.display_name in owner.get("/applications/").content.decode()


@pytest.mark.parametrize("role", [Role.COUNTY_REVIEWER, Role.CITY_STAFF, Role.EXPERT])
def test_it_answers_404_to_others_on_the_new_page(client, role_users, role):
    client.force_login(role_users[role])
    assert client.get("/applications/new/").status_code == 404


@pytest.mark.parametrize("tail", ["", "pdf/", "submit/", "findings/", "attachments/{a}/"])
@pytest.mark.parametrize("who", ["other_applicant", "county", "expert", "city"])
def test_it_answers_404_to_anyone_but_the_owner(client, app, role_users, tail, who):
    users = {
        "other_applicant": make_user("mallory", Role.APPLICANT, county_code="211002"),
        "county": role_users[Role.COUNTY_REVIEWER],
        "expert": role_users[Role.EXPERT],
        "city": role_users[Role.CITY_STAFF],
    }
    client.force_login(users[who])
    path = url(app, tail.format(a=app.attachments.first().pk))
    assert client.get(path).status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(client, app):
    for tail in ("", "pdf/", f"attachments/{app.attachments.first().pk}/"):
        response = client.get(url(app, tail))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_serves_an_attachment_to_its_owner_as_a_download(owner, app):
    attachment = app.attachments.first()
    response = owner.get(url(app, f"attachments/{attachment.pk}/"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == MINIMAL_PDF


def test_it_serves_the_application_form_pdf(owner, app):
    response = owner.get(url(app, "pdf/"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_it_saves_a_section_and_refreshes_the_findings(owner, alice):
    application = Application.objects.get(
        pk=owner.post("/applications/new/")["Location"].split("/")[2]
    )
    response = owner.post(
        url(application, "sections/basic/"),
        {"basic-name_core": "新材料", "basic-duration_years": "3"},
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="basic"' in body and 'hx-swap-oob="true"' in body
    assert "辽阳市新材料创新联合体" in body
    application.refresh_from_db()
    assert application.name_core == "新材料"


def test_it_keeps_what_was_typed_when_a_field_is_invalid(owner, alice):
    application = Application.objects.get(
        pk=owner.post("/applications/new/")["Location"].split("/")[2]
    )
    response = owner.post(
        url(application, "sections/lead/"),
        {
            "lead-lead_sales_revenue": "五万",
            "lead-lead_rd_spend": "-3",
            "lead-lead_platforms": "辽宁省精细化工技术创新中心",
        },
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "五万" in body and "辽宁省精细化工技术创新中心" in body
    assert "请输入一个数字" in body or "输入一个数字" in body
    assert "金额不能为负数" in body
    application.refresh_from_db()
    # The valid field is saved although its neighbours were not.
    assert application.lead_platforms == "辽宁省精细化工技术创新中心"
    assert application.lead_sales_revenue is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91211002MA0Y7K3Q2Z", "不允许的字符：Z"),
        ("91350100M000100Y44", "校验位不正确"),
        ("9121", "应为18位"),
    ],
)
def test_it_refuses_a_bad_member_code_and_keeps_the_input(owner, app, code, message):
    response = owner.post(
        url(app, "members/add/"),
        {"add-uscc": code, "add-name": "辽阳新成员有限公司", "add-kind": "enterprise"},
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert message in body
    assert "辽阳新成员有限公司" in body and code in body


def test_it_refuses_a_unit_twice(owner, app):
    known = app.memberships.filter(role="member").first().organization
    response = owner.post(url(app, "members/add/"), {"add-uscc": known.uscc}, **HX)
    assert response.status_code == 422
    assert "已在成员名单中" in response.content.decode()


def test_it_adds_and_removes_a_member(owner, app):
    org = OrganizationFactory(name="辽阳新增单位有限公司")
    response = owner.post(url(app, "members/add/"), {"add-uscc": org.uscc}, **HX)
    assert response.status_code == 200
    assert "辽阳新增单位有限公司" in response.content.decode()
    membership = app.memberships.get(organization=org)
    response = owner.post(url(app, f"members/{membership.pk}/remove/"))
    assert response.status_code == 302
    assert not app.memberships.filter(organization=org).exists()


def test_it_records_a_members_signature(owner, app):
    membership = app.memberships.filter(role="member").first()
    response = owner.post(
        url(app, f"members/{membership.pk}/"),
        {
            f"m{membership.pk}-task_share": "检测分析",
            f"m{membership.pk}-signatory": "钱六",
            f"m{membership.pk}-signed_on": "2026-10-09",
            f"m{membership.pk}-sealed": "on",
            f"m{membership.pk}-contribution_funds": "120.5",
        },
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.signatory, str(membership.contribution_funds)) == ("钱六", "120.50")


def test_it_tells_which_agreement_clauses_are_missing(owner, app):
    data = {"agreement-duration_years": "3", "agreement-signed_on": "2026-10-08"}
    data.update({f"agreement-clause_{c}": "第1条" for c in ("duration", "goals", "task_division")})
    owner.post(url(app, "agreement/"), data)
    body = owner.get(url(app)).content.decode()
    assert "组建协议应约定以下内容" in body and "违约责任" in body


def test_it_refuses_a_chief_expert_without_a_name(owner, app):
    response = owner.post(url(app, "experts/add/"), {"expert-title": "教授"}, **HX)
    assert response.status_code == 422
    assert "这个字段是必填项" in response.content.decode()
    assert 'value="教授"' in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 64, "只接受"),
        ("logo.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "图片"),
    ],
)
def test_it_refuses_a_dangerous_upload_with_a_chinese_message(owner, app, name, content, message):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = owner.post(
        url(app, "attachments/add/"), {"attachment-kind": "other", "attachment-file": upload}, **HX
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert app.attachments.count() == 2


def test_it_refuses_a_file_over_the_cap(owner, app, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    upload = SimpleUploadedFile("big.pdf", MINIMAL_PDF + b"%" * 2000)
    response = owner.post(
        url(app, "attachments/add/"), {"attachment-kind": "other", "attachment-file": upload}, **HX
    )
    assert response.status_code == 422
    assert "超过" in response.content.decode()


def test_it_checks_a_code_as_it_is_typed_and_finds_known_units(owner, app):
    known = app.memberships.filter(role="member").first().organization
    body = owner.get("/applications/uscc-check/", {"add-uscc": known.uscc.lower()}).content.decode()
    assert known.name in body
    body = owner.get(
        "/applications/uscc-check/", {"add-uscc": "91350100M000100Y44"}
    ).content.decode()
    assert "校验位不正确" in body


def test_it_lists_every_finding_before_submission_and_asks_for_justification(owner, app):
    app.memberships.filter(role="member").last().delete()
    body = owner.get(url(app, "submit/")).content.decode()
    assert "原则上不少于8家" in body and 'data-testid="blockers"' in body
    response = owner.post(url(app, "submit/"))
    assert "还有未解决的问题" in response.content.decode()
    owner.post(url(app, "justifications/min_units/"), {"j-min_units-text": "第八家单位在注册中"})
    body = owner.get(url(app, "submit/")).content.decode()
    assert "确认提交" in body
    response = owner.post(url(app, "submit/"))
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == State.COUNTY_REVIEW
    body = owner.get(url(app)).content.decode()
    assert "县区审核中" in body and "已填写情况说明" in body


def test_it_refuses_edits_once_submitted(owner, app):
    owner.post(url(app, "submit/"))
    app.refresh_from_db()
    assert app.state == State.COUNTY_REVIEW
    response = owner.post(url(app, "sections/basic/"), {"basic-name_core": "改名"})
    assert response.status_code == 403
    app.refresh_from_db()
    assert app.name_core == "精细化工"
    body = owner.get(url(app)).content.decode()
    # Read-only now: the sections show their content as text, with no form to post.
    assert 'data-testid="readonly-basic"' in body and "精细化工" in body
    assert 'name="basic-name_core"' not in body and "检查并提交" not in body


def test_it_runs_the_same_queries_with_8_and_40_members(owner, alice):
    owner.get("/")  # the first request after force_login stamps the session (one write)
    counts = []
    for units in (8, 40):
        application = make_complete_application(
            lead=OrganizationFactory(), creator=alice, units=units
        )
        from guardian.shortcuts import assign_perm

        assign_perm("applications.view_application", alice, application)
        assign_perm("applications.change_application", alice, application)
        with CaptureQueriesContext(connection) as ctx:
            response = owner.get(url(application))
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="member-row"') == units
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_it_saves_the_plan_and_clears_its_findings(owner, app):
    app.goals = ""
    app.council = ""
    app.save()
    body = owner.get(url(app)).content.decode()
    assert "建设方案尚缺：建设目标" in body and "理事会组成" in body
    # A browser sends every field of the section, as the form shows them.
    data = {f"plan-{name}": getattr(app, name) for name in PlanForm.Meta.fields}
    data.update({"plan-goals": "三年突破关键技术5项", "plan-council": "理事长：赵志刚"})
    response = owner.post(url(app, "sections/plan/"), data, **HX)
    assert response.status_code == 200
    app.refresh_from_db()
    assert (app.goals, app.council) == ("三年突破关键技术5项", "理事长：赵志刚")
    assert app.roadmap
    assert 'data-testid="no-findings"' in response.content.decode()

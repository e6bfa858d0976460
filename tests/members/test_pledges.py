"""The research-integrity pledge (科研诚信承诺, issue 13 point 7): each unit of an application
or an assessment pledges for itself, from its account or through the lead's signed link;
submission needs every current unit's pledge; the application form prints them."""

import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from applications import services as application_services
from applications.models import Membership
from applications.pdf import render_application_pdf
from members.integrity import rules, selectors, services
from members.integrity.models import IntegrityPledge
from members.roles import Role
from members.services import attach_user_to_unit
from reporting.assessments import services as assessment_services
from reporting.assessments import workflow as assessment_workflow
from reporting.assessments.models import Assessment, AssessmentState
from tests.factories import (
    UserFactory,
    make_complete_application,
    make_user,
    pledge_all,
)
from tests.reporting.assessment_world import consortium_of, fill_in, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def application(alice):
    """A complete draft led by alice's unit, no unit having pledged yet."""
    return make_complete_application(lead=alice.profile.organization, creator=alice, pledged=False)


def member_of(application, n=0):
    return list(
        application.memberships.filter(role=Membership.Role.MEMBER)
        .select_related("organization")
        .order_by("sort_order")
    )[n].organization


def user_of(organization, username="frank"):
    user = UserFactory(username=username, first_name="王成员")
    attach_user_to_unit(user=user, organization=organization, is_unit_admin=True)
    return user


def link_url(application, organization):
    return f"/integrity/pledge/{services.pledge_token(subject=application, organization=organization)}/"


def give_url(kind, pk):
    return f"/integrity/pledge/{kind}/{pk}/"


# --- From the unit's account --------------------------------------------------------------


def test_it_records_the_leads_pledge_from_its_account_with_the_statement_snapshot(
    application, alice
):
    pledge = services.give_pledge(
        actor=alice,
        subject=application,
        organization=alice.profile.organization,
        person=" 赵志刚 ",
        person_title="法定代表人",
    )
    assert pledge.application == application and pledge.assessment is None
    assert pledge.person == "赵志刚"
    assert pledge.via == IntegrityPledge.Via.ACCOUNT
    assert pledge.given_by == alice
    assert pledge.pledged_on == timezone.localdate()
    assert pledge.statement == rules.PLEDGE_STATEMENT


def test_a_pledge_is_final(application, alice):
    org = alice.profile.organization
    services.give_pledge(
        actor=alice, subject=application, organization=org, person="赵志刚", person_title=""
    )
    with pytest.raises(ValidationError, match="不能修改"):
        services.give_pledge(
            actor=alice, subject=application, organization=org, person="别人", person_title=""
        )
    assert IntegrityPledge.objects.get(application=application).person == "赵志刚"


def test_it_refuses_a_pledge_for_another_unit_or_from_another_unit(application, alice):
    member = member_of(application)
    with pytest.raises(PermissionDenied):
        services.give_pledge(
            actor=alice, subject=application, organization=member, person="冒名", person_title=""
        )
    stranger = make_user("frank", Role.APPLICANT)
    with pytest.raises(PermissionDenied):
        services.give_pledge(
            actor=stranger,
            subject=application,
            organization=stranger.profile.organization,
            person="外人",
            person_title="",
        )
    assert not IntegrityPledge.objects.exists()


def test_a_member_unit_pledges_from_its_unit_page(client, application):
    member = member_of(application)
    frank = user_of(member)
    client.force_login(frank)
    body = client.get("/unit/").content.decode()
    assert "待本单位作出的科研诚信承诺" in body
    assert application.display_name in body

    page = client.get(give_url("application", application.pk))
    assert page.status_code == 200
    assert "本单位已阅读并作出上述承诺" in page.content.decode()
    response = client.post(
        give_url("application", application.pk),
        {"person": "王成员", "person_title": "总经理", "confirmed": "on"},
    )
    assert response.status_code == 302
    pledge = IntegrityPledge.objects.get(application=application, organization=member)
    assert (pledge.person, pledge.person_title, pledge.given_by) == ("王成员", "总经理", frank)
    assert "暂无需要本单位作出的承诺" in client.get("/unit/").content.decode()
    again = client.post(
        give_url("application", application.pk),
        {"person": "另一人", "person_title": "", "confirmed": "on"},
        follow=True,
    )
    assert "承诺作出后不能修改" in again.content.decode()
    pledge.refresh_from_db()
    assert pledge.person == "王成员"


def test_the_account_form_says_what_is_missing_and_keeps_what_was_typed(client, application, alice):
    client.force_login(alice)
    response = client.post(
        give_url("application", application.pk), {"person": "", "person_title": "董事长"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "请填写承诺人姓名。" in body
    assert "请勾选“本单位已阅读并作出上述承诺”。" in body
    assert 'value="董事长"' in body
    assert not IntegrityPledge.objects.exists()


def test_another_unit_gets_404_on_the_pledge_page(client, application):
    client.force_login(make_user("frank", Role.APPLICANT))
    assert client.get(give_url("application", application.pk)).status_code == 404
    assert (
        client.post(
            give_url("application", application.pk), {"person": "外人", "confirmed": "on"}
        ).status_code
        == 404
    )
    assert client.get(give_url("report", application.pk)).status_code == 404
    assert client.get(give_url("application", 999999)).status_code == 404
    assert not IntegrityPledge.objects.exists()


def test_staff_without_a_unit_get_404(client, application, charlie):
    client.force_login(charlie)
    assert client.get(give_url("application", application.pk)).status_code == 404


# --- Through the link ---------------------------------------------------------------------


def test_a_unit_without_an_account_pledges_once_through_the_link(client, application):
    member = member_of(application)
    url = link_url(application, member)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    for words in (application.display_name, member.name, application.lead.name, "编造、篡改"):
        assert words in body

    response = client.post(url, {"person": "钱联系", "person_title": "副总", "confirmed": "on"})
    assert response.status_code == 302
    pledge = IntegrityPledge.objects.get(application=application, organization=member)
    assert pledge.via == IntegrityPledge.Via.LINK and pledge.given_by is None
    done = client.get(url).content.decode()
    assert "本单位已于" in done and "钱联系" in done

    again = client.post(url, {"person": "孙某", "confirmed": "on"}, follow=True)
    assert "承诺作出后不能修改" in again.content.decode()
    assert IntegrityPledge.objects.get(application=application, organization=member).person == (
        "钱联系"
    )


def test_the_link_form_needs_the_checkbox_and_keeps_the_name(client, application):
    url = link_url(application, member_of(application))
    response = client.post(url, {"person": "钱联系", "person_title": ""})
    assert response.status_code == 422
    body = response.content.decode()
    assert "请勾选“本单位已阅读并作出上述承诺”。" in body
    assert 'value="钱联系"' in body
    assert not IntegrityPledge.objects.exists()


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: "abc"])
def test_a_tampered_link_shows_a_clear_page_not_a_500(client, application, mangle):
    token = services.pledge_token(subject=application, organization=member_of(application))
    response = client.get(f"/integrity/pledge/{mangle(token)}/")
    assert response.status_code == 404
    assert "承诺链接无效" in response.content.decode()
    post = client.post(f"/integrity/pledge/{mangle(token)}/", {"person": "x", "confirmed": "on"})
    assert post.status_code == 404
    assert not IntegrityPledge.objects.exists()


def test_a_token_signed_with_another_salt_is_refused(client, application):
    from django.core import signing

    payload = rules.pledge_payload(
        kind="application", subject_id=application.pk, organization_id=member_of(application).pk
    )
    token = signing.dumps(payload, salt="another.purpose")
    response = client.get(f"/integrity/pledge/{token}/")
    assert response.status_code == 404
    assert "承诺链接无效" in response.content.decode()


def test_an_expired_link_says_so(client, application, monkeypatch):
    url = link_url(application, member_of(application))
    monkeypatch.setattr(rules, "PLEDGE_LINK_MAX_AGE_DAYS", -1)
    response = client.get(url)
    assert response.status_code == 404
    assert "该承诺链接已过期" in response.content.decode()


def test_a_removed_units_link_stops_and_its_pledge_no_longer_counts(client, application, alice):
    member = member_of(application)
    url = link_url(application, member)
    client.post(url, {"person": "钱联系", "confirmed": "on"})
    membership = application.memberships.get(organization=member)
    application_services.remove_member(actor=alice, membership=membership)

    response = client.get(url)
    assert response.status_code == 404
    assert "本单位已不在该联合体中" in response.content.decode()
    assert member.pk not in {u.pk for u, _p in selectors.pledge_status(application)}
    assert member.name not in selectors.missing_pledge_names(application)


# --- Submission needs every pledge --------------------------------------------------------


def test_an_application_cannot_be_submitted_until_every_unit_pledged(application, alice, client):
    with pytest.raises(ValidationError) as error:
        application_services.submit(actor=alice, application_id=application.pk)
    message = next(m for m in error.value.messages if "科研诚信承诺" in m)
    assert message.startswith("以下单位尚未作出科研诚信承诺：")
    assert application.lead.name in message and member_of(application).name in message

    client.force_login(alice)
    assert (
        "以下单位尚未作出科研诚信承诺"
        in client.get(f"/applications/{application.pk}/").content.decode()
    )

    pledge_all(application)
    application_services.submit(actor=alice, application_id=application.pk)
    application.refresh_from_db()
    assert not application.is_editable


def test_the_lead_sees_each_units_status_and_a_link_for_those_awaited(client, application, alice):
    member = member_of(application)
    services.give_pledge_by_link(
        token=services.pledge_token(subject=application, organization=member),
        person="钱联系",
        person_title="",
        confirmed=True,
    )
    client.force_login(alice)
    body = client.get(f"/applications/{application.pk}/").content.decode()
    assert 'data-testid="pledge-panel"' in body
    assert "已承诺：钱联系" in body
    assert body.count('data-testid="pledge-link"') == 7  # the lead and the six other members
    assert 'data-testid="own-pledge"' in body


def test_the_pledge_panel_reads_a_fixed_number_of_queries(client, alice, rf):
    from django.db import connection
    from django.template import Context, Template
    from django.test.utils import CaptureQueriesContext

    small = make_complete_application(
        lead=alice.profile.organization, creator=alice, units=3, pledged=False
    )
    big = make_complete_application(
        lead=alice.profile.organization, creator=alice, units=12, pledged=False
    )
    pledge_all(big)
    request = rf.get("/")
    request.user = alice
    template = Template("{% load pledges %}{% pledge_panel subject %}")
    template.render(Context({"request": request, "subject": small}))  # the user's own rows
    counts = []
    for subject in (type(small).objects.get(pk=small.pk), type(big).objects.get(pk=big.pk)):
        with CaptureQueriesContext(connection) as ctx:
            html = template.render(Context({"request": request, "subject": subject}))
        counts.append(len(ctx))
    assert counts[0] == counts[1] <= 6
    assert html.count('data-testid="pledge-row"') == 12


def test_the_unit_page_lists_awaited_pledges_in_a_fixed_number_of_queries(
    client, alice, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    make_complete_application(lead=alice.profile.organization, creator=alice, pledged=False)
    with CaptureQueriesContext(connection) as one:
        client.get("/unit/")
    for _n in range(3):
        make_complete_application(lead=alice.profile.organization, creator=alice, pledged=False)
    with django_assert_max_num_queries(len(one)):
        body = client.get("/unit/").content.decode()
    assert body.count('data-testid="pledge-awaited-item"') == 4


@pytest.fixture
def assessment(alice, charlie):
    consortium = consortium_of(alice)
    round_ = make_round(charlie)
    assessment_services.open_round(actor=charlie, round=round_)
    return Assessment.objects.get(round=round_, consortium=consortium)


def test_an_assessment_cannot_be_submitted_until_every_current_unit_pledged(assessment, alice):
    fill_in(alice, assessment, pledged=False)
    with pytest.raises(ValidationError) as error:
        assessment_workflow.perform(actor=alice, assessment_id=assessment.pk, transition="submit")
    message = next(m for m in error.value.messages if "科研诚信承诺" in m)
    assert assessment.consortium.lead.name in message
    assert assessment_workflow.guard("submit", assessment)

    services.give_pledge(
        actor=alice,
        subject=assessment,
        organization=alice.profile.organization,
        person="赵志刚",
        person_title="法定代表人",
    )
    pledge_all(assessment)
    assessment_workflow.perform(actor=alice, assessment_id=assessment.pk, transition="submit")
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.COUNTY_REVIEW
    assert IntegrityPledge.objects.filter(assessment=assessment).count() == 3


def test_the_assessment_page_shows_the_pledges_and_the_leads_button(client, assessment, alice):
    client.force_login(alice)
    body = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert 'data-testid="pledge-panel"' in body
    assert body.count('data-testid="pledge-link"') == 3
    response = client.post(
        give_url("assessment", assessment.pk),
        {"person": "赵志刚", "person_title": "", "confirmed": "on"},
    )
    assert response.status_code == 302
    assert IntegrityPledge.objects.get(assessment=assessment).organization == (
        alice.profile.organization
    )


def test_an_assessment_member_pledges_through_its_link(client, assessment):
    member = next(
        u for u in selectors.current_units(assessment) if u.pk != assessment.consortium.lead_id
    )
    url = f"/integrity/pledge/{services.pledge_token(subject=assessment, organization=member)}/"
    assert assessment.display_name in client.get(url).content.decode()
    client.post(url, {"person": "钱联系", "confirmed": "on"})
    assert IntegrityPledge.objects.get(assessment=assessment).organization == member


# --- The application form -----------------------------------------------------------------


def test_the_application_form_prints_the_pledges(application, tmp_path):
    member = member_of(application)
    services.give_pledge_by_link(
        token=services.pledge_token(subject=application, organization=member),
        person="钱联系人",
        person_title="副总经理",
        confirmed=True,
    )
    path = tmp_path / "form.pdf"
    path.write_bytes(render_application_pdf(application))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "科研诚信承诺" in text
    assert "钱联系人" in text and "副总经理" in text
    assert "确认链接" in text
    assert "尚未承诺" in text  # the lead and the other member
    assert "不编造、篡改数据" in text.replace("\n", "").replace(" ", "")

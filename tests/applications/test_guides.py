"""The layout guide (art. 4) and intents (art. 4, 11(1)): services and pages (issue 13,
points 1 and 2; DESIGN.md §15)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from applications import workflow
from applications.guides import selectors, services
from applications.guides.models import Guide, Intent
from applications.models import Application
from liaoyang_consortia.models import Notification
from members.models import IndustryField
from members.roles import Role
from members.selectors import policy_in_force
from tests.factories import (
    OrganizationFactory,
    arranging,
    make_complete_application,
    make_user,
)
from tests.nplusone import DEMO_SEEDING, INTENT_CONVERSION

pytestmark = pytest.mark.django_db


@arranging
def _guide(charlie, *, publish=True, deadline=None, title="2026年布局指南"):
    guide = services.save_guide(
        actor=charlie,
        values={
            "title": title,
            "document_number": "辽市科发〔2026〕5号",
            "body": "一、布局方向。\n二、组建要求。",
            "targets": "新组建3—5个。",
            "deadline": deadline,
        },
        industry_fields=IndustryField.objects.filter(is_cluster=True),
    )
    return services.publish_guide(actor=charlie, guide=guide) if publish else guide


def _intent_values(guide=None, partners="辽东理工大学", **changes):
    return {
        "guide": guide,
        "industry_field": IndustryField.objects.get(name="芳烃及精细化工"),
        "name_core": "芳烃新材料",
        "partners": partners,
        "goals": "攻克关键工艺。",
        "contact_name": "张明",
        "contact_phone": "0419-2100000",
        "contact_email": "",
        **changes,
    }


# --- guides -----------------------------------------------------------------------------


def test_city_staff_write_publish_and_withdraw_a_guide(charlie):
    guide = _guide(charlie, publish=False)
    assert guide.published_on is None and guide.created_by == charlie
    guide = services.publish_guide(actor=charlie, guide=guide)
    assert guide.published_on == timezone.localdate()
    assert selectors.guide_in_force() == guide
    with pytest.raises(ValidationError, match="已于"):
        services.publish_guide(actor=charlie, guide=guide)
    guide = services.withdraw_guide(actor=charlie, guide=guide)
    assert guide.withdrawn_on == timezone.localdate()
    assert selectors.guide_in_force() is None
    with pytest.raises(ValidationError, match="该指南已废止"):
        services.withdraw_guide(actor=charlie, guide=guide)


def test_only_city_staff_write_guides(alice, bob):
    with pytest.raises(PermissionDenied):
        services.save_guide(actor=alice, values={"title": "x", "body": "y"}, industry_fields=[])


def test_the_public_sees_published_guides_and_404_for_a_draft(client, charlie):
    published = _guide(charlie)
    draft = _guide(charlie, publish=False, title="下一年指南草稿")
    page = client.get(reverse("guides:list")).content.decode()
    assert published.title in page and draft.title not in page
    detail = client.get(reverse("guides:detail", args=[published.pk])).content.decode()
    assert "常年受理（成熟一个、启动一个）" in detail and "辽市科发〔2026〕5号" in detail
    assert client.get(reverse("guides:detail", args=[draft.pk])).status_code == 404
    client.force_login(charlie)
    assert draft.title in client.get(reverse("guides:list")).content.decode()


def test_the_home_page_links_the_guide_in_force(client, charlie):
    assert "组建申请常年受理" in client.get("/").content.decode()
    guide = _guide(charlie)
    page = client.get("/").content.decode()
    assert reverse("guides:detail", args=[guide.pk]) in page and guide.title in page


def test_city_staff_write_a_guide_in_the_browser_form_and_bad_input_keeps_what_was_typed(
    client, charlie
):
    client.force_login(charlie)
    response = client.post(reverse("guides:new"), {"title": "只写了标题", "body": ""})
    assert response.status_code == 422
    page = response.content.decode()
    assert "只写了标题" in page and "这个字段是必填项" in page
    field = IndustryField.objects.get(name="双碳")
    response = client.post(
        reverse("guides:new"),
        {"title": "双碳指南", "body": "正文", "industry_fields": [field.pk], "deadline": ""},
    )
    guide = Guide.objects.get(title="双碳指南")
    assert response.status_code == 302 and list(guide.industry_fields.all()) == [field]
    client.post(reverse("guides:publish", args=[guide.pk]))
    guide.refresh_from_db()
    assert guide.published_on == timezone.localdate()


def test_others_cannot_open_the_guide_editor(client, alice):
    client.force_login(alice)
    assert client.get(reverse("guides:new")).status_code == 404
    assert client.post(reverse("guides:publish", args=[1])).status_code == 404


def test_a_guide_deadline_binds_only_the_applications_filed_under_it(charlie):
    past = timezone.localdate() - timedelta(days=1)
    guide = _guide(charlie, deadline=past)
    application = make_complete_application()
    at = timezone.now()
    policy_version = policy_in_force()
    Application.objects.filter(pk=application.pk).update(guide=guide)
    application.refresh_from_db()
    problems = workflow.guard("submit", application, at=at, policy_version=policy_version)
    assert f"本申请依据的《{guide.title}》申报截止日期为" in "".join(problems)


# --- intents ----------------------------------------------------------------------------


def test_a_unit_registers_an_intent_and_city_staff_are_told(alice, charlie):
    guide = _guide(charlie)
    intent = services.register_intent(actor=alice, values=_intent_values(guide))
    assert intent.organization == alice.profile.organization and intent.answer == ""
    assert Notification.objects.filter(recipient=charlie, event="intent_registered").exists()
    assert selectors.waiting_count() == 1


def test_an_intent_needs_a_partner_and_a_guide_in_force(alice, charlie):
    with pytest.raises(ValidationError) as refused:
        services.register_intent(actor=alice, values=_intent_values(partners="；、\n"))
    assert refused.value.message_dict["partners"] == ["请至少填写一个拟合作单位。"]
    draft = _guide(charlie, publish=False)
    with pytest.raises(ValidationError) as refused:
        services.register_intent(actor=alice, values=_intent_values(draft))
    assert refused.value.message_dict["guide"] == ["所选指南未发布或已废止。"]


def test_only_a_unit_user_registers_an_intent(bob, charlie):
    for user in (bob, charlie):
        with pytest.raises(PermissionDenied):
            services.register_intent(actor=user, values=_intent_values())


def test_city_staff_answer_and_the_unit_is_told_with_the_note(alice, charlie):
    intent = services.register_intent(actor=alice, values=_intent_values())
    with pytest.raises(ValidationError) as refused:
        services.answer_intent(actor=charlie, intent=intent, answer="improve", note="")
    assert "note" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.answer_intent(actor=alice, intent=intent, answer="encourage", note="")
    services.answer_intent(actor=charlie, intent=intent, answer="improve", note="请补充高校。")
    note = Notification.objects.get(recipient=alice, event="intent_answered")
    assert "建议完善" in note.subject and "请补充高校。" in note.body
    # The unit improves it: the answer is cleared and city staff are asked again.
    services.update_intent(actor=alice, intent=intent, values=_intent_values(goals="更具体。"))
    intent.refresh_from_db()
    assert intent.answer == "" and intent.goals == "更具体。"
    assert Notification.objects.filter(recipient=charlie, event="intent_revised").exists()


@pytest.mark.zeal_allow(*INTENT_CONVERSION)
def test_an_encouraged_intent_becomes_a_prefilled_draft_once(client, alice, charlie):
    guide = _guide(charlie)
    known = OrganizationFactory(name="辽东理工大学测试", kind="university")
    by_code = OrganizationFactory(name="按代码找到的研究院", kind="institute")
    intent = services.register_intent(
        actor=alice,
        values=_intent_values(
            guide, partners=f"辽东理工大学测试\n{by_code.uscc}\n尚未注册的检测中心"
        ),
    )
    with pytest.raises(ValidationError, match="鼓励组建"):
        services.convert_intent(actor=alice, intent=intent)
    services.answer_intent(actor=charlie, intent=intent, answer="encourage", note="")
    application = services.convert_intent(actor=alice, intent=intent)
    assert application.state == "draft" and application.lead == alice.profile.organization
    assert (application.name_core, application.goals, application.guide) == (
        "芳烃新材料",
        "攻克关键工艺。",
        guide,
    )
    assert application.industry_field.name == "芳烃及精细化工"
    members = set(application.memberships.values_list("organization_id", flat=True))
    assert members == {alice.profile.organization_id, known.pk, by_code.pk}
    intent.refresh_from_db()
    assert intent.application == application
    with pytest.raises(ValidationError, match="只能转一次"):
        services.convert_intent(actor=alice, intent=intent)
    found, missing = selectors.matched_partners(intent)
    assert [m.text for m in missing] == ["尚未注册的检测中心"] and len(found) == 2
    client.force_login(alice)
    page = client.get(reverse("intents:detail", args=[intent.pk])).content.decode()
    assert "尚未在平台注册的单位未加入申请草稿" in page and "尚未注册的检测中心" in page
    assert "转为申请草稿" not in page


def test_another_unit_cannot_convert_or_see_the_intent(client, alice, charlie):
    intent = services.register_intent(actor=alice, values=_intent_values())
    services.answer_intent(actor=charlie, intent=intent, answer="encourage", note="")
    other = make_user("olga", Role.APPLICANT, county_code="211002")
    with pytest.raises(PermissionDenied):
        services.convert_intent(actor=other, intent=intent)
    client.force_login(other)
    assert client.get(reverse("intents:detail", args=[intent.pk])).status_code == 404
    assert client.post(reverse("intents:convert", args=[intent.pk])).status_code == 404
    assert intent.organization.name not in client.get(reverse("intents:list")).content.decode()


def test_the_intent_pages_in_the_browser_flow(client, alice, charlie):
    guide = _guide(charlie)
    client.force_login(alice)
    page = client.get(reverse("intents:new") + f"?guide={guide.pk}").content.decode()
    assert f'<option value="{guide.pk}" selected>' in page
    response = client.post(reverse("intents:new"), {**_form(guide), "partners": "；、"})
    assert response.status_code == 422
    assert "请至少填写一个拟合作单位" in response.content.decode()
    assert "攻克关键工艺" in response.content.decode()  # what was typed is kept
    response = client.post(reverse("intents:new"), _form(guide))
    intent = Intent.objects.get()
    assert response.status_code == 302
    client.force_login(charlie)
    response = client.post(reverse("intents:answer", args=[intent.pk]), {"answer": "decline"})
    assert response.status_code == 422 and "须写明理由" in response.content.decode()
    client.post(reverse("intents:answer", args=[intent.pk]), {"answer": "encourage", "note": ""})
    client.force_login(alice)
    response = client.post(reverse("intents:convert", args=[intent.pk]))
    intent.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:detail", args=[intent.application_id])


def _form(guide):
    return {
        "guide": guide.pk if guide else "",
        "industry_field": IndustryField.objects.get(name="芳烃及精细化工").pk,
        "name_core": "芳烃新材料",
        "partners": "辽东理工大学",
        "goals": "攻克关键工艺。",
        "contact_name": "张明",
        "contact_phone": "0419-2100000",
        "contact_email": "",
    }


def test_city_staff_work_list_of_intents_is_a_fixed_number_of_queries(
    client, charlie, alice, django_assert_max_num_queries
):
    for n in range(3):
        arranging(services.register_intent)(
            actor=alice, values=_intent_values(name_core=f"名称{n}")
        )
    client.force_login(charlie)
    client.get(reverse("intents:list"))  # warm the session and roles
    with django_assert_max_num_queries(8):
        page = client.get(reverse("intents:list") + "?answer=none").content.decode()
    assert page.count("待答复") >= 3
    work_list = client.get(reverse("applications:list")).content.decode()
    assert "组建意向待答复 3 件" in work_list


def test_the_unit_sees_only_its_own_intents(client, alice, charlie):
    services.register_intent(actor=alice, values=_intent_values())
    other = make_user("olga", Role.APPLICANT, county_code="211002")
    services.register_intent(actor=other, values=_intent_values(name_core="别家的"))
    client.force_login(alice)
    page = client.get(reverse("intents:list")).content.decode()
    assert "芳烃新材料" in page and "别家的" not in page


def test_withdrawn_guides_stay_readable_marked(client, charlie):
    guide = _guide(charlie)
    Guide.objects.filter(pk=guide.pk).update(
        published_on=date(2024, 3, 1), withdrawn_on=date(2025, 1, 1)
    )
    page = client.get(reverse("guides:detail", args=[guide.pk])).content.decode()
    assert "已废止" in page and "2025年1月1日" in page


def test_a_unit_not_yet_verified_is_told_to_wait_and_cannot_register(client, alice):
    organization = alice.profile.organization
    type(organization).objects.filter(pk=organization.pk).update(verified_at=None)
    alice.profile.organization.refresh_from_db()
    with pytest.raises(PermissionDenied, match="核验通过后"):
        services.register_intent(actor=alice, values=_intent_values())
    client.force_login(alice)
    page = client.get(reverse("intents:new")).content.decode()
    assert "核验通过后即可登记组建意向" in page and "<form" not in page.split("<main")[-1]
    assert client.post(reverse("intents:new"), _form(None)).status_code == 404
    assert not Intent.objects.exists()


@pytest.mark.zeal_allow(*DEMO_SEEDING)
def test_the_demo_seeds_guides_and_intents_once():
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert Guide.objects.count() == 2 and Intent.objects.count() == 3
    in_force = selectors.guide_in_force()
    assert in_force.title == "2026年辽阳市创新联合体布局指南" and in_force.deadline is None
    assert sorted(Intent.objects.values_list("answer", flat=True)) == [
        "",
        "encourage",
        "improve",
    ]
    assert not Intent.objects.filter(application__isnull=False).exists()

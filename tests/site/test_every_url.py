"""Every URL of the project answers without a server error, for anonymous visitors and for
each role. URLs are walked from the resolver, so a new page is covered automatically;
one that needs a new kind of argument must be taught to ARGUMENTS below."""

import pytest
from captcha.models import CaptchaStore
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from members.integrity.services import pledge_token
from members.roles import Role
from members.services import attach_user_to_unit, invite_colleague
from tests.factories import OrganizationFactory, UserFactory, make_complete_application

pytestmark = pytest.mark.django_db


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue  # covered model by model below
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}", prefix + str(p.pattern), p


# How to fill each URL argument, from the objects of `_objects`.
ARGUMENTS = {
    "pk": lambda o: o["application"].pk,
    "member_pk": lambda o: o["member"].pk,
    "expert_pk": lambda o: o["expert"].pk,
    "attachment_pk": lambda o: o["attachment"].pk,
    "section": lambda o: "basic",
    "code": lambda o: "min_units",
    "token": lambda o: o["member"].confirm_token,
    "user_pk": lambda o: o["colleague"].pk,
    "invitation_pk": lambda o: o["invitation"].pk,
    "name": lambda o: "county_recommend",
    "app_pk": lambda o: o["application"].pk,
    "uidb64": lambda o: "MQ",
    "key": lambda o: o["captcha"],
    "round_pk": lambda o: o["application"].pk,  # no such round: a 404, not a server error
    "indicator": lambda o: 1,  # no assessment of that pk: a 404, not a server error
    "kind": lambda o: "application",
    # A valid signed research-integrity pledge link of a member unit.
    "pledge_token": lambda o: o["pledge_token"],
}


def _project_urls(objects=None):
    """Every non-admin URL, filled in; and the arguments nobody taught this test."""
    urls, unknown = [], []
    for name, route, pattern in _walk(get_resolver().url_patterns):
        # A path() names its arguments by converter, a re_path() by its regex groups.
        converters = pattern.pattern.converters or getattr(
            getattr(pattern.pattern, "regex", None), "groupindex", {}
        )
        if not converters and "<" not in route:
            urls.append("/" + route.lstrip("^").rstrip("$"))
            continue
        missing = [arg for arg in converters if arg not in ARGUMENTS]
        if missing or objects is None:
            unknown += [f"{route} ({arg})" for arg in missing]
            continue
        urls.append(reverse(name, kwargs={arg: ARGUMENTS[arg](objects) for arg in converters}))
    return urls, unknown


def _objects(owner):
    application = make_complete_application(lead=owner.profile.organization, creator=owner)
    colleague = UserFactory(username="colleague")
    attach_user_to_unit(user=colleague, organization=owner.profile.organization)
    return {
        "colleague": colleague,
        "invitation": invite_colleague(actor=owner),
        "application": application,
        "member": application.memberships.exclude(role="lead").first(),
        "pledge_token": pledge_token(
            subject=application,
            organization=application.memberships.exclude(role="lead").first().organization,
        ),
        "expert": application.chief_experts.first(),
        "attachment": application.attachments.first(),
        "captcha": CaptchaStore.generate_key(),
    }


def _admin_urls():
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        urls += [reverse(f"{base}_changelist"), reverse(f"{base}_changelist") + "?q=辽阳&o=1"]
        urls.append(reverse(f"{base}_add"))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            for view in ("change", "history", "delete"):
                urls.append(reverse(f"{base}_{view}", args=[obj.pk]))
    return urls


def test_it_knows_how_to_fill_every_url_with_arguments():
    _, unknown = _project_urls()
    assert all("(" in u for u in unknown)
    unknown = [u for u in unknown if u.split("(")[1].rstrip(")") not in ARGUMENTS]
    assert unknown == [], f"teach ARGUMENTS in test_every_url about {unknown}"


@pytest.mark.usefixtures("worker_answers")
@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_it_never_answers_500(client, role, role_users):
    OrganizationFactory()
    objects = _objects(role_users[Role.APPLICANT])
    if role is not None:
        client.force_login(role_users[role])
    plain, _ = _project_urls(objects)
    checked = []
    for url in plain + _admin_urls():
        # An empty POST to a delete page would really delete; logging out ends the run.
        methods = ("get",) if url.endswith("/delete/") or "logout" in url else ("get", "post")
        for method in methods:
            response = getattr(client, method)(url)
            assert response.status_code < 500, (
                f"{method.upper()} {url} as {role}: {response.status_code}"
            )
            checked.append(url)
    assert "/healthz" in checked and "/applications/" in checked


@pytest.mark.parametrize(
    "role",
    [None, Role.APPLICANT, Role.COUNTY_REVIEWER, Role.EXPERT],
    ids=lambda r: r.value if r else "anonymous",
)
def test_it_keeps_the_admin_to_admins(client, role, role_users):
    if role is not None:
        client.force_login(role_users[role])
    response = client.get("/admin/members/organization/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_it_lets_the_admin_role_search_units_in_the_admin(client, erin):
    org = OrganizationFactory(name="辽阳北方精细化工有限公司")
    client.force_login(erin)
    response = client.get("/admin/members/organization/", {"q": org.uscc})
    assert response.status_code == 200
    assert "辽阳北方精细化工有限公司" in response.content.decode()


def test_it_shows_each_role_its_work_list_title(client, role_users):
    titles = {
        Role.APPLICANT: "我的申报",
        Role.COUNTY_REVIEWER: "待本县区审核",
        Role.CITY_STAFF: "市局办理",
        Role.EXPERT: "我的评审任务",
        Role.ADMIN: "全部申报",
    }
    for role, user in role_users.items():
        client.force_login(user)
        # An expert's work list is their review tasks (/applications/ sends them there).
        body = client.get("/applications/", follow=True).content.decode()
        if role is Role.EXPERT:
            assert f'data-testid="expert-tasks-title">{titles[role]}<' in body
            assert 'href="/reviews/experts/">我的评审任务<' in body
            assert "暂无评审任务" in body
            continue
        assert f'data-testid="work-list-title">{titles[role]}<' in body
        assert "暂无待办事项" in body
        assert ('href="/admin/">系统管理<' in body) is (role is Role.ADMIN)


def test_it_sends_anonymous_visitors_from_the_work_list_to_sign_in(client):
    response = client.get("/applications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_it_explains_who_may_apply_on_the_public_home_page(client):
    body = client.get("/").content.decode()
    for words in ("谁可以申报", "组建条件", "办理流程", "不少于8家", "原则上", "增材制造"):
        assert words in body


def test_it_lets_city_staff_keep_integrity_records_but_not_users(client, charlie):
    client.force_login(charlie)
    assert client.get("/admin/members/integrityrecord/add/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403
    assert "诚信记录" in client.get("/applications/").content.decode()

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from members.models import Organization, UnitRegistration, UserProfile
from members.validators import uscc_error
from tests import nplusone

pytestmark = pytest.mark.django_db

# The lead units' users: applicant_a and applicant_b, the documented two, and one for each
# other demo application's lead (applicant_c … applicant_n); the ten experts.
APPLICANTS = {f"applicant_{letter}" for letter in "abcdefghijklmn"}
EXPERTS = {f"expert{n}" for n in range(1, 12)}
DEMO_USERS = {"admin", "city_staff", "county_baita", "county_dengta"} | APPLICANTS | EXPERTS
# The self-registered units' first users (members/accounts/demo.py), who sign in by e-mail.
REGISTRANTS = {"zhoumin@demo.invalid", "wuhao@demo.invalid"}


def _snapshot():
    User = get_user_model()
    return {
        u.username: (
            u.pk,
            tuple(sorted(u.groups.values_list("name", flat=True))),
            u.profile.organization_id,
            u.profile.county_id,
        )
        for u in User.objects.select_related("profile").prefetch_related("groups")
    }


def _rows():
    """Every demo row seed_demo makes beyond the users, by its natural key and state."""
    from applications.models import Application, Membership
    from members.models import IntegrityRecord
    from reviews.models import ExpertAssignment, ExpertProfile, PublicNotice

    return {
        "applications": sorted(
            Application.objects.values_list("pk", "lead__uscc", "name_core", "state")
        ),
        "members": Membership.objects.count(),
        "experts": sorted(
            (
                e.user.username,
                e.name,
                e.title,
                e.employer_id,
                e.phone,
                e.status,
                e.keywords,
                *sorted(map(str, e.fields.all())),
            )
            for e in ExpertProfile.objects.select_related("user").prefetch_related("fields")
        ),
        "assignments": sorted(
            ExpertAssignment.objects.filter(application__isnull=False).values_list(
                "application_id", "expert_id", "status", "replaces__expert_id"
            )
        ),
        # The assessment demo's experts (reporting/assessments/demo.py).
        "assessment_assignments": sorted(
            ExpertAssignment.objects.filter(assessment__isnull=False).values_list(
                "assessment_id", "expert_id"
            )
        ),
        "notices": PublicNotice.objects.count(),
        "integrity": sorted(
            IntegrityRecord.objects.values_list(
                "organization__uscc", "kind", "decision_number", "end_date", "ended_at"
            )
        ),
    }


@pytest.mark.zeal_allow(*nplusone.DEMO_SEEDING)
def test_it_gives_the_same_users_when_run_twice(settings, capsys):
    call_command("seed_demo")
    first, rows = _snapshot(), _rows()
    orgs = Organization.objects.count()
    call_command("seed_demo")
    assert _snapshot() == first
    assert _rows() == rows
    # 14, and applicant_e's re-application named for the assessment demo.
    assert len(rows["applications"]) == 15 and len(rows["experts"]) == 11
    # The library (reviews/experts/demo.py): one 暂停, a decline and an expiry, each replaced.
    assert [e[0] for e in rows["experts"] if e[5] == "suspended"] == ["expert9"]
    ended = [a for a in rows["assignments"] if a[2] in ("declined", "expired")]
    assert sorted(a[2] for a in ended) == ["declined", "expired"]
    assert len([a for a in rows["assignments"] if a[3] is not None]) == 2
    # City staff's 诚信记录 list has a record in force and one ended early.
    assert [r[4] is None for r in rows["integrity"]].count(True) == 1
    assert len(rows["integrity"]) == 2
    assert set(first) == DEMO_USERS | REGISTRANTS
    assert Organization.objects.count() == orgs
    assert UserProfile.objects.count() == len(DEMO_USERS | REGISTRANTS)
    assert UnitRegistration.objects.count() == len(REGISTRANTS)
    assert "applicant_a" in capsys.readouterr().out


@pytest.mark.zeal_allow(*nplusone.DEMO_SEEDING)
def test_it_binds_each_demo_user_to_its_role_unit_and_county(settings):
    settings.DEMO_PASSWORD = "another-demo-pass-1"
    call_command("seed_demo")
    users = {
        u.username: u
        for u in get_user_model()
        .objects.exclude(username__in=REGISTRANTS)
        .select_related("profile__county", "profile__organization__county")
    }
    assert users["county_baita"].profile.county.name == "白塔区"
    assert users["county_dengta"].profile.county.name == "灯塔市"
    assert users["applicant_a"].profile.organization.county.name == "白塔区"
    assert users["applicant_b"].profile.organization.county.name == "灯塔市"
    leads = {users[name].profile.organization for name in APPLICANTS}
    assert len(leads) == len(APPLICANTS)  # one lead unit each
    assert {unit.county.name for unit in leads} == {"白塔区", "灯塔市"}
    assert all(u.profile.is_unit_admin for name, u in users.items() if name in APPLICANTS)
    assert all(users[name].profile.organization.kind != "enterprise" for name in EXPERTS)
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["city_staff"].is_staff and not users["city_staff"].is_superuser
    assert not users["applicant_a"].is_staff
    assert all(u.check_password("another-demo-pass-1") for u in users.values())
    assert all(uscc_error(o.uscc) is None for o in Organization.objects.all())


@pytest.mark.zeal_allow(*nplusone.DEMO_SEEDING)
def test_it_leaves_one_registration_waiting_for_baita_and_one_returned(client):
    call_command("seed_demo")
    User = get_user_model()
    client.force_login(User.objects.get(username="county_baita"))
    queue = client.get(reverse("members:registration_queue")).content.decode()
    assert "辽阳市白塔区智造新材料有限公司" in queue
    waiting = UnitRegistration.objects.get(state=UnitRegistration.State.PENDING)
    assert waiting.county.name == "白塔区" and not waiting.organization.is_verified
    returned = UnitRegistration.objects.get(state=UnitRegistration.State.RETURNED)
    client.force_login(User.objects.get(username="wuhao@demo.invalid"))
    page = client.get(reverse("members:registration")).content.decode()
    assert returned.return_reason in page

"""The N+1 guard fires (issue 16 point 5): tests/nplusone.py is not just switched on, it fails
a test on the N+1s it is there for, in a request and in the code a test calls directly, and
its allowances are narrow enough to leave them visible."""

from pathlib import Path

import pytest
from zeal.errors import NPlusOneError

from applications.models import Membership
from members.models import Organization
from tests import nplusone
from tests.factories import OrganizationFactory, make_complete_application

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


# What a service with an N+1 looks like: one .get() per row. Compiled under a name in the
# portal's own tree (no such file exists), because the guard treats the tests' own code as
# arrangement, and this must be code under test.
_PROBE = ROOT / "applications" / "_nplusone_probe.py"
_namespace = {"Organization": Organization}
exec(
    compile(
        "def names_by_get(pks):\n    return [Organization.objects.get(pk=pk).name for pk in pks]\n",
        str(_PROBE),
        "exec",
    ),
    _namespace,
)
names_by_get = _namespace["names_by_get"]


def test_a_get_in_a_loop_fails_in_the_code_a_test_calls():
    pks = [unit.pk for unit in OrganizationFactory.create_batch(3)]
    with pytest.raises(NPlusOneError, match="members.Organization.get()"):
        names_by_get(pks)


def test_one_service_called_from_two_lines_of_a_test_is_not_an_n_plus_one():
    first, second = OrganizationFactory.create_batch(2)
    assert names_by_get([first.pk]) == [first.name]
    assert names_by_get([second.pk]) == [second.name]


def test_a_test_that_calls_a_service_once_per_case_is_not_an_n_plus_one():
    units = OrganizationFactory.create_batch(3)
    for unit in units:  # the loop is the test's, not the code's
        assert names_by_get([unit.pk]) == [unit.name]
    # The test's own lookups are arrangement, not code under test.
    assert [Organization.objects.get(pk=u.pk).name for u in units] == [u.name for u in units]


def test_a_relation_read_row_by_row_fails(alice):
    make_complete_application(lead=alice.profile.organization, creator=alice)
    with pytest.raises(NPlusOneError, match="applications.Membership.organization"):
        [membership.organization.name for membership in Membership.objects.all()]
    names = [m.organization.name for m in Membership.objects.select_related("organization")]
    assert len(names) >= 8


@pytest.mark.urls("tests.site.nplusone_urls")
def test_a_page_with_an_n_plus_one_fails_and_one_without_passes(client):
    OrganizationFactory.create_batch(3)
    assert client.get("/at-once/").status_code == 200
    with pytest.raises(NPlusOneError, match="members.Organization.get()"):
        client.get("/one-by-one/")


@pytest.mark.urls("tests.site.nplusone_urls")
@pytest.mark.zeal_allow({"model": "members.Organization", "field": "get()"})
def test_a_test_scope_allowance_does_not_reach_the_requests_it_makes(client):
    pks = [unit.pk for unit in OrganizationFactory.create_batch(2)]
    assert len(names_by_get(pks)) == 2  # allowed here, in the test's own scope
    with pytest.raises(NPlusOneError):
        client.get("/one-by-one/")


def test_no_blanket_allowance_is_left():
    everywhere = nplusone.ALLOWLIST + nplusone.TEST_SCOPE_ALLOWANCES
    assert all(entry["model"] != "*" for entry in everywhere)
    assert {"model": "*", "field": "get()"} not in everywhere

"""The suite's N+1 detector (django-zeal), switched on by tests/conftest.py.

zeal counts reads per line of code: within one scope, two reads of one relation (or two
.get() calls on one model) from the same line are an N+1, and the test fails (ZEAL_RAISE).
Two scopes:
- Each request is a scope of its own, with every check on (DESIGN.md §11): no page may read
  row by row. The browser tests' live server runs the same check; a page that trips it
  answers 500.
- Each test is a scope too, for the code it calls directly (services, selectors, tasks,
  commands), with TEST_SCOPE_ALLOWANCES: zeal cannot tell a test that calls a service
  twice from a loop that calls it twice.

An allowance names one model and one field, says why, and is scoped as narrowly as it can
be: to some pages (PATH_ALLOWANCES), to one test (@pytest.mark.zeal_allow(entry, ...)), or to
the tests of one module (NODE_ALLOWANCES). Test data made with tests.factories.arranging (or
a factory of tests.factories) does not count at all.
"""

import re

from zeal import setup, teardown, zeal_ignore

# Everywhere (settings.ZEAL_ALLOWLIST, requests included).
ALLOWLIST = [
    # Django's session backend reads its one row with .get() when it loads the session and
    # again when login() cycles the key; zeal names the first frame outside site-packages
    # (a project middleware, or the test that makes the request) for both.
    {"model": "sessions.Session", "field": "get()"},
]

# Only for requests whose path matches: pages Django builds itself, and the portal's
# known exceptions.
PATH_ALLOWANCES = [
    (
        re.compile(r"^/admin/"),
        [
            # The admin reads the signed-in user and the user a page shows with a .get()
            # each, both inside Django; zeal names the same project frame for the two.
            {"model": "auth.User", "field": "get()"},
        ],
    ),
    (
        re.compile(r"^/admin/.+/delete/$"),
        [
            # A delete confirmation names each related row by str(), which Django's
            # collector does not prepare: a profile's name is its user's, a membership's
            # its unit's, a guardian object permission's its holder's and permission's. A
            # rare admin action on one object, not a list.
            {"model": "members.UserProfile", "field": "user"},
            {"model": "applications.Membership", "field": "organization"},
            # A research-integrity pledge is named by its unit too.
            {"model": "members.IntegrityPledge", "field": "organization"},
            {"model": "*GroupObjectPermission", "field": "group"},
            {"model": "*UserObjectPermission", "field": "user"},
            {"model": "*ObjectPermission", "field": "permission"},
        ],
    ),
    (
        re.compile(r"^/notices/rounds/\d+/publish/$"),
        [
            # Publishing a round's result notice moves each assessment through
            # reporting.assessments.workflow.perform, which locks and reads its one row:
            # one transition (with its log and audit row) per consortium, by design.
            {"model": "reporting.Assessment", "field": "get()"},
        ],
    ),
    (
        re.compile(r"^/assessments/rounds/\d+/(open|close)/$"),
        [
            # Opening a round (and closing it) moves each assessment in scope through
            # reporting.assessments.workflow.perform, as publishing a result notice does:
            # one locked transition per consortium, by design.
            {"model": "reporting.Assessment", "field": "get()"},
            # …and each lead unit is told (applications.consortia.lead_users: its group).
            {"model": "auth.Group", "field": "get()"},
        ],
    ),
    (
        re.compile(r"^/intents/\d+/convert/$"),
        [
            # Turning an encouraged intent into a draft adds each registered partner
            # through applications.services.add_member, as a unit added by hand: a handful
            # of units, once per intent.
            {"model": "applications.Application", "field": "memberships"},
        ],
    ),
]

# For @pytest.mark.zeal_allow(*INTENT_CONVERSION) on tests that call convert_intent directly.
INTENT_CONVERSION = [{"model": "applications.Application", "field": "memberships"}]

# Only in the test's own scope, not in the requests it makes.
TEST_SCOPE_ALLOWANCES = [
    # A test calls services one after another (submit, then recommend, then ...), and each
    # reads or locks its one row with .get() on the same line. A .get() in a loop within a
    # request still fails.
    {"model": "*", "field": "get()"},
    # A test acts as several users in turn, and members.roles.roles_of reads the groups of
    # each (once per user object, cached on it; a request has one user).
    {"model": "auth.User", "field": "groups"},
]

# For @pytest.mark.zeal_allow(*DEMO_SEEDING) on the tests that seed the demo: seed_demo
# makes a fixed handful of rows one at a time through the services a user's clicks call
# (a loop over the ten demo experts, the demo members, the two demo notices).
DEMO_SEEDING = [
    {"model": "auth.User", "field": "profile"},
    {"model": "reviews.ExpertProfile", "field": "fields"},
    {"model": "applications.Application", "field": "memberships"},
    {"model": "reviews.PublicNotice", "field": "applications"},
    # …and the two demo guides, each with its industry fields (applications/guides/demo.py).
    {"model": "applications.Guide", "field": "industry_fields"},
]

# Only in the scope of the tests whose node id starts with the key (none at present; for
# test code that cannot yet be wrapped in tests.factories.arranging).
NODE_ALLOWANCES: dict[str, list] = {}


def allowances_for(node) -> list:
    """The allowances of one test's own scope."""
    entries = list(TEST_SCOPE_ALLOWANCES)
    for prefix, extra in NODE_ALLOWANCES.items():
        if node.nodeid.startswith(prefix):
            entries += extra
    for marker in node.iter_markers("zeal_allow"):
        entries += marker.args
    return entries


def per_request(get_response):
    """Middleware: the request in a scope of its own, as in production (one request, one
    unit of work), not inside the test's scope with its counts and allowances."""

    def middleware(request):
        outer = setup()  # only for its token: resetting it gives the test its scope back
        teardown()  # a clean slate, without the test's counts or allowances
        setup()
        try:
            allowances = [
                entry
                for pattern, entries in PATH_ALLOWANCES
                if pattern.match(request.path)
                for entry in entries
            ]
            with zeal_ignore(allowances):
                return get_response(request)
        finally:
            teardown(outer)

    return middleware

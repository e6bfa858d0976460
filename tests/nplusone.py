"""The suite's N+1 detector (django-zeal), switched on by tests/conftest.py.

zeal counts reads per line of code: within one scope, two reads of one relation (or two
.get() calls on one model) from the same line are an N+1, and the test fails (ZEAL_RAISE).
Two scopes:
- Each request is a scope of its own, with every check on (DESIGN.md §11): no page may read
  row by row. The browser tests' live server runs the same check; a page that trips it
  answers 500.
- Each test is a scope too, for the code it calls directly (services, selectors, tasks,
  commands). There a read is placed by its whole chain of project frames (_caller), so a
  service called from two lines of a test is not an N+1 but a loop inside it is;
  TEST_SCOPE_ALLOWANCES holds what remains.

An allowance names one model and one field, says why, and is scoped as narrowly as it can
be: to some pages (PATH_ALLOWANCES), to one test (@pytest.mark.zeal_allow(entry, ...)), or to
the tests of one module (NODE_ALLOWANCES). Test data made with tests.factories.arranging (or
a factory of tests.factories) does not count at all.
"""

import re
import sys
from contextvars import ContextVar
from fnmatch import fnmatch
from pathlib import Path

import zeal.listeners
from zeal import setup, teardown, zeal_ignore

# Whether the code running is inside a request (per_request below) rather than in a test's own
# scope: the two count repeats differently (_caller).
_IN_REQUEST: ContextVar[bool] = ContextVar("zeal_in_request", default=False)
_ROOT = str(Path(__file__).resolve().parents[1]) + "/"
_TESTS = _ROOT + "tests/"

# Places in the portal's code that read one row at a time by design, each with why. In a
# test's own scope only: a request that does the same still fails unless PATH_ALLOWANCES
# names its page. Keyed by (file under the project, function).
PLACE_ALLOWANCES = {
    ("reporting/assessments/workflow.py", "perform"): (
        "each assessment moves by its own locked transition, with its log and audit row "
        "(opening or closing a round, publishing its result notice)"
    ),
    ("applications/workflow.py", "perform"): (
        "likewise each application a notice lists or a Party-group meeting decides: its own "
        "locked transition, log, audit row and notifications, a handful per notice or meeting"
    ),
    ("*/demo.py", "*"): (
        "the demo is seeded through the services a user's clicks call, one fixed row at a "
        "time (a handful of units, users, experts, applications)"
    ),
    ("*/demo_*.py", "*"): "the demo's consortia and the like, as above",
    ("liaoyang_consortia/management/commands/seed_demo.py", "*"): "the demo, as above",
    ("*/migrations/*.py", "*"): (
        "reference data a migration writes row by row, which transactional tests put back "
        "after a flush (tests/conftest.py _reference_data, the e2e tests' own seeding)"
    ),
}


def _allowed(relative: str, function: str) -> bool:
    return any(
        fnmatch(relative, path) and fnmatch(function, name) for path, name in PLACE_ALLOWANCES
    )


class _Place:
    """A read's place for zeal's counts: the chain of project frames, and the invocation of
    the portal's outermost frame (the service, task or command the test called). The frame
    is kept, so that its id cannot be reused by a later call within the test."""

    __slots__ = ("text", "entry")

    def __init__(self, text, entry):
        self.text, self.entry = text, entry

    def __hash__(self):
        return hash((self.text, id(self.entry)))

    def __eq__(self, other):
        return isinstance(other, _Place) and (self.text, self.entry) == (other.text, other.entry)

    def __str__(self):
        return self.text


def _caller() -> tuple[object, int, str]:
    """Where a read comes from, for zeal's counts (zeal keys them by this and prints
    "at {place}:{line}").

    In a request: the first project frame, as zeal has it. Two reads from one line are an
    N+1, however the line was reached.

    In a test's own scope, two reads count as repeats only within one call from the test
    into the portal, and only from the same chain of lines.
    - A .get() in a loop inside a service, the daily job or the cycle still fails.
    - A test that calls a service twice, or once per case in a loop, does not: the loop is
      the test's, not the code's. This replaces the blanket `{"model": "*", "field":
      "get()"}` the test scope had until issue 16.
    - A test's own .get() calls, looking up what it made, are not code under test and do
      not count. Its own relation reads in a loop still do.
    - PLACE_ALLOWANCES name the few places in the portal that read row by row by design."""
    if _IN_REQUEST.get():
        # zeal's own rule; its get_caller would name this function, so walk from zeal's frame.
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_filename
            if "site-packages" not in name and name != __file__:
                return (name, frame.f_lineno, frame.f_code.co_name)
            frame = frame.f_back
        return ("<unknown>", 0, "<unknown>")
    notify = sys._getframe(1)
    field = notify.f_locals.get("field")  # zeal's notify(model, field, ...) is the caller
    frames = []
    frame = notify
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_ROOT) and name != __file__ and "site-packages" not in name:
            frames.append(frame)
        frame = frame.f_back
    if not frames:
        return ("<unknown>", 0, "<unknown>")
    portal = [f for f in frames if not f.f_code.co_filename.startswith(_TESTS)]
    innermost = frames[0]
    if not portal:
        if field == "get()":
            return (_Place("a test's own lookup", object()), 0, innermost.f_code.co_name)
        portal = [frames[-1]]
    for frame in portal:  # an allowed place, or anything it calls
        relative = frame.f_code.co_filename[len(_ROOT) :]
        if _allowed(relative, frame.f_code.co_name):
            return (_Place(f"{relative} (allowed)", object()), 0, frame.f_code.co_name)
    chain = " <- ".join(f"{f.f_code.co_filename[len(_ROOT) :]}:{f.f_lineno}" for f in frames[1:])
    where = innermost.f_code.co_filename[len(_ROOT) :]
    text = f"{where}, via {chain}, line" if chain else where
    return (_Place(text, portal[-1]), innermost.f_lineno, innermost.f_code.co_name)


def install() -> None:
    """Called once from tests/conftest.py, after zeal's own patching."""
    zeal.listeners.get_caller = _caller


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
    (
        re.compile(r"^/reviews/experts/pool/\d+/(status|misconduct)/$"),
        [
            # Suspending an expert, taking one out or recording misconduct withdraws each of
            # the expert's open invitations (reviews.experts.services.withdraw_open), taking
            # each application's row lock in turn, one subject at a time as every writer of
            # assignments does (found by tests/security/test_allowed_actions.py).
            {"model": "applications.Application", "field": "get()"},
        ],
    ),
    (
        re.compile(r"^/admin/\w+/\w+/[^/]+/delete/$"),
        [
            # The admin's delete confirmation lists every row the deletion would take with
            # it, each by its str() (django.contrib.admin.utils.get_deleted_objects, one
            # object at a time); these str() read a relation. An admin's rare confirmation
            # page, as long as the cascade (found by the authorization matrix's admin rows).
            {"model": "applications.Intent", "field": "organization"},
            {"model": "reviews.ExpertAssignment", "field": "application"},
            {"model": "reviews.ExpertAssignment", "field": "expert"},
            {"model": "reporting.Assessment", "field": "consortium"},
        ],
    ),
]

# For @pytest.mark.zeal_allow(*INTENT_CONVERSION) on tests that call convert_intent directly.
INTENT_CONVERSION = [{"model": "applications.Application", "field": "memberships"}]

# Only in the test's own scope, not in the requests it makes.
TEST_SCOPE_ALLOWANCES = [
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
        in_request = _IN_REQUEST.set(True)
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
            _IN_REQUEST.reset(in_request)
            teardown(outer)

    return middleware

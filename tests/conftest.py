import importlib
import os

import pytest
import zeal
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS
from django.test import override_settings
from zeal.constants import initialize_app_registry
from zeal.patch import patch as zeal_patch

from members.roles import Role
from tests import nplusone
from tests.factories import make_user

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(
            "The suite runs on PostgreSQL only: use `make test`, which starts it "
            f"(DATABASE_URL gives {engine})."
        )
    # django-zeal (the N+1 detector) is a test tool: rather than listing it in the one
    # settings module's INSTALLED_APPS, do here what its AppConfig.ready() does, before any
    # test module is imported.
    initialize_app_registry()
    zeal_patch()
    nplusone.install()
    config.addinivalue_line(
        "markers",
        "zeal_allow(*entries): N+1 allowances (zeal allowlist entries) for this test's own "
        "scope, each with a comment why (tests/nplusone.py)",
    )


@pytest.fixture(scope="session", autouse=True)
def _zeal_per_request():
    """The N+1 detector's scope for each request (tests/nplusone.py). Session-wide, because
    the browser tests' live server loads its middleware once. ZEAL_RAISE: an N+1 fails the
    test (the live server answers 500)."""
    middleware = ["tests.nplusone.per_request", *settings.MIDDLEWARE]
    with override_settings(
        MIDDLEWARE=middleware, ZEAL_RAISE=True, ZEAL_ALLOWLIST=nplusone.ALLOWLIST
    ):
        yield


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, but with static files served as in production: by
    WhiteNoise from STATIC_ROOT (collected by `make test`, hashed names when STATIC_MANIFEST
    is on), not by Django's finders, which know no hashed name."""
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = lambda handler: handler
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the statistics page keeps its tables in it),
    as the database starts empty."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _zeal(request):
    """The N+1 detector's scope for each test, for the code it calls directly
    (tests/nplusone.py). Test data made by tests/factories.py does not count."""
    with zeal.zeal_context(), zeal.zeal_ignore(nplusone.allowances_for(request.node)):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for a suite that makes many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Put back what migrating gives every database, for transactional tests (browser,
    worker, threads): the test before may have flushed it. (serialized_rollback does not
    survive Playwright's event loop, which hands the test another connection object.)"""
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        marker = request.node.get_closest_marker("django_db")
        if not (marker and marker.kwargs.get("transaction")):
            return
    request.getfixturevalue("transactional_db")
    emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)
    for module, function in (
        ("members.migrations.0002_reference_data", "forwards"),
        ("members.migrations.0004_default_policy_version", "forwards"),
        ("reviews.migrations.0002_default_score_sheet", "create_sheet"),
        ("reporting.migrations.0003_default_indicator_template", "seed"),
        ("reporting.migrations.0005_coordination_items", "seed_departments"),
    ):
        getattr(importlib.import_module(module), function)(django_apps, None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium: Playwright cannot download its own browser here.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


# One user per role. Names follow the healthchecks habit of fixed people.
@pytest.fixture
def alice(db):
    """Applicant: the unit administrator of a lead enterprise in 白塔区."""
    return make_user("alice", Role.APPLICANT, county_code="211002")


@pytest.fixture
def bob(db):
    """County reviewer for 白塔区."""
    return make_user("bob", Role.COUNTY_REVIEWER, county_code="211002")


@pytest.fixture
def charlie(db):
    """City bureau staff."""
    return make_user("charlie", Role.CITY_STAFF)


@pytest.fixture
def dora(db):
    """Expert employed by a university."""
    return make_user("dora", Role.EXPERT)


@pytest.fixture
def erin(db):
    """System administrator."""
    return make_user("erin", Role.ADMIN)


@pytest.fixture
def role_users(alice, bob, charlie, dora, erin):
    return {
        Role.APPLICANT: alice,
        Role.COUNTY_REVIEWER: bob,
        Role.CITY_STAFF: charlie,
        Role.EXPERT: dora,
        Role.ADMIN: erin,
    }


@pytest.fixture
def worker_answers(monkeypatch):
    """/healthz as if a Celery worker answered its ping: the suite's web tests run no
    worker (tests/integration/test_health_worker.py pings a real one), and a page-wide test
    (every URL, the matrix) is about the page, not the worker."""
    from liaoyang_consortia import health

    monkeypatch.setattr(health, "worker_status", lambda: "ok (1)")


# What the README's "Proof under load and attack" quotes, printed at the end of each run from
# the tests' own collections (issue 16 point 8): (module, constant, label). A module this run
# did not collect is left out rather than imported.
PROOF_COUNTS = [
    ("tests.security.test_fuzz_forms", "FORMS_FUZZED", "forms fuzzed"),
    ("tests.security.test_fuzz_forms", "FORMS_TOTAL", "forms in the project"),
    ("tests.security.test_authorization_matrix", "MATRIX_URLS", "URLs in the matrix"),
    ("tests.security.test_authorization_matrix", "ADMIN_URLS", "of them the admin's"),
    ("tests.security.test_authorization_matrix", "MATRIX_CELLS", "matrix cells"),
    ("tests.security.test_allowed_actions", "ALLOWED_POSTS_EXERCISED", "allowed POSTs posted"),
    ("tests.security.test_allowed_actions", "ALLOWED_POSTS", "allowed POST cells"),
    ("tests.races.test_races", "RACES", "races"),
    ("tests.workflow.test_application_transitions", "TRANSITIONS_TESTED", "transitions run"),
    ("tests.workflow.test_application_transitions", "CASES_TESTED", "transition cases"),
    ("tests.workflow.test_guard_messages", "GUARDS_TESTED", "guard messages (both machines)"),
    (
        "tests.workflow.test_assessment_transitions",
        "ASSESSMENT_TRANSITIONS_TESTED",
        "assessment transitions run",
    ),
    ("tests.workflow.test_assessment_transitions", "ASSESSMENT_CASES_TESTED", "assessment cases"),
    ("tests.workflow.test_guard_messages", "ASSESSMENT_GUARDS_TESTED", "of them the assessment's"),
    (
        "tests.integration.test_resilience_worker",
        "MESSAGES_SWEPT_BY_TWO_WORKERS",
        "messages swept by two workers at once",
    ),
]


def proof_counts() -> list[tuple[str, object]]:
    import sys

    found = [
        (label, getattr(sys.modules[module], name))
        for module, name, label in PROOF_COUNTS
        if module in sys.modules and hasattr(sys.modules[module], name)
    ]
    found.append(("named N+1 places (tests/nplusone.py)", len(nplusone.PLACE_ALLOWANCES)))
    return found


def pytest_terminal_summary(terminalreporter):
    terminalreporter.section("proof counts (README: Proof under load and attack)")
    for label, value in proof_counts():
        terminalreporter.write_line(f"{label}: {value}")

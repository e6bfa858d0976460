"""The demo's own path (`make run`, scripts/run.sh) on a fresh SQLite file, so the first
command a newcomer types cannot break unnoticed (DESIGN.md §9): migrate, seed_demo twice,
the real development server, each demo role signed in over HTTP opening its pages.

The suite itself runs on PostgreSQL only (tests/conftest.py), so the SQLite side runs in
subprocesses with the environment run.sh gives them; nothing here touches the suite's
database. The SQLite forms of the PostgreSQL triggers (liaoyang_consortia/migrations
0004-0006) are checked here too, on the same migrated file.
"""

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import pytest

from liaoyang_consortia import dataversion

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable))
# settings.DEMO_PASSWORD's default: what seed_demo gives every demo account.
PASSWORD = "demo-pass-2026"
# What the environment keeps of the suite's (which points at PostgreSQL, DEBUG off, …):
# only what any shell has.
KEEP = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")


def _name(core: str) -> str:
    return f"辽阳市{core}创新联合体"


# username: (the pages its menu must offer besides / and /applications/, demo applications
# its work list shows, demo applications it must not show). From liaoyang_consortia/demo.py
# and applications/demo.py.
ROLES = {
    "admin": (
        {"/notices/manage/", "/reviews/experts/pool/", "/statistics/", "/reports/", "/admin/"},
        {_name("芳烃精细化工"), _name("铝合金精深加工"), _name("先进催化材料")},
        set(),
    ),
    "city_staff": (
        {"/notices/manage/", "/reviews/experts/pool/", "/statistics/", "/reports/"},
        {_name("高性能铝材"), _name("先进催化材料"), _name("智能制造装备")},
        {_name("芳烃精细化工"), _name("高端催化材料")},  # applicant_a's drafts
    ),
    "county_baita": (
        {"/consortia/", "/notices/"},
        {_name("智能制造装备"), _name("增材制造")},
        {_name("铝合金精深加工"), _name("芳烃精细化工")},  # 灯塔市's; a draft
    ),
    "county_dengta": (
        {"/consortia/", "/notices/"},
        {_name("铝合金精深加工"), _name("高性能铝材")},
        {_name("智能制造装备")},
    ),
    # Each demo application has its own lead unit: a unit's users see only theirs.
    "applicant_a": (
        {"/my-consortia/", "/reports/", "/unit/"},
        {_name("芳烃精细化工")},
        {_name("铝合金精深加工"), _name("高端催化材料"), _name("智能制造装备")},
    ),
    "applicant_b": (
        {"/my-consortia/", "/reports/", "/unit/"},
        {_name("铝合金精深加工")},
        {_name("芳烃精细化工"), _name("医药中间体")},
    ),
    "applicant_d": (
        {"/my-consortia/", "/reports/", "/unit/"},
        {_name("智能制造装备")},
        {_name("芳烃精细化工")},
    ),
    "expert1": ({"/reviews/experts/"}, {_name("增材制造")}, {_name("芳烃精细化工")}),
}


@dataclass
class Demo:
    folder: Path
    env: dict
    seeded: str  # the second seed_demo's output


def _env(folder: Path) -> dict:
    env = {key: os.environ[key] for key in KEEP if key in os.environ}
    # As scripts/run.sh sets them (CELERY_BROKER_URL unset: Celery runs tasks in-process).
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{folder / 'demo.sqlite3'}",
        MEDIA_ROOT=str(folder / "media"),
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(demo_env: dict, *args: str, timeout: int = 300) -> str:
    started = time.monotonic()
    done = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=demo_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        pytest.fail(
            f"manage.py {' '.join(args)[:80]} exited {done.returncode} on SQLite "
            f"after {time.monotonic() - started:.1f} s\n"
            f"--- stdout (end)\n{done.stdout[-3000:]}\n--- stderr (end)\n{done.stderr[-6000:]}",
            pytrace=False,
        )
    return done.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A fresh SQLite file taken through run.sh's first two steps, seed_demo twice."""
    folder = tmp_path_factory.mktemp("demo")
    env = _env(folder)
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    seeded = _manage(env, "seed_demo")  # idempotent: a second `make run` works too
    return Demo(folder=folder, env=env, seeded=seeded)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


@pytest.fixture(scope="module")
def server(demo):
    """run.sh's last step: the development server on a loopback port, until the module ends."""
    port = _free_port()
    log = demo.folder / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=demo.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Server(url=f"http://127.0.0.1:{port}", log=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"runserver exited {process.returncode}\n{running.output()}", pytrace=False
                )
            try:
                with urllib.request.urlopen(f"{running.url}/healthz", timeout=5):
                    break
            except urllib.error.HTTPError:
                break  # it answers; the pages are checked by the tests
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"runserver did not answer in 60 s\n{running.output()}", pytrace=False
                    )
                time.sleep(0.2)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


class Browser:
    """A signed-in user: a cookie jar and an opener that follows redirects."""

    def __init__(self, server: Server, username: str):
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.get("/accounts/login/")
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        status, path, body = self.open("/accounts/login/", urllib.parse.urlencode(form).encode())
        # An expert lands on their review tasks, everyone else on the work list.
        assert (status, path) in ((200, "/applications/"), (200, "/reviews/experts/")), (
            f"{username} could not sign in: {status} {path}\n{body[:2000]}\n{server.output()}"
        )

    def open(self, path: str, data: bytes | None = None) -> tuple[int, str, str]:
        """(status, path after redirects, body)."""
        try:
            with self.opener.open(f"{self.server.url}{path}", data=data, timeout=60) as response:
                final = urllib.parse.urlsplit(response.geturl()).path
                return response.status, final, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, path, error.read().decode("utf-8", "replace")

    def get(self, path: str) -> str:
        status, final, body = self.open(path)
        assert (status, final) == (200, path), (
            f"GET {path}: {status} (at {final})\n{body[:3000]}\n{self.server.output()}"
        )
        return body


def _menu(body: str) -> list[str]:
    nav = re.search(r'data-testid="nav".*?</ul>', body, re.S)
    assert nav, "no navigation on the page"
    return re.findall(r'href="([^"#]+)"', nav.group(0))


def test_it_follows_scripts_run_sh():
    """The steps below are run.sh's own (it also installs packages and the venv, which a
    test must not)."""
    script = (ROOT / "scripts" / "run.sh").read_text()
    for step in (
        "manage.py migrate --noinput",
        "manage.py seed_demo",
        'manage.py runserver "127.0.0.1:$PORT"',
        "unset CELERY_BROKER_URL",
        "PORT=${PORT:-8000}",
    ):
        assert step in script


def test_the_demo_runs_on_a_fresh_sqlite_file_for_every_role(demo, server):
    assert f"密码均为 {PASSWORD}" in demo.seeded
    assert set(ROLES) <= set(re.findall(r"^\s+(\w+)\s", demo.seeded, re.M))
    # Signed out: the home page, and the stylesheet (DEBUG: runserver serves it).
    for path in ("/", "/static/css/portal.css"):
        with urllib.request.urlopen(f"{server.url}{path}", timeout=30) as response:
            assert response.status == 200, path
    problems = []
    for username, (pages, shown, hidden) in ROLES.items():
        user = Browser(server, username)
        # An expert's work list is their review tasks (/applications/ redirects there).
        work_list = user.get(
            "/reviews/experts/" if username.startswith("expert") else "/applications/"
        )
        menu = _menu(work_list)
        if missing := pages - set(menu):
            problems.append(f"{username}: the menu lacks {sorted(missing)} (has {menu})")
        if missing := {name for name in shown if name not in work_list}:
            problems.append(f"{username}: /applications/ does not list {sorted(missing)}")
        if leaked := {name for name in hidden if name in work_list}:
            problems.append(f"{username}: /applications/ lists {sorted(leaked)}")
        # Every page the menu offers, and the first applications of the work list.
        details = sorted(set(re.findall(r'href="(/applications/\d+/)"', work_list)))[:2]
        assert details, f"{username}: no application to open"
        for path in ["/", *dict.fromkeys(menu), *details]:
            status, final, body = user.open(path)
            if (status, final) != (200, path):
                problems.append(f"{username}: GET {path} → {status} (at {final})")
    assert not problems, "\n".join(problems) + "\n--- server\n" + server.output()
    assert "Traceback" not in server.output(), server.output()


UPDATE_NAME = (
    "from applications.models import Application; "
    "Application.objects.filter(name_core={old!r}).update(name_core={new!r})"
)


def test_the_cached_work_list_follows_a_write_from_another_process(demo, server):
    """The work list is cached in the server's memory; a write made elsewhere (here another
    process, as a script or the admin might) raises the version through the SQLite
    triggers, and the next page shows it."""
    for username, core in (("county_dengta", "高性能铝材"), ("applicant_c", "高端催化材料")):
        user = Browser(server, username)
        assert _name(core) in user.get("/applications/")
        assert _name(core) in user.get("/applications/")  # now from the cache
        _manage(demo.env, "shell", "-c", UPDATE_NAME.format(old=core, new=f"{core}改"))
        try:
            body = user.get("/applications/")
            assert _name(f"{core}改") in body, f"{username} was served a stale work list"
        finally:
            _manage(demo.env, "shell", "-c", UPDATE_NAME.format(old=f"{core}改", new=core))
        assert _name(core) in user.get("/applications/")


# Run by `manage.py shell -c` on the demo file: the versions after each write.
TRIGGER_SCRIPT = """
import json
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from applications.models import Application
from liaoyang_consortia import dataversion

def versions():
    return list(dataversion.current(dataversion.WORK_LIST, dataversion.WORK_LIST_DRAFTS))

out = {"start": versions()}
with connection.cursor() as cursor:
    cursor.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
    out["triggers"] = cursor.fetchall()
draft = Application.objects.filter(submitted_at=None).order_by("pk").first()
draft.save()
out["draft saved"] = versions()
submitted = Application.objects.exclude(submitted_at=None).order_by("pk").first()
Application.objects.filter(pk=submitted.pk).update(updated_at=timezone.now())
out["submitted one updated"] = versions()
new = Application.objects.create(lead=draft.lead, created_by=draft.created_by)
out["draft created"] = versions()
Application.objects.filter(pk=new.pk).update(submitted_at=timezone.now())
out["draft submitted"] = versions()
Application.objects.filter(pk=new.pk).delete()
out["submitted one deleted"] = versions()
Application.objects.filter(pk=-1).update(name_core="none")
out["no row updated"] = versions()
user = get_user_model().objects.get(username="applicant_b")
user.last_login = timezone.now()
user.save(update_fields=["last_login"])
out["signed in"] = versions()
user.is_active = False
user.save(update_fields=["is_active"])
out["deactivated"] = versions()
user.is_active = True
user.save(update_fields=["is_active"])
out["reactivated"] = versions()
out["unknown name"] = list(dataversion.current("no_such_list", dataversion.WORK_LIST))
out["no name"] = list(dataversion.current())
print("VERSIONS " + json.dumps(out))
"""


def test_the_sqlite_triggers_raise_the_versions(demo):
    output = _manage(demo.env, "shell", "-c", TRIGGER_SCRIPT)
    found = re.search(r"^VERSIONS (.*)$", output, re.M)
    assert found, output
    v = json.loads(found.group(1))

    # A trigger for each event on every table the work list reads. Django's SQLite schema
    # editor rebuilds a table for some changes (e.g. adding a NOT NULL column with a
    # default): the copy has no triggers, and that table's writes would leave cached work
    # lists stale. A migration that does so must create them again.
    covered = set()
    for table, sql in v["triggers"]:
        for event in re.findall(r"AFTER (INSERT|UPDATE|DELETE)", sql):
            covered.add((table, event))
    expected = set(product(dataversion.WORK_LIST_TABLES, ["INSERT", "UPDATE", "DELETE"]))
    assert expected <= covered, (
        f"no data version trigger on SQLite for {sorted(expected - covered)}: a migration "
        "after liaoyang_consortia 0004 rebuilt the table (see migrations 0004-0006)"
    )

    shared, drafts = v["start"]
    assert shared > 0 and drafts > 0  # seeding wrote both
    assert v["draft saved"] == [shared, drafts + 1]  # no clerk's list changes
    assert v["submitted one updated"] == [shared + 1, drafts + 1]
    assert v["draft created"] == [shared + 1, drafts + 2]
    assert v["draft submitted"] == [shared + 2, drafts + 3]  # it was a draft before
    assert v["submitted one deleted"] == [shared + 3, drafts + 3]
    assert v["no row updated"] == [shared + 3, drafts + 3]
    assert v["signed in"] == [shared + 3, drafts + 3]  # last_login: no list shows it
    assert v["deactivated"] == [shared + 4, drafts + 3]
    assert v["reactivated"] == [shared + 5, drafts + 3]
    assert v["unknown name"] == [0, shared + 5]
    assert v["no name"] == []

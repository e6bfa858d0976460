"""The measuring half of `make bench` (DESIGN.md §11). scripts/bench.sh seeds the database,
starts gunicorn and runs this program, which prints one Markdown table and the load-test
verdict, each number beside its target.

- Server-side latency: Django's test client in this process (no network), time.perf_counter
  around each request, CaptureQueriesContext for the query count.
- Requests per second: a small threaded HTTP client against gunicorn on loopback, a fixed
  duration per URL, the county work list and the one-query home page in the same run.
- PDF and reporting cycle: the real functions, the cycle in a transaction rolled back.
- Load test: locust headless (scripts/locustfile.py), verdict read from its CSV.
Traffic goes to 127.0.0.1 only.
"""

import argparse
import csv
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaoyang_consortia.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from applications.models import Application, State  # noqa: E402
from members.models import IndustryField  # noqa: E402
from reviews.models import ExpertAssignment, PublicNotice  # noqa: E402

PAGE_P95_MS = 150  # work lists and detail pages
RATIO_MIN = 0.40
PDF_SECONDS, PDF_BYTES = 1.5, 1.5 * 1024 * 1024
CYCLE_SECONDS = 30
LOAD_PAGE_P95_MS, LOAD_POST_P95_MS = 500, 1000

rows: list[tuple[str, str, str, str]] = []  # (measure, value, target, verdict)


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("PASS" if ok else "MISS")


def add(measure, value, target="—", ok=None):
    rows.append((measure, value, target, verdict(ok)))
    print(f"  {measure}: {value} {verdict(ok)}", file=sys.stderr, flush=True)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def client_for(username):
    client = Client()
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def measure_page(label, client, url, *, n, target_ms=PAGE_P95_MS, cold=False):
    """p50/p95 of n requests after 3 warm-up ones. cold: the cache is emptied before each
    request, so a page that keeps its content there (the work list, the statistics) is
    computed every time."""

    def get():
        if cold:
            cache.clear()
        return client.get(url)

    for _ in range(3):  # warm-up: template loading, connection, caches
        response = get()
    if response.status_code != 200:
        add(f"{label} `{url}`", f"HTTP {response.status_code}", "200", False)
        return
    times = []
    for _ in range(n):
        if cold:
            cache.clear()
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    p50, p95 = statistics.median(times), pct(times, 0.95)
    ok = None if target_ms is None else p95 < target_ms
    target = "—" if target_ms is None else f"p95 < {target_ms} ms"
    add(
        f"{label} `{url}`",
        f"{len(ctx.captured_queries)} queries, p50 {p50:.0f} ms, p95 {p95:.0f} ms",
        target,
        ok,
    )


def pick_ids():
    """The objects the pages are measured on: realistic, eight units each."""
    applicant = get_user_model().objects.get(username="applicant_a")
    lead = applicant.profile.organization
    own = Application.objects.filter(lead=lead).order_by("pk")
    draft = own.filter(state__in=[State.DRAFT, State.RETURNED]).first()
    county = Application.objects.filter(
        lead__county__code="211002", state=State.COUNTY_REVIEW
    ).first()
    city = Application.objects.filter(state=State.CITY_INTAKE).first()
    expert = (
        ExpertAssignment.objects.filter(expert__user__username="expert1")
        .values_list("application_id", flat=True)
        .first()
    )
    notice = PublicNotice.objects.order_by("-pk").first()
    return {
        "own": own.first().pk,
        "draft": draft.pk if draft else None,
        "county": county.pk,
        "city": city.pk,
        "expert": expert,
        "notice": notice.pk,
        "field": IndustryField.objects.filter(is_active=True).values_list("pk", flat=True).first(),
    }


def session_cookie(username):
    client = client_for(username)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


# --- requests per second under gunicorn ---------------------------------------------------


def rps(base_url, path, *, cookie=None, seconds=10.0, threads=4, fresh=False):
    """Requests per second. fresh: each request asks for another page number (past the
    last page the work list shows its last page), so none is served from the cache."""
    parts = urlsplit(base_url)
    headers = {"Host": parts.netloc}
    if cookie:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={cookie}"
    ok, bad = [0], [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    numbers = iter(range(1000, 10**9))

    def worker():
        n_ok = n_bad = 0
        while time.perf_counter() < deadline:
            url = f"{path}?page={next(numbers)}" if fresh else path
            # gunicorn's sync workers close every connection: one connection per request.
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            try:
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    n_ok += 1
                else:
                    n_bad += 1
            except OSError:
                n_bad += 1
            finally:
                conn.close()
        with lock:
            ok[0] += n_ok
            bad[0] += n_bad

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return ok[0] / seconds, bad[0]


# --- load test ---------------------------------------------------------------------------


def load_test(base_url, fixtures_path, csv_prefix, *, users, spawn_rate, duration):
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(ROOT / "scripts" / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        duration,
        "--host",
        base_url,
        "--csv",
        csv_prefix,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {**os.environ, "BENCH_FIXTURES": str(fixtures_path)}
    subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL)  # noqa: S603
    with open(f"{csv_prefix}_stats.csv", encoding="utf-8") as f:
        stats = list(csv.DictReader(f))
    total = next(r for r in stats if r["Name"] == "Aggregated")
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    worst = {"page": 0.0, "post": 0.0}
    worst_name = {"page": "", "post": ""}
    for r in stats:
        if r["Name"] == "Aggregated" or not r["Request Count"] or r["95%"] == "N/A":
            continue
        kind = "post" if r["Type"] == "POST" else "page"
        if float(r["95%"]) >= worst[kind]:
            worst[kind], worst_name[kind] = float(r["95%"]), r["Name"]
    rate = float(total["Requests/s"])
    add(
        f"Load test: {users} users, {duration}, requests / errors",
        f"{requests} ({rate:.0f}/s) / {failures}",
        "0 errors",
        failures == 0 and requests > 0,
    )
    add(
        "Load test: worst page p95",
        f"{worst['page']:.0f} ms ({worst_name['page']})",
        f"< {LOAD_PAGE_P95_MS} ms",
        0 < worst["page"] < LOAD_PAGE_P95_MS,
    )
    add(
        "Load test: worst form post p95",
        f"{worst['post']:.0f} ms ({worst_name['post']})",
        f"< {LOAD_POST_P95_MS} ms",
        0 < worst["post"] < LOAD_POST_P95_MS,
    )
    failures_csv = Path(f"{csv_prefix}_failures.csv")
    if failures and failures_csv.exists():
        print(failures_csv.read_text(encoding="utf-8")[:2000], file=sys.stderr)
    return failures == 0 and worst["page"] < LOAD_PAGE_P95_MS and worst["post"] < LOAD_POST_P95_MS


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True, help="gunicorn on loopback")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("-n", type=int, default=30, help="requests per page")
    parser.add_argument("--rps-seconds", type=float, default=10.0)
    parser.add_argument("--locust-users", type=int, default=50)
    parser.add_argument("--locust-time", default="60s")
    args = parser.parse_args()
    assert urlsplit(args.base_url).hostname == "127.0.0.1", "loopback only"  # noqa: S101
    workdir = Path(args.workdir)
    started = time.perf_counter()

    ids = pick_ids()
    n_apps = Application.objects.count()
    from applications.models import Consortium

    n_consortia = Consortium.objects.count()

    print(">> server-side latency (test client, in-process)", file=sys.stderr)
    # An expert's work list is their review tasks (/applications/ redirects them there).
    for role, path in [
        ("applicant_a", "/applications/"),
        ("county_baita", "/applications/"),
        ("city_staff", "/applications/"),
        ("expert1", "/reviews/experts/"),
        ("admin", "/applications/"),
    ]:
        measure_page(f"Work list, {role}, computed", client_for(role), path, n=args.n, cold=True)
    # The orders and the search a clerk chooses (issue 11): the due-date order is computed
    # in SQL over every row the user may open.
    for label, query in [("by due date", "?sort=due"), ("searched", "?q=%E8%BE%BD%E9%98%B3")]:
        measure_page(
            f"Work list, city_staff, {label}, computed",
            client_for("city_staff"),
            f"/applications/{query}",
            n=args.n,
            cold=True,
        )
    for role in ["county_baita", "city_staff"]:
        measure_page(
            f"Work list, {role}, from its cache", client_for(role), "/applications/", n=args.n
        )
    measure_page(
        "Application page, applicant_a (own)",
        client_for("applicant_a"),
        f"/applications/{ids['own']}/",
        n=args.n,
    )
    measure_page(
        "Application page, county_baita",
        client_for("county_baita"),
        f"/applications/{ids['county']}/",
        n=args.n,
    )
    measure_page(
        "Application page, city_staff",
        client_for("city_staff"),
        f"/applications/{ids['city']}/",
        n=args.n,
    )
    measure_page("Public notice page", client_for(None), f"/notices/{ids['notice']}/", n=args.n)
    measure_page(
        "Statistics page, city_staff, computed",
        client_for("city_staff"),
        "/statistics/",
        n=args.n,
        cold=True,
    )
    measure_page(
        "Statistics page, city_staff, from its cache",
        client_for("city_staff"),
        "/statistics/",
        n=args.n,
    )
    measure_page("Home (the one-query view)", client_for(None), "/", n=args.n, target_ms=None)

    print(">> requests per second under gunicorn", file=sys.stderr)
    county_cookie = session_cookie("county_baita")
    trivial, trivial_bad = rps(args.base_url, "/", seconds=args.rps_seconds)
    work, work_bad = rps(
        args.base_url, "/applications/", cookie=county_cookie, seconds=args.rps_seconds
    )
    fresh, fresh_bad = rps(
        args.base_url, "/applications/", cookie=county_cookie, seconds=args.rps_seconds, fresh=True
    )
    add("gunicorn req/s, home `/` (1 query)", f"{trivial:.1f} ({trivial_bad} errors)")
    add(
        "gunicorn req/s, county work list (from its cache)",
        f"{work:.1f} ({work_bad} errors)",
    )
    add(
        "gunicorn req/s, county work list (computed each time)",
        f"{fresh:.1f} ({fresh_bad} errors)",
    )
    ratio = work / trivial if trivial else 0
    add(
        "Work list (from its cache) / trivial view",
        f"{ratio:.0%}",
        f"≥ {RATIO_MIN:.0%}",
        ratio >= RATIO_MIN,
    )
    add("Work list (computed each time) / trivial view", f"{fresh / trivial if trivial else 0:.0%}")

    print(">> application-form PDF", file=sys.stderr)
    from applications.pdf import render_application_pdf

    app = Application.objects.get(pk=ids["city"])
    assert app.memberships.count() == 8  # noqa: S101
    start = time.perf_counter()
    render_application_pdf(app)
    cold = time.perf_counter() - start
    warm = []
    for _ in range(3):
        app = Application.objects.get(pk=ids["city"])
        start = time.perf_counter()
        pdf = render_application_pdf(app)
        warm.append(time.perf_counter() - start)
    seconds = statistics.median(warm)
    add(
        "Application PDF (8 units): time",
        f"{seconds:.2f} s (first call {cold:.2f} s)",
        f"< {PDF_SECONDS} s",
        seconds < PDF_SECONDS,
    )
    add(
        "Application PDF (8 units): size",
        f"{len(pdf) / 1024:.0f} KB",
        "< 1.5 MB",
        len(pdf) < PDF_BYTES,
    )

    print(">> reporting cycle", file=sys.stderr)
    from reporting.cycle import run_reporting_cycle

    today = date(timezone.localdate().year + 1, 3, 1)
    with transaction.atomic():
        start = time.perf_counter()
        first = run_reporting_cycle(today=today)
        cycle = time.perf_counter() - start
        second = run_reporting_cycle(today=today)
        transaction.set_rollback(True)
    add(
        f"Reporting cycle, {n_consortia} consortia ({today})",
        f"{cycle:.1f} s (created {first['created']}, notified {first['opening']})",
        f"< {CYCLE_SECONDS} s",
        cycle < CYCLE_SECONDS,
    )
    again = second["created"] + second["opening"] + second["reminded"]
    add(
        "Reporting cycle rerun: new reports + messages",
        str(again),
        "0",
        again == 0,
    )

    print(">> load test (locust)", file=sys.stderr)
    fixtures = workdir / "fixtures.json"
    fixtures.write_text(
        json.dumps(
            {
                "ids": ids,
                "sessions": {
                    role: session_cookie(role)
                    for role in ["applicant_a", "county_baita", "city_staff", "expert1"]
                },
                "session_cookie_name": settings.SESSION_COOKIE_NAME,
            }
        )
    )
    passed = load_test(
        args.base_url,
        fixtures,
        str(workdir / "locust"),
        users=args.locust_users,
        spawn_rate=10,
        duration=args.locust_time,
    )

    print()
    print(f"Data: {n_apps} applications, {n_consortia} consortia (PostgreSQL).")
    print()
    print("| Measure | Result | Target (DESIGN.md §11) | Verdict |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    misses = sum(1 for r in rows if r[3] == "MISS")
    print()
    print(f"Load test verdict: {'PASS' if passed else 'MISS'}")
    print(f"{misses} MISS; measured in {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()

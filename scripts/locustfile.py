"""Load test for `make bench` (issue 6, point 6): every role's main pages and a form post,
against gunicorn + PostgreSQL on loopback. Run by scripts/bench.py, which writes the
fixtures file (BENCH_FIXTURES: object ids and signed-in session cookies) first.

Users start signed in: logging in hashes a password on purpose slowly, and fifty logins in
the first five seconds would measure the hasher, not the pages.

Every GET must answer 200 and every form post 302 (saved, redirected) or 200 (htmx); a
redirect to the login page counts as a failure.
"""

import json
import os
import re
from urllib.parse import urlsplit

from locust import HttpUser, between, task

FIXTURES = json.loads(open(os.environ["BENCH_FIXTURES"], encoding="utf-8").read())  # noqa: SIM115
IDS = FIXTURES["ids"]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = None

    def on_start(self):
        host = urlsplit(self.host).hostname
        assert host == "127.0.0.1", "loopback only"  # noqa: S101
        if self.username:
            self.client.cookies.set(
                FIXTURES["session_cookie_name"], FIXTURES["sessions"][self.username]
            )

    def page(self, url, name=None):
        with self.client.get(
            url, name=name or url, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response


class Applicant(PortalUser):
    weight = 3
    username = "applicant_a"

    @task(3)
    def work_list(self):
        self.page("/applications/")

    @task(3)
    def own_application(self):
        self.page(f"/applications/{IDS['own']}/", name="/applications/[own]/")

    @task(2)
    def save_basic_section(self):
        if not IDS.get("draft"):
            return
        url = f"/applications/{IDS['draft']}/"
        page = self.page(url, name="/applications/[draft]/")
        match = CSRF_INPUT.search(page.text or "")
        if not match:
            return
        with self.client.post(
            f"{url}sections/basic/",
            name="/applications/[draft]/sections/basic/",
            data={
                "csrfmiddlewaretoken": match.group(1),
                "basic-name_core": "压力测试精细化工",
                "basic-duration_years": "3",
                "basic-industry_field": str(IDS["field"]),
            },
            headers={"Referer": self.host + url},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 302):
                response.failure(f"HTTP {response.status_code}")


class CountyReviewer(PortalUser):
    weight = 2
    username = "county_baita"

    @task(3)
    def work_list(self):
        self.page("/applications/")

    @task(2)
    def application(self):
        self.page(f"/applications/{IDS['county']}/", name="/applications/[county]/")


class CityStaff(PortalUser):
    weight = 2
    username = "city_staff"

    @task(3)
    def work_list(self):
        self.page("/applications/")

    @task(2)
    def application(self):
        self.page(f"/applications/{IDS['city']}/", name="/applications/[city]/")

    @task(1)
    def statistics(self):
        self.page("/statistics/")


class Expert(PortalUser):
    weight = 1
    username = "expert1"

    @task(2)
    def work_list(self):
        # An expert's work list is their review tasks (/applications/ redirects there).
        self.page("/reviews/experts/")

    @task(1)
    def application(self):
        if IDS.get("expert"):
            self.page(f"/applications/{IDS['expert']}/", name="/applications/[expert]/")


class Public(PortalUser):
    weight = 2

    @task(2)
    def home(self):
        self.page("/")

    @task(2)
    def notices(self):
        self.page("/notices/")

    @task(2)
    def notice(self):
        self.page(f"/notices/{IDS['notice']}/", name="/notices/[id]/")

    @task(1)
    def consortia(self):
        self.page("/consortia/")

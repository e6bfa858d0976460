"""Production's switches while pages render in a real browser (issue 16 point 7): the static
files by their hashed names from the manifest, served by WhiteNoise as in production
(`make test` collects them and runs the whole suite with STATIC_MANIFEST=1), and city staff
signing in with the second factor on, reading the secret off the page as an authenticator
app would."""

import base64
import re

import pytest
from django.conf import settings
from django_otp.oath import totp
from playwright.sync_api import expect

from liaoyang_consortia import demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-demo-pass-2026"
HASHED = re.compile(r"/static/.+\.[0-9a-f]{12}\.(css|js)$")


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_pages_use_the_hashed_static_files_of_the_manifest(live_server, page):
    assert settings.STORAGES["staticfiles"]["BACKEND"].endswith(
        "CompressedManifestStaticFilesStorage"
    ), "make test runs the suite with STATIC_MANIFEST=1"
    failed = []
    page.on(
        "response",
        lambda r: failed.append(r.url) if "/static/" in r.url and r.status >= 400 else None,
    )
    demo.seed_users(password=PASSWORD)
    _sign_in(page, live_server, "applicant_a")
    expect(page.get_by_test_id("work-list-title")).to_be_visible()

    assets = page.evaluate(
        """() => [...document.querySelectorAll('link[rel=stylesheet], script[src]')]
             .map(e => e.href || e.src)"""
    )
    assert len(assets) >= 3
    for url in assets:
        assert HASHED.search(url), f"not a hashed name: {url}"
        answer = page.request.get(url)
        assert answer.status == 200
        # WhiteNoise marks hashed files as cacheable for good.
        assert "immutable" in answer.headers.get("cache-control", "")
    # The stylesheets applied: Bootstrap's navbar and the portal's own rules.
    nav = page.get_by_test_id("nav")
    assert nav.evaluate("e => getComputedStyle(e).display") == "flex"
    assert failed == []


def test_city_staff_sign_in_with_the_second_factor(live_server, page, settings):
    settings.REQUIRE_2FA = True
    demo.seed_users(password=PASSWORD)
    _sign_in(page, live_server, "city_staff")

    # Nothing but the code page until a correct code: the work list sends back to it.
    expect(page).to_have_url(re.compile(r"/accounts/otp/"))
    page.goto(f"{live_server.url}/applications/")
    expect(page).to_have_url(re.compile(r"/accounts/otp/\?next=%2Fapplications%2F$"))
    secret = page.get_by_test_id("otp-secret").inner_text().strip()
    key = base64.b32decode(secret)

    page.get_by_label("动态验证码").fill("000000" if totp(key) != 0 else "111111")
    page.get_by_role("button", name="绑定并继续").click()
    expect(page.get_by_text("验证码不正确或已过期，请重新输入。")).to_be_visible()
    # django-otp holds the next try back for a second after a wrong code.
    page.wait_for_timeout(1200)

    page.get_by_label("动态验证码").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="绑定并继续").click()
    expect(page).to_have_url(re.compile(r"/applications/$"))
    expect(page.get_by_test_id("work-list-title")).to_have_text("市局办理")

    # Signed out and in again: the bound device asks for a code, no new secret is shown.
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    _sign_in(page, live_server, "city_staff")
    expect(page).to_have_url(re.compile(r"/accounts/otp/"))
    expect(page.get_by_test_id("otp-secret")).to_have_count(0)
    # A code is good once: the app's next one (the device accepts one step of drift).
    page.get_by_label("动态验证码").fill(f"{totp(key, drift=1):06d}")
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_test_id("work-list-title")).to_have_text("市局办理")

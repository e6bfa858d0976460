"""Issue 6, security settings: the deployment checklist, the CSP header, and the second
factor for city staff and admins."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

ROOT = Path(__file__).resolve().parents[2]
OTP = "/accounts/otp/"


def _run(code, **env):
    # Not DJANGO_ALLOW_ASYNC_UNSAFE: the suite needs it, a deployment must not have it.
    unset = {"REQUIRE_2FA", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, *code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "liaoyang_consortia.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_COOKIES": "1",
    "ALLOWED_HOSTS": "portal.example.invalid",
}


def test_it_passes_the_deployment_checklist_with_the_production_environment():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_fails_the_deployment_checklist_without_hsts():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **{**PRODUCTION, "SECURE_HSTS_SECONDS": "0"},
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


@pytest.mark.parametrize(("debug", "expected"), [("0", "True"), ("1", "False")])
def test_it_requires_the_second_factor_by_default_only_with_debug_off(debug, expected):
    code = "import django; django.setup(); from django.conf import settings; print(settings.REQUIRE_2FA)"
    result = _run(["-c", code], DEBUG=debug, SECRET_KEY="x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


# --- Content-Security-Policy ----------------------------------------------------------


def test_it_sends_a_strict_content_security_policy(client, db):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in policy.split(";")) if part
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["base-uri"] == "'self'"


def test_it_tells_htmx_not_to_inject_its_indicator_style(client, db):
    content = client.get("/").content.decode()
    assert '{"includeIndicatorStyles":false}' in content
    assert "<style" not in content


def test_it_has_no_inline_scripts_or_event_handlers_in_the_site_templates():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "pdf" in path.parts:  # rendered by WeasyPrint into PDF, never by a browser
            continue
        text = path.read_text()
        for needle in ("<script>", "onclick=", "onload=", "onsubmit=", "javascript:"):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert not offenders, offenders


# --- Second factor --------------------------------------------------------------------


@pytest.fixture
def two_factor(settings):
    settings.REQUIRE_2FA = True
    # One wrong code must not hold up the right one within the same test.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    return settings


def _token(device):
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_it_keeps_city_staff_on_the_code_page_until_a_correct_code(client, charlie, two_factor):
    client.force_login(charlie)
    response = client.get("/applications/")
    assert response.status_code == 302
    assert response["Location"].startswith(OTP + "?next=")

    page = client.get(response["Location"])
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=charlie, confirmed=False)
    content = page.content.decode()
    assert "otpauth://totp/" in content
    assert page.context["secret"] in content
    # The same secret on the next visit: the user may still be typing it into the app.
    client.get(OTP)
    assert TOTPDevice.objects.filter(user=charlie).count() == 1

    good = _token(device)
    wrong = "000000" if good != "000000" else "111111"
    refused = client.post(OTP, {"token": wrong, "next": "/applications/"})
    assert refused.status_code == 422
    assert "验证码不正确或已过期" in refused.content.decode()
    assert client.get("/applications/").status_code == 302

    accepted = client.post(OTP, {"token": _token(device), "next": "/applications/"})
    assert accepted.status_code == 302
    assert accepted["Location"] == "/applications/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/applications/").status_code == 200


def test_it_asks_a_confirmed_user_only_for_the_code(client, erin, two_factor):
    device = TOTPDevice.objects.create(user=erin, name="authenticator", confirmed=True)
    client.force_login(erin)
    assert client.get("/admin/").status_code == 302
    page = client.get(OTP)
    assert "otpauth://" not in page.content.decode()
    assert client.post(OTP, {"token": _token(device)}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_it_lets_an_unverified_user_sign_out_and_reach_the_health_check(
    client, charlie, two_factor
):
    client.force_login(charlie)
    assert client.get("/healthz").status_code != 302
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/applications/").status_code == 302  # now to the login page
    assert "/accounts/login/" in client.get("/applications/")["Location"]


def test_it_sends_htmx_requests_to_the_code_page_as_a_whole_page(client, charlie, two_factor):
    client.force_login(charlie)
    response = client.get("/applications/", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"].startswith(OTP)


def test_it_does_not_ask_applicants_or_county_reviewers_for_a_code(client, alice, bob, two_factor):
    for user in (alice, bob):
        client.force_login(user)
        assert client.get("/applications/").status_code == 200


def test_it_asks_no_one_for_a_code_when_the_setting_is_off(client, charlie, settings):
    settings.REQUIRE_2FA = False
    client.force_login(charlie)
    assert client.get("/applications/").status_code == 200

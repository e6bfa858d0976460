"""Fuzzing the main forms (issue 6, point 4): hypothesis posts generated input (long,
empty, control characters with NUL, other scripts, wrong types) and the project must never
answer with a server error nor lose a draft: after any post the application still exists,
in the same state, and the fields outside the posted section keep their values.

Each example runs in a savepoint rolled back afterwards, so examples do not pile up and a
database error in one example cannot poison the next.

Every form (issue 16, point 1): the end of this file collects every Form and ModelForm class
of the project and fails on one without a driver in tests/security/fuzz_registry.py; the
forms no hand-written test drives are posted by one generic test, as the right role through
their real view, with files of the wrong kind for a FileField. Each driver must reach its
form (a refusal, 422, seen at least once); the application's draft sections, the
self-assessment and the expert's score sheet must show again what was typed when refused."""

import hashlib
import importlib
import pkgutil
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from captcha.models import CaptchaStore
from django import forms as django_forms
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications import consortia, forms_consortia
from applications import forms as app_forms
from applications.models import Application, Consortium, MemberChange, State
from applications.views import FIELD_SECTIONS
from members.accounts.forms import (
    PortalPasswordResetForm,
    RegistrationForm,
    ResendForm,
    UnitDetailsForm,
)
from members.forms import AcceptInvitationForm
from members.services import invite_colleague
from reporting import forms as report_forms
from reporting import services as report_services
from reporting.models import AnnualReport
from reviews.models import PublicNotice
from tests.factories import MINIMAL_PDF, PASSWORD, make_complete_application
from tests.security.fuzz_registry import DRIVERS, EXCLUDED, Driver, Existing

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,  # nothing written to .hypothesis/: derandomized runs replay nothing
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The generic drivers of every other form: fewer examples each, the whole file in minutes.
FUZZ_EVERY = settings(FUZZ, max_examples=15)

AWKWARD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 40,
    "\r\n\t\x0b\x0c\x1b[31m",
    "2027-02-30",
    "2026-13-01",
    "0000-00-00",
    "-1",
    "-0.01",
    "-99999999999999999999",
    "1e309",
    "NaN",
    "Infinity",
    "abc",
    "１２３",
    "٣٤٥",
    "9" * 40,
    "مرحبا بالعالم",
    "辽阳市𠀀𪚥创新联合体",
    "🙂🙃👨‍👩‍👧‍👦",
    "\u202egnp.exe",
    "\ufeff\u200b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%n{0}",
]


def _long(piece, times):
    return (piece * times)[:10_000]


VALUES = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(max_size=60),  # any code point, control characters and NUL included
    st.builds(_long, st.text(min_size=1, max_size=8), st.integers(500, 5000)),
    st.integers(-(10**20), 10**20).map(str),
    st.dates().map(str),
)


def _names(form):
    return [form.add_prefix(name) for name in form.fields]


def post_data(form):
    """A strategy of POST bodies: every field of the form gets a generated value."""
    return st.fixed_dictionaries({name: VALUES for name in _names(form)})


# Files of the wrong kind (issue 16): an executable renamed .pdf, an empty file, a PNG
# claimed as a PDF, a zip claimed as a DOCX, names with an RTL override or too long; and
# sometimes a real PDF, so that the other fields are judged past the file.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
FILES = st.sampled_from(
    [
        (
            "说明.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program",
            "application/pdf",
        ),
        ("空文件.pdf", b"", "application/pdf"),
        ("扫描件.pdf", PNG + b"\x00" * 32, "application/pdf"),
        (
            "材料.docx",
            b"PK\x03\x04\x14\x00not really a document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("\u202efdp.exe", b"MZ\x90\x00", "application/octet-stream"),
        ("长" * 300 + ".pdf", MINIMAL_PDF, "application/pdf"),
        ("合同.pdf", MINIMAL_PDF, "application/pdf"),
        None,  # no file at all
    ]
)


def _choices(field):
    """Valid submitted values of a choice field (a few), flattening option groups."""
    found = []
    for value, label in field.choices:
        if isinstance(label, (list, tuple)):
            found.extend(str(v) for v, _ in label)
        elif value not in ("", None):
            found.append(str(value))
    return found[:10]


def field_strategy(field):
    """Generated values for one form field, by kind."""
    if isinstance(field, django_forms.FileField):
        return FILES
    if isinstance(field, django_forms.BooleanField):
        return st.one_of(st.sampled_from(["on", ""]), VALUES)
    if isinstance(field, django_forms.ChoiceField | django_forms.ModelChoiceField):
        valid = _choices(field)
        one = st.one_of(st.sampled_from(valid), VALUES) if valid else VALUES
        if isinstance(
            field, django_forms.MultipleChoiceField | django_forms.ModelMultipleChoiceField
        ):
            return st.lists(one, max_size=3)
        return one
    if isinstance(field, django_forms.DateField):
        near = st.integers(-400, 400).map(
            lambda n: (timezone.localdate() + timedelta(n)).isoformat()
        )
        return st.one_of(VALUES, near)
    return VALUES


def _typed_fields(form):
    """The free-text fields: what the user typed, to be shown again when refused."""
    return [
        name
        for name, field in form.fields.items()
        if isinstance(field, django_forms.CharField)
        and not isinstance(field, django_forms.ChoiceField | django_forms.FileField)
        and not isinstance(field.widget, django_forms.PasswordInput | django_forms.HiddenInput)
    ]


def assert_typed_kept(response, form, data):
    """Each free-text value posted is in the re-rendered page, escaped (NUL aside: Django
    refuses it before the field sees it and browsers never send it)."""
    body = response.content.decode()
    for name in _typed_fields(form):
        value = data.get(form.add_prefix(name))
        if isinstance(value, str) and value.strip() and "\x00" not in value:
            assert escape(value) in body, (name, value)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def draft(alice):
    return make_complete_application(lead=alice.profile.organization, creator=alice)


def _application_values(application):
    values = model_to_dict(Application.objects.get(pk=application.pk))
    values.pop("id")
    return values


def _post(client, url, data):
    """Post in a savepoint that is rolled back; return the status."""
    with transaction.atomic():
        response = client.post(url, data)
        transaction.set_rollback(True)
    return response


def _assert_draft_kept(application, before, posted_fields=()):
    after = Application.objects.filter(pk=application.pk)
    assert after.exists(), "the draft was lost"
    values = _application_values(application)
    assert values["state"] == before["state"]
    for name, value in before.items():
        if name not in posted_fields:
            assert values[name] == value, f"{name} changed by a post of another section"


def _check(client, url, data, application, posted_fields=()):
    before = _application_values(application)
    with transaction.atomic():
        response = client.post(url, data)
        assert response.status_code < 500, (url, data, response.status_code)
        _assert_draft_kept(application, before, posted_fields)
        transaction.set_rollback(True)


# --- The application form, section by section ----------------------------------------


@pytest.mark.parametrize("section", sorted(FIELD_SECTIONS))
def test_it_survives_any_input_to_an_application_section(client, alice, draft, section):
    form = FIELD_SECTIONS[section](prefix=section)
    url = reverse("applications:save_section", args=[draft.pk, section])
    client.force_login(alice)

    @FUZZ
    @given(data=post_data(form), htmx=st.booleans())
    def run(data, htmx):
        before = _application_values(draft)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        with transaction.atomic():
            response = client.post(url, data, **headers)
            assert response.status_code < 500, (url, data, response.status_code)
            _assert_draft_kept(draft, before, posted_fields=set(form.fields))
            if response.status_code == 422:
                # Refused: what was typed comes back in the form, escaped (issue 16).
                assert_typed_kept(response, form, data)
            transaction.set_rollback(True)

    run()


def _application_form_cases(application):
    member = application.memberships.exclude(role="lead").first()
    return {
        "add_member": (
            reverse("applications:add_member", args=[application.pk]),
            app_forms.MemberAddForm(prefix="add"),
        ),
        "update_member": (
            reverse("applications:update_member", args=[application.pk, member.pk]),
            app_forms.MemberForm(instance=member, prefix=f"m{member.pk}"),
        ),
        "agreement": (
            reverse("applications:save_agreement", args=[application.pk]),
            app_forms.AgreementForm(prefix="agreement"),
        ),
        "add_expert": (
            reverse("applications:add_expert", args=[application.pk]),
            app_forms.ChiefExpertForm(prefix="expert"),
        ),
        "justify": (
            reverse("applications:justify", args=[application.pk, "min_units"]),
            app_forms.JustificationForm(prefix="j-min_units"),
        ),
    }


@pytest.mark.parametrize(
    "case", ["add_member", "update_member", "agreement", "add_expert", "justify"]
)
def test_it_survives_any_input_to_the_other_application_forms(client, alice, draft, case):
    url, form = _application_form_cases(draft)[case]
    client.force_login(alice)

    @FUZZ
    @given(data=post_data(form))
    def run(data):
        # None of these forms writes a field of the application itself.
        _check(client, url, data, draft)

    run()


# --- Public and account forms --------------------------------------------------------


def test_it_survives_any_input_to_the_login_form(client, alice):
    url = reverse("login")

    @FUZZ
    @given(
        username=st.one_of(st.just("alice"), VALUES),
        password=st.one_of(st.just(PASSWORD), VALUES),
    )
    def run(username, password):
        client.logout()
        response = _post(client, url, {"username": username, "password": password})
        assert response.status_code < 500, (username, password)

    run()


def test_it_survives_any_input_to_the_invitation_form(client, alice):
    invitation = invite_colleague(actor=alice)
    url = reverse("members:accept_invitation", args=[invitation.token])
    form = AcceptInvitationForm()

    @FUZZ
    @given(data=post_data(form))
    def run(data):
        client.logout()
        response = _post(client, url, data)
        assert response.status_code < 500, data

    run()


# --- After naming: the annual report and the member-change forms ----------------------


@pytest.fixture
def consortium(alice):
    named = make_complete_application(lead=alice.profile.organization, creator=alice)
    return Consortium.objects.create(
        application=named,
        name="辽阳市模糊测试创新联合体",
        number="LYCXLHT-2026-099",
        decision_number="辽市科发〔2026〕99号",
        named_on=date(2026, 1, 10),
        lead=named.lead,
        industry_field=named.industry_field,
    )


def _report_values(report):
    values = model_to_dict(AnnualReport.objects.get(pk=report.pk))
    values["status"] = AnnualReport.objects.values_list("status", flat=True).get(pk=report.pk)
    return values


def test_it_survives_any_input_to_the_annual_report_form(client, alice, consortium):
    report = AnnualReport.objects.create(consortium=consortium, year=2026)
    report_services.save_report(
        actor=alice, report_id=report.pk, values={"rd_progress": "已完成中试。"}
    )
    url = reverse("reporting:edit", args=[report.pk])
    form = report_forms.ReportForm(instance=report, prefix="report")
    client.force_login(alice)

    @FUZZ
    @given(data=post_data(form))
    def run(data):
        before = _report_values(report)
        with transaction.atomic():
            response = client.post(url, data)
            assert response.status_code < 500, data
            after = _report_values(report)
            assert after["status"] == before["status"]
            assert after["consortium"] == before["consortium"]
            assert after["year"] == before["year"]
            transaction.set_rollback(True)

    run()


def _member_change(consortium, alice):
    roster = consortia.roster(consortium)
    leaving = next(row for row in roster if row.role == "member")
    return MemberChange.objects.create(
        consortium=consortium,
        kind=MemberChange.Kind.REMOVE,
        organization=leaving.organization,
        reason="战略调整退出",
        agreement=ContentFile(b"%PDF-1.4\n", name="upload"),
        agreement_name="补充协议.pdf",
        agreement_type="application/pdf",
        agreement_sha256=hashlib.sha256(b"%PDF-1.4\n").hexdigest(),
        created_by=alice,
    )


@pytest.mark.parametrize("case", ["project", "member_change", "consent", "lead_change"])
def test_it_survives_any_input_to_the_consortium_forms(client, alice, consortium, case):
    roster = consortia.roster(consortium)
    if case == "project":
        url = reverse("consortia:add_project", args=[consortium.pk])
        form = forms_consortia.ProjectForm(prefix="project")
    elif case == "member_change":
        url = reverse("consortia:new_member_change", args=[consortium.pk])
        form = forms_consortia.MemberChangeForm(prefix="mc", members=roster)
    elif case == "consent":
        change = _member_change(consortium, alice)
        url = reverse("consortia:record_consent", args=[change.pk])
        form = forms_consortia.ConsentForm(prefix=f"c{change.pk}", members=roster)
    else:
        url = reverse("consortia:new_lead_change", args=[consortium.pk])
        form = forms_consortia.LeadChangeForm(prefix="lc", members=roster)
    fields = {name: VALUES for name in _names(form)}
    # Choice fields sometimes get a valid choice, so the other fields go deeper.
    for name, field in form.fields.items():
        if isinstance(field, django_forms.ChoiceField) and getattr(field, "choices", None):
            valid = [str(value) for value, _ in field.choices if value not in ("", None)]
            if valid:
                fields[form.add_prefix(name)] = st.one_of(st.sampled_from(valid), VALUES)
    client.force_login(alice)
    status = Consortium.objects.values_list("status", flat=True).get(pk=consortium.pk)

    @FUZZ
    @given(data=st.fixed_dictionaries(fields))
    def run(data):
        with transaction.atomic():
            response = client.post(url, data)
            assert response.status_code < 500, data
            assert (
                Consortium.objects.values_list("status", flat=True).get(pk=consortium.pk) == status
            )
            transaction.set_rollback(True)

    run()


def test_it_keeps_the_fuzzed_application_a_draft(draft):
    # The fixture the fuzzing relies on: an editable draft.
    assert Application.objects.get(pk=draft.pk).state == State.DRAFT


# --- Accounts: registration, e-mail link, password reset, verification (issue 10) ------


def _with_captcha(data):
    """The generated input, with a correctly answered captcha, so that the rest of the form
    is judged (a wrong captcha alone would stop every example at the first check)."""
    key = CaptchaStore.generate_key()
    return {**data, "captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


KEPT_FIELDS = ("name", "address", "legal_representative", "registrant_name", "email")


def test_it_survives_any_input_to_the_registration_form_and_keeps_what_was_typed(client):
    url = reverse("accounts:register")
    form = RegistrationForm()
    names = [n for n in _names(form) if n not in ("captcha", "licence")]

    @FUZZ
    @given(data=st.fixed_dictionaries({name: VALUES for name in names}), licence=FILES)
    def run(data, licence):
        # The licence is sometimes a PDF, sometimes a file of the wrong kind (issue 16).
        posted = {**_with_captcha(data), **_body({"licence": licence})}
        response = _post(client, url, posted)
        assert response.status_code < 500, data
        if response.status_code == 422:
            bound = response.context["form"]
            for name in KEPT_FIELDS:
                assert bound.data.get(name) == data[name], name

    run()


def _pdf_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import MINIMAL_PDF

    return SimpleUploadedFile("营业执照.pdf", MINIMAL_PDF, content_type="application/pdf")


@pytest.mark.parametrize(
    "url_name,form_class",
    [("accounts:resend", ResendForm), ("password_reset", PortalPasswordResetForm)],
)
def test_it_survives_any_input_to_the_anonymous_account_forms(client, alice, url_name, form_class):
    url = reverse(url_name)
    names = [n for n in _names(form_class()) if n != "captcha"]

    @FUZZ
    @given(data=st.fixed_dictionaries({name: VALUES for name in names}))
    def run(data):
        response = _post(client, url, _with_captcha(data))
        assert response.status_code < 500, data
        if response.status_code == 422:
            assert response.context["form"].data.get("email") == data["email"]

    run()


def test_it_survives_any_link_token(client):
    @FUZZ
    @given(token=VALUES.filter(lambda t: t and "/" not in t and "\x00" not in t))
    def run(token):
        for path in (f"/accounts/register/confirm/{token}/", f"/accounts/reset/MQ/{token}/"):
            response = client.get(path)
            assert response.status_code < 500, path

    run()


def test_it_survives_any_input_to_the_verification_forms(client, bob):
    from members.models import UnitRegistration
    from tests.security.fuzz_registry import _registration

    registration = _registration(None)["registration"]
    url = reverse("members:registration_decide", args=[registration.pk])
    client.force_login(bob)

    @FUZZ
    @given(
        data=st.fixed_dictionaries(
            {"action": st.sampled_from(["verify", "return", "", "x"]) | VALUES, "reason": VALUES}
        )
    )
    def run(data):
        response = _post(client, url, data)
        assert response.status_code < 500, data
        state = UnitRegistration.objects.values_list("state", flat=True).get(pk=registration.pk)
        assert state == UnitRegistration.State.PENDING  # each example is rolled back

    run()


def test_it_survives_any_input_to_the_unit_change_form(client, alice):
    url = reverse("members:registration_change")
    names = [n for n in _names(UnitDetailsForm()) if n != "licence"]
    client.force_login(alice)

    @FUZZ
    @given(data=st.fixed_dictionaries({name: VALUES for name in names}), licence=FILES)
    def run(data, licence):
        response = _post(client, url, {**data, **_body({"licence": licence})})
        assert response.status_code < 500, data
        if response.status_code == 422:
            assert response.context["form"].data.get("name") == data["name"]

    run()


def test_it_survives_any_input_to_the_new_password_form_of_a_reset_link(client, alice):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    token = default_token_generator.make_token(alice)
    page = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    url = page.redirect_chain[-1][0]  # the token now waits in the session

    @FUZZ
    @given(data=st.fixed_dictionaries({"new_password1": VALUES, "new_password2": VALUES}))
    def run(data):
        response = _post(client, url, data)
        assert response.status_code < 500, data

    run()


# --- Issue 11: the objection lookup, 发布公示's preview, integrity records -------------------


def test_it_survives_any_input_to_the_objection_lookup(client, alice, charlie, draft):
    from reviews.notices.forms import ReceiptLookupForm

    url = reverse("notices:lookup")
    names = [n for n in _names(ReceiptLookupForm()) if n != "captcha"]

    @FUZZ
    @given(data=st.fixed_dictionaries({name: VALUES for name in names}))
    def run(data):
        response = _post(client, url, _with_captcha(data))
        assert response.status_code < 500, data
        assert 'data-testid="lookup-result"' not in response.content.decode()

    run()


def test_it_survives_any_input_to_the_publish_preview(client, charlie, draft):
    from reviews.notices.forms import PublishForm

    url = reverse("notices:publish")
    form = PublishForm(applications=Application.objects.none())
    fields = {name: VALUES for name in _names(form)}
    fields["action"] = st.one_of(st.sampled_from(["preview", "edit", "confirm"]), VALUES)
    client.force_login(charlie)

    @FUZZ
    @given(data=st.fixed_dictionaries(fields))
    def run(data):
        with transaction.atomic():
            response = client.post(url, data)
            assert response.status_code < 500, data
            assert not PublicNotice.objects.exists()  # the draft never passed the review
            transaction.set_rollback(True)

    run()


@pytest.mark.parametrize("case", ["add", "end"])
def test_it_survives_any_input_to_the_integrity_forms(client, charlie, case):
    from members.integrity import services as integrity
    from members.integrity.forms import EndForm, RecordForm
    from members.models import IntegrityRecord
    from tests.factories import OrganizationFactory

    unit = OrganizationFactory(name="辽阳市模糊测试单位有限公司")
    record = integrity.add_record(
        actor=charlie,
        organization=unit,
        kind=IntegrityRecord.Kind.BLACKLIST,
        start_date=timezone.localdate(),
        end_date=None,
        reason="模糊测试。",
    )
    if case == "add":
        url, form = reverse("integrity:add"), RecordForm()
    else:
        url, form = reverse("integrity:end", args=[record.pk]), EndForm()
    fields = {name: VALUES for name in _names(form)}
    if case == "add":
        # Sometimes a real unit and kind, so the dates and the reason are judged too.
        fields["unit"] = st.one_of(st.just(unit.uscc), st.just(unit.name), VALUES)
        fields["kind"] = st.one_of(st.sampled_from(IntegrityRecord.Kind.values), VALUES)
    client.force_login(charlie)

    @FUZZ
    @given(data=st.fixed_dictionaries(fields))
    def run(data):
        with transaction.atomic():
            response = client.post(url, data)
            assert response.status_code < 500, data
            if response.status_code == 422:
                bound = response.context["form"]
                for name in fields:
                    if "\x00" not in data[name]:
                        assert bound.data.get(name) == data[name], name
            transaction.set_rollback(True)

    run()


# --- Every form of the project (issue 16, point 1) ---------------------------------------

PROJECT_PACKAGES = ("applications", "members", "reviews", "reporting", "liaoyang_consortia")


# A form class defined anywhere (e.g. the second factor's TokenForm in
# liaoyang_consortia/security.py), found by its source, not only in forms* modules: otherwise
# whether it is seen would depend on which test imported its module first.
_DEFINES_A_FORM = re.compile(r"^class \w+\((?:forms\.)?(?:Model)?Form\b", re.M)


def project_forms() -> dict:
    """Every Form and ModelForm class defined in the project, by dotted path: each forms*
    module and each module whose source defines a form imported, then django's BaseForm
    subclasses walked."""
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if ".migrations" in module.name:
                continue
            leaf = module.name.rsplit(".", 1)[-1]
            if leaf.startswith("forms") or (
                not module.ispkg
                and _DEFINES_A_FORM.search(
                    Path(module.module_finder.path, f"{leaf}.py").read_text(encoding="utf-8")
                )
            ):
                importlib.import_module(module.name)
    found, todo = {}, [django_forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in PROJECT_PACKAGES:
                found[f"{sub.__module__}.{sub.__qualname__}"] = sub
    return found


PROJECT_FORMS = project_forms()
# For the README's summary: how many form classes the project has, and how many are fuzzed.
FORMS_TOTAL = len(PROJECT_FORMS)
FORMS_FUZZED = sum(1 for path in PROJECT_FORMS if path in DRIVERS)
FORMS_EXCLUDED = sum(1 for path in PROJECT_FORMS if path in EXCLUDED)  # base classes only
GENERIC = sorted(path for path, driver in DRIVERS.items() if isinstance(driver, Driver))


def test_every_form_has_a_fuzz_driver():
    missing = sorted(set(PROJECT_FORMS) - set(DRIVERS) - set(EXCLUDED))
    assert not missing, (
        "forms without a fuzz driver (add each to tests/security/fuzz_registry.py DRIVERS, "
        "or to EXCLUDED with why): " + ", ".join(missing)
    )
    assert not set(DRIVERS) & set(EXCLUDED), "a form both driven and excluded"
    gone = sorted((set(DRIVERS) | set(EXCLUDED)) - set(PROJECT_FORMS))
    assert not gone, "registry entries for forms that no longer exist: " + ", ".join(gone)
    assert FORMS_FUZZED + len(EXCLUDED) == FORMS_TOTAL


@pytest.mark.parametrize("path", sorted(p for p, d in DRIVERS.items() if isinstance(d, Existing)))
def test_each_registered_fuzz_test_exists(path):
    module, name = DRIVERS[path].test.split("::")
    test = getattr(importlib.import_module(module), name, None)
    assert callable(test), f"{path}: {DRIVERS[path].test} is no test"


class _Users:
    """The test's user fixtures by name, made when first asked for."""

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name):
        return self._request.getfixturevalue(name)


def _body(data):
    """The generated values as the test client posts them: files built afresh (an upload
    is read once), an absent file left out."""
    posted = {}
    for name, value in data.items():
        if isinstance(value, tuple):
            value = SimpleUploadedFile(value[0], value[1], content_type=value[2])
        if value is not None:
            posted[name] = value
    return posted


@pytest.mark.parametrize("path", GENERIC)
def test_it_survives_any_input_to_every_other_form(request, client, path):
    driver = DRIVERS[path]
    users = _Users(request)
    objects = driver.setup(users)
    if driver.role != "anon":
        client.force_login(getattr(users, driver.role))
    url = driver.url(objects)
    form = driver.form(objects)
    assert type(form) is PROJECT_FORMS[path], f"{path}: the driver builds another form"
    fields = {form.add_prefix(name): field_strategy(f) for name, f in form.fields.items()}
    fields.update(driver.extra(objects))
    statuses = []

    @FUZZ_EVERY
    @given(data=st.fixed_dictionaries(fields))
    def run(data):
        with transaction.atomic():
            if driver.method == "get":
                response = client.get(url, _body(data))
            else:
                response = client.post(url, _body(data))
            assert response.status_code < 500, (path, data, response.status_code)
            statuses.append(response.status_code)
            if driver.typed and response.status_code == 422:
                assert_typed_kept(response, form, data)
            transaction.set_rollback(True)

    run()
    # A driver that only ever meets a 403, a 404 or the login page fuzzes nothing: the
    # form must have been judged (a refused post answers 422, a filter page 200).
    judged = driver.judged or (200 if driver.method == "get" else 422)
    assert judged in statuses, (path, sorted(set(statuses)))

"""Demo registrations for seed_demo (DESIGN.md §10): one waiting for 白塔区's
verification, one the city returned. Made through the services a registrant's and a
verifier's clicks call; idempotent (found by credit code, left alone once made)."""

from django.contrib.auth import get_user_model

from applications.demo import _pdf_upload
from liaoyang_consortia.demo import make_uscc
from members.accounts import services
from members.accounts.services import UnitDetails
from members.models import County, UnitRegistration

# (key, unit, uscc first 17, county code or None, registrant, e-mail, mobile)
REGISTRATIONS = [
    (
        "pending",
        "辽阳市白塔区智造新材料有限公司",
        "91211002MA0Y3N5R7",
        "211002",
        "周敏",
        "zhoumin@demo.invalid",
        "13904191234",
    ),
    (
        "returned",
        "沈阳北科检测认证有限公司",
        "91210100MA0K8W2T6",
        None,
        "吴昊",
        "wuhao@demo.invalid",
        "13804195678",
    ),
]


def seed_registrations(users, *, password: str) -> list[str]:
    """Returns the registrants' usernames (their e-mail addresses)."""
    made = []
    for key, name, uscc17, county_code, person, email, mobile in REGISTRATIONS:
        uscc = make_uscc(uscc17)
        made.append(email)
        if UnitRegistration.objects.filter(uscc=uscc).exists():
            continue
        county = County.objects.get(code=county_code) if county_code else None
        registration = services.register_unit(
            details=UnitDetails(
                name=name,
                uscc=uscc,
                org_kind="enterprise",
                county=county,
                address=f"{'辽阳市' + county.name if county else '沈阳市浑南区'}科技路{len(made)}号",
                legal_representative=person,
            ),
            registrant_name=person,
            mobile=mobile,
            email=email,
            password=password,
            licence=_pdf_upload(f"{name} 营业执照（演示）", "营业执照.pdf"),
        )
        if registration is None:  # the address has an account already
            continue
        registration = services.confirm_email(token=registration.email_token)
        if key == "returned":
            services.return_registration(
                actor=users["city_staff"],
                registration=registration,
                reason="营业执照扫描件缺少单位公章，请加盖公章后重新扫描上传。",
            )
    return [u for u in made if get_user_model().objects.filter(username=u).exists()]

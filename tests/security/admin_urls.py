"""The admin's rows of the authorization matrix (issue 16, point 2), generated from the admin
site's registry rather than listed by hand: every registered model's changelist, add, change,
delete and history pages and its old-style `<pk>/` address, the site's own pages, one app
page per app, and the few extra pages some ModelAdmins add (guardian's object permissions, the
TOTP device's QR code, the user's password). An admin URL this module cannot classify fails
the matrix's "every URL has a row" check: a new admin page must be given its expectations.

Who is staff here: admins (the `admin` group, every permission of the portal's apps) and city
staff (`is_staff`, and only the permissions of members.services.CITY_STAFF_PERMISSIONS: they
keep the unit register and the integrity records there, DESIGN.md §12; README "Integrity
records"). Everybody else is sent to the admin's sign-in page, whatever the address."""

from dataclasses import dataclass

from django.contrib import admin
from django.urls import reverse

# The roles of the admin rows: the matrix's, plus a superuser (the demo's `admin` account)
# and a staff user holding no permission at all (what `is_staff` alone opens).
ADMIN_ROLES = (
    "anon",
    "alice",
    "mallory",
    "rita",
    "bob",
    "dan",
    "charlie",
    "dora",
    "erin",
    "root",
    "stan",
)
NOT_STAFF = ("anon", "alice", "mallory", "rita", "bob", "dan", "dora")

# What city staff may do in the admin, model by model: v view, a add, c change, d delete.
# Written out here, not read from CITY_STAFF_PERMISSIONS, so that a permission given to city
# staff by mistake (or taken away) shows as a wrong cell. The unit register and the integrity
# records are theirs to keep; the records of the chain they run are theirs to read (the portal
# pages do the writing); users, groups, the audit trail and the reference data are not.
CITY_STAFF_ADMIN = {
    "members.county": "v",
    "members.industryfield": "v",
    "members.organization": "vac",
    "members.integrityrecord": "vac",
    "applications.consortium": "v",
    "applications.consortiumproject": "v",
    "applications.memberchange": "v",
    "applications.leadchange": "v",
    "applications.consortiummember": "v",
    "reviews.partygroupmeeting": "v",
    "reviews.publicnotice": "v",
    "reviews.objection": "v",
    "reviews.expertprofile": "vac",
    "reviews.calendarday": "v",
}

# Extra pages some ModelAdmins add: URL name suffix → how to fill its arguments from the
# model's object (and the users of the test).
EXTRA_MODEL_PAGES = {
    "members_organization_permissions",
    "members_organization_permissions_manage_user",
    "members_organization_permissions_manage_group",
    "applications_application_permissions",
    "applications_application_permissions_manage_user",
    "applications_application_permissions_manage_group",
    "otp_totp_totpdevice_config",
    "otp_totp_totpdevice_qrcode",
    "auth_user_password_change",
}
# The site's own pages. logout ends the session (as the portal's own logout, never requested).
SITE_PAGES = (
    "index",
    "login",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
)
ADMIN_NOT_REQUESTED = {"admin:logout"}
MODEL_PAGES = ("changelist", "add", "change", "delete", "history")
# Pages a ModelAdmin keeps to superusers (not to the admin role): deleting the reminder log
# would let the reporting cycle send a message twice.
SUPERUSER_ONLY = {("reporting.reminderlog", "delete")}


@dataclass(frozen=True)
class AdminRow:
    key: str  # the URL's name, or for an unnamed pattern "admin:<unnamed PATTERN>"
    kind: str  # a MODEL_PAGES entry, "legacy", an EXTRA_MODEL_PAGES suffix or a site page
    label: str | None  # the model's app_label.model_name, or the app label of an app page

    def url(self, objects, users) -> str:
        """The address, with a real object of the model (objects: {label: instance})."""
        if self.kind in SITE_PAGES:
            if self.kind == "view_on_site":
                from django.contrib.contenttypes.models import ContentType

                application = objects["applications.application"]
                content_type = ContentType.objects.get_for_model(application)
                return reverse(
                    "admin:view_on_site",
                    kwargs={"content_type_id": content_type.pk, "object_id": application.pk},
                )
            return reverse(f"admin:{self.kind}")
        if self.kind == "app_list":
            return reverse("admin:app_list", kwargs={"app_label": self.label})
        if self.kind == "catch_all":
            return "/admin/no-such-page/"
        obj = objects[self.label]
        base = self.label.replace(".", "_")
        if self.kind in ("add", "changelist"):
            return reverse(f"admin:{base}_{self.kind}")
        if self.kind in ("change", "delete", "history"):
            return reverse(f"admin:{base}_{self.kind}", args=[obj.pk])
        if self.kind == "legacy":
            return reverse(f"admin:{base}_changelist") + f"{obj.pk}/"
        if self.kind.endswith("_permissions"):
            return reverse(f"admin:{self.kind}", kwargs={"object_pk": obj.pk})
        if self.kind.endswith("_manage_user"):
            return reverse(
                f"admin:{self.kind}", kwargs={"object_pk": obj.pk, "user_id": users["alice"].pk}
            )
        if self.kind.endswith("_manage_group"):
            group = users["alice"].groups.order_by("pk").first()
            return reverse(f"admin:{self.kind}", kwargs={"object_pk": obj.pk, "group_id": group.pk})
        if self.kind.startswith("otp_totp_totpdevice_"):
            return reverse(f"admin:{self.kind}", kwargs={"pk": obj.pk})
        if self.kind == "auth_user_password_change":
            return reverse(f"admin:{self.kind}", args=[obj.pk])
        raise AssertionError(self)


def admin_rows() -> list[AdminRow]:
    """One row per admin address, from the admin site's registry and app list."""
    rows = [AdminRow(f"admin:{page}", page, None) for page in SITE_PAGES]
    rows.append(AdminRow("admin:<unnamed admin/(?P<url>.*)$>", "catch_all", None))
    apps = sorted({model._meta.app_label for model in admin.site._registry})
    rows += [AdminRow("admin:app_list", "app_list", app) for app in apps]
    for model in admin.site._registry:
        opts = model._meta
        label, base = opts.label_lower, f"{opts.app_label}_{opts.model_name}"
        rows += [AdminRow(f"admin:{base}_{page}", page, label) for page in MODEL_PAGES]
        rows.append(
            AdminRow(
                f"admin:<unnamed admin/{opts.app_label}/{opts.model_name}/<path:object_id>/>",
                "legacy",
                label,
            )
        )
        rows += [
            AdminRow(f"admin:{extra}", extra, label)
            for extra in sorted(EXTRA_MODEL_PAGES)
            if extra.startswith(base + "_")
        ]
    return rows


def _refused_to_everyone(label, page, request):
    """Whether the model's admin refuses the page to a superuser: by design (a read-only
    record such as the audit trail, rows only the portal's services write)."""
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label_lower == label)
    if page == "add":
        return not model_admin.has_add_permission(request)
    if page == "delete":
        return not model_admin.has_delete_permission(request)
    return False


def expected(row: AdminRow, role: str, superuser_request) -> str:
    """The matrix code of a row for a role (codes of the matrix; A = 302 to the admin's
    sign-in page)."""
    if role in NOT_STAFF:
        # The admin's sign-in page itself: shown (to signed-in non-staff with its "not
        # authorised" notice); everything else sends them there.
        return "2" if row.kind == "login" else "A"
    full = role in ("root", "erin")
    granted = "vacd" if full else CITY_STAFF_ADMIN.get(row.label, "") if role == "charlie" else ""
    site = {
        "index": "2",
        "login": "3",  # already signed in: sent on to the index
        "password_change": "2",
        "password_change_done": "2",
        "autocomplete": "4",  # without its parameters: refused, not an error
        "jsi18n": "2",
        # An application has no get_absolute_url: the "view on site" shortcut finds none.
        "view_on_site": ".",
        "catch_all": ".",
    }
    if row.kind in site:
        return site[row.kind]
    if row.kind == "app_list":
        labels = CITY_STAFF_ADMIN if role == "charlie" else {}
        visible = full or any(label.startswith(row.label + ".") for label in labels)
        return "2" if visible else "."
    sees = "v" in granted or "c" in granted
    if row.kind in ("changelist", "change", "history"):
        return "2" if sees else "4"
    if row.kind == "legacy":
        return "3"  # the old address is sent on to the change page (which then checks)
    if row.kind in ("add", "delete"):
        letter = row.kind[0]
        if (row.label, row.kind) in SUPERUSER_ONLY and role != "root":
            return "4"
        if letter in granted and not _refused_to_everyone(row.label, row.kind, superuser_request):
            return "2"
        return "4"
    if row.kind == "otp_totp_totpdevice_qrcode":
        # No QR library is installed (the portal's own code page shows the secret and the
        # otpauth URI as text): django_otp answers 503 rather than fail.
        return "x" if full else "4"
    if row.kind == "otp_totp_totpdevice_config":
        return "2" if full else "4"
    if row.kind == "auth_user_password_change":
        return "2" if full else "4"
    # guardian's object-permission pages: for whoever may change the object; the others are
    # sent back to the admin index.
    return "2" if "c" in granted else "3"

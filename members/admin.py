from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from members.accounts.services import require_password_change
from members.models import (
    County,
    IndustryField,
    IntegrityRecord,
    Organization,
    PolicyVersion,
    UnitRegistration,
    UsccWhitelist,
    UserProfile,
)

User = get_user_model()


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]


@admin.register(IndustryField)
class IndustryFieldAdmin(admin.ModelAdmin):
    list_display = ["name", "is_cluster", "in_scope", "sort_order", "is_active"]
    list_editable = ["sort_order", "in_scope", "is_active"]
    list_filter = ["is_cluster", "in_scope", "is_active"]
    search_fields = ["name"]


@admin.register(Organization)
class OrganizationAdmin(GuardedModelAdmin):
    list_display = [
        "name",
        "uscc",
        "kind",
        "location",
        "legal_representative",
        "contact_name",
        "contact_phone",
        "verified_at",
    ]
    list_filter = ["kind", "county", ("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "uscc", "legal_representative", "contact_name", "contact_phone"]
    list_select_related = ["county"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description=_("所在地"), ordering="county__sort_order")
    def location(self, obj):
        return obj.location_display

    fieldsets = [
        (None, {"fields": ["name", "uscc", "kind", "county", "verified_at"]}),
        (_("法定代表人与地址"), {"fields": ["legal_representative", "address"]}),
        (_("联系人"), {"fields": ["contact_name", "contact_phone", "contact_email"]}),
        (_("记录"), {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(UnitRegistration)
class UnitRegistrationAdmin(admin.ModelAdmin):
    """Read-only here: registrations are decided on the portal's verification pages (with
    their notifications and audit events)."""

    list_display = ["name", "uscc", "kind", "state", "county", "registrant", "created_at"]
    list_filter = ["state", "kind", "county"]
    search_fields = ["name", "uscc", "registrant__username", "email"]
    list_select_related = ["county", "registrant"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(UsccWhitelist)
class UsccWhitelistAdmin(admin.ModelAdmin):
    list_display = ["code", "reason", "created_by", "created_at"]
    search_fields = ["code", "reason"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "effective_from",
        "effective_to",
        "min_units",
        "min_rd_ratio",
        "lead_ban_years",
        "stated_end",
    ]
    date_hierarchy = "effective_from"


@admin.register(IntegrityRecord)
class IntegrityRecordAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "kind",
        "start_date",
        "end_date",
        "decision_number",
        "revoked_at",
        "created_by",
    ]
    list_filter = ["kind", "start_date"]
    search_fields = ["organization__name", "organization__uscc", "decision_number", "reason"]
    list_select_related = ["organization", "created_by"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    autocomplete_fields = ["organization"]
    fk_name = "user"


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [UserProfileInline]
    list_display = [
        "username",
        "last_name",
        "first_name",
        "email",
        "unit",
        "county",
        "is_active",
        "is_staff",
    ]
    list_filter = ["groups", "is_active", "is_staff", "profile__county"]
    search_fields = ["username", "first_name", "last_name", "email", "profile__organization__name"]
    list_select_related = ["profile__organization", "profile__county"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            # Staff accounts are made here (DESIGN.md §13): the first sign-in with the
            # password the admin chose must set a new one. After the profile inline has
            # saved, which would otherwise leave the flag unset.
            require_password_change(user=form.instance)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if (
            request.method == "POST"
            and response.status_code == 302
            and str(id) != str(request.user.pk)
        ):
            # An admin set someone's password: it is a one-time password for that user.
            require_password_change(user=self.get_object(request, id))
        return response

    @admin.display(description=_("所属单位"), ordering="profile__organization__name")
    def unit(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.organization if profile and profile.organization_id else "—"

    @admin.display(description=_("负责县区"), ordering="profile__county__name")
    def county(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.county if profile and profile.county_id else "—"


admin.site.site_header = _("辽阳市创新联合体管理平台 · 系统管理")
admin.site.site_title = _("辽阳市创新联合体管理平台")
admin.site.index_title = _("系统管理")
# The index warns when the statutory calendar of this or next year is not entered.
admin.site.index_template = "admin/portal_index.html"

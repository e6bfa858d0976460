from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from applications.models import (
    Agreement,
    Application,
    Attachment,
    ChiefExpert,
    Justification,
    Membership,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]
    fields = [
        "organization",
        "role",
        "task_share",
        "signatory",
        "signed_on",
        "sealed",
        "confirmed_at",
        "confirmed_by",
    ]
    readonly_fields = ["confirmed_at", "confirmed_by"]


class ChiefExpertInline(admin.TabularInline):
    model = ChiefExpert
    extra = 0
    fields = ["name", "title", "employer", "field", "phone"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = [
        "kind",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the portal, which checks their content


class JustificationInline(admin.TabularInline):
    model = Justification
    extra = 0
    fields = ["code", "text", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(Application)
class ApplicationAdmin(GuardedModelAdmin):
    list_display = [
        "display_name",
        "lead",
        "county",
        "industry_field",
        "state",
        "submitted_at",
        "updated_at",
    ]
    list_filter = ["state", "industry_field", "lead__county"]
    search_fields = ["name_core", "lead__name", "lead__uscc"]
    list_select_related = ["lead__county", "industry_field"]
    autocomplete_fields = ["lead"]
    readonly_fields = [
        "state",
        "policy_version",
        "submitted_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"
    inlines = [MembershipInline, ChiefExpertInline, AttachmentInline, JustificationInline]

    @admin.display(description=_("所在县区"), ordering="lead__county__sort_order")
    def county(self, obj):
        return obj.lead.location_display

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["application", "duration_years", "signed_on"]
    search_fields = ["application__name_core", "application__lead__name"]
    list_select_related = ["application"]
    autocomplete_fields = ["application"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["organization", "application", "role", "sealed", "confirmed_at"]
    list_filter = ["role", "sealed"]
    search_fields = ["organization__name", "organization__uscc", "application__name_core"]
    list_select_related = ["organization", "application"]
    autocomplete_fields = ["organization", "application"]

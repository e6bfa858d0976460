"""Admin for the consortium after naming: read-mostly.

Projects, member changes, lead changes and the roster change only through the portal's
services (applications.consortia), which check who acts, the running-project rule and the
consents; an edit here would skip them. So admins read these records (and may correct the
wording of a project entered with a typo); nothing is added or deleted here."""

from django.contrib import admin

from applications.models import (
    ConsortiumMember,
    ConsortiumProject,
    LeadChange,
    MemberChange,
    MemberChangeConsent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsortiumProject)
class ConsortiumProjectAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "consortium",
        "level",
        "number",
        "start_date",
        "end_date",
        "confirmed_at",
    ]
    list_filter = ["level", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "number", "consortium__name"]
    list_select_related = ["consortium"]
    fields = [
        "consortium",
        "name",
        "level",
        "number",
        "start_date",
        "end_date",
        "entered_by",
        "entered_at",
        "confirmed_by",
        "confirmed_at",
    ]
    # Level and dates drive the dissolution and lead-change rules: not edited here.
    readonly_fields = [
        "consortium",
        "level",
        "start_date",
        "end_date",
        "entered_by",
        "entered_at",
        "confirmed_by",
        "confirmed_at",
    ]


class MemberChangeConsentInline(admin.TabularInline):
    model = MemberChangeConsent
    extra = 0
    fields = ["organization", "consented_by", "consented_on", "recorded_by", "recorded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MemberChange)
class MemberChangeAdmin(ReadOnlyAdmin):
    list_display = ["consortium", "kind", "organization", "status", "filed_at", "acknowledged_at"]
    list_filter = ["status", "kind"]
    search_fields = ["consortium__name", "organization__name", "organization__uscc"]
    list_select_related = ["consortium", "organization"]
    inlines = [MemberChangeConsentInline]
    fields = [
        "consortium",
        "kind",
        "organization",
        "reason",
        "agreement_name",
        "agreement_type",
        "agreement_sha256",
        "status",
        "created_by",
        "created_at",
        "filed_at",
        "acknowledged_by",
        "acknowledged_at",
        "return_reason",
    ]
    readonly_fields = fields


@admin.register(LeadChange)
class LeadChangeAdmin(ReadOnlyAdmin):
    list_display = ["consortium", "old_lead", "new_lead", "needs_approval", "status", "filed_at"]
    list_filter = ["status", "needs_approval"]
    search_fields = ["consortium__name", "old_lead__name", "new_lead__name"]
    list_select_related = ["consortium", "old_lead", "new_lead"]
    fields = [
        "consortium",
        "old_lead",
        "new_lead",
        "reason",
        "needs_approval",
        "running_project",
        "status",
        "filed_by",
        "filed_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    readonly_fields = fields


@admin.register(ConsortiumMember)
class ConsortiumMemberAdmin(ReadOnlyAdmin):
    list_display = ["consortium", "organization", "role", "joined_on", "left_on"]
    list_filter = ["role", ("left_on", admin.EmptyFieldListFilter)]
    search_fields = ["consortium__name", "organization__name", "organization__uscc"]
    list_select_related = ["consortium", "organization"]
    fields = [
        "consortium",
        "organization",
        "role",
        "joined_on",
        "left_on",
        "via_change",
        "via_lead_change",
        "sort_order",
    ]
    readonly_fields = fields

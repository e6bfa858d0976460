"""Admin of the expert pool, the score sheets and (read-only) the expert assignments.
Imported by reviews/admin.py."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reviews.models import (
    Criterion,
    ExpertAssignment,
    ExpertAvoidance,
    ExpertProfile,
    Score,
    ScoreSheet,
)


class AvoidanceInline(admin.TabularInline):
    model = ExpertAvoidance
    extra = 0
    raw_id_fields = ["organization"]


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    """Admins may still create experts directly (DESIGN.md §16); a self-registration is
    verified by city staff on their own page, and status changes with a reason are theirs
    too (the library's expert page), so the registration's record is read-only here."""

    list_display = ["name", "title", "employer", "field_names", "phone", "status"]
    list_filter = [
        "status",
        "title_level",
        "registered_via",
        "fields",
        ("employer", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "keywords", "employer__name", "user__username"]
    list_select_related = ["employer"]
    raw_id_fields = ["user", "employer"]
    filter_horizontal = ["fields"]
    inlines = [AvoidanceInline]
    fields = [
        "user",
        "name",
        "title",
        "title_level",
        "employer",
        "fields",
        "keywords",
        "phone",
        "email",
        "status",
        "status_reason",
        "status_changed_on",
        "last_updated_on",
        "registered_via",
        "cv_name",
        "declared_at",
        "email_confirmed_at",
        "submitted_at",
        "decided_by",
        "decided_at",
        "return_reason",
    ]
    readonly_fields = [
        "registered_via",
        "cv_name",
        "declared_at",
        "email_confirmed_at",
        "submitted_at",
        "decided_by",
        "decided_at",
        "return_reason",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("fields")

    @admin.display(description=_("熟悉领域"))
    def field_names(self, obj):
        return "、".join(f.name for f in obj.fields.all())


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 1
    fields = ["order", "name", "description", "max_points"]


@admin.register(ScoreSheet)
class ScoreSheetAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "is_active", "max_total"]
    list_filter = ["is_default", "is_active"]
    search_fields = ["name"]
    inlines = [CriterionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("criteria")

    @admin.display(description=_("满分合计"))
    def max_total(self, obj):
        return obj.max_total


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    fields = ["criterion", "points"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(admin.ModelAdmin):
    """Read-only: assignments are made by the draw and the declarations and scores by the
    experts themselves; an admin editing them would falsify the review."""

    list_display = [
        "application",
        "expert",
        "method",
        "status",
        "total",
        "recommend",
        "assigned_at",
        "submitted_at",
    ]
    list_filter = ["status", "method"]
    search_fields = ["application__name_core", "application__lead__name", "expert__name"]
    list_select_related = ["application", "expert"]
    date_hierarchy = "assigned_at"
    inlines = [ScoreInline]
    readonly_fields = [
        "application",
        "expert",
        "method",
        "status",
        "sheet",
        "assigned_by",
        "assigned_at",
        "respond_by",
        "reminded_at",
        "declared_at",
        "conflict_note",
        "decline_reason",
        "ended_at",
        "replaces",
        "recommend",
        "opinion",
        "total",
        "submitted_at",
        "rating",
        "rating_note",
        "rated_by",
        "rated_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

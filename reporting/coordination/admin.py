"""Coordination in the admin: administrators keep the list of departments; items are read
here and worked on city staff's pages (reporting/coordination/views.py), so that each step
is checked and the lead is told of the reply."""

from django.contrib import admin

from reporting.coordination.models import CoordinationItem, CoordinationProgress, Department


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    list_filter = ["active"]
    search_fields = ["name"]
    ordering = ["sort_order", "id"]


class ProgressInline(admin.TabularInline):
    model = CoordinationProgress
    extra = 0
    can_delete = False
    fields = ["recorded_at", "recorded_by", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CoordinationItem)
class CoordinationItemAdmin(admin.ModelAdmin):
    list_display = ["consortium", "report", "sequence", "status", "department", "due_on"]
    list_filter = ["status", "department"]
    search_fields = ["consortium__name", "text", "reply"]
    # report__consortium too: a report's str() names its consortium.
    list_select_related = ["consortium", "report__consortium", "department"]
    inlines = [ProgressInline]
    # Read-mostly: a wrong text is corrected here; the course (status, assignment, reply)
    # goes through the services.
    readonly_fields = [
        "report",
        "consortium",
        "sequence",
        "status",
        "department",
        "due_on",
        "assigned_by",
        "assigned_at",
        "reply",
        "replied_by",
        "replied_at",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

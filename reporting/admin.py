"""Admin for the annual reports, read-mostly.

Reports are created by the reporting cycle and move through their states on the portal's
own pages (/reports/), which check who acts and notify; a status set here would skip both,
so the admin only reads them. The reminder log is the record of what the cycle sent: it is
read-only too (deleting a row would make the cycle send that message again, which is the
one thing an admin may want, so deletion is allowed to superusers)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reporting.models import AnnualReport, ReminderLog, ReportAttachment


class ReportAttachmentInline(admin.TabularInline):
    model = ReportAttachment
    extra = 0
    fields = [
        "original_name",
        "description",
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


class ReminderLogInline(admin.TabularInline):
    model = ReminderLog
    extra = 0
    fields = ["kind", "on_date", "sent_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    list_display = [
        "consortium",
        "year",
        "status",
        "is_overdue",
        "overdue_since",
        "submitted_at",
        "decided_at",
    ]
    list_filter = ["year", "status", "is_overdue"]
    search_fields = ["consortium__name", "consortium__number", "consortium__lead__name"]
    list_select_related = ["consortium"]
    readonly_fields = [
        "consortium",
        "year",
        "status",
        "created_at",
        "updated_at",
        "submitted_at",
        "submitted_by",
        "decided_by",
        "decided_at",
        "return_reason",
        "is_overdue",
        "overdue_since",
        "rd_progress",
        "results_projects",
        "results_projects_text",
        "results_patents",
        "results_patents_text",
        "results_standards",
        "results_standards_text",
        "results_transfers",
        "results_transfers_text",
        "team",
        "funds",
        "funds_amount",
        "plan_this_year",
        "problems",
        "coordination_needed",
    ]
    fieldsets = [
        (None, {"fields": ["consortium", "year", "status", "is_overdue", "overdue_since"]}),
        (
            _("办理"),
            {
                "fields": [
                    "created_at",
                    "updated_at",
                    "submitted_at",
                    "submitted_by",
                    "decided_by",
                    "decided_at",
                    "return_reason",
                ]
            },
        ),
        (
            _("报告内容"),
            {
                "classes": ["collapse"],
                "fields": [
                    "rd_progress",
                    ("results_projects", "results_projects_text"),
                    ("results_patents", "results_patents_text"),
                    ("results_standards", "results_standards_text"),
                    ("results_transfers", "results_transfers_text"),
                    "team",
                    ("funds_amount", "funds"),
                    "plan_this_year",
                    "problems",
                    "coordination_needed",
                ],
            },
        ),
    ]
    inlines = [ReportAttachmentInline, ReminderLogInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["report", "kind", "on_date", "sent_at"]
    list_filter = ["kind", "on_date"]
    search_fields = ["report__consortium__name"]
    list_select_related = ["report", "report__consortium"]
    readonly_fields = ["report", "kind", "on_date", "sent_at"]
    date_hierarchy = "on_date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


# The assessment registers its own models.
from reporting.assessments import admin as assessments_admin  # noqa: E402, F401
from reporting.coordination import admin as coordination_admin  # noqa: E402, F401
from reporting.support import admin as support_admin  # noqa: E402, F401

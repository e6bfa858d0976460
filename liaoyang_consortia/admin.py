from django.contrib import admin

from liaoyang_consortia.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail, read-only: no one adds, changes or deletes an event here."""

    list_display = ["at", "kind", "actor", "path", "ip"]
    list_filter = ["kind", "at"]
    search_fields = ["actor__username", "path", "ip"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    readonly_fields = ["at", "kind", "actor", "path", "ip", "detail"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

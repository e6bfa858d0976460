"""The support ledger in the admin: read and corrected by administrators; city staff enter
records on the consortium page (reporting/support/views.py)."""

from django.contrib import admin

from reporting.support.models import SupportRecord


@admin.register(SupportRecord)
class SupportRecordAdmin(admin.ModelAdmin):
    list_display = ["consortium", "kind", "date", "amount", "document_number", "entered_by"]
    list_filter = ["kind", "date"]
    search_fields = ["consortium__name", "document_number", "description"]
    list_select_related = ["consortium", "entered_by"]
    readonly_fields = ["entered_by", "entered_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)

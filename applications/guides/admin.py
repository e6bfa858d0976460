from django.contrib import admin

from applications.guides.models import Guide, Intent


@admin.register(Guide)
class GuideAdmin(admin.ModelAdmin):
    list_display = ["title", "document_number", "published_on", "withdrawn_on", "deadline"]
    search_fields = ["title", "document_number"]
    filter_horizontal = ["industry_fields"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    date_hierarchy = "published_on"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Intent)
class IntentAdmin(admin.ModelAdmin):
    list_display = ["organization", "name_core", "industry_field", "answer", "submitted_at"]
    list_filter = ["answer", "industry_field"]
    search_fields = ["organization__name", "organization__uscc", "name_core"]
    autocomplete_fields = ["organization", "guide", "application"]
    readonly_fields = ["created_by", "submitted_at", "answered_by", "answered_at"]

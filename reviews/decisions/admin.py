"""Admin for the Party-group meetings and the named consortia.

Meetings are recorded on the portal's own page (/decisions/meetings/), which runs the
approve and decline transitions with them; a meeting or a decision added here would move
nothing, so the admin only reads them (and lets a mistyped minutes number be corrected).
Consortia are created by naming and change status through their own services."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from applications.models import Consortium
from reviews.models import MeetingDecision, PartyGroupMeeting


class MeetingDecisionInline(admin.TabularInline):
    model = MeetingDecision
    extra = 0
    fields = ["application", "outcome", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PartyGroupMeeting)
class PartyGroupMeetingAdmin(admin.ModelAdmin):
    list_display = ["meeting_date", "minutes_number", "decision_count", "recorded_by", "created_at"]
    search_fields = ["minutes_number", "decisions__application__name_core"]
    date_hierarchy = "meeting_date"
    fields = ["meeting_date", "minutes_number", "recorded_by", "created_at"]
    # The meeting date is the consortia's naming date: it is not changed afterwards.
    readonly_fields = ["meeting_date", "recorded_by", "created_at"]
    inlines = [MeetingDecisionInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("recorded_by")
            .annotate(decision_total=Count("decisions"))
        )

    @admin.display(description=_("决定数"), ordering="decision_total")
    def decision_count(self, obj):
        return obj.decision_total

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consortium)
class ConsortiumAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "decision_number", "named_on", "lead", "status"]
    list_filter = ["status", "industry_field"]
    search_fields = ["name", "number", "decision_number", "lead__name", "lead__uscc"]
    list_select_related = ["lead"]
    date_hierarchy = "named_on"
    fields = [
        "name",
        "number",
        "decision_number",
        "named_on",
        "lead",
        "industry_field",
        "status",
        "application",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

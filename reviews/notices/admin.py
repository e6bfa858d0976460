"""Admin for notices and objections. Both are created through the portal (publishing runs
the workflow for every application; an objection's evidence is type-checked on upload),
so the admin reads and corrects them but does not add them."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from reviews.models import Objection, PublicNotice


class ObjectionInline(admin.TabularInline):
    model = Objection
    extra = 0
    fields = ["application", "objector_name", "objector_unit", "status", "outcome", "received_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PublicNotice)
class PublicNoticeAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "start_date", "end_date", "working_days", "closed_at"]
    list_filter = ["start_date", "end_date", ("closed_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "start_date"
    search_fields = ["number", "title"]
    fields = [
        "number",
        "title",
        "start_date",
        "end_date",
        "working_days",
        "listed_applications",
        "business_contact",
        "supervision_contact",
        "published_by",
        "published_at",
        "closed_at",
    ]
    # The dates and the list were what the workflow acted on; changing them here would
    # contradict the applications' states and the public record.
    readonly_fields = [
        "number",
        "start_date",
        "end_date",
        "working_days",
        "listed_applications",
        "published_by",
        "published_at",
        "closed_at",
    ]
    inlines = [ObjectionInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("公示的申请"))
    def listed_applications(self, obj):
        return format_html_join(
            "",
            '<div><a href="{}">{}</a>（{}）</div>',
            (
                (
                    reverse("admin:applications_application_change", args=[a.pk]),
                    a.display_name,
                    a.get_state_display(),
                )
                for a in obj.applications.order_by("pk")
            ),
        )


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = [
        "receipt_number",
        "application",
        "notice",
        "objector_name",
        "objector_unit",
        "status",
        "outcome",
        "received_at",
    ]
    list_filter = ["status", "outcome"]
    list_select_related = ["application", "notice"]
    search_fields = [
        "receipt_number",
        "application__name_core",
        "application__lead__name",
        "objector_name",
        "objector_unit",
        "notice__number",
    ]
    date_hierarchy = "received_at"
    fields = [
        "receipt_number",
        "notice",
        "application",
        "objector_name",
        "objector_unit",
        "objector_phone",
        "objector_email",
        "reasons",
        "evidence_download",
        "evidence_name",
        "evidence_type",
        "evidence_sha256",
        "received_at",
        "status",
        "outcome",
        "finding",
        "handled_by",
        "resolved_at",
    ]
    # Status and outcome drive the workflow: they change through the staff pages, which
    # move the application too.
    readonly_fields = [
        "receipt_number",
        "notice",
        "application",
        "evidence_download",
        "evidence_name",
        "evidence_type",
        "evidence_sha256",
        "received_at",
        "status",
        "outcome",
        "handled_by",
        "resolved_at",
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("证明材料"))
    def evidence_download(self, obj):
        # Served by the staff view, which checks the user and sends it as a download.
        if not obj.evidence:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("notices:evidence", args=[obj.pk]), obj.evidence_name
        )

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from applications import policy, workflow
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

    def get_queryset(self, request):
        # Each row is titled with the membership's str(), which names its unit.
        return super().get_queryset(request).select_related("organization")


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

    def get_queryset(self, request):
        # The uploader is shown on each row.
        return super().get_queryset(request).select_related("uploaded_by")

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the portal, which checks their content


class JustificationInline(admin.TabularInline):
    model = Justification
    extra = 0
    fields = ["code", "text", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]

    def get_queryset(self, request):
        # Who last changed each justification is shown on its row.
        return super().get_queryset(request).select_related("updated_by")


ADMIN_NOTE = _("（通过系统管理后台办理）")


def _transition_action(name):
    """An admin action that runs a transition through the same workflow service and
    policy as the portal; transitions that need more than a note (a reason, a notice, a
    meeting record) are refused by their guard and say so."""
    step = workflow.STEPS[name]

    def action(modeladmin, request, queryset):
        done = 0
        for application in queryset:
            try:
                workflow.perform(
                    actor=request.user,
                    application_id=application.pk,
                    transition=name,
                    comment=str(ADMIN_NOTE),
                )
            except (PermissionDenied, ValidationError, workflow.StaleApplication) as exc:
                text = "；".join(getattr(exc, "messages", [str(exc)]))
                modeladmin.message_user(request, f"{application}：{text}", messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request, _("%(step)s：已办理%(n)d件。") % {"step": step.label, "n": done}
            )

    action.__name__ = f"transition_{name}"
    action.short_description = step.label
    return action


@admin.register(Application)
class ApplicationAdmin(GuardedModelAdmin):
    actions = [
        _transition_action(name)
        for name in policy.ORDER
        # Reasons are typed on the application page; notices and meetings have their own.
        if name not in ("submit", "publish_notice", "approve", "decline")
        and not workflow.STEPS[name].comment_required
    ]
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


# The after-naming filings register their own models.
from applications import admin_consortia  # noqa: E402, F401
from applications.guides import admin as _guides_admin  # noqa: E402, F401

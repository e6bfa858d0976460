"""Admin for the assessment: indicator templates are edited here (DESIGN.md §14), rounds
and their results are read here and run on /assessments/ (which checks who acts and
notifies). A template in force is frozen: change it by copying it as a new version."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.assessments import services
from reporting.assessments.models import (
    Assessment,
    DisqualificationProposal,
    Indicator,
    IndicatorTemplate,
    Rectification,
    Round,
)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["order", "category", "name", "weight", "method", "source", "evidence", "guide"]
    exclude = ["criterion"]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_in_force

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.is_in_force

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_in_force


@admin.register(IndicatorTemplate)
class IndicatorTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "in_force_from", "weight_total"]
    inlines = [IndicatorInline]
    readonly_fields = ["in_force_from", "score_sheet", "created_at"]
    actions = ["put_in_force", "copy_as_new_version"]

    @admin.display(description=_("分值合计"))
    def weight_total(self, obj):
        return sum(i.weight for i in obj.indicators.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("indicators")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_in_force:
            return ["name", "version", "note", *self.readonly_fields]
        return self.readonly_fields

    @admin.action(description=_("自今日起生效（分值合计须为100分）"))
    def put_in_force(self, request, queryset):
        for template in queryset:
            try:
                services.put_template_in_force(
                    actor=request.user, template=template, on=timezone.localdate()
                )
            except ValidationError as exc:
                self.message_user(
                    request, f"{template}：{'；'.join(exc.messages)}", level=messages.ERROR
                )
            else:
                self.message_user(request, _("%(t)s 已生效。") % {"t": template})

    @admin.action(description=_("复制为新版本"))
    def copy_as_new_version(self, request, queryset):
        for template in queryset:
            version = f"{template.version}-副本{timezone.localtime():%Y%m%d%H%M%S}"
            copy = services.copy_template(actor=request.user, template=template, version=version)
            self.message_user(request, _("已复制为 %(t)s，请修改后生效。") % {"t": copy})


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Round)
class RoundAdmin(ReadOnly):
    list_display = ["title", "kind", "year", "opens_on", "closes_on", "status"]
    list_filter = ["kind", "year", "status"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnly):
    list_display = ["consortium", "round", "state", "score", "grade", "priority_recommendation"]
    list_filter = ["round", "state", "grade"]
    search_fields = ["consortium__name", "consortium__number"]
    list_select_related = ["consortium", "round"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnly):
    list_display = ["assessment", "deadline", "status"]
    list_filter = ["status"]
    list_select_related = ["assessment__consortium", "assessment__round"]


@admin.register(DisqualificationProposal)
class DisqualificationProposalAdmin(ReadOnly):
    list_display = ["consortium", "reason", "status", "created_at"]
    list_filter = ["status", "reason"]
    list_select_related = ["consortium"]

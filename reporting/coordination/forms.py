from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.coordination import rules
from reporting.coordination.models import CoordinationItem, Department


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("承办部门"),
        queryset=Department.objects.filter(active=True),
        empty_label=_("请选择"),
        error_messages={
            "required": _("请选择承办部门。"),
            "invalid_choice": _("请从列表中选择承办部门。"),
        },
    )
    due_on = forms.DateField(
        label=_("办理期限"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={
            "required": _("请填写办理期限。"),
            "invalid": _("请按“年-月-日”填写日期，例如2026-12-31。"),
        },
    )

    def __init__(self, *args, item: CoordinationItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        created = rules.created_on(self.item.created_at, today=timezone.localdate())
        if errors := rules.due_date_errors(due_on, created=created):
            raise forms.ValidationError(errors)
        return due_on


class ProgressForm(forms.Form):
    note = forms.CharField(
        label=_("办理进展"),
        max_length=rules.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写办理进展。")},
    )


class AnswerForm(forms.Form):
    reply = forms.CharField(
        label=_("答复意见"),
        max_length=rules.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("承办部门的答复，登记后牵头单位可在联合体页面查看，并会收到通知。"),
        error_messages={"required": _("请填写答复意见：没有答复内容的事项不能登记为已答复。")},
    )


class FilterForm(forms.Form):
    """The list's filter from the query string; an unknown value is dropped, not an error."""

    status = forms.ChoiceField(
        label=_("办理状态"),
        required=False,
        choices=[("", _("全部"))] + list(CoordinationItem.Status.choices),
    )
    department = forms.ModelChoiceField(
        label=_("承办部门"),
        required=False,
        queryset=Department.objects.all(),
        empty_label=_("全部"),
    )
    overdue = forms.BooleanField(label=_("仅看已超期"), required=False)

    def values(self) -> dict:
        if self.is_valid():
            data = self.cleaned_data
            return {
                "status": data["status"],
                "department": data["department"].pk if data["department"] else None,
                "overdue": data["overdue"],
            }
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "status": cleaned.get("status", ""),
            "department": cleaned["department"].pk if cleaned.get("department") else None,
            "overdue": bool(cleaned.get("overdue")),
        }

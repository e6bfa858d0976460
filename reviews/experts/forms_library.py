"""Forms of the expert library pages (DESIGN.md §16): the list's filter, city staff's
rating of a review, the status change and the integrity record on an expert."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import IndustryField, Organization
from reviews.experts import selectors_library
from reviews.experts.models import ExpertProfile
from reviews.experts.services_library import NOTE_MAX_LENGTH

IN_LIBRARY_CHOICES = [
    (value, label)
    for value, label in ExpertProfile.Status.choices
    if value in ExpertProfile.IN_LIBRARY
]


class LibraryFilterForm(forms.Form):
    """The list's filter from the query string; an unknown value is dropped, not an error."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    field = forms.ModelChoiceField(
        label=_("熟悉领域"),
        required=False,
        queryset=IndustryField.objects.all(),
        empty_label=_("全部"),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + IN_LIBRARY_CHOICES
    )
    employer = forms.ModelChoiceField(
        label=_("工作单位"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("全部"),
    )
    cap = forms.ChoiceField(
        label=_("本年度已达上限"),
        required=False,
        choices=[("", _("全部")), ("yes", _("已达上限")), ("no", _("未达上限"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = selectors_library.employers()

    def values(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        cap = data.get("cap") or ""
        return {
            "q": (data.get("q") or "").strip(),
            "field_id": data["field"].pk if data.get("field") else None,
            "status": data.get("status") or "",
            "employer_id": data["employer"].pk if data.get("employer") else None,
            "cap": {"yes": True, "no": False}.get(cap),
        }


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评审质量评价"),
        coerce=int,
        choices=[(n, _("%(n)d分") % {"n": n}) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        help_text=_("5分最好，1分最差；仅市科技局工作人员可见。"),
        error_messages={
            "required": _("请选择1至5分的评价。"),
            "invalid_choice": _("请选择1至5分的评价。"),
        },
    )
    note = forms.CharField(
        label=_("评价说明"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("评价为2分及以下时必填。"),
        error_messages={"max_length": _("评价说明不能超过%(limit_value)d字。")},
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("变更为"),
        choices=[
            (ExpertProfile.Status.ACTIVE, _("恢复在库")),
            (ExpertProfile.Status.SUSPENDED, _("暂停")),
            (ExpertProfile.Status.OUT, _("出库")),
        ],
        error_messages={
            "required": _("请选择新的状态。"),
            "invalid_choice": _("请从列表中选择状态。"),
        },
    )
    reason = forms.CharField(
        label=_("变更原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写变更原因。")},
    )


class MisconductForm(forms.Form):
    reason = forms.CharField(
        label=_("失信事由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写失信事由。")},
    )
    start_date = forms.DateField(
        label=_("起始日期"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={
            "required": _("请填写起始日期。"),
            "invalid": _("请按“年-月-日”填写日期，例如2026-12-31。"),
        },
    )
    decision_number = forms.CharField(label=_("决定文号"), max_length=100, required=False)

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.integrity.selectors import find_units
from members.models import IntegrityRecord

DATE_WIDGET = {"type": "date"}


class RecordForm(forms.Form):
    """A new integrity record: the unit is typed as its credit code or its name."""

    unit = forms.CharField(
        label=_("单位"),
        max_length=200,
        help_text=_("填写统一社会信用代码或单位全称。"),
        error_messages={"required": _("请填写单位的统一社会信用代码或名称。")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        # A unit's kinds only: an expert's record is made from the expert's page
        # (reviews.experts.services.record_misconduct).
        choices=[(k.value, k.label) for k in IntegrityRecord.UNIT_KINDS],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择记录类型。")},
    )
    reason = forms.CharField(
        label=_("事由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写事由。")},
    )
    decision_number = forms.CharField(
        label=_("决定文号"), max_length=100, required=False, help_text=_("如：辽市科发〔2026〕12号")
    )
    start_date = forms.DateField(
        label=_("起始日期"),
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        error_messages={
            "required": _("请填写起始日期。"),
            "invalid": _("请填写有效的日期。"),
        },
    )
    end_date = forms.DateField(
        label=_("截止日期"),
        required=False,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        help_text=_("含当日。取消牵头资格须填写（一般为三年）；诚信黑名单可留空，至终止为止。"),
        error_messages={"invalid": _("请填写有效的日期。")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)

    def clean_unit(self):
        text = self.cleaned_data["unit"]
        units = find_units(text)
        if not units:
            raise forms.ValidationError(_("未找到该单位，请核对统一社会信用代码或单位全称。"))
        if len(units) > 1:
            raise forms.ValidationError(
                _("有多个单位与“%(text)s”相符（%(names)s），请填写统一社会信用代码。")
                % {"text": text, "names": "、".join(u.name for u in units)}
            )
        self.organization = units[0]
        return text

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("截止日期不能早于起始日期。"))
        lead_ban = cleaned.get("kind") == IntegrityRecord.Kind.LEAD_BAN
        if lead_ban and not end and not self.has_error("end_date"):
            self.add_error("end_date", _("取消牵头资格须有截止日期（一般为三年）。"))
        return cleaned


class EndForm(forms.Form):
    end_date = forms.DateField(
        label=_("终止日期"),
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        help_text=_("记录的最后有效日（含当日），次日起不再生效。"),
        error_messages={
            "required": _("请填写终止日期。"),
            "invalid": _("请填写有效的日期。"),
        },
    )
    reason = forms.CharField(
        label=_("终止原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：经复核撤销、处理期满提前解除等，并注明依据。"),
        error_messages={"required": _("请填写终止原因。")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("end_date", timezone.localdate())
        super().__init__(*args, **kwargs)


class FilterForm(forms.Form):
    """The list's filters (GET): never invalid, an unknown value is ignored."""

    kind = forms.ChoiceField(
        label=_("类型"),
        required=False,
        choices=[("", _("全部类型")), *IntegrityRecord.Kind.choices],
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("", _("全部状态")),
            ("in_force", _("生效中")),
            ("ended", _("已结束")),
            ("not_started", _("未生效")),
        ],
    )
    q = forms.CharField(label=_("单位名称或信用代码"), required=False, max_length=200)


class PledgeForm(forms.Form):
    """A unit's research-integrity pledge: who pledges for it, and the required checkbox."""

    person = forms.CharField(
        label=_("承诺人姓名"),
        max_length=50,
        error_messages={
            "required": _("请填写承诺人姓名。"),
            "max_length": _("承诺人姓名不能超过50个字。"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    person_title = forms.CharField(
        label=_("职务"),
        max_length=50,
        required=False,
        help_text=_("如：法定代表人、科技负责人。"),
        error_messages={"max_length": _("职务不能超过50个字。")},
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    confirmed = forms.BooleanField(
        label=_("本单位已阅读并作出上述承诺"),
        error_messages={"required": _("请勾选“本单位已阅读并作出上述承诺”。")},
    )

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import ConsortiumProject, MemberChange
from members.fields import UsccFormField
from members.models import County, Organization

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class UnitChoiceField(forms.ChoiceField):
    """A choice among roster rows already read for the page: no query per form (a page
    shows one consent form per open change), and the cleaned value is the Organization."""

    def __init__(self, *, rows=(), empty_label=None, **kwargs):
        self.units = {str(row.organization_id): row.organization for row in rows}
        choices = [(pk, unit.name) for pk, unit in self.units.items()]
        if empty_label is not None:
            choices = [("", empty_label), *choices]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.units.get(value) if value else None


class ProjectForm(forms.ModelForm):
    class Meta:
        model = ConsortiumProject
        fields = ["name", "level", "number", "start_date", "end_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {"name": _("例如：辽阳市重大科技专项“××关键技术研发”。")}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("结束日期不能早于开始日期。"))
        return cleaned


class MemberChangeForm(forms.Form):
    """A new member change: an addition names its unit by code (a known unit is reused), a
    removal picks a current member."""

    kind = forms.ChoiceField(
        label=_("变更类型"),
        choices=MemberChange.Kind.choices,
        widget=forms.RadioSelect,
        initial=MemberChange.Kind.ADD,
    )
    uscc = UsccFormField(
        required=False, help_text=_("新增成员单位时填写；平台已有该单位时无需填写名称和类型。")
    )
    name = forms.CharField(label=_("单位名称"), max_length=200, required=False)
    unit_kind = forms.ChoiceField(
        label=_("单位类型"), choices=[("", "---------"), *Organization.Kind.choices], required=False
    )
    county = forms.ModelChoiceField(
        label=_("所在县（市、区）"),
        queryset=County.objects.filter(is_active=True),
        required=False,
        empty_label=_("辽阳市外"),
    )
    reason = forms.CharField(
        label=_("变更理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = UnitChoiceField(
            label=_("退出的成员单位"),
            rows=[row for row in members if row.role != "lead"],
            empty_label="---------",
            required=False,
            help_text=_("成员单位退出时选择。"),
        )
        self.order_fields(["kind", "uscc", "name", "unit_kind", "county", "organization"])

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == MemberChange.Kind.ADD and not cleaned.get("uscc") and "uscc" not in self.errors:
            self.add_error("uscc", _("新增成员单位请填写统一社会信用代码。"))
        if kind == MemberChange.Kind.REMOVE and not cleaned.get("organization"):
            self.add_error("organization", _("请选择退出的成员单位。"))
        return cleaned


class ConsentForm(forms.Form):
    consented_by = forms.CharField(
        label=_("签字人"), max_length=50, help_text=_("在补充协议上签字的单位代表。")
    )
    consented_on = forms.DateField(label=_("同意日期"), **DATE)

    field_order = ["organization", "consented_by", "consented_on"]

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = UnitChoiceField(label=_("成员单位"), rows=members)
        self.order_fields(self.field_order)

    def clean_consented_on(self):
        value = self.cleaned_data["consented_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("同意日期不能晚于今天。"))
        return value


class AgreementForm(forms.Form):
    file = forms.FileField(
        label=_("补充协议扫描件"),
        help_text=_("经全体成员单位签章的补充协议；PDF、JPEG、PNG、DOCX、XLSX，不超过20MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class LeadChangeForm(forms.Form):
    reason = forms.CharField(
        label=_("变更理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("说明变更的客观原因。"),
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_lead"] = UnitChoiceField(
            label=_("新牵头单位"),
            rows=[row for row in members if row.role != "lead"],
            empty_label="---------",
            help_text=_("须为现有成员单位；新单位请先办理成员变更。"),
        )
        self.order_fields(["new_lead", "reason"])


class LeadDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("办理结果"),
        choices=[
            ("approve", _("批准")),
            ("refuse", _("不予批准")),
            ("acknowledge", _("备案")),
        ],
    )
    note = forms.CharField(
        label=_("办理意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不予批准的须填写理由。"),
    )

    def __init__(self, *args, needs_approval=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_approval = needs_approval
        allowed = {"approve", "refuse"} if needs_approval else {"acknowledge"}
        self.fields["decision"].choices = [
            c for c in self.fields["decision"].choices if c[0] in allowed
        ]
        if not needs_approval:
            self.fields["decision"].widget = forms.HiddenInput()
            self.fields["decision"].initial = "acknowledge"


class StatusForm(forms.Form):
    """Disqualification or dissolution: the reason and the decision that brings it about."""

    reason = forms.CharField(
        label=_("事由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    decision_number = forms.CharField(label=_("决定文号"), max_length=100)
    decided_on = forms.DateField(label=_("决定日期"), **DATE)

    def __init__(self, *args, number_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision_number"].required = number_required

    def clean_decided_on(self):
        value = self.cleaned_data["decided_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("决定日期不能晚于今天。"))
        return value

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from applications.models import (
    AGREEMENT_CLAUSES,
    MECHANISMS,
    Application,
    Attachment,
    ChiefExpert,
    Membership,
)
from members.fields import UsccFormField
from members.models import County, IndustryField, Organization

TEXTAREA = {"rows": 3}


class SectionForm(forms.ModelForm):
    """A section of the application's own fields. Every field is optional while drafting:
    completeness is the rules' business, shown as findings, not as form errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.update(TEXTAREA)

    def valid_values(self) -> dict:
        """The fields that passed validation, to be saved even when others did not."""
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}


class BasicForm(SectionForm):
    class Meta:
        model = Application
        fields = ["name_core", "industry_field", "duration_years"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry_field"].queryset = IndustryField.objects.filter(is_active=True)
        years_field(self.fields["duration_years"], _("计划建设期限"), high=10)


def years_field(field, what, *, high):
    """A number of years with our own Chinese messages, not the framework's
    "确保该值大于或等于0。" (a positive integer field lets 0 through)."""
    field.validators = [
        MinValueValidator(1, _("%(what)s至少为1年。") % {"what": what}),
        MaxValueValidator(high, _("%(what)s最长为%(n)d年。") % {"what": what, "n": high}),
    ]
    field.min_value, field.max_value = 1, high
    field.error_messages["invalid"] = _("%(what)s请填写整数年数。") % {"what": what}
    field.widget.attrs.update({"min": 1, "max": high, "step": 1})


class LeadForm(SectionForm):
    class Meta:
        model = Application
        fields = ["lead_sales_revenue", "lead_rd_spend", "lead_platforms", "lead_projects"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("lead_sales_revenue", "lead_rd_spend"):
            field = self.fields[name]
            field.validators.append(MinValueValidator(0, _("金额不能为负数。")))
            field.widget.attrs.update({"min": 0, "step": "0.01", "inputmode": "decimal"})


class PlanForm(SectionForm):
    class Meta:
        model = Application
        fields = [
            "goals",
            "key_technologies",
            "roadmap",
            "tasks",
            *[n for n, _ in MECHANISMS],
            "resources",
            "fund_supervision",
            "council",
            "research_team",
        ]


class MemberAddForm(forms.Form):
    uscc = UsccFormField(
        widget=forms.TextInput(
            attrs={
                # Checked as it is typed: validity, and whether the portal knows the unit.
                "hx-get": reverse_lazy("applications:uscc_check"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#uscc-feedback",
                # Not the form's outerHTML swap, which the input would otherwise inherit.
                "hx-swap": "innerHTML",
                "aria-describedby": "uscc-feedback",
            }
        )
    )
    name = forms.CharField(
        label=_("单位名称"),
        max_length=200,
        required=False,
        help_text=_("平台已有该单位时自动带出，无需填写。"),
    )
    kind = forms.ChoiceField(
        label=_("单位类型"), choices=[("", "---------"), *Organization.Kind.choices], required=False
    )
    county = forms.ModelChoiceField(
        label=_("所在县（市、区）"),
        queryset=County.objects.filter(is_active=True),
        required=False,
        empty_label=_("辽阳市外"),
    )


class MemberForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = [
            "task_share",
            "contribution_funds",
            "contribution_technology",
            "contribution_people",
            "contribution_equipment",
            "contribution_space",
            "signatory",
            "signed_on",
            "sealed",
        ]
        widgets = {
            "task_share": forms.Textarea(attrs={"rows": 2}),
            "signed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contribution_funds"].widget.attrs.update({"min": 0, "step": "0.01"})


class AgreementForm(forms.Form):
    duration_years = forms.IntegerField(label=_("协议期限（年）"), required=False)
    signed_on = forms.DateField(
        label=_("签署日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, agreement=None, **kwargs):
        if agreement is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "duration_years": agreement.duration_years,
                "signed_on": agreement.signed_on,
                **{
                    f"clause_{code}": agreement.clause_reference(code)
                    for code, _ in AGREEMENT_CLAUSES
                },
            }
        super().__init__(*args, **kwargs)
        years_field(self.fields["duration_years"], _("协议期限"), high=20)
        for code, label in AGREEMENT_CLAUSES:
            self.fields[f"clause_{code}"] = forms.CharField(
                label=label,
                max_length=50,
                required=False,
                help_text=_("协议中约定该内容的条款，如“第三条”；未约定请留空。"),
            )

    def clauses(self) -> dict:
        return {code: self.cleaned_data.get(f"clause_{code}", "") for code, _ in AGREEMENT_CLAUSES}


class ChiefExpertForm(forms.ModelForm):
    class Meta:
        model = ChiefExpert
        fields = ["name", "title", "employer", "field", "achievements", "phone", "email"]
        widgets = {"achievements": forms.Textarea(attrs={"rows": 2})}


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("附件类型"), choices=Attachment.Kind.choices)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("PDF、JPEG、PNG、DOCX、XLSX，单个文件不超过20MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"}),
    )


class JustificationForm(forms.Form):
    text = forms.CharField(
        label=_("情况说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("说明不满足该项“原则上”要求的理由，审核人员将看到此说明。"),
    )


class TransitionForm(forms.Form):
    """The comment a transition asks for: a reason, an opinion, or nothing. `required`
    overrides the step's own rule (a resubmission after a return needs its 修改说明)."""

    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, step, required=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["comment"]
        field.required = step.comment_required if required is None else required
        label = step.comment_label or _("意见")
        field.label = label if field.required else _("%(label)s（可不填）") % {"label": label}
        field.error_messages["required"] = _("请填写%(label)s。") % {
            "label": step.comment_label or _("意见")
        }


class SubmitForm(TransitionForm):
    """The submit page's form: after a return the 修改说明 is required and says what was
    changed; a first submission asks for nothing."""

    def __init__(self, *args, application, **kwargs):
        from applications import workflow

        step = workflow.STEPS["submit"]
        super().__init__(
            *args, step=step, required=workflow.comment_required(step, application), **kwargs
        )
        self.fields["comment"].help_text = _(
            "请逐项说明针对退回意见修改了哪些内容，县（市、区）审核人员将对照查看。"
        )
        self.fields["comment"].widget.attrs["rows"] = 4

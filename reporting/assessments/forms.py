"""The forms of the assessment pages (/assessments/). They check what cannot be stored or
makes no sense as typed; the business rules (scope, states, who acts) are the services'
and the workflow's, whose refusals the views put back on these forms."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Consortium
from reporting.assessments import rules
from reporting.assessments.models import IndicatorTemplate, RoundKind

MAX_TEXT = 20000
# As reporting.assessments.services.save_section allows.
MAX_SECTION_TEXT = 5000
DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
BAND = {
    "max_digits": 6,
    "decimal_places": 2,
    "min_value": Decimal("0.01"),
    "max_value": Decimal("100"),
}


def default_title(year) -> str:
    return _("%(year)s年度创新联合体考核") % {"year": year}


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        day = obj.in_force_from
        return _("%(name)s（%(version)s，%(y)d年%(m)d月%(d)d日起施行）") % {
            "name": obj.name,
            "version": obj.version,
            "y": day.year,
            "m": day.month,
            "d": day.day,
        }


class RoundForm(forms.Form):
    """新建考核批次. The title may be left empty: it is then "<year>年度创新联合体考核"."""

    kind = forms.ChoiceField(label=_("类型"), choices=RoundKind.choices)
    year = forms.IntegerField(
        label=_("考核年度"),
        min_value=2000,
        max_value=2100,
        error_messages={"required": _("请填写考核年度。"), "invalid": _("请填写四位年份。")},
    )
    title = forms.CharField(
        label=_("名称"),
        max_length=200,
        required=False,
        help_text=_("不填则为“某年度创新联合体考核”。"),
    )
    template = TemplateChoiceField(
        label=_("指标体系"),
        queryset=IndicatorTemplate.objects.none(),
        empty_label=None,
        error_messages={"required": _("请选择指标体系。")},
    )
    opens_on = forms.DateField(
        label=_("自评开始日期"), error_messages={"required": _("请填写自评开始日期。")}, **DATE
    )
    closes_on = forms.DateField(
        label=_("自评截止日期"), error_messages={"required": _("请填写自评截止日期。")}, **DATE
    )
    band_excellent = forms.DecimalField(label=_("优秀分数线"), initial=Decimal("85"), **BAND)
    band_good = forms.DecimalField(label=_("良好分数线"), initial=Decimal("75"), **BAND)
    band_pass = forms.DecimalField(label=_("合格分数线"), initial=Decimal("60"), **BAND)
    reminder_days = forms.CharField(
        label=_("截止前提醒（天）"),
        max_length=50,
        initial="7,3,1",
        help_text=_("截止前几天提醒尚未提交的牵头单位，用逗号分隔，如 7,3,1。"),
    )
    rectification_months = forms.IntegerField(
        label=_("整改期限（月）"), min_value=1, max_value=24, initial=6
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        templates = IndicatorTemplate.objects.filter(in_force_from__isnull=False).order_by(
            "-in_force_from", "-id"
        )
        self.fields["template"].queryset = templates
        if not self.is_bound:
            today = timezone.localdate()
            # An annual round assesses the year just ended.
            self.initial.setdefault("year", today.year - 1)
            self.initial.setdefault("title", default_title(today.year - 1))
            current = IndicatorTemplate.in_force(today)
            if current is not None:
                self.initial.setdefault("template", current.pk)
        for name in ("band_excellent", "band_good", "band_pass"):
            self.fields[name].widget.attrs.update({"step": "0.01", "inputmode": "decimal"})

    def clean_reminder_days(self):
        text = self.cleaned_data["reminder_days"]
        try:
            days = rules.parse_days(text)
        except ValueError:
            raise forms.ValidationError(
                _("请填写1至60之间的天数，用逗号分隔，如 7,3,1。")
            ) from None
        return ",".join(str(d) for d in days)

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("截止日期不能早于开始日期。"))
        bands = [cleaned.get(n) for n in ("band_excellent", "band_good", "band_pass")]
        if None not in bands:
            for problem in rules.bands_problems(rules.Bands(*bands)):
                self.add_error("band_excellent", problem)
        if not cleaned.get("title") and cleaned.get("year"):
            cleaned["title"] = str(default_title(cleaned["year"]))
        return cleaned

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class ScopeAddForm(forms.Form):
    consortium = forms.ModelChoiceField(
        label=_("加入考核范围的联合体"),
        queryset=Consortium.objects.none(),
        empty_label=_("请选择存续的创新联合体"),
        error_messages={
            "required": _("请选择联合体。"),
            "invalid_choice": _("该联合体不能加入本批次（已在范围内或不在存续状态）。"),
        },
    )

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consortium"].queryset = (
            Consortium.objects.filter(status=Consortium.Status.ACTIVE)
            .exclude(assessments__round=round)
            .select_related("lead")
            .order_by("number")
        )
        self.fields["consortium"].label_from_instance = lambda c: f"{c.name}（{c.lead.name}）"


class SectionForm(forms.Form):
    """One category's expert-scored indicators: a 完成情况 per indicator, keyed by id."""

    def __init__(self, *args, indicators, values, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator_ids = []
        for indicator in indicators:
            name = f"text_{indicator.pk}"
            value = values.get(indicator.pk)
            self.fields[name] = forms.CharField(
                label=_("完成情况"),
                required=False,
                initial=getattr(value, "text", ""),
                validators=[MaxLengthValidator(MAX_SECTION_TEXT)],
                # The textareas sit between the indicators' evidence forms, outside
                # their section's <form>, which they name instead.
                widget=forms.Textarea(
                    attrs={"rows": 4, "maxlength": MAX_SECTION_TEXT, "form": f"form-{self.prefix}"}
                ),
            )
            self.indicator_ids.append(indicator.pk)

    def texts(self) -> dict[int, str]:
        return {pk: self.cleaned_data[f"text_{pk}"] for pk in self.indicator_ids}


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("自评总结"),
        required=False,
        validators=[MaxLengthValidator(MAX_TEXT)],
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_TEXT}),
        help_text=_("概述本年度建设运行情况、主要成效、存在问题和下一步打算。"),
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("佐证材料"),
        help_text=_("PDF、JPEG、PNG、DOCX、XLSX，单个文件不超过20MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"}),
        error_messages={"required": _("请选择要上传的文件。")},
    )


class RectificationReportForm(forms.Form):
    report = forms.CharField(
        label=_("整改情况"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请填写整改情况。")},
    )

    def clean_report(self):
        report = self.cleaned_data["report"].strip()
        if not report:
            raise forms.ValidationError(_("请填写整改情况。"))
        return report


class RecheckForm(forms.Form):
    result = forms.ChoiceField(
        label=_("复核结论"),
        choices=[("passed", _("复核通过")), ("failed", _("复核未通过"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择复核结论。")},
    )
    note = forms.CharField(
        label=_("复核意见"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写复核意见。")},
    )

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError(_("请填写复核意见。"))
        return note


class ProposalDecisionForm(forms.Form):
    """取消资格 (with the decision's number and date, as the disqualification asks) or
    不予取消 (with the reason)."""

    decision = forms.ChoiceField(
        label=_("决定"),
        choices=[("disqualify", _("取消资格")), ("decline", _("不予取消"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择决定。")},
    )
    note = forms.CharField(
        label=_("决定说明"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写决定说明。")},
    )
    decision_number = forms.CharField(
        label=_("决定文号"),
        max_length=100,
        required=False,
        help_text=_("取消资格时填写。"),
    )
    decided_on = forms.DateField(
        label=_("决定日期"),
        required=False,
        help_text=_("取消资格时填写。"),
        **DATE,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "disqualify":
            if not (cleaned.get("decision_number") or "").strip():
                self.add_error("decision_number", _("取消资格须填写决定文号。"))
            if cleaned.get("decided_on") is None and "decided_on" not in self.errors:
                self.add_error("decided_on", _("取消资格须填写决定日期。"))
        decided_on = cleaned.get("decided_on")
        if decided_on and decided_on > timezone.localdate():
            self.add_error("decided_on", _("决定日期不能晚于今天。"))
        return cleaned

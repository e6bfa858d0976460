from django import forms
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from reporting.models import AnnualReport
from reporting.services import CONTENT_FIELDS

TEXTAREA = {"rows": 4}
MAX_COUNT = 100000
MAX_TEXT = 20000
COUNT_FIELDS = [n for n in CONTENT_FIELDS if n.startswith("results_") and not n.endswith("_text")]


class ReportForm(forms.ModelForm):
    """The report's content. Every field may stay empty while drafting: what a report must
    say before it is submitted is reporting.rules.check's business, shown on the submit
    page; here only what cannot be stored is an error."""

    class Meta:
        model = AnnualReport
        fields = CONTENT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = False
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.update(TEXTAREA)
                field.validators.append(MaxLengthValidator(MAX_TEXT))
                field.widget.attrs["maxlength"] = MAX_TEXT
            if name in COUNT_FIELDS:
                field.validators += [
                    MinValueValidator(0, _("数量不能为负数。")),
                    MaxValueValidator(MAX_COUNT, _("数量过大，请核对。")),
                ]
                field.widget.attrs.update({"min": 0, "max": MAX_COUNT, "inputmode": "numeric"})
        amount = self.fields["funds_amount"]
        amount.validators.append(MinValueValidator(0, _("金额不能为负数。")))
        amount.widget.attrs.update({"min": 0, "step": "0.01", "inputmode": "decimal"})

    def clean(self):
        cleaned = super().clean()
        # An emptied count means none, not unknown.
        for name in COUNT_FIELDS:
            if name in cleaned and cleaned[name] is None:
                cleaned[name] = 0
        return cleaned

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in CONTENT_FIELDS}


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("PDF、JPEG、PNG、DOCX、XLSX，单个文件不超过20MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"}),
    )
    description = forms.CharField(label=_("说明（可不填）"), max_length=200, required=False)


class AcceptForm(forms.Form):
    comment = forms.CharField(
        label=_("审核意见（可不填）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写退回原因。")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("请填写退回原因。"))
        return reason


class FilterForm(forms.Form):
    """The city staff's list filters; a value that makes no sense is simply ignored."""

    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部"))],
    )
    year = forms.IntegerField(label=_("报告年度"), required=False, min_value=2000, max_value=9999)
    overdue = forms.BooleanField(label=_("仅看逾期未报"), required=False)

    def __init__(self, *args, **kwargs):
        from reporting.models import ReportStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部")), *ReportStatus.choices]

    def filters(self) -> dict:
        self.is_valid()
        # Each filter on its own: a bad year does not drop the status asked for.
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "status": cleaned.get("status") or "",
            "overdue": bool(cleaned.get("overdue")),
            "year": cleaned.get("year"),
        }

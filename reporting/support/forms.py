from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.support import rules
from reporting.support.models import SupportKind


class SupportRecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("支持类别"), choices=SupportKind.choices)
    on = forms.DateField(label=_("支持日期"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        label=_("支持内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    # A text field, not DecimalField: the rule's own messages (negative, decimals) are
    # clearer than Django's, and what was typed is kept as typed.
    amount = forms.CharField(
        label=_("金额（万元）"),
        required=False,
        max_length=20,
        help_text=_("有资金支持的填写，单位万元，最多两位小数；无则留空。"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    document_number = forms.CharField(label=_("文号"), required=False, max_length=100)

    def clean_on(self):
        on = self.cleaned_data["on"]
        if errors := rules.date_errors(on, today=timezone.localdate()):
            raise forms.ValidationError(errors)
        return on

    def clean_amount(self):
        text = self.cleaned_data["amount"].strip().replace(",", "").replace("，", "")
        if not text:
            return None
        errors = rules.amount_errors(text)
        if errors:
            raise forms.ValidationError(errors)
        return Decimal(text)

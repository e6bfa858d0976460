from django import forms
from django.utils.translation import gettext_lazy as _

from applications.guides import rules
from applications.guides.models import Guide, Intent
from members.models import IndustryField


class GuideForm(forms.ModelForm):
    industry_fields = forms.ModelMultipleChoiceField(
        label=_("所涉产业领域"),
        queryset=IndustryField.objects.order_by("-is_cluster", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Guide
        fields = ["title", "document_number", "body", "targets", "industry_fields", "deadline"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 12}),
            "targets": forms.Textarea(attrs={"rows": 4}),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "document_number": forms.TextInput(attrs={"placeholder": "辽市科发〔2026〕5号"}),
        }


class IntentForm(forms.ModelForm):
    class Meta:
        model = Intent
        fields = [
            "guide",
            "industry_field",
            "name_core",
            "partners",
            "goals",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {
            "partners": forms.Textarea(attrs={"rows": 5}),
            "goals": forms.Textarea(attrs={"rows": 4}),
            "contact_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, guides=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a guide in force can be named (selectors.guides_in_force).
        if guides is not None:
            self.fields["guide"].queryset = guides
        self.fields["guide"].empty_label = _("（不依据特定指南）")
        self.fields["industry_field"].queryset = IndustryField.objects.order_by(
            "-is_cluster", "name"
        )

    def clean_partners(self):
        partners = self.cleaned_data["partners"]
        if errors := rules.partners_errors(partners):
            raise forms.ValidationError(errors)
        return partners


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("答复意见"), choices=Intent.Answer.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("答复说明"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("单位可以看到；“建议完善”和“暂不支持”须写明理由。"),
    )

    def clean(self):
        data = super().clean()
        if "answer" in data:
            for field, errors in rules.answer_errors(data["answer"], data.get("note", "")).items():
                self.add_error(field, errors)
        return data

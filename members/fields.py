from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.validators import USCC_LENGTH, normalize_uscc, validate_uscc


class UsccFormField(forms.CharField):
    """A form field that reads what a clerk types (blanks, lower case, full-width
    characters) as the code it means, then validates it."""

    default_validators = [validate_uscc]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)  # room for blanks typed between groups
        kwargs.setdefault("label", _("统一社会信用代码"))
        kwargs.setdefault("help_text", _("18位，见营业执照或法人登记证书。"))
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        )

    def to_python(self, value):
        return normalize_uscc(super().to_python(value))


class UsccField(models.CharField):
    """统一社会信用代码: stored normalised, validated by validate_uscc."""

    default_validators = [validate_uscc]

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = USCC_LENGTH
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def to_python(self, value):
        return normalize_uscc(super().to_python(value))

    def get_prep_value(self, value):
        return normalize_uscc(super().get_prep_value(value))

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", UsccFormField)
        kwargs.pop("max_length", None)
        return super().formfield(**kwargs)

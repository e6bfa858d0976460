"""Site-wide form rendering: Bootstrap classes and accessible errors for every form,
set once here instead of in each form (FORM_RENDERER in settings)."""

from django import forms
from django.forms.renderers import TemplatesSetting


class PortalBoundField(forms.BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(
            widget, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)
        ):
            css = "form-check-input"
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            css = "form-select"
        else:
            css = "form-control"
        if self.errors:
            css += " is-invalid"
            attrs["aria-invalid"] = "true"
            error_id = f"{self.auto_id}_error"
            attrs["aria-describedby"] = f"{error_id} {attrs.get('aria-describedby', '')}".strip()
        existing = attrs.get("class", "")
        attrs["class"] = f"{existing} {css}".strip()
        return attrs


class PortalFormRenderer(TemplatesSetting):
    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"
    bound_field_class = PortalBoundField

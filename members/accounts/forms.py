from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader
from django.utils.translation import gettext_lazy as _

from liaoyang_consortia import notifications
from members.accounts import rules
from members.accounts.services import UnitDetails
from members.fields import UsccFormField
from members.forms import NewPasswordForm
from members.models import County, Organization
from members.validators import normalize_mobile, suggest_kind, validate_mobile

OUTSIDE = "outside"


class CaptchaInput(CaptchaTextInput):
    # One visible box: a <label for> it, not a fieldset around the hidden key and the box
    # (which would leave the box without a name for screen readers).
    use_fieldset = False


def captcha_field():
    return CaptchaField(
        widget=CaptchaInput(attrs={"inputmode": "numeric"}),
        label=_("验证码"),
        help_text=_("请计算图中算式，填写结果。看不清可刷新页面换一张。"),
        error_messages={"invalid": _("验证码不正确，请重新计算图中的算式。")},
    )


class UnitDetailsForm(forms.Form):
    """The unit's declared details: registration, resubmission, change request."""

    name = forms.CharField(
        label=_("单位名称"),
        max_length=200,
        help_text=_("与营业执照（或法人登记证书）上的名称一致。"),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    uscc = UsccFormField()
    org_kind = forms.ChoiceField(label=_("单位类型"), choices=Organization.Kind.choices)
    county = forms.ChoiceField(
        label=_("所在县（市、区）"),
        help_text=_("注册地在辽阳市外的单位选“辽阳市外”。高新区及市外单位由市科技局核验。"),
    )
    address = forms.CharField(label=_("注册地址"), max_length=200)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=50)
    licence = forms.FileField(
        label=_("营业执照扫描件"),
        help_text=_("PDF、JPEG 或 PNG，加盖单位公章，不超过20MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, licence_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        counties = County.objects.filter(is_active=True).order_by("sort_order", "name")
        self.fields["county"].choices = [
            ("", _("请选择")),
            *[(str(c.pk), c.name) for c in counties],
            (OUTSIDE, _("辽阳市外")),
        ]
        self._counties = {str(c.pk): c for c in counties}
        self.fields["licence"].required = licence_required
        if not licence_required:
            self.fields["licence"].help_text = _(
                "如需更换扫描件请重新上传；不上传则保留原扫描件。PDF、JPEG 或 PNG，不超过20MB。"
            )

    def clean_county(self):
        value = self.cleaned_data["county"]
        if value == OUTSIDE:
            return None
        if value not in self._counties:
            raise forms.ValidationError(_("请选择所在县（市、区），市外单位选“辽阳市外”。"))
        return self._counties[value]

    def clean(self):
        cleaned = super().clean()
        uscc, kind = cleaned.get("uscc"), cleaned.get("org_kind")
        if uscc and kind and not rules.suggested_kind_matches(suggest_kind(uscc), kind):
            # A hint only (DESIGN.md §2): kept as a note, the form stays valid.
            self.kind_hint = _("提示：统一社会信用代码前两位通常表示另一种单位类型，请核对。")
        return cleaned

    def details(self) -> UnitDetails:
        data = self.cleaned_data
        return UnitDetails(
            name=data["name"],
            uscc=data["uscc"],
            org_kind=data["org_kind"],
            county=data["county"],
            address=data["address"],
            legal_representative=data["legal_representative"],
        )

    @classmethod
    def initial_from_unit(cls, organization) -> dict:
        return cls._initial(organization, kind=organization.kind)

    @classmethod
    def initial_from(cls, registration) -> dict:
        return cls._initial(registration, kind=registration.org_kind)

    @staticmethod
    def _initial(source, *, kind) -> dict:
        """The form's values from a registration or a unit (which names its kind apart)."""
        return {
            "name": source.name,
            "uscc": source.uscc,
            "org_kind": kind,
            "county": str(source.county_id) if source.county_id else OUTSIDE,
            "address": source.address,
            "legal_representative": source.legal_representative,
        }


class RegistrationForm(NewPasswordForm, UnitDetailsForm):
    registrant_name = forms.CharField(
        label=_("注册人姓名"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    mobile = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("电子邮箱"),
        max_length=150,
        help_text=_("用于登录和接收通知；注册后请打开邮件中的链接确认（24小时内有效）。"),
        error_messages={"invalid": _("请输入有效的电子邮箱地址。")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    declaration = forms.BooleanField(
        label=_(
            "本人承诺：所填信息和上传的营业执照真实、准确，本人已获本单位授权办理注册，"
            "并对填报内容的真实性负责。"
        ),
        error_messages={"required": _("请阅读并勾选承诺。")},
    )
    captcha = captcha_field()

    def clean_mobile(self):
        value = self.cleaned_data["mobile"]
        validate_mobile(value)
        return normalize_mobile(value)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class ResendForm(forms.Form):
    email = forms.EmailField(
        label=_("注册时填写的电子邮箱"),
        max_length=150,
        error_messages={"invalid": _("请输入有效的电子邮箱地址。")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    captcha = captcha_field()


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        max_length=2000,
        help_text=_("注册人将看到这段说明，请写明需要更正的内容。"),
        error_messages={"required": _("请填写退回原因，注册人将看到这段说明。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VerifyForm(forms.Form):
    checked = forms.BooleanField(
        label=_("已核对营业执照：单位名称、统一社会信用代码、法定代表人与填报一致"),
        error_messages={"required": _("请先核对营业执照，并勾选确认。")},
    )


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form with a captcha, its mail sent through the outbox (a mail server
    that is down loses nothing, and the page never fails)."""

    email = forms.EmailField(
        label=_("账号登记的电子邮箱"),
        max_length=254,
        error_messages={"invalid": _("请输入有效的电子邮箱地址。")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    captcha = captcha_field()

    sent = 0

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        notifications.notify(
            recipients=[context["user"]], event="password_reset", subject=subject, body=body
        )
        self.sent += 1

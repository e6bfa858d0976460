"""Forms of an expert's self-registration and of the expert's own profile. The captcha, the
password pair and the resend form are members.accounts' (one mechanism for both)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.accounts.forms import ResendForm, ReturnForm, captcha_field
from members.forms import NewPasswordForm
from members.models import IndustryField, Organization
from members.validators import normalize_mobile, normalize_uscc, validate_mobile
from reviews.experts.services_registration import MAX_AVOIDANCES, ProfileDetails
from reviews.models import ExpertProfile

__all__ = [
    "ExpertRegistrationForm",
    "ProfileForm",
    "ResendForm",
    "ReturnForm",
    "VerifyForm",
]

UNIT_HELP = _("填写单位的统一社会信用代码（18位）或在本平台登记的单位全称。")


def not_registered(value) -> str:
    return _(
        "“%(value)s”不是本平台登记的单位。请核对统一社会信用代码或单位全称；"
        "单位尚未注册的，请先由该单位在本平台完成单位注册（首页“单位注册”），再填写。"
    ) % {"value": value}


def find_unit(value: str) -> Organization | None:
    """A unit of the register by its code or its exact name (one query)."""
    value = (value or "").strip()
    if not value:
        return None
    code = normalize_uscc(value)
    return Organization.objects.filter(uscc=code).first() or (
        Organization.objects.filter(name=value).order_by("pk").first()
    )


class ProfileForm(forms.Form):
    """The profile an expert declares: on registration and on every update."""

    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        help_text=_("仅市科技局可见，用于评审联络。"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("电子邮箱"),
        max_length=150,
        error_messages={"invalid": _("请输入有效的电子邮箱地址。")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    fields = forms.ModelMultipleChoiceField(
        label=_("熟悉领域"),
        queryset=IndustryField.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("请至少选择一个熟悉领域。"),
            "invalid_choice": _("所选领域不可用，请重新选择。"),
            "invalid_pk_value": _("所选领域不可用，请重新选择。"),
        },
    )
    keywords = forms.CharField(
        label=_("研究方向关键词"),
        max_length=200,
        required=False,
        help_text=_("以逗号或顿号分隔，如：轻量化材料、氢能储运。"),
    )
    title = forms.CharField(
        label=_("职称"), max_length=50, help_text=_("如：教授、研究员、正高级工程师。")
    )
    title_level = forms.ChoiceField(
        label=_("职称级别"),
        choices=[("", _("请选择")), *ExpertProfile.TitleLevel.choices],
        error_messages={"invalid_choice": _("请选择职称级别。")},
    )
    employer = forms.CharField(label=_("工作单位"), max_length=200, help_text=UNIT_HELP)
    cv = forms.FileField(
        label=_("个人简历"),
        help_text=_("PDF 或 DOCX，不超过20MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx"}),
    )

    def __init__(self, *args, cv_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields"].queryset = IndustryField.objects.filter(is_active=True)
        self.fields["cv"].required = cv_required
        if not cv_required:
            self.fields["cv"].help_text = _(
                "如需更换简历请重新上传；不上传则保留原简历。PDF 或 DOCX，不超过20MB。"
            )
        for i in range(MAX_AVOIDANCES):
            self.fields[f"avoid_{i}_unit"] = forms.CharField(
                label=_("回避单位%(n)d") % {"n": i + 1},
                max_length=200,
                required=False,
                help_text=UNIT_HELP if i == 0 else "",
            )
            self.fields[f"avoid_{i}_reason"] = forms.CharField(
                label=_("回避原因%(n)d") % {"n": i + 1},
                max_length=200,
                required=False,
                help_text=_("如：曾在该单位任职、近亲属在该单位任职、合作研发。") if i == 0 else "",
            )

    def avoidance_rows(self):
        """The repeated pairs, for the template."""
        return [(self[f"avoid_{i}_unit"], self[f"avoid_{i}_reason"]) for i in range(MAX_AVOIDANCES)]

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        validate_mobile(value)
        return normalize_mobile(value)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_employer(self):
        value = self.cleaned_data["employer"]
        unit = find_unit(value)
        if unit is None:
            raise forms.ValidationError(not_registered(value))
        return unit

    def clean(self):
        cleaned = super().clean()
        pairs, seen = [], set()
        employer = cleaned.get("employer")
        for i in range(MAX_AVOIDANCES):
            text = (cleaned.get(f"avoid_{i}_unit") or "").strip()
            reason = (cleaned.get(f"avoid_{i}_reason") or "").strip()
            if not text and not reason:
                continue
            if not text:
                self.add_error(f"avoid_{i}_unit", _("填写了回避原因，请同时填写回避单位。"))
                continue
            unit = find_unit(text)
            if unit is None:
                self.add_error(f"avoid_{i}_unit", not_registered(text))
            elif not reason:
                self.add_error(f"avoid_{i}_reason", _("请填写回避原因。"))
            elif isinstance(employer, Organization) and unit.pk == employer.pk:
                self.add_error(f"avoid_{i}_unit", _("工作单位已自动回避，无需再列为回避单位。"))
            elif unit.pk in seen:
                self.add_error(f"avoid_{i}_unit", _("同一回避单位只能填写一次。"))
            else:
                seen.add(unit.pk)
                pairs.append((unit, reason))
        self.avoidances = pairs
        return cleaned

    def details(self) -> ProfileDetails:
        data = self.cleaned_data
        return ProfileDetails(
            phone=data["phone"],
            email=data["email"],
            employer=data["employer"],
            fields=list(data["fields"]),
            keywords=data["keywords"],
            title=data["title"],
            title_level=data["title_level"],
            avoidances=self.avoidances,
        )

    @classmethod
    def initial_from(cls, profile) -> dict:
        initial = {
            "phone": profile.phone,
            "email": profile.email,
            "fields": list(profile.fields.all()),
            "keywords": profile.keywords,
            "title": profile.title,
            "title_level": profile.title_level,
            "employer": profile.employer.uscc if profile.employer_id else "",
        }
        for i, avoidance in enumerate(profile.avoidances.select_related("organization")):
            initial[f"avoid_{i}_unit"] = avoidance.organization.uscc
            initial[f"avoid_{i}_reason"] = avoidance.reason
        return initial


class ExpertRegistrationForm(NewPasswordForm, ProfileForm):
    field_order = ["name", "phone", "email", "password1", "password2"]

    name = forms.CharField(
        label=_("姓名"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    declaration = forms.BooleanField(
        label=_(
            "本人承诺所填信息真实、准确、完整，遵守专家库管理规定，"
            "在评审中如实声明利害关系并主动回避。"
        ),
        error_messages={"required": _("请阅读并勾选承诺。")},
    )
    captcha = captcha_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _(
            "用于登录和接收通知；注册后请打开邮件中的链接确认（24小时内有效）。"
        )


class VerifyForm(forms.Form):
    checked = forms.BooleanField(
        label=_("已核对个人简历：姓名、工作单位、职称与填报一致"),
        error_messages={"required": _("请先核对个人简历，并勾选确认。")},
    )

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class PortalAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确。连续输错5次，该账号在本机将被锁定30分钟。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["username"].help_text = _("自助注册的用户请填写注册时的电子邮箱。")

    def clean_username(self):
        # Self-registered users sign in with their e-mail address, stored in lower case.
        username = (self.cleaned_data.get("username") or "").strip()
        return username.lower() if "@" in username else username


class InviteColleagueForm(forms.Form):
    email = forms.EmailField(
        label=_("同事的电子邮箱（可不填）"),
        required=False,
        error_messages={"invalid": _("请输入有效的电子邮箱地址。")},
        help_text=_(
            "填写后，系统会把邀请链接发到该邮箱；不填也可以复制生成的链接，"
            "通过其他方式发给同事。链接7天内有效，只能使用一次。"
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class NewPasswordForm(forms.Form):
    """A new password typed twice, with the validators' rules as help: every form that makes
    an account (an invitation accepted, a unit registered)."""

    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        help_text=_("再输入一次密码。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    # The services name the password "password"; the form has two.
    SERVICE_FIELDS = {"password": "password1"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "password1"
        ].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password2") != cleaned.get("password1"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


class AcceptInvitationForm(NewPasswordForm):
    field_order = ["username", "name", "phone", "password1", "password2"]

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录时使用，可用字母、数字、汉字和 @ . + - _ 符号。"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    name = forms.CharField(
        label=_("姓名"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class ConfirmByLinkForm(forms.Form):
    name = forms.CharField(
        label=_("确认人姓名"),
        max_length=50,
        error_messages={"required": _("请填写确认人姓名。")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agree = forms.BooleanField(
        label=_("确认参与并同意承担上述任务"),
        error_messages={"required": _("请勾选“确认参与并同意承担上述任务”。")},
    )

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from members.accounts.forms import captcha_field
from reviews.models import Objection

UPLOAD_HELP = _("PDF、JPEG、PNG、DOCX、XLSX，单个文件不超过20MB。")
UPLOAD_ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"

phone_validator = RegexValidator(
    r"^[0-9+\-()（） ]{7,30}$",
    _("请填写有效的联系电话（手机号或带区号的固定电话）。"),
)


REAL_NAME_FIELDS = ("name", "unit", "phone")


class ApplicationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}（{_('牵头单位')}：{obj.lead.name}）"


class AssessmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.consortium.name}（{_('牵头单位')}：{obj.consortium.lead.name}）"


class ApplicationsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        county = obj.lead.county.name if obj.lead.county_id else "—"
        field = obj.industry_field.name if obj.industry_field_id else "—"
        return f"{obj.display_name}（{obj.lead.name}；{county}；{field}）"


class ObjectionForm(forms.Form):
    """The public's real-name objection. Anonymous objections are not accepted."""

    application = ApplicationChoiceField(
        label=_("异议对象"), queryset=None, empty_label=_("请选择公示的申请")
    )
    name = forms.CharField(
        label=_("异议人姓名"),
        max_length=50,
        error_messages={"required": _("请填写异议人的真实姓名。")},
    )
    unit = forms.CharField(
        label=_("工作单位"),
        max_length=200,
        help_text=_("个人提出异议的，填写本人工作单位。"),
        error_messages={"required": _("请填写工作单位。")},
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        validators=[phone_validator],
        error_messages={"required": _("请填写联系电话。")},
    )
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    reasons = forms.CharField(
        label=_("异议理由"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请具体陈述异议的事实和理由。"),
    )
    evidence = forms.FileField(
        label=_("证明材料"),
        required=False,
        help_text=format_lazy(
            "{}{}",
            _(
                "单位提出异议的，请上传加盖本单位公章的书面异议材料；个人提出异议的，"
                "请上传本人签名的书面异议材料。"
            ),
            UPLOAD_HELP,
        ),
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
    )
    pledge = forms.BooleanField(
        label=_("本人承诺所提异议内容真实，并愿意配合核查。"),
        error_messages={"required": _("请确认承诺后提交。")},
    )

    def __init__(self, *args, applications=None, assessments=None, **kwargs):
        """The choice of what is objected to: `applications` of a notice, or the
        `assessments` of a round's result notice (one picks the consortium)."""
        super().__init__(*args, **kwargs)
        if assessments is None:
            self.fields["application"].queryset = applications.select_related("lead")
            return
        subject = AssessmentChoiceField(
            label=_("异议对象"),
            queryset=assessments.select_related("consortium__lead"),
            empty_label=_("请选择公示的创新联合体"),
        )
        # In the application field's place, first.
        self.fields = {
            ("assessment" if name == "application" else name): (
                subject if name == "application" else field
            )
            for name, field in self.fields.items()
        }

    def clean(self):
        cleaned = super().clean()
        # A missing name, unit or phone is one reason, said once above the form.
        if any(self.has_error(name, code="required") for name in REAL_NAME_FIELDS):
            raise forms.ValidationError(
                _("匿名异议不予受理：请填写真实姓名、工作单位和联系电话。"), code="anonymous"
            )
        return cleaned


class RegisterObjectionForm(ObjectionForm):
    """City staff enter a written objection received by post or by hand."""

    received_on = forms.DateField(
        label=_("收到日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("书面异议送达市科技局的日期；须在公示期内。"),
    )

    field_order = ["received_on"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("received_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        del self.fields["pledge"]  # the signed letter itself is the pledge
        self.fields["evidence"].help_text = format_lazy(
            "{}{}", _("请上传书面异议材料的扫描件。"), UPLOAD_HELP
        )


class PublishForm(forms.Form):
    applications = ApplicationsField(
        label=_("公示的申请"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个申请。")},
    )
    title = forms.CharField(
        label=_("公示标题"),
        max_length=200,
        required=False,
        help_text=_("留空则为“关于拟认定N家辽阳市创新联合体的公示”。"),
    )
    start_date = forms.DateField(
        label=_("公示开始日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("公示期按法定工作日计算，截止日期由系统自动算出。"),
    )
    business_contact = forms.CharField(
        label=_("业务联系人及电话"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：市科技局××科 王××，0419-0000000")}),
    )
    supervision_contact = forms.CharField(
        label=_("监督电话"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：市科技局机关纪委，0419-0000000")}),
    )

    def __init__(self, *args, applications, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = applications

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        if start < timezone.localdate():
            raise forms.ValidationError(_("公示开始日期不能早于今天。"))
        return start


class RoundPublishForm(forms.Form):
    """发布结果公示 of a round: what it lists is the round's results, not chosen."""

    title = forms.CharField(label=_("公示标题"), max_length=200)
    number = forms.CharField(
        label=_("文号"),
        max_length=50,
        required=False,
        help_text=_("留空则按年度顺序自动编号。"),
    )
    start_date = PublishForm.base_fields["start_date"]
    business_contact = PublishForm.base_fields["business_contact"]
    supervision_contact = PublishForm.base_fields["supervision_contact"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)

    clean_start_date = PublishForm.clean_start_date


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("受理说明"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("仅审核人员可见。"),
    )


class FindingForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("核查结论"), choices=Objection.Outcome.choices, widget=forms.RadioSelect
    )
    finding = forms.CharField(
        label=_("核查意见"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("核查意见将告知申报单位，请勿写入异议人的姓名、单位、联系方式等身份信息。"),
    )


class ReceiptLookupForm(forms.Form):
    """The objector looks up their objection: the receipt number and the phone they gave,
    both required, and a captcha (the pair must not be guessed by machine)."""

    receipt_number = forms.CharField(
        label=_("受理编号"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        help_text=_("提交异议后页面显示的受理编号，由“YY”、年份和序号组成。"),
        error_messages={"required": _("请填写受理编号。")},
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("提出异议时填写的联系电话。"),
        error_messages={"required": _("请填写提出异议时留下的联系电话。")},
    )
    captcha = captcha_field()

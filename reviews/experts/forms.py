from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from members.models import IndustryField
from reviews.models import ExpertProfile

NO_CONFLICT, CONFLICT, DECLINE = "none", "conflict", "decline"


class DeclarationForm(forms.Form):
    """The expert's answer to an invitation: accept (declaring no conflict), recuse for a
    conflict, or decline with a reason."""

    decision = forms.ChoiceField(
        label=_("答复评审邀请"),
        choices=[
            (NO_CONFLICT, _("接受邀请，声明无利害关系")),
            (CONFLICT, _("存在利害关系需回避")),
            (DECLINE, _("谢绝邀请（如时间冲突、不熟悉该方向）")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择接受、回避或谢绝。")},
    )
    note = forms.CharField(
        label=_("回避说明或谢绝原因"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("回避的请简要说明利害关系（如任职、合作、亲属关系等）；谢绝的须填写原因。"),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == DECLINE and not (data.get("note") or "").strip():
            self.add_error("note", _("请填写谢绝原因。"))
        return data

    @property
    def conflict(self) -> bool:
        return self.cleaned_data["decision"] == CONFLICT

    @property
    def declines(self) -> bool:
        return self.cleaned_data["decision"] == DECLINE


class ScoreForm(forms.Form):
    """One field per criterion of the assignment's sheet, then the recommendation (only
    where the subject asks for one: `recommend=False` for an assessment) and the opinion."""

    recommend = forms.ChoiceField(
        label=_("评审建议"),
        choices=[("yes", _("推荐")), ("no", _("不推荐"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择是否推荐。")},
    )
    opinion = forms.CharField(
        label=_("评审意见"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请填写评审意见。")},
    )

    def __init__(self, *args, criteria, recommend=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        if not recommend:
            del self.fields["recommend"]
        score_fields = {}
        for c in criteria:
            score_fields[self.key(c)] = forms.DecimalField(
                label=_("%(order)s. %(name)s（满分%(max)s分）")
                % {"order": c.order, "name": c.name, "max": c.max_points},
                # The site's field template marks help text safe; this one is typed by
                # admins, so it is escaped here.
                help_text=escape(c.description),
                min_value=0,
                max_value=c.max_points,
                max_digits=4,
                decimal_places=1,
                error_messages={
                    "required": _("请为该项打分。"),
                    "invalid": _("请输入数字，最多一位小数。"),
                    "min_value": _("得分不能低于0分。"),
                    "max_value": _("得分不能超过该项满分%(limit_value)s分。"),
                    "max_decimal_places": _("最多保留一位小数。"),
                    "max_digits": _("请输入有效的分数。"),
                },
                widget=forms.NumberInput(
                    attrs={"min": 0, "max": c.max_points, "step": "0.1", "inputmode": "decimal"}
                ),
            )
        # The criteria first, in the sheet's order.
        self.fields = {**score_fields, **self.fields}

    @staticmethod
    def key(criterion) -> str:
        return f"c{criterion.pk}"

    def points(self) -> dict:
        return {c.pk: self.cleaned_data[self.key(c)] for c in self.criteria}

    @property
    def recommends(self) -> bool | None:
        if "recommend" not in self.fields:
            return None  # not asked
        return self.cleaned_data["recommend"] == "yes"


class DrawForm(forms.Form):
    count = forms.IntegerField(
        label=_("抽取人数"),
        min_value=1,
        max_value=30,
        error_messages={"required": _("请填写抽取人数。")},
    )
    field = forms.ModelChoiceField(
        label=_("抽取领域"),
        queryset=IndustryField.objects.filter(is_active=True),
        required=False,
        empty_label=_("本申请所属产业领域"),
    )

    def __init__(self, *args, default_field=None, **kwargs):
        super().__init__(*args, **kwargs)
        if default_field is not None:
            self.fields["field"].empty_label = default_field


class ExpertChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        employer = obj.employer.name if obj.employer_id else _("无工作单位")
        title = f"，{obj.title}" if obj.title else ""
        return f"{obj.name}（{employer}{title}）"


class AssignForm(forms.Form):
    expert = ExpertChoiceField(
        label=_("指定专家"),
        queryset=ExpertProfile.objects.select_related("employer"),
        empty_label=_("请选择专家"),
        error_messages={
            "required": _("请选择专家。"),
            "invalid_choice": _("专家库中没有该专家。"),
        },
        help_text=_("列表已排除工作单位为本申请成员单位的专家和已指派过的专家。"),
    )

    def __init__(self, *args, offered, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            # Whose units the list excludes: the application's, or the consortium's.
            self.fields["expert"].help_text = _(
                "列表已排除工作单位为%(units)s的专家和已指派过的专家。"
            ) % {"units": units}
        # The list offers only whom the rules allow; a posted id is checked against the
        # whole pool so that the service, not the form, says why someone is refused.
        self.fields["expert"].widget.choices = ExpertChoiceField(
            queryset=offered, empty_label=self.fields["expert"].empty_label
        ).choices

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews.models import MeetingDecision, PartyGroupMeeting

DEFER = "defer"
OUTCOME_CHOICES = [
    (MeetingDecision.Outcome.APPROVE.value, MeetingDecision.Outcome.APPROVE.label),
    (MeetingDecision.Outcome.DECLINE.value, MeetingDecision.Outcome.DECLINE.label),
    # Not decided at this meeting: no decision is recorded, the application keeps waiting.
    (DEFER, _("暂不审议")),
]


class MeetingForm(forms.Form):
    meeting_date = forms.DateField(
        label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    minutes_number = forms.CharField(
        label=_("会议纪要编号"),
        max_length=PartyGroupMeeting._meta.get_field("minutes_number").max_length,
        help_text=_("例如：局党组会议纪要〔2026〕5号。"),
    )

    def clean_meeting_date(self):
        value = self.cleaned_data["meeting_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("会议日期不能晚于今天：请在会议召开后登记。"))
        return value

    def clean_minutes_number(self):
        value = self.cleaned_data["minutes_number"].strip()
        if PartyGroupMeeting.objects.filter(minutes_number=value).exists():
            raise forms.ValidationError(_("该会议纪要编号已登记过，请核对。"))
        return value


class DecisionForm(forms.Form):
    """The meeting's decision on one application (one per application, prefixed by its id)."""

    # Not required: a row left untouched (or missing from the post) is not decided.
    outcome = forms.ChoiceField(
        label=_("会议决定"),
        choices=OUTCOME_CHOICES,
        initial=DEFER,
        required=False,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("理由或意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不予认定的须填写理由，申报单位可以看到。"),
    )

    def __init__(self, *args, application, **kwargs):
        self.application = application
        kwargs.setdefault("prefix", f"a{application.pk}")
        super().__init__(*args, **kwargs)

    def clean_outcome(self):
        return self.cleaned_data["outcome"] or DEFER

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") == MeetingDecision.Outcome.DECLINE
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error("reason", _("不予认定的，请填写理由。"))
        return cleaned

    @property
    def decided(self) -> bool:
        return self.is_valid() and self.cleaned_data["outcome"] != DEFER

"""The review side of the approval chain (DESIGN.md §3, §4): opinions and comments, the
expert pool and score sheets, public notices and objections, the Party-group meeting, and
the admin's table of statutory holidays and make-up working days."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("仅审核人员可见")
    APPLICANT = "applicant", _("申报单位可见")
    PUBLIC = "public", _("公开")


class Comment(models.Model):
    """An opinion, a reason or a remark on an application: what a transition was given,
    or a note added beside it. Who may read it is its visibility."""

    class Kind(models.TextChoices):
        OPINION = "opinion", _("审核意见")
        REASON = "reason", _("理由")
        REMARK = "remark", _("备注")

    application = models.ForeignKey(
        Application, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填写人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.OPINION)
    transition = models.CharField(_("对应操作"), max_length=40, blank=True)
    visibility = models.CharField(
        _("可见范围"), max_length=20, choices=Visibility.choices, default=Visibility.APPLICANT
    )
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核意见")
        verbose_name_plural = _("审核意见")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "created_at"])]

    def __str__(self):
        return self.text[:30]


class CalendarDay(models.Model):
    """An admin's correction to the statutory calendar: a holiday or a make-up working day
    (调休). It overrides chinesecalendar and extends it to years it does not know."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日（休息）")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"


# Each review area keeps its models in its own subpackage; Django finds them here, and
# the migrations name `reviews.models.objection_evidence_path`.
from reviews.decisions.models import MeetingDecision, PartyGroupMeeting  # noqa: E402
from reviews.experts.models import (  # noqa: E402
    Criterion,
    ExpertAssignment,
    ExpertAvoidance,
    ExpertProfile,
    Score,
    ScoreSheet,
    expert_cv_path,  # noqa: E402, F401
)
from reviews.notices.models import Objection, PublicNotice, objection_evidence_path  # noqa: E402

__all__ = [
    "CalendarDay",
    "Comment",
    "Criterion",
    "ExpertAssignment",
    "ExpertAvoidance",
    "ExpertProfile",
    "MeetingDecision",
    "Objection",
    "PartyGroupMeeting",
    "PublicNotice",
    "Score",
    "ScoreSheet",
    "Visibility",
    "objection_evidence_path",
]

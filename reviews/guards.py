"""The guards of the review transitions (DESIGN.md §4): what must be true before city
staff may move an application on. Each returns the Chinese reasons it may not, or []."""

from django.utils import timezone
from django.utils.translation import gettext as _

from reviews.models import ExpertAssignment, MeetingDecision, Objection


def _active_assignments(application):
    return application.expert_assignments.exclude(status__in=ExpertAssignment.ENDED)


def start_expert_review(application, **kwargs):
    """At least the policy's minimum of experts who have not recused, for any review
    subject (an application or an assessment: reviews.experts.subjects)."""
    from reviews.experts import subjects

    minimum = subjects.of(application).min_experts
    count = _active_assignments(application).count()
    if count < minimum:
        return [
            _("至少需要%(min)d名评审专家（不含回避的专家），当前%(n)d名。")
            % {"min": minimum, "n": count}
        ]
    return []


def _all_submitted(application):
    active = list(_active_assignments(application))
    waiting = [a for a in active if a.status != ExpertAssignment.Status.SUBMITTED]
    if not active:
        return [_("尚无专家评分。")]
    if waiting:
        return [_("还有%(n)d名专家未提交评分。") % {"n": len(waiting)}]
    return []


def fail_review(application, **kwargs):
    return _all_submitted(application)


def pass_review(application, **kwargs):
    problems = _all_submitted(application)
    if problems:
        return problems
    sheets = list(_active_assignments(application))
    recommending = sum(1 for a in sheets if a.recommend)
    if recommending * 2 <= len(sheets):
        return [
            _("推荐的专家未过半数（%(r)d/%(n)d），不能评审通过。")
            % {"r": recommending, "n": len(sheets)}
        ]
    return []


def publish_notice(application, *, notice=None, **kwargs):
    if notice is None:
        return [_("请通过“发布公示”填写公示文号和期限。")]
    return []


def open_objection(application, **kwargs):
    if not application.objections.filter(status=Objection.Status.RECEIVED).exists():
        return [_("没有待核查的异议。")]
    return []


def resolve_objection(application, **kwargs):
    pending = application.objections.exclude(status=Objection.Status.RESOLVED).count()
    if pending:
        return [_("还有%(n)d件异议未记录核查结论。") % {"n": pending}]
    return []


def close_notice(application, *, today=None, **kwargs):
    today = today or timezone.localdate()
    notice = application.notices.order_by("-end_date").first()
    if notice is None:
        return [_("该申请没有公示记录。")]
    if today <= notice.end_date:
        return [_("公示期至%(d)s，尚未结束。") % {"d": f"{notice.end_date:%Y年%-m月%-d日}"}]
    if application.objections.exclude(status=Objection.Status.RESOLVED).exists():
        return [_("有未办结的异议。")]
    return []


def _decided(application, outcome):
    decision = MeetingDecision.objects.filter(application=application).first()
    if decision is None or decision.outcome != outcome:
        return [_("请先在党组会议记录中登记对该申请的决定。")]
    return []


def approve(application, **kwargs):
    return _decided(application, MeetingDecision.Outcome.APPROVE)


def decline(application, **kwargs):
    return _decided(application, MeetingDecision.Outcome.DECLINE)

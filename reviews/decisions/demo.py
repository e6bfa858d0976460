"""The demo's Party-group meeting, for seed_demo: made through record_meeting, as city staff
would on /decisions/meetings/. Idempotent: an application already decided is left alone."""

from django.utils import timezone

from applications.models import Application, State
from reviews.decisions.services import record_meeting
from reviews.models import MeetingDecision, PartyGroupMeeting


def seed_decisions(*, application, actor, meeting_date=None, minutes_number=None):
    """Approve `application` (waiting for the meeting) at a meeting recorded by `actor`.
    Returns the meeting, or None when the application is neither decided nor waiting."""
    decided = (
        MeetingDecision.objects.select_related("meeting").filter(application=application).first()
    )
    if decided is not None:
        return decided.meeting
    # Read afresh: the state field is protected, so the instance cannot be refreshed.
    state = Application.objects.filter(pk=application.pk).values_list("state", flat=True).first()
    if state != State.PARTY_GROUP_REVIEW:
        return None
    meeting_date = meeting_date or timezone.localdate()
    if minutes_number is None:
        year = meeting_date.year
        n = PartyGroupMeeting.objects.filter(meeting_date__year=year).count() + 1
        minutes_number = f"局党组会议纪要〔{year}〕{n}号"
        while PartyGroupMeeting.objects.filter(minutes_number=minutes_number).exists():
            n += 1
            minutes_number = f"局党组会议纪要〔{year}〕{n}号"
    return record_meeting(
        actor=actor,
        meeting_date=meeting_date,
        minutes_number=minutes_number,
        decisions=[(application, MeetingDecision.Outcome.APPROVE, "同意认定。")],
    )

"""The expert library's draw and invitations (DESIGN.md §16): the yearly cap, avoided
units, 在库 only, integrity records; invitations with a deadline in working days, accepted,
declined with a reason, reminded once at half time and replaced at the deadline, once, in
the daily job; and the yearly update asked in January and enforced from 1 April."""

import random
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from liaoyang_consortia.daily import run_daily_jobs
from liaoyang_consortia.models import AuditEvent, Notification
from members.models import IntegrityRecord, PolicyVersion
from reviews.experts import cycle, rules
from reviews.experts import services as experts
from reviews.models import ExpertAssignment, ExpertAvoidance, ExpertProfile
from reviews.workdays import load_overrides
from tests.factories import OrganizationFactory
from tests.reviews.test_experts import in_city_intake, make_expert

pytestmark = pytest.mark.django_db
Status = ExpertAssignment.Status


def seeded(n=0):
    return random.Random(n)


def invite(application, charlie, count, seed=0):
    return experts.draw_experts(
        actor=charlie, application=application, count=count, rng=seeded(seed)
    )


def live(application):
    return ExpertAssignment.objects.filter(application=application).exclude(
        status__in=ExpertAssignment.ENDED
    )


def notified(event):
    return Notification.objects.filter(event=event)


# --- the draw -----------------------------------------------------------------------------


def test_it_gives_each_invitation_a_deadline_of_three_working_days(alice, bob, charlie):
    application = in_city_intake(alice, bob)
    make_expert("lib1")
    [invitation] = invite(application, charlie, 1)
    today = timezone.localdate()
    assert invitation.respond_by == rules.respond_by(today, 3, overrides=load_overrides())
    assert invitation.respond_by > today
    message = notified("expert_assigned").get()
    assert f"{invitation.respond_by:%Y年%-m月%-d日}前答复" in message.body


def test_it_never_draws_an_expert_who_avoids_a_unit_of_the_application(alice, bob, charlie):
    application = in_city_intake(alice, bob)
    avoiding = make_expert("lib1")
    ExpertAvoidance.objects.create(
        expert=avoiding, organization=application.lead, reason="曾任该单位独立董事"
    )
    other = make_expert("lib2")
    drawn = {a.expert_id for seed in range(6) for a in _draw_then_undo(application, charlie, seed)}
    assert drawn == {other.pk}
    with pytest.raises(ValidationError) as refused:
        experts.assign_expert(actor=charlie, application=application, expert=avoiding)
    assert refused.value.messages == ["该专家登记的回避单位中有本申请成员单位，须回避。"]


def _draw_then_undo(application, charlie, seed):
    drawn = invite(application, charlie, 1, seed)
    ExpertAssignment.objects.filter(pk__in=[a.pk for a in drawn]).delete()
    return drawn


def test_it_leaves_out_experts_at_the_yearly_cap_and_says_why(alice, bob, charlie):
    PolicyVersion.objects.update(expert_yearly_cap=2)
    busy = make_expert("lib1")
    make_expert("lib2")
    for _ in range(2):
        other = in_city_intake(alice, bob)
        experts.assign_expert(actor=charlie, application=other, expert=busy)
    application = in_city_intake(alice, bob)
    with pytest.raises(ValidationError) as short:
        invite(application, charlie, 2)
    [message] = short.value.messages
    assert message.startswith("符合条件的专家不足：需要2名，仅有1名可抽取")
    assert "1名本年度评审已达2次上限" in message
    with pytest.raises(ValidationError) as refused:
        experts.assign_expert(actor=charlie, application=application, expert=busy)
    assert refused.value.messages == ["该专家本年度评审已达2次上限。"]
    # A declined invitation does not count towards the cap.
    first = ExpertAssignment.objects.filter(expert=busy).first()
    experts.decline(actor=busy.user, assignment=first, reason="出差", rng=seeded())
    assert experts.assign_expert(actor=charlie, application=application, expert=busy)


def test_it_draws_only_experts_in_the_library(alice, bob, charlie):
    application = in_city_intake(alice, bob)
    ExpertProfile.objects.filter(pk=make_expert("lib1").pk).update(
        status=ExpertProfile.Status.SUSPENDED
    )
    ExpertProfile.objects.filter(pk=make_expert("lib2").pk).update(
        status=ExpertProfile.Status.PENDING
    )
    ok = make_expert("lib3")
    with pytest.raises(ValidationError) as short:
        invite(application, charlie, 2)
    assert "1名暂停或出库" in short.value.messages[0]
    assert [a.expert for a in invite(application, charlie, 1)] == [ok]


# --- answers ------------------------------------------------------------------------------


def test_a_decline_keeps_its_reason_and_draws_a_replacement(alice, bob, charlie):
    application = in_city_intake(alice, bob)
    first, second = make_expert("lib1"), make_expert("lib2")
    invitation = experts.assign_expert(actor=charlie, application=application, expert=first)
    with pytest.raises(ValidationError) as empty:
        experts.decline(actor=first.user, assignment=invitation, reason="  ")
    assert empty.value.message_dict == {"note": ["请填写谢绝原因。"]}
    experts.decline(actor=first.user, assignment=invitation, reason="当周在外地出差", rng=seeded())
    invitation.refresh_from_db()
    assert invitation.status == Status.DECLINED
    assert invitation.decline_reason == "当周在外地出差"
    [replacement] = live(application)
    assert replacement.expert == second and replacement.replaces == invitation
    told = notified("expert_declined").get()
    assert "谢绝原因：当周在外地出差" in told.body and "已自动补抽专家：" in told.body
    with pytest.raises(ValidationError):
        experts.decline(actor=first.user, assignment=invitation, reason="再次")


def test_the_tasks_page_declines_and_keeps_what_was_typed(client, alice, bob, charlie):
    application = in_city_intake(alice, bob)
    expert = make_expert("lib1")
    invitation = experts.assign_expert(actor=charlie, application=application, expert=expert)
    client.force_login(expert.user)
    url = f"/reviews/experts/{invitation.pk}/declare/"
    prefix = f"d{invitation.pk}"
    missing = client.post(url, {f"{prefix}-decision": "decline", f"{prefix}-note": ""})
    assert missing.status_code == 422
    assert "请填写谢绝原因。" in missing.content.decode()
    done = client.post(url, {f"{prefix}-decision": "decline", f"{prefix}-note": "时间冲突"})
    assert done.status_code == 302
    page = client.get("/reviews/experts/").content.decode()
    assert "您已谢绝该邀请" in page and "时间冲突" in page


# --- the daily job ------------------------------------------------------------------------


def test_it_reminds_once_at_half_time_and_replaces_once_at_the_deadline(alice, bob, charlie):
    application = in_city_intake(alice, bob)
    slow, spare = make_expert("lib1"), make_expert("lib2")
    invitation = experts.assign_expert(actor=charlie, application=application, expert=slow)
    overrides = load_overrides()
    invited = timezone.localdate()
    half = rules.remind_on(invited, 3, overrides=overrides)
    assert cycle.remind_invitations(today=half - timedelta(days=1)) == 0
    assert cycle.remind_invitations(today=half) == 1
    assert cycle.remind_invitations(today=half) == 0
    reminder = notified("expert_invitation_reminder").get()
    assert reminder.recipient == slow.user
    assert cycle.expire_invitations(today=invitation.respond_by) == 0
    after = invitation.respond_by + timedelta(days=1)
    assert cycle.expire_invitations(today=after) == 1
    assert cycle.expire_invitations(today=after) == 0
    invitation.refresh_from_db()
    assert invitation.status == Status.EXPIRED and invitation.ended_at is not None
    [replacement] = live(application)
    assert replacement.expert == spare and replacement.replaces == invitation
    assert notified("expert_invitation_expired").count() == 2  # the expert and city staff
    # The whole daily job, again on the same day, sends nothing more.
    before = Notification.objects.count()
    lines = run_daily_jobs(today=after)
    assert "评审邀请逾期另行抽取：0条" in lines
    assert Notification.objects.filter(event__startswith="expert_invitation").count() == 2 + 1
    assert Notification.objects.count() >= before


def test_an_answer_before_the_job_keeps_the_invitation(alice, bob, charlie):
    application = in_city_intake(alice, bob)
    expert = make_expert("lib1")
    invitation = experts.assign_expert(actor=charlie, application=application, expert=expert)
    experts.declare(actor=expert.user, assignment=invitation, conflict=False)
    assert cycle.remind_invitations(today=invitation.respond_by) == 0
    assert cycle.expire_invitations(today=invitation.respond_by + timedelta(days=9)) == 0
    invitation.refresh_from_db()
    assert invitation.status == Status.ACCEPTED


def test_it_asks_for_the_yearly_update_in_january_once(alice):
    active = make_expert("lib1")
    ExpertProfile.objects.filter(pk=make_expert("lib2").pk).update(status=ExpertProfile.Status.OUT)
    assert cycle.ask_for_update(today=date(2027, 2, 1)) == 0
    assert cycle.ask_for_update(today=date(2027, 1, 4)) == 1
    assert cycle.ask_for_update(today=date(2027, 1, 5)) == 0
    active.refresh_from_db()
    assert active.update_asked_year == 2027
    [asked] = notified("expert_yearly_update")
    assert asked.recipient == active.user and "2027年3月31日前" in asked.body
    assert cycle.ask_for_update(today=date(2028, 1, 3)) == 1


def test_it_suspends_from_april_an_expert_who_did_not_update(alice):
    stale, fresh = make_expert("lib1"), make_expert("lib2")
    ExpertProfile.objects.filter(pk=stale.pk).update(last_updated_on=date(2026, 6, 1))
    ExpertProfile.objects.filter(pk=fresh.pk).update(last_updated_on=date(2027, 2, 1))
    assert cycle.suspend_lapsed(today=date(2027, 3, 31)) == 0
    assert cycle.suspend_lapsed(today=date(2027, 4, 1)) == 1
    assert cycle.suspend_lapsed(today=date(2027, 4, 2)) == 0
    stale.refresh_from_db()
    assert stale.status == ExpertProfile.Status.SUSPENDED
    assert stale.status_reason == rules.YEARLY_LAPSE_REASON
    assert stale.status_changed_on == date(2027, 4, 1)
    assert rules.suspended_for_update(stale.status, stale.status_reason)
    assert ExpertProfile.objects.get(pk=fresh.pk).status == ExpertProfile.Status.ACTIVE


# --- status and integrity -----------------------------------------------------------------


def test_taking_an_expert_out_withdraws_the_open_invitations(alice, bob, charlie):
    application = in_city_intake(alice, bob)
    leaving, spare = make_expert("lib1"), make_expert("lib2")
    invitation = experts.assign_expert(actor=charlie, application=application, expert=leaving)
    with pytest.raises(ValidationError) as no_reason:
        experts.set_status(
            actor=charlie, expert=leaving, status=ExpertProfile.Status.OUT, reason=""
        )
    assert no_reason.value.message_dict == {"reason": ["请填写变更原因。"]}
    experts.set_status(
        actor=charlie,
        expert=leaving,
        status=ExpertProfile.Status.OUT,
        reason="本人申请退出专家库",
        rng=seeded(),
    )
    invitation.refresh_from_db()
    assert invitation.status == Status.WITHDRAWN
    assert [a.expert for a in live(application)] == [spare]
    assert AuditEvent.objects.filter(detail__action="set_status").count() == 1
    experts.set_status(
        actor=charlie, expert=leaving, status=ExpertProfile.Status.ACTIVE, reason="重新入库"
    )
    assert ExpertProfile.objects.get(pk=leaving.pk).status == ExpertProfile.Status.ACTIVE


def test_an_integrity_record_takes_the_expert_out_for_good(alice, bob, charlie):
    application = in_city_intake(alice, bob)
    bad, spare = make_expert("lib1"), make_expert("lib2")
    invitation = experts.assign_expert(actor=charlie, application=application, expert=bad)
    experts.declare(actor=bad.user, assignment=invitation, conflict=False)
    record = experts.record_misconduct(
        actor=charlie,
        expert=bad,
        reason="评审中泄露申请材料",
        start_date=timezone.localdate(),
        decision_number="辽市科诚〔2026〕1号",
        rng=seeded(),
    )
    assert record.kind == IntegrityRecord.Kind.EXPERT and record.organization is None
    assert record.subject_name == bad.name
    bad.refresh_from_db()
    assert bad.status == ExpertProfile.Status.OUT
    invitation.refresh_from_db()
    assert invitation.status == Status.WITHDRAWN
    assert [a.expert for a in live(application)] == [spare]
    with pytest.raises(ValidationError) as back:
        experts.set_status(
            actor=charlie, expert=bad, status=ExpertProfile.Status.ACTIVE, reason="申诉"
        )
    assert back.value.message_dict == {"status": ["该专家有在期的失信记录，不能恢复在库。"]}
    # Even put back 在库 by an admin's direct edit, the draw never picks them.
    ExpertProfile.objects.filter(pk=bad.pk).update(status=ExpertProfile.Status.ACTIVE)
    other = in_city_intake(alice, bob)
    assert {a.expert_id for a in invite(other, charlie, 1)} == {spare.pk}
    with pytest.raises(ValidationError):
        experts.assign_expert(actor=charlie, application=other, expert=bad)


def test_an_expert_record_needs_the_expert_and_no_unit(db):
    expert = make_expert("lib1")
    with pytest.raises(Exception):  # noqa: B017 the database's check constraint
        IntegrityRecord.objects.create(
            kind=IntegrityRecord.Kind.EXPERT,
            expert=expert,
            organization=OrganizationFactory(),
            start_date=date(2026, 1, 1),
            reason="x",
        )


def test_the_integrity_list_shows_an_experts_record_beside_the_units(client, charlie):
    expert = make_expert("lib1", name="赵伟")
    experts.record_misconduct(
        actor=charlie, expert=expert, reason="评审中泄露申请材料", start_date=timezone.localdate()
    )
    client.force_login(charlie)
    page = client.get("/integrity/").content.decode()
    assert "赵伟" in page and "专家失信记录" in page
    found = client.get("/integrity/", {"q": "赵伟"}).content.decode()
    assert "评审中泄露申请材料" in found
    # The unit form offers only the unit kinds: an expert's record is made on the expert.
    assert 'value="expert"' not in client.get("/integrity/new/").content.decode()


def test_an_ended_invitation_cannot_be_answered(alice, bob, charlie):
    application = in_city_intake(alice, bob)
    expert = make_expert("lib1")
    invitation = experts.assign_expert(actor=charlie, application=application, expert=expert)
    cycle.expire_invitations(today=invitation.respond_by + timedelta(days=1))
    with pytest.raises(ValidationError) as late:
        experts.declare(actor=expert.user, assignment=invitation, conflict=False)
    assert late.value.messages == ["该邀请已结束（逾期未答复），不能再答复。"]
    with pytest.raises(ValidationError) as again:
        experts.decline(actor=expert.user, assignment=invitation, reason="太晚")
    assert again.value.messages == ["该邀请已答复或已结束，不能谢绝。"]

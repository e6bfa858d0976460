"""The approval state machine (DESIGN.md §4, §5): who may run which transition from which
state, one winner when two act at once, the log, the comments and the notifications."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications import services, workflow
from applications.models import Application, State
from liaoyang_consortia.models import Notification
from members.models import PolicyVersion
from members.roles import Role
from reviews.models import Comment
from tests.factories import make_complete_application, make_user

# DESIGN.md §4, written out independently of the code: transition → (sources, actor).
TABLE = {
    "submit": ({"draft", "returned"}, "owner"),
    "withdraw": ({"draft", "returned", "county_review"}, "owner"),
    "county_return": ({"county_review"}, "county"),
    "county_decline": ({"county_review"}, "county"),
    "county_recommend": ({"county_review"}, "county"),
    "city_return": ({"city_intake"}, "city"),
    "start_expert_review": ({"city_intake"}, "city"),
    "pass_review": ({"expert_review"}, "city"),
    "fail_review": ({"expert_review"}, "city"),
    "publish_notice": ({"review_passed"}, "city"),
    "open_objection": ({"public_notice"}, "city"),
    "resolve_objection": ({"objection_review"}, "city"),
    "close_notice": ({"public_notice"}, "city"),
    "approve": ({"party_group_review"}, "city"),
    "decline": ({"party_group_review"}, "city"),
}
ALLOWED_ACTORS = {
    "owner": {"owner"},
    "county": {"county"},
    # Admins act with city staff's powers (the admin actions go through the same policy).
    "city": {"city", "admin"},
}


def _kwargs(transition):
    if transition == "submit":
        return {
            "policy_version": PolicyVersion.in_force(timezone.localdate()),
            "at": timezone.now(),
        }
    if transition == "resolve_objection":
        return {"outcome": State.PUBLIC_NOTICE}
    return {}


@pytest.fixture
def people(role_users):
    return {
        "owner": role_users[Role.APPLICANT],
        "county": role_users[Role.COUNTY_REVIEWER],
        "city": role_users[Role.CITY_STAFF],
        "expert": role_users[Role.EXPERT],
        "admin": role_users[Role.ADMIN],
        "other_applicant": make_user("mallory", Role.APPLICANT, county_code="211002"),
        "other_county": make_user("oscar", Role.COUNTY_REVIEWER, county_code="211081"),
    }


@pytest.mark.django_db
def test_it_allows_each_transition_only_from_its_states_to_its_actors(people):
    owner = people["owner"]
    application = make_complete_application(lead=owner.profile.organization, creator=owner)
    checked = 0
    for state in State.values:
        for transition, (sources, actor_kind) in TABLE.items():
            for who, user in people.items():
                Application.objects.filter(pk=application.pk).update(state=state)
                allowed = state in sources and who in ALLOWED_ACTORS[actor_kind]
                try:
                    workflow.perform(
                        actor=user,
                        application_id=application.pk,
                        transition=transition,
                        comment="意见",
                        **_kwargs(transition),
                    )
                except (PermissionDenied, workflow.StaleApplication):
                    assert not allowed, f"{who} refused {transition} from {state}"
                except ValidationError:
                    # Past the state machine and the policy; the guard had its say.
                    assert allowed, f"{who} reached the guard of {transition} from {state}"
                else:
                    assert allowed, f"{who} ran {transition} from {state}"
                checked += 1
    assert checked == len(State.values) * len(TABLE) * len(people)


@pytest.mark.django_db
def test_it_logs_the_actor_and_comment_and_tells_the_applicant(people, mailoutbox):
    owner, county = people["owner"], people["county"]
    application = make_complete_application(lead=owner.profile.organization, creator=owner)
    services.submit(actor=owner, application_id=application.pk)
    assert Notification.objects.filter(recipient=county, event="submit").count() == 1
    workflow.perform(
        actor=county,
        application_id=application.pk,
        transition="county_return",
        comment="请补充第八家单位的签章。",
    )
    application.refresh_from_db()
    assert application.state == State.RETURNED
    assert application.returned_stage == State.COUNTY_REVIEW
    log = StateLog.objects.for_(application).latest("timestamp")
    assert (log.by, log.transition, log.description) == (
        county,
        "county_return",
        "请补充第八家单位的签章。",
    )
    comment = Comment.objects.get(application=application)
    assert comment.visibility == "applicant" and comment.author == county
    note = Notification.objects.get(recipient=owner, event="county_return")
    assert "请补充第八家单位的签章" in note.body


@pytest.mark.django_db
def test_it_requires_a_reason_to_return(people):
    owner, county = people["owner"], people["county"]
    application = make_complete_application(lead=owner.profile.organization, creator=owner)
    services.submit(actor=owner, application_id=application.pk)
    with pytest.raises(ValidationError) as err:
        workflow.perform(
            actor=county, application_id=application.pk, transition="county_return", comment="  "
        )
    assert "退回原因" in str(err.value)


@pytest.mark.django_db
def test_it_shows_reviewers_what_changed_after_a_return(people, client):
    owner, county = people["owner"], people["county"]
    application = make_complete_application(lead=owner.profile.organization, creator=owner)
    services.submit(actor=owner, application_id=application.pk)
    workflow.perform(
        actor=county,
        application_id=application.pk,
        transition="county_return",
        comment="请完善建设目标。",
    )
    application.refresh_from_db()
    services.save_fields(actor=owner, application=application, values={"goals": "五年突破10项"})
    # After a return the resubmission says what was changed (the 修改说明).
    with pytest.raises(ValidationError, match="请填写修改说明"):
        services.submit(actor=owner, application_id=application.pk)
    services.submit(actor=owner, application_id=application.pk, change_note="已完善建设目标。")
    client.force_login(county)
    body = client.get(f"/applications/{application.pk}/").content.decode()
    assert "与上次提交相比的修改" in body and "五年突破10项" in body
    assert 'data-testid="change-note"' in body and "已完善建设目标。" in body
    client.force_login(owner)
    assert (
        "与上次提交相比的修改"
        not in client.get(f"/applications/{application.pk}/").content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_simultaneous_reviewers_win(people):
    owner, county = people["owner"], people["county"]
    other = make_user("bob2", Role.COUNTY_REVIEWER, county_code="211002")
    application = make_complete_application(lead=owner.profile.organization, creator=owner)
    services.submit(actor=owner, application_id=application.pk)
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user, transition):
        try:
            barrier.wait()
            workflow.perform(
                actor=user, application_id=application.pk, transition=transition, comment="意见"
            )
            outcomes.append("ok")
        except workflow.StaleApplication as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(county, "county_recommend")),
        threading.Thread(target=act, args=(other, "county_return")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "该申请已被他人处理，请刷新后查看"]
    logs = StateLog.objects.for_(application).exclude(transition="submit")
    assert logs.count() == 1


@pytest.mark.django_db
def test_it_keeps_the_page_working_when_the_broker_is_down(
    people, client, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from liaoyang_consortia import notifications, tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis")

    monkeypatch.setattr(tasks.deliver_notifications, "delay", broker_down)
    owner, county = people["owner"], people["county"]
    owner.email, county.email = "owner@example.invalid", "county@example.invalid"
    owner.save(), county.save()
    application = make_complete_application(lead=owner.profile.organization, creator=owner)
    services.submit(actor=owner, application_id=application.pk)
    client.force_login(county)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/applications/{application.pk}/transitions/county_recommend/",
            {"county_recommend-comment": "同意推荐"},
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.CITY_INTAKE
    pending = Notification.objects.filter(recipient=owner, event="county_recommend").get()
    assert pending.email_status == "pending" and mailoutbox == []
    # The broker is back; the sweep sends what waited, once.
    assert notifications.sweep(older_than=timezone.timedelta(0)) >= 1
    assert notifications.sweep(older_than=timezone.timedelta(0)) == 0
    pending.refresh_from_db()
    assert pending.email_status == "sent"
    assert sum(1 for m in mailoutbox if m.to == ["owner@example.invalid"]) == 1


@pytest.mark.django_db
def test_it_retries_when_the_mail_server_refuses(people, monkeypatch, mailoutbox):
    import smtplib

    from django.core import mail

    from liaoyang_consortia import notifications

    owner = people["owner"]
    owner.email = "owner@example.invalid"
    owner.save()
    [note] = notifications.notify(recipients=[owner], event="test", subject="测试", body="正文")

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("refused")

    monkeypatch.setattr(mail, "send_mail", refuse)
    assert notifications.deliver([note.pk]) == 0
    note.refresh_from_db()
    assert note.email_status == "failed" and "refused" in note.last_error
    monkeypatch.undo()
    assert notifications.sweep(older_than=timezone.timedelta(0)) == 1
    note.refresh_from_db()
    assert note.email_status == "sent" and len(mailoutbox) == 1

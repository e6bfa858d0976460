"""The application page as a reviewer's work surface (issue 11): the chain, the time limit,
the 办理 panel with only what the viewer can do now, errors at the field, the return reason
at the top and the 修改说明 on resubmission."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from applications import selectors, services, workflow
from applications.models import Application, State
from reviews.experts import services as experts
from reviews.models import ExpertAssignment
from tests.factories import OrganizationFactory, make_complete_application
from tests.reviews.test_experts import criteria_of, fetch, points_for, under_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(alice):
    return make_complete_application(lead=alice.profile.organization, creator=alice)


def url(application, tail=""):
    return f"/applications/{application.pk}/{tail}"


def page(client, user, application):
    client.force_login(user)
    response = client.get(url(application))
    assert response.status_code == 200
    return response.content.decode()


def submitted(app, alice):
    services.submit(actor=alice, application_id=app.pk)
    return fetch(app)


def returned(app, alice, bob, reason="请补充第八家成员单位的盖章页。"):
    submitted(app, alice)
    workflow.perform(actor=bob, application_id=app.pk, transition="county_return", comment=reason)
    return fetch(app)


def current_step(body):
    match = re.search(r'<li class="chain-step[^"]*"[^>]*aria-current="step">(.*?)</li>', body, re.S)
    assert match, "no current step"
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).split()


# --- who sees the drafting aid ------------------------------------------------------------


def test_it_shows_the_drafting_aid_to_the_applicant_only(client, app, alice, bob):
    app.memberships.filter(role="member").last().delete()
    services.save_justification(
        actor=alice, application=app, code="min_units", text="第八家单位正在注册中"
    )
    draft = page(client, alice, app)
    assert "填报进度" in draft and 'data-testid="progress-basic"' in draft

    app = submitted(app, alice)
    review = page(client, bob, app)
    assert "填报进度" not in review and 'data-testid="progress-basic"' not in review
    assert "全部符合，可以提交。" not in review
    # The principle finding and its written justification stay for the reviewer.
    assert "原则上不少于8家" in review and "第八家单位正在注册中" in review
    # The owner, once it cannot edit, reads what reviewers read.
    assert "填报进度" not in page(client, alice, app)


def test_it_tells_a_reviewer_when_the_rules_find_nothing(client, app, alice, bob):
    body = page(client, bob, submitted(app, alice))
    assert 'data-testid="no-findings-review"' in body
    assert 'data-testid="no-findings"' not in body


# --- the chain, the breadcrumb and the time limit -----------------------------------------


def test_it_marks_where_the_application_is_in_the_chain(client, app, alice, bob):
    assert current_step(page(client, alice, app))[:3] == ["1", "提交", "填报中"]
    app = submitted(app, alice)
    body = page(client, bob, app)
    assert current_step(body)[:2] == ["2", "县区审核"]
    assert body.count('aria-current="step"') == 1
    submitted_on = timezone.localtime(app.submitted_at)
    done = re.search(r'data-status="done">(.*?)</li>', body, re.S).group(1)
    assert "提交" in done and f"已完成 {submitted_on:%Y年%-m月%-d日}" in done
    assert body.count('data-status="todo"') == 5


def test_it_shows_a_returned_or_rejected_application_honestly(client, app, alice, bob):
    app = returned(app, alice, bob)
    assert current_step(page(client, alice, app))[:3] == ["1", "提交", "退回修改"]
    services.submit(actor=alice, application_id=app.pk, change_note="已补充盖章页。")
    workflow.perform(actor=bob, application_id=app.pk, transition="county_decline", comment="否")
    body = page(client, alice, fetch(app))
    assert current_step(body)[:3] == ["✕", "县区审核", "未通过"]
    assert "chain-stopped" in body


def test_it_leads_back_to_the_viewers_work_list(client, app, alice, bob):
    body = page(client, bob, submitted(app, alice))
    crumb = re.search(r'data-testid="breadcrumb">(.*?)</ol>', body, re.S).group(1)
    assert 'href="/applications/"' in crumb and "待本县区审核" in crumb
    assert 'aria-current="page"' in crumb and app.display_name in crumb


def test_it_shows_the_time_limit_and_how_many_working_days_are_left(client, app, alice, bob):
    app = submitted(app, alice)
    deadline = selectors.deadline_of(app, today=timezone.localdate())
    body = page(client, bob, app)
    text = re.search(r'data-testid="deadline">(.*?)</div>', body, re.S).group(1)
    assert f"办理时限：{deadline.due:%Y年%-m月%-d日}" in text
    assert f"剩余{deadline.left}个工作日" in text
    assert "text-danger" not in re.search(r'<div class="[^"]*" data-testid="deadline">', body)[0]


def test_it_shows_an_overdue_application_in_words_and_red(client, app, alice, bob):
    app = submitted(app, alice)
    Application.objects.filter(pk=app.pk).update(state_since=timezone.now() - timedelta(days=60))
    app = fetch(app)
    deadline = selectors.deadline_of(app, today=timezone.localdate())
    assert deadline.overdue
    body = page(client, alice, app)
    tag = re.search(r'<div class="([^"]*)" data-testid="deadline">(.*?)</div>', body, re.S)
    assert "text-danger" in tag.group(1)
    assert f"已超期{deadline.late}个工作日" in tag.group(2)


def test_it_shows_no_time_limit_on_a_draft(client, app, alice):
    assert 'data-testid="deadline"' not in page(client, alice, app)


# --- the 办理 panel ------------------------------------------------------------------------


def test_it_puts_the_applicants_next_step_before_withdrawing(client, app, alice):
    body = page(client, alice, app)
    panel = body[body.index('id="actions"') :]
    main = panel.index('data-testid="main-action"')
    withdraw = panel.index('data-testid="withdraw"')
    assert main < withdraw
    # Withdrawing hides behind a disclosure and asks to be confirmed; nothing red before it.
    assert "<details" in panel[withdraw - 40 : withdraw] and "确认撤回申请" in panel
    assert "btn-outline-danger" not in panel[:withdraw]


def test_it_withdraws_after_confirmation(client, app, alice):
    client.force_login(alice)
    response = client.post(url(app, "transitions/withdraw/"), {"withdraw-comment": ""})
    assert response.status_code == 302
    assert fetch(app).state == State.WITHDRAWN


def test_it_shows_the_county_its_three_choices_and_the_applicant_none(client, app, alice, bob):
    app = submitted(app, alice)
    county = page(client, bob, app)
    for name in ("county_recommend", "county_return", "county_decline"):
        assert f'data-testid="action-{name}"' in county
    applicant = page(client, alice, app)
    assert 'data-testid="action-county_return"' not in applicant
    assert "等待所在县（市、区）科技管理部门审核。" in applicant
    # The applicant may still withdraw while the county reviews.
    assert 'data-testid="action-withdraw"' in applicant


def test_it_gives_the_error_next_to_an_empty_reason(client, app, alice, bob):
    app = submitted(app, alice)
    client.force_login(bob)
    response = client.post(url(app, "transitions/county_return/"), {"county_return-comment": " "})
    assert response.status_code == 422
    body = response.content.decode()
    field = re.search(r'<textarea[^>]*name="county_return-comment"[^>]*>', body)[0]
    assert "is-invalid" in field and 'aria-invalid="true"' in field
    error = re.search(r'id="id_county_return-comment_error"[^>]*>(.*?)</div></div>', body, re.S)
    assert error and "请填写退回原因。" in error.group(1)
    # Not a banner: the messages area has no copy of it, and the other forms are intact.
    assert body.count("请填写退回原因。") == 1
    assert 'data-testid="action-county_recommend"' in body
    assert fetch(app).state == State.COUNTY_REVIEW


def test_it_keeps_what_was_typed_when_the_transition_is_refused(client, app, alice, charlie, bob):
    app = submitted(app, alice)
    workflow.perform(
        actor=bob, application_id=app.pk, transition="county_recommend", comment="同意"
    )
    client.force_login(charlie)
    # Too long: refused at the field, the text kept.
    text = "退" * 2001
    response = client.post(url(app, "transitions/city_return/"), {"city_return-comment": text})
    assert response.status_code == 422
    body = response.content.decode()
    assert text in body and "is-invalid" in body


@pytest.fixture
def reviewing(app, alice, bob, charlie):
    app = submitted(app, alice)
    workflow.perform(
        actor=bob, application_id=app.pk, transition="county_recommend", comment="同意"
    )
    return under_review(fetch(app), charlie, 3)


def score(application, n, recommend=True):
    waiting = ExpertAssignment.objects.filter(
        application=application, status=ExpertAssignment.Status.ACCEPTED
    ).select_related("expert__user")
    for a in list(waiting.order_by("id"))[:n]:
        experts.submit_scores(
            actor=a.expert.user,
            assignment=a,
            points=points_for(criteria_of(a), 80),
            recommend=recommend,
            opinion="材料齐全。",
        )


def test_it_says_why_the_review_cannot_be_concluded_yet(client, reviewing, charlie):
    score(reviewing, 1)
    body = page(client, charlie, reviewing)
    assert 'data-testid="action-pass_review"' not in body
    assert 'data-testid="action-fail_review"' not in body
    assert "3 名专家中已有 1 名提交评分。" in body
    assert "还有2名专家未提交评分。" in body
    figures = re.search(r'data-testid="expert-figures">(.*?)</dl>', body, re.S).group(1)
    assert "已提交 1/3，其中推荐 1" in figures
    assert "过半数" not in figures.replace("全部提交后才计是否过半数", "")


def test_it_offers_both_conclusions_under_different_labels_once_all_have_scored(
    client, reviewing, charlie
):
    score(reviewing, 3)
    body = page(client, charlie, reviewing)
    assert 'data-testid="action-pass_review"' in body
    assert 'data-testid="action-fail_review"' in body
    labels = re.findall(
        r'<label class="form-label" for="id_(?:pass|fail)_review-comment">(.*?)<', body
    )
    assert len(labels) == 2 and len(set(labels)) == 2, labels
    assert "已提交 3/3，其中推荐 3（过半数）" in body


def test_it_offers_only_the_failure_when_the_majority_does_not_recommend(
    client, reviewing, charlie
):
    score(reviewing, 3, recommend=False)
    body = page(client, charlie, reviewing)
    assert 'data-testid="action-pass_review"' not in body
    assert 'data-testid="action-fail_review"' in body
    assert "推荐的专家未过半数（0/3），不能评审通过。" in body


def test_it_points_the_clerk_to_the_notices_after_the_review_passed(client, reviewing, charlie):
    score(reviewing, 3)
    workflow.perform(
        actor=charlie, application_id=reviewing.pk, transition="pass_review", comment="通过"
    )
    body = page(client, charlie, fetch(reviewing))
    step = re.search(r'data-testid="next-step">(.*?)</p>', body, re.S).group(1)
    assert 'href="/notices/manage/"' in step and "公示管理" in step


def test_it_states_the_scoring_date_on_the_experts_sheet(client, reviewing):
    assignment = ExpertAssignment.objects.filter(application=reviewing).first()
    client.force_login(assignment.expert.user)
    body = client.get(f"/reviews/experts/{assignment.pk}/score/").content.decode()
    deadline = selectors.deadline_of(reviewing, today=timezone.localdate())
    assert f"请于{deadline.due:%Y年%-m月%-d日}前完成评分" in body
    assert "请在评审期内完成评分" not in body


# --- returned and resubmitted -------------------------------------------------------------


def test_it_shows_the_return_reason_at_the_top(client, app, alice, bob):
    app = returned(app, alice, bob)
    body = page(client, alice, app)
    top = body.index('data-testid="return-reason"')
    assert top < body.index('data-testid="chain"') < body.index('id="basic"')
    assert "请补充第八家成员单位的盖章页。" in body[top : body.index('data-testid="chain"')]
    assert "见下方" not in body


def test_it_asks_for_a_change_note_on_resubmission_and_shows_it_to_the_county(
    client, app, alice, bob
):
    app = returned(app, alice, bob)
    client.force_login(alice)
    form = client.get(url(app, "submit/")).content.decode()
    assert 'name="submit-comment"' in form and "修改说明" in form
    assert "请补充第八家成员单位的盖章页。" in form  # the reason, beside the note

    response = client.post(url(app, "submit/"), {"submit-comment": ""})
    assert response.status_code == 422
    body = response.content.decode()
    field = re.search(r'<textarea[^>]*name="submit-comment"[^>]*>', body)[0]
    assert "is-invalid" in field and "请填写修改说明。" in body
    assert fetch(app).state == State.RETURNED

    note = "已补充第八家成员单位的盖章页。"
    response = client.post(url(app, "submit/"), {"submit-comment": note})
    assert response.status_code == 302
    assert fetch(app).state == State.COUNTY_REVIEW

    county = page(client, bob, fetch(app))
    shown = county.index('data-testid="change-note"')
    assert note in county[shown:] and shown < county.index('data-testid="submission-diff"')


def test_it_asks_nothing_of_a_first_submission(client, app, alice):
    client.force_login(alice)
    assert 'name="submit-comment"' not in client.get(url(app, "submit/")).content.decode()
    assert client.post(url(app, "submit/")).status_code == 302


# --- our own words for bad numbers --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "计划建设期限至少为1年。"), ("-1", "计划建设期限至少为1年。"), ("11", "最长为10年")],
)
def test_it_refuses_a_planned_duration_out_of_range_in_its_own_words(
    client, app, alice, value, message
):
    client.force_login(alice)
    response = client.post(
        url(app, "sections/basic/"),
        {"basic-name_core": "精细化工二期", "basic-duration_years": value},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body and "确保该值" not in body
    app.refresh_from_db()
    assert app.duration_years == 3 and app.name_core == "精细化工二期"


def test_it_refuses_an_agreement_of_no_years_in_its_own_words(client, app, alice):
    client.force_login(alice)
    response = client.post(url(app, "agreement/"), {"agreement-duration_years": "0"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "协议期限至少为1年。" in body and "确保该值" not in body


# --- a fixed number of queries ------------------------------------------------------------


def test_it_runs_the_same_queries_for_a_reviewer_with_8_and_40_members(client, alice, bob):
    client.force_login(bob)
    client.get("/")
    counts = []
    for units in (8, 40):
        application = make_complete_application(
            lead=OrganizationFactory(),
            creator=alice,
            units=units,
        )
        assign_perm("applications.change_application", alice, application)
        assign_perm("applications.view_application", alice, application)
        services.submit(actor=alice, application_id=application.pk)
        workflow.perform(
            actor=bob, application_id=application.pk, transition="county_return", comment="补"
        )
        services.submit(actor=alice, application_id=application.pk, change_note="已补")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url(application))
        assert response.status_code == 200
        assert 'data-testid="change-note"' in response.content.decode()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_it_shows_the_notice_on_the_application_page(client, reviewing, alice, charlie):
    from reviews.notices import services as notices

    score(reviewing, 3)
    workflow.perform(
        actor=charlie, application_id=reviewing.pk, transition="pass_review", comment="通过"
    )
    notice = notices.publish_notice(
        actor=charlie,
        applications=[fetch(reviewing)],
        start_date=timezone.localdate(),
        business_contact="市科技局成果转化科，0419-2222222",
        supervision_contact="市科技局机关纪委，0419-3333333",
    )
    staff = page(client, charlie, fetch(reviewing))
    assert 'data-testid="notices-panel"' in staff and notice.number in staff
    applicant = page(client, alice, fetch(reviewing))
    assert 'data-testid="notices-panel"' in applicant and "公示期间未收到异议。" in applicant
    assert current_step(applicant)[:2] == ["5", "公示"]


def test_it_shows_an_expert_their_task_and_the_time_limit_not_the_drafting_aid(client, reviewing):
    assignment = ExpertAssignment.objects.filter(application=reviewing).first()
    body = page(client, assignment.expert.user, reviewing)
    assert "您是本申请的评审专家，请在下方“专家评审”中填写评分表。" in body
    assert 'data-testid="nothing-to-do"' not in body
    assert "填报进度" not in body and 'data-testid="deadline"' in body
    crumb = re.search(r'data-testid="breadcrumb">(.*?)</ol>', body, re.S).group(1)
    assert "我的评审任务" in crumb
    # Never the other experts' scores.
    assert 'data-testid="expert-sheets"' not in body

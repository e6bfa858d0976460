"""What runs once a day (DESIGN.md §10: `manage.py run_daily_jobs [--date]` and the beat
task call this). Every part is idempotent: a second run, or a run after missed days,
does nothing twice and misses nothing."""

import logging

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import policy, selectors, workflow
from applications.models import Application, DeadlineReminder
from liaoyang_consortia import health, notifications
from members.models import PolicyVersion

logger = logging.getLogger(__name__)

DAILY_JOB = health.DAILY_JOB
AUDIENCE = {"applicant": "applicant", "county": "county", "city": "city"}


def remind_overdue(*, today) -> list[Application]:
    """Tell the handlers of every application over its time limit, once per stay."""
    from reviews.workdays import load_overrides

    overrides = load_overrides()
    in_force = PolicyVersion.in_force(today)
    reminded = []
    # Only those over their limit are read (the database filters on state_since), not every
    # application waiting somewhere.
    waiting = Application.objects.filter(
        selectors.overdue_q(today=today, overrides=overrides, default=in_force)
    ).select_related("lead", "policy_version")
    for application in waiting:
        late = selectors.overdue_days(
            application, today=today, overrides=overrides, default=in_force
        )
        if not late:
            continue
        try:
            with transaction.atomic():
                DeadlineReminder.objects.create(
                    application=application,
                    state=application.state,
                    state_since=application.state_since,
                )
                side = policy.WAITING_ON[application.state]
                notifications.notify(
                    recipients=workflow.recipients_for(AUDIENCE[side], application),
                    event="overdue",
                    subject=_("【督办】%(name)s已超过办理时限")
                    % {"name": application.display_name},
                    body=_("%(name)s处于“%(state)s”，已超过办理时限%(n)d个工作日，请尽快办理。")
                    % {
                        "name": application.display_name,
                        "state": application.get_state_display(),
                        "n": late,
                    },
                    url=reverse("applications:detail", args=[application.pk]),
                )
        except IntegrityError:
            continue  # reminded on an earlier run
        reminded.append(application)
    return reminded


def run_daily_jobs(today=None) -> list[str]:
    """Run everything of the day; returns what was done, one line per job, in Chinese."""
    from reporting.assessments.services import run_daily as run_assessments
    from reporting.cycle import describe, run_reporting_cycle
    from reviews.experts.cycle import run_daily as run_expert_library
    from reviews.notices.services import close_ended_notices

    today = today or timezone.localdate()
    health.job_started(DAILY_JOB)
    report = []
    closed = close_ended_notices(today=today)
    report.append(_("公示期满转党组会议审议：%(n)d件") % {"n": len(closed)})
    reminded = remind_overdue(today=today)
    report.append(_("超时督办：%(n)d件") % {"n": len(reminded)})
    report.extend(describe(run_reporting_cycle(today=today)))
    report.extend(run_assessments(today=today))
    report.extend(run_expert_library(today=today))
    sent = notifications.sweep()
    report.append(_("补发通知邮件：%(n)d封") % {"n": sent})
    for line in report:
        logger.info(line)
    # Only a run that got to the end counts for /healthz (a crash leaves it stale).
    health.job_finished(DAILY_JOB)
    return report

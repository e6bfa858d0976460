"""The N+1 detector (django-zeal) inside the integration tests' Celery workers (issue 16).

The workers are processes of their own, so tests/conftest.py's set-up does not reach them.
tests/integration/conftest.py starts each worker with `-I tests.integration.worker_zeal`;
this module does nothing unless ZEAL_IN_WORKER=1 is set too (a production worker never
imports it). With it on, each task is one zeal scope, as a request is in the test process:
the same patching, the same placing of reads by their chain of project frames
(tests/nplusone.py, so a loop in a service, the daily job or the cycle is seen as it is in
the tests' own scope), the same global allowlist and ZEAL_RAISE. An N+1 then raises
NPlusOneError inside the task: the task fails, and the worker logs "raised unexpected:
NPlusOneError", which the conftest's `_no_n_plus_one_in_workers` turns into a failed test.

It also registers one task of its own, `read_recipients`, which reads each notification's
recipient row by row unless told to join them: the probe by which
test_resilience_worker.py shows that an N+1 in a worker task does surface.
"""

import os
from contextvars import Token

from celery import shared_task, signals

ENABLED = os.environ.get("ZEAL_IN_WORKER") == "1"
PROBE = "tests.integration.worker_zeal.read_recipients"

_installed = False
_tokens: dict[str, Token] = {}


def _install() -> None:
    """zeal's patching once, on the first task (Django is set up by then, whatever the
    order in which Celery imports this module and its Django fix-up runs)."""
    global _installed
    if _installed:
        return
    from django.conf import settings
    from zeal.constants import initialize_app_registry
    from zeal.patch import patch

    from tests import nplusone

    initialize_app_registry()
    patch()
    nplusone.install()
    settings.ZEAL_RAISE = True
    settings.ZEAL_ALLOWLIST = nplusone.ALLOWLIST
    _installed = True


@signals.task_prerun.connect
def _scope_opens(task_id=None, **kwargs):
    if not ENABLED:
        return
    from zeal import setup

    _install()
    _tokens[task_id] = setup()


@signals.task_postrun.connect
def _scope_closes(task_id=None, **kwargs):
    token = _tokens.pop(task_id, None)
    if token is not None:
        from zeal import teardown

        teardown(token)


@shared_task(name=PROBE)
def read_recipients(ids, joined=False):
    """The usernames of the given notifications' recipients: one query with `joined`, one
    per row without it (the N+1 the worker must refuse)."""
    from liaoyang_consortia.models import Notification

    notes = Notification.objects.filter(pk__in=ids).order_by("pk")
    if joined:
        notes = notes.select_related("recipient")
    return [note.recipient.username for note in notes]

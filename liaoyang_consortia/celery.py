import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaoyang_consortia.settings")

app = Celery("liaoyang_consortia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _django_logging(**kwargs):
    """The worker and beat log through Django's LOGGING (text or JSON, with the task id as
    the request id) instead of Celery's own set-up."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@signals.task_prerun.connect
def _task_started(**kwargs):
    from liaoyang_consortia.requestlog import task_prerun

    task_prerun(**kwargs)


@signals.task_postrun.connect
def _task_finished(**kwargs):
    from liaoyang_consortia.requestlog import task_postrun

    task_postrun(**kwargs)

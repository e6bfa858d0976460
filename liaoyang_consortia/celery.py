import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaoyang_consortia.settings")

app = Celery("liaoyang_consortia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

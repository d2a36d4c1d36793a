"""The Celery app. Broker: Redis (`REDIS_URL`). Without a broker, tasks run in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koperasi.settings")

app = Celery("koperasi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

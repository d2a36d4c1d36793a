"""How Celery is set up: late acks and time limits on delivery, beat's schedule, and tasks run
in-process when no broker is configured (`make run`), so a deposit's email shows at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail

from koperasi.celery import app
from koperasi.notifications.tasks import deliver, sweep
from tests.notifications.helpers import deposit, deposit_notification, member_with_login

ROOT = Path(__file__).resolve().parents[2]


def test_delivery_acks_late_within_time_limits_shorter_than_a_claim():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert deliver.acks_late is True
    assert 0 < deliver.soft_time_limit < deliver.time_limit < settings.NOTIFY_CLAIM_TIMEOUT
    assert deliver.soft_time_limit > settings.NOTIFY_GATEWAY_TIMEOUT
    assert sweep.time_limit is not None


def test_beat_runs_the_sweeper_every_minute_and_the_savings_month_end_monthly():
    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks
    schedule = app.conf.beat_schedule

    assert schedule["notifications-sweep"]["task"] == sweep.name
    assert schedule["notifications-sweep"]["schedule"] == 60.0
    month_end = schedule["savings-month-end"]
    assert month_end["schedule"] == crontab(minute=30, hour=1, day_of_month=1)
    assert {entry["task"] for entry in schedule.values()} <= set(app.tasks)


def _celery_config(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TESTING"}}
    code = (
        "import django; django.setup(); from koperasi.celery import app; "
        "print(app.conf.task_always_eager, app.conf.broker_url)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": "sqlite:///:memory:", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_without_a_broker_tasks_run_in_process_and_with_redis_on_the_broker():
    assert _celery_config(DEBUG="true") == "True memory://"
    assert _celery_config(REDIS_URL="redis://127.0.0.1:6379/1") == (
        "False redis://127.0.0.1:6379/1"
    )


@pytest.fixture
def in_process():
    """Tasks run in the caller, as under `make run` (no REDIS_URL)."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = saved


@pytest.mark.django_db
@pytest.mark.usefixtures("in_process")
def test_in_process_a_deposit_sends_its_email_at_commit(
    cooperative, django_capture_on_commit_callbacks
):
    member = member_with_login(cooperative, language="en")

    with django_capture_on_commit_callbacks(execute=True):
        deposit(member, 1_250_000)

    (message,) = mail.outbox
    assert message.subject == "Portal Koperasi: Deposit received: Rp 1.250.000"
    email = deposit_notification(member).deliveries.get(channel="email")
    assert (email.status, email.attempts) == ("sent", 1)
